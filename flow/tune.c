/* bsq — the tuner (tune.h).
 *
 * Folds: the development rows (train + validation of the seed's split) in
 * k parts; for fold i, part i is scored and the rest is split 3:1 into
 * training and early-stopping validation. The test rows are left alone, so
 * a comparison's test MSE of the same seed is not tuned on.
 *
 * Every (method, bits) is a unit; each unit draws its settings from its
 * own seeded generator, and every (unit, trial, fold) is one job that
 * writes only its own slot, so the choice does not depend on the number
 * of threads (within the time budget). */
#include "tune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "rng.h"
#include "stats.h"
#include "train.h"
#include "util.h"

void bsq_tune_opts_default(bsq_tune_opts *o) {
  o->space = BSQ_SPACE_BSQ;
  o->max_width = 0;
  o->trials = 12;
  o->time_budget = 1800;
  o->folds = 3;
  o->jobs = bsq_pool_default_threads();
  o->log = NULL;
  o->user = NULL;
}

int bsq_tune_dev_rows(int rows) {
  bsq_split s;
  if (bsq_split_make(&s, rows, 0)) return -1; /* the sizes are seed-free */
  int n = s.n_train + s.n_val;
  bsq_split_free(&s);
  return n;
}

const char *bsq_tune_space_name(bsq_tune_space s) {
  return s == BSQ_SPACE_PAPER ? "paper" : "bsq";
}

int bsq_tune_space_parse(const char *name, bsq_tune_space *s) {
  if (!strcmp(name, "bsq")) *s = BSQ_SPACE_BSQ;
  else if (!strcmp(name, "paper")) *s = BSQ_SPACE_PAPER;
  else return BSQ_EINVAL;
  return BSQ_OK;
}

/* The widths of a space up to max_width (0: all): how many. */
static int widths(bsq_tune_space sp, int max_width, const int **w) {
  static const int BSQ_W[] = {16, 32, 64, 128};
  static const int PAPER_W[] = {32, 64, 128, 256, 512, 1024, 2048, 4096, 8192};
  int n = sp == BSQ_SPACE_PAPER ? 9 : 4;
  *w = sp == BSQ_SPACE_PAPER ? PAPER_W : BSQ_W;
  while (max_width > 0 && n > 1 && (*w)[n - 1] > max_width) n--;
  return n;
}

/* One setting drawn from the space (seeded per method and bits). */
static void draw(bsq_train_cfg *c, const bsq_train_cfg *base,
                 const bsq_tune_opts *o, bsq_rng *r) {
  const int *W;
  int nw = widths(o->space, o->max_width, &W);
  *c = *base;
  if (o->space == BSQ_SPACE_PAPER) {
    static const float LR[] = {1e-3f, 1e-4f};
    static const int DEPTH[] = {5, 6, 8, 10};
    static const int EPOCHS[] = {30, 50, 70};
    static const float TAU[] = {1e-3f, 1e-4f};
    static const float DROP[] = {0.0f, 0.2f, 0.4f, 0.5f};
    c->lr = LR[bsq_rng_below(r, 2)];
    c->nhidden = DEPTH[bsq_rng_below(r, 4)];
    int w = W[bsq_rng_below(r, (uint64_t)nw)];
    for (int l = 0; l < c->nhidden; l++) c->hidden[l] = w;
    c->epochs = EPOCHS[bsq_rng_below(r, 3)];
    c->tau_decay = TAU[bsq_rng_below(r, 2)];
    c->dropout = DROP[bsq_rng_below(r, 4)];
    return;
  }
  static const float LR[] = {3e-3f, 1e-3f, 3e-4f, 1e-4f};
  static const int DEPTH[] = {1, 2, 3, 4, 5};
  static const double EPOCHS[] = {0.5, 1.0, 2.0};
  static const float TAU[] = {1e-3f, 1e-4f};
  static const float DROP[] = {0.0f, 0.1f, 0.2f};
  c->lr = LR[bsq_rng_below(r, 4)];
  c->nhidden = DEPTH[bsq_rng_below(r, 5)];
  int w = W[bsq_rng_below(r, (uint64_t)nw)];
  for (int l = 0; l < c->nhidden; l++) c->hidden[l] = w;
  int e = (int)lround(base->epochs * EPOCHS[bsq_rng_below(r, 3)]);
  c->epochs = e < 1 ? 1 : e;
  c->tau_decay = TAU[bsq_rng_below(r, 2)];
  c->dropout = DROP[bsq_rng_below(r, 3)];
}

