/* bsq — a whole comparison (compare.h). */
#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "pool.h"
#include "stats.h"
#include "train.h"
#include "util.h"

typedef struct {
  int rc;
  char err[512];
  double mse, mse_hw, seconds;
  int bpf;
} cres;

typedef struct {
  const bsq_dataset *d;
  const bsq_plan *p;
  cres *res; /* (nruns) */
  double t0;
  bsq_log_fn log;
  void *user;
} cctx;

static void take(cres *r, const bsq_model *m, int bpf) {
  r->mse = m->mse_test;
  r->mse_hw = m->mse_test_hw;
  r->seconds = m->train_seconds;
  r->bpf = bpf;
}

static void run_one(int j, void *vctx) {
  cctx *c = vctx;
  int ri = c->p->jobs[j];
  const bsq_plan_run *run = &c->p->runs[ri];
  cres *r = &c->res[ri];
  bsq_model m;
  bsq_diag diag = {{0}};
  r->rc = bsq_train(&m, c->d, &run->cfg, NULL, NULL, &diag);
  if (r->rc) {
    snprintf(r->err, sizeof r->err, "%s", diag.msg);
    for (int k = 0; k < c->p->nruns; k++)
      if (c->p->runs[k].parent == ri) {
        c->res[k].rc = r->rc;
        snprintf(c->res[k].err, sizeof c->res[k].err, "%s", diag.msg);
      }
    return;
  }
  take(r, &m, run->method == BSQ_METHOD_FP ? 32 * m.F : m.enc.B);
  /* the runs with this FP network as parent: post-training quantization */
  for (int k = 0; k < c->p->nruns; k++) {
    const bsq_plan_run *q = &c->p->runs[k];
    if (q->parent != ri) continue;
    bsq_model pm;
    c->res[k].rc = bsq_quantize_fp(&pm, &m, c->d, q->method, 1, &q->bits,
                                   &diag);
    if (c->res[k].rc) {
      snprintf(c->res[k].err, sizeof c->res[k].err, "%s", diag.msg);
      continue;
    }
    take(&c->res[k], &pm, pm.enc.B);
    bsq_model_free(&pm);
  }
  bsq_model_free(&m);
}

static void run_done(int j, int done, void *vctx) {
  cctx *c = vctx;
  if (!c->log) return;
  int ri = c->p->jobs[j];
  const bsq_plan_run *r = &c->p->runs[ri];
  char line[160];
  snprintf(line, sizeof line, "[%3d/%d %6.0fs] %-6s %d bits seed %d: mse_hw "
           "%.5f\n", done, c->p->njobs, bsq_now() - c->t0,
           bsq_method_label(r->method), r->bits, r->seed_i + 1,
           c->res[ri].mse_hw);
  c->log(line, c->user);
}

/* One row per (method, bits) over the seeds, FP one row; then the best
 * quantized method per width (lowest mean). */
static int aggregate(bsq_report *R, const bsq_plan *p, const cres *res) {
  R->row = calloc((size_t)(1 + BSQ_METHOD_COUNT * R->nbits), sizeof *R->row);
  R->vals = calloc((size_t)(p->nruns ? p->nruns : 1), sizeof *R->vals);
  if (!R->row || !R->vals) return BSQ_ENOMEM;
  int vused = 0;
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    if (!R->want[m]) continue;
    int nb = m == BSQ_METHOD_FP ? 1 : R->nbits;
    for (int b = 0; b < nb; b++) {
      int bb = m == BSQ_METHOD_FP ? 32 : R->bits[b];
      bsq_report_row *w = &R->row[R->nrows++];
      w->method = (bsq_method)m;
      w->bits = bb;
      w->v = R->vals + vused;
      double fsum = 0, ssum = 0;
      for (int i = 0; i < p->nruns; i++)
        if ((int)p->runs[i].method == m && p->runs[i].bits == bb) {
          w->v[w->n++] = res[i].mse_hw;
          fsum += res[i].mse;
          ssum += res[i].seconds;
          w->bpf = res[i].bpf;
        }
      vused += w->n;
      bsq_ci ci;
      bsq_ci95(&ci, w->v, w->n);
      w->mean = ci.mean;
      w->sd = ci.sd;
      w->lo = ci.lo;
      w->hi = ci.hi;
      w->mse_float = fsum / w->n;
      w->seconds = ssum / w->n;
    }
  }
  for (int b = 0; b < R->nbits; b++) {
    bsq_report_row *best = NULL;
    for (int i = 0; i < R->nrows; i++)
      if (R->row[i].method != BSQ_METHOD_FP && R->row[i].bits == R->bits[b] &&
          (!best || R->row[i].mean < best->mean))
        best = &R->row[i];
    if (best) best->best = 1;
  }
  return BSQ_OK;
}

