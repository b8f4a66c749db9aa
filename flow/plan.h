/* bsq — the run plan of a comparison: every wanted method at every bit
 * width over the seeds, as the paper's comparison (Schrödter et al., CPAL
 * 2026, Table 2 and Figure 4).
 *
 * Each (method, bits, seed) is one run with the same data, split,
 * network, optimizer and epochs; the seed varies the split, the
 * initialization and the batch order. A method with an FP parent (Po-*)
 * quantizes the FP network of the same seed after training: FP is trained
 * once per seed and those runs reuse it, so they are runs but not jobs. */
#ifndef BSQ_PLAN_H
#define BSQ_PLAN_H

#include <stdint.h>

#include "model.h"
#include "tune.h"

typedef struct {
  bsq_method method;
  int bits;          /* per feature; FP 32 (float32) */
  int seed_i;        /* 0 .. nseeds-1 */
  int parent;        /* the FP run of its seed when the method has an FP
                        parent, else -1 */
  bsq_train_cfg cfg; /* method, bits and seed set */
} bsq_plan_run;

typedef struct {
  const int *want;   /* (BSQ_METHOD_COUNT) */
  const int *bits;   /* (nbits) widths to compare */
  int nbits;
  int nseeds;
  uint64_t seed0;    /* seeds seed0 .. seed0 + nseeds - 1 */
  const bsq_train_cfg *base;
  const bsq_tuning *tuned; /* the chosen settings, or NULL for base */
} bsq_plan_spec;

typedef struct {
  bsq_plan_run *runs; /* (nruns): per seed, FP first, then by method, bits */
  int nruns;
  int *jobs;          /* (njobs) the runs that train, most costly first */
  int njobs;
} bsq_plan;

/* Fills p (the caller's; bsq_plan_free) for data of F features.
 * 0 or BSQ_ENOMEM. */
int bsq_plan_make(bsq_plan *p, const bsq_plan_spec *s, int F);
void bsq_plan_free(bsq_plan *p);

/* The cost estimate that orders the jobs (load balance only; it cannot
 * change any result): epochs times the network's input width plus 64. */
double bsq_plan_cost(const bsq_plan_run *r, int F);

#endif
