/* bsq — the run plan of a comparison (plan.h). */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

double bsq_plan_cost(const bsq_plan_run *r, int F) {
  /* thresholds in all; FP (32 "bits") has none */
  double n = r->method == BSQ_METHOD_FP ? 0 : (double)F * ((1 << r->bits) - 1);
  double in = bsq_method_input(r->method) == BSQ_INPUT_BITS ? n : (double)F;
  if (r->method == BSQ_METHOD_SQ || r->method == BSQ_METHOD_SQ_PLUS)
    in += n; /* its soft bits, then the sums */
  return (double)r->cfg.epochs * (in + 64.0);
}

typedef struct {
  double cost;
  int run;
} job_key;

/* Most costly first; equal costs in run order (a total order, so the
 * order does not depend on the sort). */
static int cost_desc(const void *a, const void *b) {
  const job_key *x = a, *y = b;
  if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
  return x->run - y->run;
}

static void set_run(bsq_plan_run *r, bsq_method m, int bits, int si,
                    int parent, const bsq_train_cfg *cfg, uint64_t seed0) {
  r->method = m;
  r->bits = bits;
  r->seed_i = si;
  r->parent = parent;
  r->cfg = *cfg;
  r->cfg.method = m;
  r->cfg.seed = seed0 + (uint64_t)si;
  r->cfg.nbits = 1;
  r->cfg.bits[0] = m == BSQ_METHOD_FP ? 1 : bits;
}

int bsq_plan_make(bsq_plan *p, const bsq_plan_spec *s, int F) {
  memset(p, 0, sizeof *p);
  int cap = s->nseeds * (1 + BSQ_METHOD_COUNT * s->nbits);
  p->runs = calloc((size_t)cap, sizeof *p->runs);
  p->jobs = calloc((size_t)cap, sizeof *p->jobs);
  job_key *key = calloc((size_t)cap, sizeof *key);
  if (!p->runs || !p->jobs || !key) {
    free(key);
    bsq_plan_free(p);
    return BSQ_ENOMEM;
  }
  int need_fp = 0;
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    need_fp |= s->want[m] &&
               (m == BSQ_METHOD_FP || bsq_method_get(m)->fp_parent);
  for (int si = 0; si < s->nseeds; si++) {
    int fp_run = -1;
    if (need_fp) {
      fp_run = p->nruns;
      set_run(&p->runs[p->nruns++], BSQ_METHOD_FP, 32, si, -1,
              bsq_tune_cfg_for(s->tuned, BSQ_METHOD_FP, 0, s->base), s->seed0);
      p->jobs[p->njobs++] = fp_run;
    }
    for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
      if (!s->want[m] || m == BSQ_METHOD_FP) continue;
      int po = bsq_method_get(m)->fp_parent;
      for (int b = 0; b < s->nbits; b++) {
        /* a run with an FP parent has its parent's setting */
        const bsq_train_cfg *c =
            po ? &p->runs[fp_run].cfg
               : bsq_tune_cfg_for(s->tuned, (bsq_method)m, s->bits[b], s->base);
        set_run(&p->runs[p->nruns], (bsq_method)m, s->bits[b], si,
                po ? fp_run : -1, c, s->seed0);
        if (!po) p->jobs[p->njobs++] = p->nruns;
        p->nruns++;
      }
    }
  }
  for (int j = 0; j < p->njobs; j++)
    key[j] = (job_key){bsq_plan_cost(&p->runs[p->jobs[j]], F), p->jobs[j]};
  qsort(key, (size_t)p->njobs, sizeof *key, cost_desc);
  for (int j = 0; j < p->njobs; j++) p->jobs[j] = key[j].run;
  free(key);
  return BSQ_OK;
}

void bsq_plan_free(bsq_plan *p) {
  free(p->runs);
  free(p->jobs);
  memset(p, 0, sizeof *p);
}
