/* bsq — a whole comparison: the plan's trainings on the job pool, the
 * Po-* quantizations of each FP network, and the report's rows (mean and
 * 95% interval over the seeds, the best quantized method per width).
 * Every run writes its own result slot, so the numbers do not depend on
 * the number of parallel jobs. */
#ifndef BSQ_COMPARE_H
#define BSQ_COMPARE_H

#include <stdint.h>

#include "data.h"
#include "flow.h"
#include "model.h"
#include "report.h"
#include "tune.h"

typedef struct {
  const int *want;           /* (BSQ_METHOD_COUNT) methods to compare */
  const int *bits;           /* (nbits) widths, distinct */
  int nbits;
  int nseeds;
  uint64_t seed0;
  const bsq_train_cfg *base; /* the settings of every run */
  const bsq_tuning *tuned;   /* the chosen settings instead, or NULL */
  int jobs;                  /* parallel trainings */
  double started;            /* bsq_now() at the start (before any tuning),
                                for the wall time; 0: now */
  bsq_log_fn log;            /* one line per training; may be NULL */
  void *user;
} bsq_compare_opts;

/* Runs the comparison on d and fills r (the caller's; bsq_report_free
 * after any return). A failed training names its method, width and seed
 * in diag. */
int bsq_compare_run(bsq_report *r, const bsq_dataset *d,
                    const bsq_compare_opts *o, bsq_diag *diag);

/* The number of trainings bsq_compare_run would run for data of F
 * features (the Po-* runs are not trainings), or -1 (out of memory). */
int bsq_compare_trainings(const bsq_compare_opts *o, int F);

/* ---- one job at a time (sweep.h runs them outside the process) ---------- */

/* One run's figures, as the report takes them. */
typedef struct {
  int run;           /* index in the plan */
  bsq_method method;
  int bits;
  uint64_t seed;
  double mse, mse_hw, seconds;
  int bpf;
} bsq_compare_result;

/* Runs job `job` (0 .. bsq_compare_trainings - 1) of the plan o gives:
 * its training and the Po-* quantizations of its network; writes their
 * results to out (room for bsq_compare_job_runs) and their count to
 * *nout. The same numbers as bsq_compare_run's for those runs. */
int bsq_compare_job(const bsq_dataset *d, const bsq_compare_opts *o, int job,
                    bsq_compare_result *out, int *nout, bsq_diag *diag);
/* How many runs job `job` yields, or -1 (no such job, out of memory). */
int bsq_compare_job_runs(const bsq_compare_opts *o, int F, int job);
/* The report from every run's result (any order): what bsq_compare_run
 * gives, wall time 0. A result that is no run of the plan, or a run
 * without a result, is named in diag. */
int bsq_compare_assemble(bsq_report *R, const bsq_dataset *d,
                         const bsq_compare_opts *o,
                         const bsq_compare_result *in, int nin,
                         bsq_diag *diag);

#endif
