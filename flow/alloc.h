/* bsq — the bit budget: bits per feature b_f, sum b_f <= N frame bits,
 * chosen to minimize the hardware-true MSE, cross-validated on the
 * development rows (the test rows of the seed's split are never used).
 *
 * Algorithm: greedy forward selection by marginal gain. Starting from no
 * feature sent, each step tries one more bit on every feature below the
 * maximum width, scores each candidate by k-fold cross-validated
 * hardware-true MSE of a short Bw-SQ training (search epochs and batch, at
 * most search_rows development rows, the same seed for every candidate so that
 * they differ only in their bits), and keeps the best. It stops at N bits,
 * or earlier when no candidate lowers the MSE (a budget need not be used
 * up). Cost: sum over steps of (candidates x folds) short trainings, at
 * most N * F * k, then 2 * seeds full trainings (the allocation and
 * uniform allocation at the same budget). The greedy path is nested: the
 * allocation at N bits is the first N steps of the one at more. */
#ifndef BSQ_ALLOC_H
#define BSQ_ALLOC_H

#include <stdint.h>

#include "data.h"
#include "flow.h"
#include "model.h"
#include "stats.h"

typedef struct {
  int frame_bits;    /* N: the budget, 1..F * max_bits */
  int max_bits;      /* per feature, 1..8 (default 8) */
  int folds;         /* k of the cross-validation, >= 2 (default 3) */
  int search_rows;   /* development rows the search uses, 0: all
                        (default 6000) */
  int search_epochs; /* epochs of a search training (default 20) */
  int search_batch;  /* its batch (default 64: many small steps, so that a
                        short training on few rows still converges) */
  int seeds;         /* final trainings per allocation (default 1) */
  int jobs;          /* parallel trainings (default: the cores) */
  bsq_log_fn log;    /* one line per greedy step; may be NULL */
  void *user;
} bsq_alloc_opts;

void bsq_alloc_opts_default(bsq_alloc_opts *o);

/* The budget check: 0, or BSQ_EINVAL with diag saying why, the budget
 * called name (NULL: "frame bits"): "frame bits 90: above 10 features x
 * 8 bits = 80". A budget below F is legal (features may get 0 bits). */
int bsq_alloc_check(int F, int frame_bits, int max_bits, const char *name,
                    bsq_diag *diag);

/* Uniform allocation of N bits over F features: floor(N / F) each, one
 * more for the first N mod F features (column order), at most max_bits. */
void bsq_alloc_uniform(int *bits /* (F) */, int F, int N, int max_bits);

/* One greedy step: the feature that got a bit and the CV MSE after it. */
typedef struct {
  int feature;
  double cv_mse;
} bsq_alloc_step;

typedef struct {
  int F, N, max_bits, folds, search_rows, search_epochs, search_batch, seeds;
  uint64_t seed;             /* the split's (first seed) */
  char (*names)[64];         /* (F) feature names */
  int *bits, *uniform;       /* (F) chosen and uniform allocation */
  double *gain;              /* (F) CV MSE drop of its last bit; NaN: 0 bits */
  double cv_none;            /* CV MSE with nothing sent: the training mean */
  int nsteps;
  bsq_alloc_step *steps;     /* (nsteps) the greedy path */
  int stopped;               /* 1: stopped below N, no candidate gained */
  int search_trainings, final_trainings;
  double *mse_alloc, *mse_unif; /* (seeds) test MSE, hardware-true */
  bsq_ci ci_alloc, ci_unif;
  double search_seconds, seconds;
} bsq_allocation;

/* Chooses the allocation of o->frame_bits bits for d with base's network
 * and training settings (base->method must be bits-input, Bw-SQ by
 * default), then trains it and uniform allocation over o->seeds seeds
 * (base->seed, +1, ...; every one on base->seed's split, whose test rows
 * the search never saw: the seeds vary initialization and batch order).
 * model (may be NULL) receives the allocated model of the first seed. a
 * is the caller's, to free with bsq_allocation_free; zeroed on failure. */
int bsq_alloc_run(bsq_allocation *a, bsq_model *model, const bsq_dataset *d,
                  const bsq_train_cfg *base, const bsq_alloc_opts *o,
                  bsq_diag *diag);
void bsq_allocation_free(bsq_allocation *a);

/* The allocation at N <= a->N bits: the first N steps of a's greedy path
 * (fewer when the search stopped earlier). */
void bsq_alloc_prefix(const bsq_allocation *a, int N, int *bits /* (F) */);

/* ---- the accuracy-cost front: bsq pareto ---------------------------------
 *
 * One greedy search up to the largest budget (the path is nested), then,
 * for every budget, the allocation and uniform allocation trained over the
 * seeds, and FP over the same seeds (the band), all on the seed's split.
 * The hardware cost of each first-seed model is the caller's to fill in
 * (bsq synth: cli/, with verify/); -1 where it was not measured. */
#define BSQ_PARETO_MAX 32

typedef struct {
  int N;                       /* the budget */
  int bpf_alloc, bpf_unif;     /* bits per frame actually used */
  int *alloc, *unif;           /* (F) the bits */
  double *mse_alloc, *mse_unif; /* (seeds) hardware-true test MSE */
  bsq_ci ci_alloc, ci_unif;
  long cells_alloc, cells_unif; /* iCE40 logic cells of the encoder, or -1 */
  double area_alloc, area_unif; /* ASIC cell area, or < 0 */
} bsq_pareto_point;

typedef struct {
  bsq_allocation path;         /* the search at the largest budget */
  int n;
  bsq_pareto_point pt[BSQ_PARETO_MAX];
  int seeds;
  double *mse_fp;              /* (seeds) FP test MSE */
  bsq_ci ci_fp;
  char cost_note[256];         /* how the cost was measured, or why not */
  char area_unit[32];
  double seconds;              /* the search and the trainings */
  double cost_seconds;         /* the caller's cost measurement, or 0 */
} bsq_pareto;

/* budgets (n of them, 1..BSQ_PARETO_MAX, each checked as for alloc) over
 * o->seeds seeds. models (may be NULL) receives 2 n first-seed models:
 * [2 i] allocated and [2 i + 1] uniform at budget i, the caller's to free.
 * p is the caller's, to free with bsq_pareto_free; zeroed on failure. */
int bsq_pareto_run(bsq_pareto *p, bsq_model *models, const bsq_dataset *d,
                   const bsq_train_cfg *base, const int *budgets, int n,
                   const bsq_alloc_opts *o, bsq_diag *diag);
void bsq_pareto_free(bsq_pareto *p);
char *bsq_pareto_to_markdown(const bsq_pareto *p, const char *source);
char *bsq_pareto_to_json(const bsq_pareto *p, const char *source);
/* The gnuplot script of the plot: test MSE against frame bits, one line
 * for allocated and one for uniform with their 95% intervals, FP as a
 * band. Run it with bsq_plot_script_write (plot.h). */
char *bsq_pareto_plot_script(const bsq_pareto *p, const char *source);
int bsq_pareto_save(const bsq_pareto *p, const char *source,
                    const char *md_path, const char *json_path,
                    const char *svg_path, bsq_diag *diag);

/* Reports: Markdown (the allocation table and uniform side by side) and
 * JSON; the save functions write atomically. */
char *bsq_allocation_to_markdown(const bsq_allocation *a, const char *source);
char *bsq_allocation_to_json(const bsq_allocation *a, const char *source);
int bsq_allocation_save(const bsq_allocation *a, const char *source,
                        const char *md_path, const char *json_path,
                        bsq_diag *diag);

#endif