static void report_head(bsq_report *R, const bsq_dataset *d,
                        const bsq_compare_opts *o) {
  bsq_report_init(R);
  snprintf(R->source, sizeof R->source, "%s", d->source);
  snprintf(R->target, sizeof R->target, "%s", d->target);
  R->rows = d->rows;
  R->F = d->F;
  R->hash = d->hash;
  R->nbits = o->nbits < BSQ_MAX_BITS ? o->nbits : BSQ_MAX_BITS;
  memcpy(R->bits, o->bits, sizeof(int) * (size_t)R->nbits);
  memcpy(R->want, o->want, sizeof R->want);
  R->nseeds = o->nseeds;
  R->jobs = o->jobs;
  R->seed0 = o->seed0;
  R->base = *o->base;
  R->tuned = o->tuned;
}

static int plan_for(bsq_plan *p, const bsq_compare_opts *o, int F) {
  bsq_plan_spec spec = {o->want,   o->bits, o->nbits < BSQ_MAX_BITS ? o->nbits
                                                                    : BSQ_MAX_BITS,
                        o->nseeds, o->seed0, o->base, o->tuned};
  return bsq_plan_make(p, &spec, F);
}

int bsq_compare_trainings(const bsq_compare_opts *o, int F) {
  bsq_plan p;
  if (plan_for(&p, o, F)) return -1;
  int n = p.njobs;
  bsq_plan_free(&p);
  return n;
}

int bsq_compare_run(bsq_report *R, const bsq_dataset *d,
                    const bsq_compare_opts *o, bsq_diag *diag) {
  double t0 = o->started > 0 ? o->started : bsq_now();
  report_head(R, d, o);
  bsq_plan p;
  if (plan_for(&p, o, d->F))
    return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  int rc = BSQ_ENOMEM;
  cres *res = calloc((size_t)(p.nruns ? p.nruns : 1), sizeof *res);
  if (!res) {
    bsq_diag_set(diag, rc, "out of memory");
    goto done;
  }
  cctx ctx = {d, &p, res, t0, o->log, o->user};
  if ((rc = bsq_pool_jobs(p.njobs, o->jobs, run_one, run_done, &ctx))) {
    bsq_diag_set(diag, rc, "cannot start the workers: %s", bsq_strerror(rc));
    goto done;
  }
  for (int i = 0; i < p.nruns; i++)
    if (res[i].rc) {
      rc = bsq_diag_set(diag, res[i].rc, "%s at %d bits, seed %llu: %s",
                        bsq_method_label(p.runs[i].method), p.runs[i].bits,
                        (unsigned long long)p.runs[i].cfg.seed, res[i].err);
      goto done;
    }
  if ((rc = aggregate(R, &p, res))) {
    bsq_diag_set(diag, rc, "out of memory");
    goto done;
  }
  R->wall_seconds = bsq_now() - t0;
done:
  free(res);
  bsq_plan_free(&p);
  return rc;
}

/* ---- one job at a time, for sweeps run outside the process ------------- */

