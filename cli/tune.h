/* bsq tune — random search with k-fold cross-validation, per method and
 * bit width (used by bsq tune and bsq compare --tune). */
#ifndef BSQ_TUNE_H
#define BSQ_TUNE_H

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "data.h"
#include "model.h"

typedef struct {
  int trials;         /* settings tried per (method, bits) */
  double time_budget; /* seconds; trainings not started by then are skipped */
  int folds;          /* k of the cross-validation */
  int jobs;           /* parallel trainings */
  int progress;
} tune_opts;

void tune_opts_default(tune_opts *o);
/* The tuner options tune and compare share: --trials (x), --time-budget
 * (y) and --folds (k). Returns 1 when c is one of them, having applied arg
 * to o or set *bad to the option's name when arg is invalid; 0 otherwise. */
int tune_parse_common(int c, const char *arg, tune_opts *o, const char **bad);

typedef struct {
  int method, bits;     /* FP: bits 0 (Po-* use FP's setting) */
  bsq_train_cfg cfg;    /* the chosen setting */
  double cv_mean, cv_sd; /* k-fold hardware-true MSE of the chosen setting */
  int trials_done;      /* settings whose every fold ran */
} tune_entry;

typedef struct {
  int n;
  tune_entry *e;
  int folds, trials, budget_hit;
  double seconds, time_budget;
  uint64_t seed;
} tune_choice;

/* Tunes every wanted method (want[BSQ_METHOD_COUNT]) at every bits[]
 * around base (epochs are searched around base->epochs). The folds split
 * the development rows (train + validation) of seed's split; the test rows
 * of that split are never used. *out is the caller's (tune_free). */
int tune_run(const bsq_dataset *d, const bsq_train_cfg *base, const int *want,
             const int *bits, int nbits, uint64_t seed, const tune_opts *o,
             tune_choice **out, bsq_diag *diag);
/* The chosen setting for (method, bits), or fallback if none was found.
 * Po-* methods get FP's. */
const bsq_train_cfg *tune_cfg_for(const tune_choice *t, int method, int bits,
                                  const bsq_train_cfg *fallback);
void tune_write_markdown(FILE *f, const tune_choice *t);
/* Adds a "tuning" object to root; 0 or -1 (out of memory). */
int tune_add_json(cJSON *root, const tune_choice *t);
void tune_free(tune_choice *t);

#endif