typedef struct {
  int unit, trial, fold;
  bsq_train_cfg cfg;
  int ran, rc;
  double score;
  char err[sizeof(bsq_diag)];
} tjob;

typedef struct {
  const bsq_dataset *d;
  tjob *jobs;
  int njobs;
  bsq_split *folds; /* (k) */
  double t0, budget;
  bsq_log_fn log;
  void *user;
} tctx;

static void tune_one(int i, void *vctx) {
  tctx *c = vctx;
  tjob *j = &c->jobs[i];
  if (bsq_now() - c->t0 > c->budget) return; /* over budget: skipped */
  bsq_model m;
  bsq_diag diag = {{0}};
  j->ran = 1;
  j->rc = bsq_train_split(&m, c->d, &j->cfg, &c->folds[j->fold], NULL, &diag);
  if (j->rc) {
    snprintf(j->err, sizeof j->err, "%s", diag.msg);
    return;
  }
  j->score = m.mse_test_hw;
  bsq_model_free(&m);
}

static void tune_done(int i, int done, void *vctx) {
  tctx *c = vctx;
  tjob *j = &c->jobs[i];
  if (!c->log || !j->ran || j->rc) return;
  char line[160];
  snprintf(line, sizeof line,
           "[tune %4d/%d %5.0fs] %-6s %d bits trial %d fold %d: %.5f\n", done,
           c->njobs, bsq_now() - c->t0, bsq_method_label(j->cfg.method),
           j->cfg.bits[0], j->trial + 1, j->fold + 1, j->score);
  c->log(line, c->user);
}

/* The k folds of the development rows of s (see the top of the file). */
static int make_folds(bsq_split *folds, int K, const bsq_split *s) {
  int ndev = s->n_train + s->n_val;
  for (int k = 0; k < K; k++) {
    int a = (int)((long)ndev * k / K), b = (int)((long)ndev * (k + 1) / K);
    int nt = b - a, nrest = ndev - nt;
    int *blk = malloc(sizeof(int) * (size_t)ndev);
    if (!blk) return BSQ_ENOMEM;
    memcpy(blk, s->train + a, sizeof(int) * (size_t)nt); /* s->val follows */
    int w = nt;
    for (int i = 0; i < ndev; i++)
      if (i < a || i >= b) blk[w++] = s->train[i];
    folds[k].n_test = nt;
    folds[k].n_val = nrest / 4 > 0 ? nrest / 4 : 1;
    folds[k].n_train = nrest - folds[k].n_val;
    folds[k].test = blk;
    folds[k].train = blk + nt;
    folds[k].val = folds[k].train + folds[k].n_train;
  }
  return BSQ_OK;
}

int bsq_tune_folds(bsq_split *folds, int K, const bsq_split *s) {
  memset(folds, 0, sizeof *folds * (size_t)K);
  int rc = make_folds(folds, K, s);
  if (rc) bsq_tune_folds_free(folds, K);
  return rc;
}

void bsq_tune_folds_free(bsq_split *folds, int K) {
  for (int k = 0; k < K; k++) free(folds[k].test); /* the block */
  memset(folds, 0, sizeof *folds * (size_t)K);
}

/* The best complete trial of unit u (lowest mean over the folds); 1 when
 * some trial of it did not run in full. */
