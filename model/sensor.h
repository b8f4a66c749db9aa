/* bsq — the sensor spec: each feature's ADC format as the silicon fixes it
 * (docs/design.md 2.1), read from the JSON file `--sensor SPEC.json`:
 *
 *   {"features": [
 *     {"name": "temp", "width": 16, "signed": true,
 *      "lsb": 0.0078125, "offset": 0.0, "unit": "degC"},
 *     {"name": "light", "width": 10, "signed": false, "codes": true}
 *   ]}
 *
 * name, width (1..32) and signed are required. A feature whose CSV column
 * holds physical values gives lsb (> 0) and offset (both required, finite):
 * value = offset + code * lsb, so its format is {width, signed, offset,
 * scale = lsb}; unit is optional and only printed. "codes": true says the
 * column holds the ADC's raw integer codes: lsb, offset and unit must then
 * be absent, and the format is {width, signed, 0, 1}. No other field is
 * allowed. Every error names the file and the field ("spec.json:
 * features[1].lsb: ..."). */
#ifndef BSQ_SENSOR_H
#define BSQ_SENSOR_H

#include <stddef.h>

#include "data.h"
#include "err.h"
#include "quant.h"

#define BSQ_UNIT_MAX 24 /* bytes of a unit, with the NUL */

/* Where a feature's input format came from (model file "format_from"). */
typedef enum {
  BSQ_FMT_FIT = 0,    /* fitted to the training range plus the margin */
  BSQ_FMT_SENSOR = 1, /* the sensor spec's lsb and offset: physical values */
  BSQ_FMT_CODES = 2   /* the sensor spec's "codes": raw ADC codes in the data */
} bsq_fmt_from;

const char *bsq_fmt_from_name(bsq_fmt_from f); /* "fit", "sensor", "codes" */
/* "fit" ... -> the value; -1 for another name. */
int bsq_fmt_from_parse(const char *s);

typedef struct {
  char *name;
  bsq_format fmt;
  bsq_fmt_from from;       /* BSQ_FMT_SENSOR or BSQ_FMT_CODES */
  char unit[BSQ_UNIT_MAX]; /* "" when none */
} bsq_sensor_feature;

typedef struct {
  char path[512];           /* the spec file, for messages */
  int n;
  bsq_sensor_feature *feat; /* (n) */
} bsq_sensor;

/* Reads and validates a spec. On failure s is empty and diag names the
 * file and the field. */
int bsq_sensor_load(bsq_sensor *s, const char *path, bsq_diag *diag);
/* Same from len bytes in memory; `name` stands for the path in messages. */
int bsq_sensor_parse(bsq_sensor *s, const char *text, size_t len,
                     const char *name, bsq_diag *diag);
void bsq_sensor_free(bsq_sensor *s);

/* Index of the spec entry named name, or -1. */
int bsq_sensor_find(const bsq_sensor *s, const char *name);

/* The spec against a data set: every name must be a feature column of d
 * (not its target), and every value of a "codes" column an integer code
 * of the ADC (bsq_code_check). 0, or an error naming the spec field or the
 * data file, line and column. */
int bsq_sensor_check_data(const bsq_sensor *s, const bsq_dataset *d,
                          bsq_diag *diag);

/* A raw code v of format f, at (row, column j) of d: BSQ_OK when v is an
 * integer in [lo, hi]; otherwise BSQ_EPARSE (not an integer) or BSQ_ERANGE
 * (beyond the range: an ADC cannot produce it, so it is an error, never
 * saturated), with diag naming file, line and column. */
int bsq_code_check(const bsq_format *f, double v, const bsq_dataset *d,
                   int row, int j, bsq_diag *diag);

/* A unit as the spec and the model file may carry it: 1..BSQ_UNIT_MAX-1
 * printable ASCII characters, none of `"`, `\` and no comment delimiter
 * (it is printed into C and Verilog comments). 0, or -1 with why saying
 * what is wrong. */
int bsq_unit_check(const char *u, char *why, size_t cap);

#endif
