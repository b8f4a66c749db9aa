/* libFuzzer target: the sensor-spec parser (model/sensor.c) on bytes in
 * memory. A parse either fails with a message naming the input, leaving
 * the spec empty, or gives a spec every later stage can use: 1..1024
 * uniquely named features, widths 1..32, a finite positive scale and a
 * finite offset whose code range maps to finite values, raw codes with
 * offset 0 and scale 1 and no unit, and units that pass bsq_unit_check. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bsq_sensor s;
  bsq_diag g = {{0}};
  int rc = bsq_sensor_parse(&s, (const char *)data, size, NAME, &g);
  if (rc != BSQ_OK) {
    if (strncmp(g.msg, NAME, strlen(NAME)) != 0) abort();
    if (s.n || s.feat) abort();
    return 0;
  }
  if (s.n < 1 || s.n > BSQ_MAX_FEATURES || !s.feat) abort();
  for (int i = 0; i < s.n; i++) {
    const bsq_sensor_feature *f = &s.feat[i];
    char why[160];
    if (!f->name || !f->name[0]) abort();
    for (int k = 0; k < i; k++)
      if (!strcmp(s.feat[k].name, f->name)) abort();
    if (bsq_sensor_find(&s, f->name) != i) abort();
    if (f->fmt.width < 1 || f->fmt.width > BSQ_MAX_WIDTH) abort();
    if (!(f->fmt.scale > 0) || !isfinite(f->fmt.scale) ||
        !isfinite(f->fmt.offset))
      abort();
    if (!isfinite(bsq_format_value(&f->fmt, bsq_format_lo(&f->fmt))) ||
        !isfinite(bsq_format_value(&f->fmt, bsq_format_hi(&f->fmt))))
      abort();
    if (f->from == BSQ_FMT_CODES) {
      if (f->fmt.offset != 0 || f->fmt.scale != 1 || f->unit[0]) abort();
    } else if (f->from != BSQ_FMT_SENSOR) {
      abort();
    }
    if (f->unit[0] && bsq_unit_check(f->unit, why, sizeof why)) abort();
  }
  bsq_sensor_free(&s);
  return 0;
}