static int choose(bsq_tune_entry *e, int u, const tjob *jobs, int nj, int T,
                  int K, const bsq_train_cfg *base) {
  int hit = 0;
  e->cv_mean = INFINITY;
  for (int t = 0; t < T; t++) {
    double v[32];
    int n = 0;
    const bsq_train_cfg *cfg = NULL;
    for (int i = 0; i < nj; i++)
      if (jobs[i].unit == u && jobs[i].trial == t) {
        cfg = &jobs[i].cfg;
        if (jobs[i].ran && n < 32) v[n++] = jobs[i].score;
      }
    if (n < K) {
      hit = 1;
      continue;
    }
    e->trials_done++;
    bsq_ci ci;
    bsq_ci95(&ci, v, n);
    if (ci.mean < e->cv_mean) {
      e->cv_mean = ci.mean;
      e->cv_sd = ci.sd;
      e->cfg = *cfg;
    }
  }
  if (e->trials_done == 0) { /* nothing finished: keep the base */
    e->cfg = *base;
    e->cfg.method = e->method;
    e->cv_mean = NAN;
  }
  return hit;
}

/* Everything a tuning is made of before anything runs: the folds, the
 * units and the jobs in trial-major order (with a time budget, every unit
 * gets its first trials before any gets its last ones). The same for an
 * in-process run and for a plan's jobs, so both train the same. */
typedef struct {
  int K, T, nu, nj;
  bsq_split s;
  bsq_split *folds;      /* (K) */
  bsq_tune_entry *units; /* (nu) */
  tjob *ord;             /* (nj) */
} tsetup;

static void setup_free(tsetup *ts) {
  bsq_split_free(&ts->s);
  if (ts->folds)
    for (int k = 0; k < ts->K; k++) free(ts->folds[k].test);
  free(ts->folds);
  free(ts->units);
  free(ts->ord);
  memset(ts, 0, sizeof *ts);
}

static int setup(tsetup *ts, const bsq_dataset *d, const bsq_tune_spec *sp,
                 bsq_diag *diag) {
  const bsq_tune_opts *o = sp->o;
  memset(ts, 0, sizeof *ts);
  int K = o->folds, T = o->trials, rc = BSQ_ENOMEM, nbits = sp->nbits;
  uint64_t seed = sp->seed;
  ts->K = K;
  ts->T = T;
  ts->folds = calloc((size_t)K, sizeof *ts->folds);
  int maxu = 1 + BSQ_METHOD_COUNT * nbits;
  ts->units = calloc((size_t)maxu, sizeof *ts->units);
  tjob *jobs = calloc((size_t)maxu * (size_t)T * (size_t)K, sizeof *jobs);
  if (!ts->folds || !ts->units || !jobs) goto fail_mem;
  if ((rc = bsq_split_make(&ts->s, d->rows, seed))) {
    bsq_diag_set(diag, rc, "%s: cannot split %d rows", d->source, d->rows);
    goto fail;
  }
  int ndev = ts->s.n_train + ts->s.n_val;
  if (ndev < BSQ_TUNE_MIN_FOLD_ROWS * K) {
    rc = bsq_diag_set(diag, BSQ_EINVAL, "folds %d: only %d rows to fold", K,
                      ndev);
    goto fail;
  }
  if ((rc = make_folds(ts->folds, K, &ts->s))) goto fail_mem;
  /* units: FP (also for the Po-* methods), then every other method at
   * every width */
  int nu = 0, need_fp = 0;
  bsq_tune_entry *units = ts->units;
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    need_fp |= sp->want[m] &&
               (m == BSQ_METHOD_FP || bsq_method_get(m)->fp_parent);
  if (need_fp) units[nu++] = (bsq_tune_entry){.method = BSQ_METHOD_FP};
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    if (!sp->want[m] || m == BSQ_METHOD_FP || bsq_method_get(m)->fp_parent)
      continue;
    for (int b = 0; b < nbits; b++)
      units[nu++] =
          (bsq_tune_entry){.method = (bsq_method)m, .bits = sp->bits[b]};
  }
  int nj = 0;
  for (int u = 0; u < nu; u++) {
    bsq_rng r;
    bsq_rng_seed(&r, seed * 1000003ULL + (uint64_t)units[u].method * 101ULL +
                         (uint64_t)units[u].bits);
    for (int t = 0; t < T; t++) {
      bsq_train_cfg c;
      draw(&c, sp->base, o, &r);
      c.method = units[u].method;
      c.nbits = 1;
      c.bits[0] = units[u].bits ? units[u].bits : 1;
      c.seed = seed;
      for (int k = 0; k < K; k++)
        jobs[nj++] = (tjob){.unit = u, .trial = t, .fold = k, .cfg = c};
    }
  }
  ts->ord = malloc(sizeof *ts->ord * (size_t)(nj ? nj : 1));
  if (!ts->ord) goto fail_mem;
  int w = 0;
  for (int t = 0; t < T; t++)
    for (int i = 0; i < nj; i++)
      if (jobs[i].trial == t) ts->ord[w++] = jobs[i];
  ts->nu = nu;
  ts->nj = nj;
  free(jobs);
  return BSQ_OK;
