/* bsq — the tuner: a random search per method and bit width over a space
 * like the paper's (learning rate, depth, width, epochs, tau decay,
 * dropout; Schrödter et al., CPAL 2026, section 5), scored by k-fold
 * cross-validation of the hardware-true MSE, bounded by a number of
 * trials and a time budget, trainings in parallel on the job pool. */
#ifndef BSQ_TUNE_H
#define BSQ_TUNE_H

#include <stdint.h>

#include "data.h"
#include "flow.h"
#include "model.h"

/* The search space. BSQ_SPACE_BSQ: lr {3e-3, 1e-3, 3e-4, 1e-4}, depth
 * 1..5, width {16, 32, 64, 128}, epochs {E/2, E, 2E}, tau decay {1e-3,
 * 1e-4}, dropout {0, 0.1, 0.2}. BSQ_SPACE_PAPER: the paper's (Schrödter et
 * al., CPAL 2026, Appendix F, Table 3): lr {1e-3, 1e-4}, depth {5, 6, 8,
 * 10}, width {32, 64, ..., 8192}, epochs {30, 50, 70}, tau decay {1e-3,
 * 1e-4}, dropout {0, 0.2, 0.4, 0.5}, weight decay 0. */
typedef enum { BSQ_SPACE_BSQ = 0, BSQ_SPACE_PAPER = 1 } bsq_tune_space;

const char *bsq_tune_space_name(bsq_tune_space s);
int bsq_tune_space_parse(const char *name, bsq_tune_space *s);

typedef struct {
  bsq_tune_space space;
  int max_width;      /* widths above are not drawn (0: no limit); at least
                         the space's smallest width */
  int trials;         /* settings tried per (method, bits) */
  double time_budget; /* seconds; trainings not started by then are skipped */
  int folds;          /* k of the cross-validation, >= 2 */
  int jobs;           /* parallel trainings */
  bsq_log_fn log;     /* one line per finished training; may be NULL */
  void *user;
} bsq_tune_opts;

/* The bsq space, 12 trials, 1800 s, 3 folds, every core, no log. (The
 * paper's protocol: 100 trials, 4 folds.) */
void bsq_tune_opts_default(bsq_tune_opts *o);

/* Each fold must hold this many development rows. */
#define BSQ_TUNE_MIN_FOLD_ROWS 4
/* The development rows (train + validation of a split of rows; the test
 * rows are never tuned on) that the folds divide; -1 when rows cannot be
 * split at all. */
int bsq_tune_dev_rows(int rows);

/* The k folds of the development rows of s (its train rows, with its
 * validation rows following them in memory): fold i scores part i and
 * splits the rest 3:1 into training and early-stopping validation rows.
 * 0 or BSQ_ENOMEM; free with bsq_tune_folds_free. */
int bsq_tune_folds(bsq_split *folds /* (K) */, int K, const bsq_split *s);
void bsq_tune_folds_free(bsq_split *folds, int K);

typedef struct {
  bsq_method method;
  int bits;              /* FP: 0 (the Po-* methods use FP's setting) */
  bsq_train_cfg cfg;     /* the chosen setting */
  double cv_mean, cv_sd; /* k-fold hardware-true MSE of it; NaN if none ran */
  int trials_done;       /* settings whose every fold ran */
} bsq_tune_entry;

typedef struct {
  int n;
  bsq_tune_entry *e; /* (n): FP first when wanted, then method by bits */
  int folds, trials, budget_hit;
  bsq_tune_space space;
  int max_width;
  double seconds, time_budget;
  uint64_t seed;
} bsq_tuning;

/* Tunes every wanted method (want[BSQ_METHOD_COUNT]) at every bits[]
 * around base (epochs are searched around base->epochs); the methods with
 * an FP parent are tuned as FP. The folds split the development rows of
 * seed's split. t is the caller's: filled on success, to free with
 * bsq_tuning_free; zeroed on failure. */
int bsq_tune_run(bsq_tuning *t, const bsq_dataset *d, const bsq_train_cfg *base,
                 const int *want, const int *bits, int nbits, uint64_t seed,
                 const bsq_tune_opts *o, bsq_diag *diag);
/* The chosen setting for (method, bits), or fallback when t is NULL or
 * has none. A method with an FP parent gets FP's. */
const bsq_train_cfg *bsq_tune_cfg_for(const bsq_tuning *t, bsq_method method,
                                      int bits, const bsq_train_cfg *fallback);
void bsq_tuning_free(bsq_tuning *t);

/* A tuning as a job list (bsq tune --plan, sweep.h): its inputs, the same
 * as bsq_tune_run's, and one training (method, bits, trial, fold) per job,
 * numbered in the order an in-process run starts them. */
typedef struct {
  const bsq_train_cfg *base;
  const int *want; /* (BSQ_METHOD_COUNT) */
  const int *bits;
  int nbits;
  uint64_t seed;
  const bsq_tune_opts *o; /* time_budget, jobs and log are not used */
} bsq_tune_spec;

typedef struct {
  bsq_method method;
  int bits;   /* 0 for FP */
  int trial, fold; /* 0-based */
  double mse_hw;   /* the fold's hardware-true MSE */
} bsq_tune_job_result;

/* How many trainings; -1 when the tuning cannot be set up (diag says). */
int bsq_tune_trainings(const bsq_dataset *d, const bsq_tune_spec *sp,
                       bsq_diag *diag);
/* Runs training `job` (as bsq_tune_run would) into r. */
int bsq_tune_job(bsq_tune_job_result *r, const bsq_dataset *d,
                 const bsq_tune_spec *sp, int job, bsq_diag *diag);
/* What training i is (method, bits, trial, fold; not mse_hw), for r (n). */
int bsq_tune_describe(bsq_tune_job_result *r, int n, const bsq_dataset *d,
                      const bsq_tune_spec *sp, bsq_diag *diag);
/* The tuning from every training's result (n of them, in job order; each
 * must be the training of its number, else BSQ_EFORMAT): what
 * bsq_tune_run gives when nothing hits its budget, `seconds` aside. */
int bsq_tune_assemble(bsq_tuning *t, const bsq_dataset *d,
                      const bsq_tune_spec *sp, const bsq_tune_job_result *r,
                      int n, double seconds, bsq_diag *diag);

#endif
