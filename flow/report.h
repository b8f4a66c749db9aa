/* bsq — the comparison report: one row per (method, bits) aggregated over
 * the seeds, the settings and the tuning, as a struct; written as JSON and
 * Markdown, read back from its JSON (to re-render without training). */
#ifndef BSQ_REPORT_H
#define BSQ_REPORT_H

#include <stdint.h>

#include "model.h"
#include "tune.h"

/* One (method, bits) over the seeds. */
typedef struct {
  bsq_method method;
  int bits;         /* per feature; FP 32 */
  int n;            /* seeds */
  int bpf;          /* bits per frame */
  int best;         /* lowest mean of the quantized methods at these bits */
  double mean, sd, lo, hi; /* hardware-true test MSE, 95% t-interval */
  double mse_float; /* mean float-path test MSE */
  double seconds;   /* mean training time */
  double *v;        /* (n) per-seed hardware-true MSE, in the report's vals */
} bsq_report_row;

typedef struct {
  char source[512], target[256];
  int rows, F;
  uint64_t hash;
  int bits[BSQ_MAX_BITS], nbits; /* the widths compared, in order */
  int want[BSQ_METHOD_COUNT];    /* the methods compared */
  int nseeds, jobs;
  uint64_t seed0;
  bsq_train_cfg base;            /* the settings (before tuning) */
  double wall_seconds;
  bsq_report_row *row;           /* (nrows) by method, then bits */
  int nrows;
  double *vals;                  /* the rows' per-seed values */
  const bsq_tuning *tuned;       /* not owned; NULL unless tuned (a report
                                    read back has none) */
} bsq_report;

void bsq_report_init(bsq_report *r);
void bsq_report_free(bsq_report *r);

/* The JSON text (malloc'ed, with a final newline), or NULL (no memory). */
char *bsq_report_to_json(const bsq_report *r);
/* The JSON of an earlier report: every field used is checked, a bad one
 * named in diag ("NAME: rows[2].mse_ci95: missing or not two numbers").
 * r is initialized here; free it with bsq_report_free either way. */
int bsq_report_from_json(bsq_report *r, const char *text, const char *name,
                         bsq_diag *diag);
/* The Markdown text (malloc'ed), or NULL. */
char *bsq_report_to_markdown(const bsq_report *r);
/* The table for a terminal: one line per width, one column per method,
 * * marking the best (malloc'ed), or NULL. */
char *bsq_report_to_text(const bsq_report *r);

/* The same, to and from files (written atomically). */
int bsq_report_save_json(const bsq_report *r, const char *path,
                         bsq_diag *diag);
int bsq_report_save_markdown(const bsq_report *r, const char *path,
                             bsq_diag *diag);
int bsq_report_load_json(bsq_report *r, const char *path, bsq_diag *diag);

/* The tuning alone (bsq tune): its Markdown table (malloc'ed; NULL when
 * out of memory), and the report files, headed by the data source. */
char *bsq_tuning_to_markdown(const bsq_tuning *t);
int bsq_tuning_save_markdown(const bsq_tuning *t, const char *source,
                             const char *path, bsq_diag *diag);
int bsq_tuning_save_json(const bsq_tuning *t, const char *source,
                         const char *path, bsq_diag *diag);

#endif