fail_mem:
  rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
fail:
  free(jobs);
  setup_free(ts);
  return rc;
}

/* The tuning from the jobs' outcomes (ts->ord[i].ran, .score); takes the
 * units over from ts. */
static void finish(bsq_tuning *out, tsetup *ts, const bsq_tune_spec *sp,
                   double seconds) {
  int hit = 0;
  for (int u = 0; u < ts->nu; u++)
    hit |= choose(&ts->units[u], u, ts->ord, ts->nj, ts->T, ts->K, sp->base);
  out->n = ts->nu;
  out->e = ts->units;
  out->folds = ts->K;
  out->trials = ts->T;
  out->space = sp->o->space;
  out->max_width = sp->o->max_width;
  out->budget_hit = hit;
  out->seconds = seconds;
  out->time_budget = sp->o->time_budget;
  out->seed = sp->seed;
  ts->units = NULL;
}

int bsq_tune_run(bsq_tuning *out, const bsq_dataset *d,
                 const bsq_train_cfg *base, const int *want, const int *bits,
                 int nbits, uint64_t seed, const bsq_tune_opts *o,
                 bsq_diag *diag) {
  memset(out, 0, sizeof *out);
  bsq_tune_spec sp = {base, want, bits, nbits, seed, o};
  tsetup ts;
  int rc = setup(&ts, d, &sp, diag);
  if (rc) return rc;
  double t0 = bsq_now();
  tctx ctx = {d, ts.ord, ts.nj, ts.folds, t0, o->time_budget, o->log, o->user};
  if ((rc = bsq_pool_jobs(ts.nj, o->jobs, tune_one, tune_done, &ctx))) {
    bsq_diag_set(diag, rc, "cannot start the workers");
    goto done;
  }
  for (int i = 0; i < ts.nj; i++)
    if (ts.ord[i].ran && ts.ord[i].rc) {
      rc = bsq_diag_set(diag, ts.ord[i].rc, "%s at %d bits: %.400s",
                        bsq_method_name(ts.ord[i].cfg.method),
                        ts.ord[i].cfg.bits[0], ts.ord[i].err);
      goto done;
    }
  finish(out, &ts, &sp, bsq_now() - t0);
done:
  setup_free(&ts);
  return rc;
}

int bsq_tune_trainings(const bsq_dataset *d, const bsq_tune_spec *sp,
                       bsq_diag *diag) {
  tsetup ts;
  int rc = setup(&ts, d, sp, diag);
  if (rc) return -1;
  int n = ts.nj;
  setup_free(&ts);
  return n;
}