int bsq_compare_job(const bsq_dataset *d, const bsq_compare_opts *o, int job,
                    bsq_compare_result *out, int *nout, bsq_diag *diag) {
  *nout = 0;
  bsq_plan p;
  if (plan_for(&p, o, d->F))
    return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  int rc = BSQ_OK;
  cres *res = NULL;
  if (job < 0 || job >= p.njobs) {
    rc = bsq_diag_set(diag, BSQ_EINVAL, "job %d: the plan has jobs 0..%d", job,
                      p.njobs - 1);
    goto done;
  }
  if (!(res = calloc((size_t)p.nruns, sizeof *res))) {
    rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    goto done;
  }
  cctx ctx = {d, &p, res, bsq_now(), NULL, NULL};
  run_one(job, &ctx);
  int ri = p.jobs[job];
  for (int k = 0; k < p.nruns; k++) {
    if (k != ri && p.runs[k].parent != ri) continue;
    if (res[k].rc) {
      rc = bsq_diag_set(diag, res[k].rc, "%s at %d bits, seed %llu: %s",
                        bsq_method_label(p.runs[k].method), p.runs[k].bits,
                        (unsigned long long)p.runs[k].cfg.seed, res[k].err);
      *nout = 0;
      goto done;
    }
    bsq_compare_result *r = &out[(*nout)++];
    r->run = k;
    r->method = p.runs[k].method;
    r->bits = p.runs[k].bits;
    r->seed = p.runs[k].cfg.seed;
    r->mse = res[k].mse;
    r->mse_hw = res[k].mse_hw;
    r->seconds = res[k].seconds;
    r->bpf = res[k].bpf;
  }
done:
  free(res);
  bsq_plan_free(&p);
  return rc;
}

int bsq_compare_job_runs(const bsq_compare_opts *o, int F, int job) {
  bsq_plan p;
  int n = -1;
  if (plan_for(&p, o, F) == BSQ_OK) {
    if (job >= 0 && job < p.njobs) {
      n = 0;
      for (int k = 0; k < p.nruns; k++)
        n += k == p.jobs[job] || p.runs[k].parent == p.jobs[job];
    }
    bsq_plan_free(&p);
  }
  return n;
}

int bsq_compare_assemble(bsq_report *R, const bsq_dataset *d,
                         const bsq_compare_opts *o,
                         const bsq_compare_result *in, int nin,
                         bsq_diag *diag) {
  report_head(R, d, o);
  bsq_plan p;
  if (plan_for(&p, o, d->F))
    return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  int rc = BSQ_ENOMEM;
  cres *res = calloc((size_t)(p.nruns ? p.nruns : 1), sizeof *res);
  char *have = calloc((size_t)(p.nruns ? p.nruns : 1), 1);
  if (!res || !have) {
    bsq_diag_set(diag, rc, "out of memory");
    goto done;
  }
  for (int i = 0; i < nin; i++) {
    const bsq_compare_result *r = &in[i];
    if (r->run < 0 || r->run >= p.nruns || p.runs[r->run].method != r->method ||
        p.runs[r->run].bits != r->bits || p.runs[r->run].cfg.seed != r->seed) {
      rc = bsq_diag_set(diag, BSQ_EFORMAT,
                        "result for run %d (%s, %d bits, seed %llu) is not a "
                        "run of this plan", r->run, bsq_method_label(r->method),
                        r->bits, (unsigned long long)r->seed);
      goto done;
    }
    have[r->run] = 1;
    res[r->run] = (cres){0, "", r->mse, r->mse_hw, r->seconds, r->bpf};
  }
  for (int k = 0; k < p.nruns; k++)
    if (!have[k]) {
      rc = bsq_diag_set(diag, BSQ_EINVAL, "run %d (%s, %d bits, seed %llu) has "
                        "no result", k, bsq_method_label(p.runs[k].method),
                        p.runs[k].bits, (unsigned long long)p.runs[k].cfg.seed);
      goto done;
    }
  if ((rc = aggregate(R, &p, res))) bsq_diag_set(diag, rc, "out of memory");
done:
  free(have);
  free(res);
  bsq_plan_free(&p);
  return rc;
}