int bsq_tune_job(bsq_tune_job_result *r, const bsq_dataset *d,
                 const bsq_tune_spec *sp, int job, bsq_diag *diag) {
  memset(r, 0, sizeof *r);
  tsetup ts;
  int rc = setup(&ts, d, sp, diag);
  if (rc) return rc;
  if (job < 0 || job >= ts.nj) {
    rc = bsq_diag_set(diag, BSQ_EINVAL, "job %d: the tuning has %d trainings",
                      job, ts.nj);
    goto done;
  }
  tjob *j = &ts.ord[job];
  tctx ctx = {d, ts.ord, ts.nj, ts.folds, bsq_now(), INFINITY, NULL, NULL};
  tune_one(job, &ctx);
  if (j->rc) {
    rc = bsq_diag_set(diag, j->rc, "%s at %d bits: %.400s",
                      bsq_method_name(j->cfg.method), j->cfg.bits[0], j->err);
    goto done;
  }
  r->method = j->cfg.method;
  r->bits = ts.units[j->unit].bits;
  r->trial = j->trial;
  r->fold = j->fold;
  r->mse_hw = j->score;
done:
  setup_free(&ts);
  return rc;
}

int bsq_tune_describe(bsq_tune_job_result *r, int n, const bsq_dataset *d,
                      const bsq_tune_spec *sp, bsq_diag *diag) {
  tsetup ts;
  int rc = setup(&ts, d, sp, diag);
  if (rc) return rc;
  if (n != ts.nj) {
    setup_free(&ts);
    return bsq_diag_set(diag, BSQ_EINVAL, "%d trainings, the tuning has %d",
                        n, ts.nj);
  }
  for (int i = 0; i < n; i++) {
    r[i].method = ts.ord[i].cfg.method;
    r[i].bits = ts.units[ts.ord[i].unit].bits;
    r[i].trial = ts.ord[i].trial;
    r[i].fold = ts.ord[i].fold;
  }
  setup_free(&ts);
  return BSQ_OK;
}

int bsq_tune_assemble(bsq_tuning *out, const bsq_dataset *d,
                      const bsq_tune_spec *sp, const bsq_tune_job_result *r,
                      int n, double seconds, bsq_diag *diag) {
  memset(out, 0, sizeof *out);
  tsetup ts;
  int rc = setup(&ts, d, sp, diag);
  if (rc) return rc;
  if (n != ts.nj) {
    rc = bsq_diag_set(diag, BSQ_EINVAL, "%d results, the tuning has %d "
                      "trainings", n, ts.nj);
    goto done;
  }
  for (int i = 0; i < n; i++) {
    tjob *j = &ts.ord[i];
    if (r[i].method != j->cfg.method || r[i].bits != ts.units[j->unit].bits ||
        r[i].trial != j->trial || r[i].fold != j->fold) {
      rc = bsq_diag_set(diag, BSQ_EFORMAT,
                        "result %d is of %s at %d bits, trial %d, fold %d; "
                        "training %d is %s at %d bits, trial %d, fold %d",
                        i, bsq_method_name(r[i].method), r[i].bits,
                        r[i].trial + 1, r[i].fold + 1, i,
                        bsq_method_name(j->cfg.method),
                        ts.units[j->unit].bits, j->trial + 1, j->fold + 1);
      goto done;
    }
    j->ran = 1;
    j->score = r[i].mse_hw;
  }
  finish(out, &ts, sp, seconds);
done:
  setup_free(&ts);
  return rc;
}

const bsq_train_cfg *bsq_tune_cfg_for(const bsq_tuning *t, bsq_method method,
                                      int bits, const bsq_train_cfg *fallback) {
  if (!t) return fallback;
  const bsq_method_info *mi = bsq_method_get(method);
  if (mi && mi->fp_parent) method = BSQ_METHOD_FP;
  for (int i = 0; i < t->n; i++)
    if (t->e[i].method == method &&
        (method == BSQ_METHOD_FP || t->e[i].bits == bits))
      return &t->e[i].cfg;
  return fallback;
}

void bsq_tuning_free(bsq_tuning *t) {
  if (!t) return;
  free(t->e);
  memset(t, 0, sizeof *t);
}
