/* bsq — the bit budget (alloc.h): greedy allocation by marginal gain of
 * cross-validated hardware-true MSE, then the final trainings.
 *
 * Legend: F features, N frame bits, M max bits per feature, K folds,
 * C candidates of a step (features below M bits), S seeds. Every
 * (candidate, fold) of a step, and every (allocation, seed) of the final
 * trainings, is one job on the pool writing only its own slot, so the
 * result does not depend on the number of threads. */
#include "alloc.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "pool.h"
#include "train.h"
#include "tune.h"
#include "util.h"

void bsq_alloc_opts_default(bsq_alloc_opts *o) {
  memset(o, 0, sizeof *o);
  o->max_bits = BSQ_MAX_BITS;
  o->folds = 3;
  o->search_rows = 6000;
  o->search_epochs = 20;
  o->search_batch = 64;
  o->seeds = 1;
  o->jobs = bsq_pool_default_threads();
}

int bsq_alloc_check(int F, int N, int M, const char *name, bsq_diag *diag) {
  if (!name) name = "frame bits";
  if (M < 1 || M > BSQ_MAX_BITS)
    return bsq_diag_set(diag, BSQ_EINVAL, "max bits %d: outside 1..%d", M,
                        BSQ_MAX_BITS);
  if (N < 0)
    return bsq_diag_set(diag, BSQ_EINVAL, "%s %d: below 0", name, N);
  if (N == 0)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "%s 0: at least 1 is needed (a frame of 0 bits sends "
                        "nothing)", name);
  if ((long)N > (long)F * M)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "%s %d: above %d features x %d bits = %d", name, N,
                        F, M, F * M);
  return BSQ_OK;
}

void bsq_alloc_uniform(int *bits, int F, int N, int M) {
  for (int f = 0; f < F; f++) {
    int b = N / F + (f < N % F);
    bits[f] = b < M ? b : M;
  }
}

void bsq_allocation_free(bsq_allocation *a) {
  if (!a) return;
  free(a->names);
  free(a->bits);
  free(a->uniform);
  free(a->gain);
  free(a->steps);
  free(a->mse_alloc);
  free(a->mse_unif);
  memset(a, 0, sizeof *a);
}

/* ---- jobs ------------------------------------------------------------------ */

typedef struct {
  int bits[BSQ_MAX_FEATURES];
  const bsq_split *split;
  int epochs, batch;
  uint64_t seed;
  int fp;             /* train full precision (the FP band): score is the
                         float test MSE, there is no encoder */
  int keep;           /* keep the model (the output) */
  int rc;
  double score;       /* hardware-true MSE on the split's test rows */
  bsq_model model;    /* when keep */
  char err[sizeof(bsq_diag)];
} ajob;

typedef struct {
  const bsq_dataset *d;
  const bsq_train_cfg *base;
  ajob *jobs;
} actx;

static void alloc_one(int i, void *vctx) {
  actx *c = vctx;
  ajob *j = &c->jobs[i];
  bsq_train_cfg cfg = *c->base;
  cfg.nbits = c->d->F;
  memcpy(cfg.bits, j->bits, sizeof(int) * (size_t)c->d->F);
  if (j->fp) {
    cfg.method = BSQ_METHOD_FP;
    cfg.nbits = 1;
    cfg.bits[0] = 1;
  }
  cfg.epochs = j->epochs;
  cfg.batch = j->batch;
  cfg.seed = j->seed;
  bsq_model m;
  bsq_diag diag = {{0}};
  j->rc = bsq_train_split(&m, c->d, &cfg, j->split, NULL, &diag);
  if (j->rc) {
    snprintf(j->err, sizeof j->err, "%s", diag.msg);
    return;
  }
  j->score = j->fp ? m.mse_test : m.mse_test_hw;
  if (j->keep) j->model = m;
  else bsq_model_free(&m);
}

/* Runs n jobs; the first failure's message into diag. */
static int run_jobs(ajob *jobs, int n, actx *ctx, int threads,
                    bsq_diag *diag) {
  int rc = bsq_pool_jobs(n, threads, alloc_one, NULL, ctx);
  if (rc) return bsq_diag_set(diag, rc, "cannot start the workers");
  for (int i = 0; i < n; i++)
    if (jobs[i].rc)
      return bsq_diag_set(diag, jobs[i].rc, "%.400s", jobs[i].err);
  return BSQ_OK;
}

/* CV MSE of predicting the fold's training mean (standardized as a
 * training would): the score of sending nothing. */
static double cv_none(const bsq_dataset *d, const bsq_split *folds, int K) {
  double sum = 0;
  for (int k = 0; k < K; k++) {
    const bsq_split *s = &folds[k];
    double mu, sigma, e = 0;
    bsq_standardize_fit1(&mu, &sigma, d->y, s->train, s->n_train);
    for (int i = 0; i < s->n_test; i++) {
      double z = (d->y[s->test[i]] - mu) / sigma;
      e += z * z;
    }
    sum += e / s->n_test;
  }
  return sum / K;
}

/* ---- the search -------------------------------------------------------------- */

/* The greedy path up to o->frame_bits (a's arrays, no final trainings);
 * s gets the seed's split, which the caller frees. */
static int alloc_search(bsq_allocation *a, const bsq_dataset *d,
                        const bsq_train_cfg *base, const bsq_alloc_opts *o,
                        bsq_split *s, bsq_diag *diag) {
  memset(a, 0, sizeof *a);
  memset(s, 0, sizeof *s);
  int F = d->F, N = o->frame_bits, M = o->max_bits, K = o->folds, rc;
  if ((rc = bsq_alloc_check(F, N, M, NULL, diag))) return rc;
  if (bsq_method_input(base->method) != BSQ_INPUT_BITS)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "method %s: the allocation needs a bits-input "
                        "method (bw-*), where a feature may get 0 bits",
                        bsq_method_name(base->method));
  if (K < 2 || o->seeds < 1 || o->search_rows < 0 || o->search_epochs < 1 ||
      o->search_batch < 1)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "folds %d, seeds %d, search rows %d, search epochs "
                        "%d, search batch %d: need folds >= 2, rows >= 0, "
                        "the others >= 1",
                        K, o->seeds, o->search_rows, o->search_epochs,
                        o->search_batch);
  double t0 = bsq_now();
  bsq_split dev = {0};
  bsq_split *folds = calloc((size_t)K, sizeof *folds);
  ajob *jobs = calloc((size_t)F * (size_t)K, sizeof *jobs);
  double *cv = malloc(sizeof(double) * (size_t)F);
  int *cand = malloc(sizeof(int) * (size_t)F);
  a->names = calloc((size_t)F, sizeof *a->names);
  a->bits = calloc((size_t)F, sizeof *a->bits);
  a->uniform = calloc((size_t)F, sizeof *a->uniform);
  a->gain = malloc(sizeof(double) * (size_t)F);
  a->steps = calloc((size_t)N, sizeof *a->steps);
  a->mse_alloc = calloc((size_t)o->seeds, sizeof(double));
  a->mse_unif = calloc((size_t)o->seeds, sizeof(double));
  rc = BSQ_ENOMEM;
  if (!folds || !jobs || !cv || !cand || !a->names || !a->bits ||
      !a->uniform || !a->gain || !a->steps || !a->mse_alloc || !a->mse_unif)
    goto fail_mem;
  a->F = F;
  a->N = N;
  a->max_bits = M;
  a->folds = K;
  a->seeds = o->seeds;
  a->seed = base->seed;
  a->search_epochs = o->search_epochs;
  a->search_batch = o->search_batch;
  for (int f = 0; f < F; f++) {
    snprintf(a->names[f], sizeof a->names[f], "%s", d->names[f]);
    a->gain[f] = NAN;
  }
  bsq_alloc_uniform(a->uniform, F, N, M);

  /* the development rows (train + validation of the seed's split), at
   * most search_rows of them (a prefix of a random order), in K folds */
  if ((rc = bsq_split_make(s, d->rows, base->seed))) {
    bsq_diag_set(diag, BSQ_EFORMAT,
                 "%s: need at least 3 data rows to split into train, "
                 "validation and test, found %d", d->source, d->rows);
    goto fail;
  }
  int ndev = s->n_train + s->n_val;
  if (o->search_rows > 0 && ndev > o->search_rows) ndev = o->search_rows;
  a->search_rows = ndev;
  dev.train = s->train; /* s->val follows s->train in memory */
  dev.n_train = ndev;
  if (ndev < BSQ_TUNE_MIN_FOLD_ROWS * K) {
    rc = bsq_diag_set(diag, BSQ_EINVAL, "folds %d: only %d rows to fold", K,
                      ndev);
    goto fail;
  }
  if ((rc = bsq_tune_folds(folds, K, &dev))) goto fail_mem;
  a->cv_none = cv_none(d, folds, K);

  actx ctx = {d, base, jobs};
  double cur = a->cv_none;
  for (int step = 0; step < N; step++) {
    int nc = 0;
    for (int f = 0; f < F; f++)
      if (a->bits[f] < M) cand[nc++] = f;
    if (nc == 0) break;
    for (int c = 0; c < nc; c++)
      for (int k = 0; k < K; k++) {
        ajob *j = &jobs[c * K + k];
        memset(j, 0, sizeof *j);
        memcpy(j->bits, a->bits, sizeof(int) * (size_t)F);
        j->bits[cand[c]]++;
        j->split = &folds[k];
        j->epochs = a->search_epochs;
        j->batch = a->search_batch;
        j->seed = base->seed;
      }
    if ((rc = run_jobs(jobs, nc * K, &ctx, o->jobs, diag))) goto fail;
    a->search_trainings += nc * K;
    int best = -1;
    for (int c = 0; c < nc; c++) {
      double sum = 0;
      for (int k = 0; k < K; k++) sum += jobs[c * K + k].score;
      cv[c] = sum / K;
      if (best < 0 || cv[c] < cv[best]) best = c;
    }
    if (!(cv[best] < cur)) { /* no bit lowers the MSE: stop below N */
      a->stopped = 1;
      break;
    }
    int f = cand[best];
    a->bits[f]++;
    a->gain[f] = cur - cv[best];
    cur = cv[best];
    a->steps[a->nsteps++] = (bsq_alloc_step){f, cur};
    if (o->log) {
      char line[200];
      snprintf(line, sizeof line,
               "[alloc step %2d/%d %5.0fs] +1 bit to \"%.60s\" (%d bits): CV "
               "MSE %.5f\n",
               a->nsteps, N, bsq_now() - t0, d->names[f], a->bits[f], cur);
      o->log(line, o->user);
    }
  }
  a->search_seconds = bsq_now() - t0;
  rc = BSQ_OK;
  goto done;
fail_mem:
  rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
fail:
  bsq_allocation_free(a);
  bsq_split_free(s);
done:
  bsq_tune_folds_free(folds, folds ? K : 0);
  free(folds);
  free(jobs);
  free(cv);
  free(cand);
  return rc;
}

int bsq_alloc_run(bsq_allocation *a, bsq_model *model, const bsq_dataset *d,
                  const bsq_train_cfg *base, const bsq_alloc_opts *o,
                  bsq_diag *diag) {
  if (model) memset(model, 0, sizeof *model);
  bsq_split s;
  double t0 = bsq_now();
  int rc = alloc_search(a, d, base, o, &s, diag);
  if (rc) return rc;
  int F = d->F;
  ajob *jobs = calloc((size_t)(2 * o->seeds), sizeof *jobs);
  if (!jobs) {
    rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    goto fail;
  }
  /* the final trainings: allocation and uniform, every seed, on the
   * seed's split; job 0 (allocation, first seed) is kept */
  for (int i = 0; i < 2 * o->seeds; i++) {
    ajob *j = &jobs[i];
    memcpy(j->bits, i % 2 ? a->uniform : a->bits, sizeof(int) * (size_t)F);
    j->split = &s;
    j->epochs = base->epochs;
    j->batch = base->batch;
    j->seed = base->seed + (uint64_t)(i / 2);
    j->keep = i == 0 && model != NULL;
  }
  actx ctx = {d, base, jobs};
  if ((rc = run_jobs(jobs, 2 * o->seeds, &ctx, o->jobs, diag))) goto fail;
  a->final_trainings = 2 * o->seeds;
  for (int i = 0; i < o->seeds; i++) {
    a->mse_alloc[i] = jobs[2 * i].score;
    a->mse_unif[i] = jobs[2 * i + 1].score;
  }
  bsq_ci95(&a->ci_alloc, a->mse_alloc, o->seeds);
  bsq_ci95(&a->ci_unif, a->mse_unif, o->seeds);
  if (model) *model = jobs[0].model;
  a->seconds = bsq_now() - t0;
  free(jobs);
  bsq_split_free(&s);
  return BSQ_OK;
fail:
  if (jobs) bsq_model_free(&jobs[0].model);
  free(jobs);
  bsq_allocation_free(a);
  bsq_split_free(&s);
  return rc;
}

void bsq_alloc_prefix(const bsq_allocation *a, int N, int *bits) {
  memset(bits, 0, sizeof(int) * (size_t)a->F);
  for (int i = 0; i < a->nsteps && i < N; i++) bits[a->steps[i].feature]++;
}

/* ---- reports ----------------------------------------------------------------- */

static int sum_bits(const int *b, int F) {
  int n = 0;
  for (int f = 0; f < F; f++) n += b[f];
  return n;
}

char *bsq_allocation_to_markdown(const bsq_allocation *a, const char *source) {
  bsq_buf b;
  bsq_buf_init(&b);
  bsq_buf_printf(&b, "# Bit allocation: %s, %d frame bits\n\n", source, a->N);
  bsq_buf_printf(&b,
                 "Greedy by marginal gain of %d-fold cross-validated "
                 "hardware-true MSE on %d development rows (search trainings of "
                 "%d epochs, batch %d: %d of them, %.1f s); the test rows "
                 "were not used.%s\n\n",
                 a->folds, a->search_rows, a->search_epochs, a->search_batch,
                 a->search_trainings, a->search_seconds,
                 a->stopped ? " Stopped below the budget: no further bit "
                              "lowered the MSE."
                            : "");
  bsq_buf_printf(&b, "| feature | bits | MSE gain of its last bit | uniform |\n"
                     "|---|---:|---:|---:|\n");
  for (int f = 0; f < a->F; f++) {
    if (a->bits[f] > 0)
      bsq_buf_printf(&b, "| %s | %d | %.5f | %d |\n", a->names[f], a->bits[f],
                     a->gain[f], a->uniform[f]);
    else
      bsq_buf_printf(&b, "| %s | 0 | - | %d |\n", a->names[f], a->uniform[f]);
  }
  bsq_buf_printf(&b, "| **frame** | **%d** | | **%d** |\n\n",
                 sum_bits(a->bits, a->F), sum_bits(a->uniform, a->F));
  bsq_buf_printf(&b,
                 "Test MSE (hardware-true, standardized target), %d seed%s "
                 "from %llu on the split of seed %llu:\n\n",
                 a->seeds, a->seeds > 1 ? "s" : "", (unsigned long long)a->seed,
                 (unsigned long long)a->seed);
  bsq_buf_printf(&b, "| allocation | frame bits | test MSE | 95%% CI |\n"
                     "|---|---:|---:|---|\n");
  bsq_buf_printf(&b, "| allocated | %d | %.5f | [%.5f, %.5f] |\n",
                 sum_bits(a->bits, a->F), a->ci_alloc.mean, a->ci_alloc.lo,
                 a->ci_alloc.hi);
  bsq_buf_printf(&b, "| uniform | %d | %.5f | [%.5f, %.5f] |\n",
                 sum_bits(a->uniform, a->F), a->ci_unif.mean, a->ci_unif.lo,
                 a->ci_unif.hi);
  bsq_buf_printf(&b, "\nRatio allocated / uniform: %.3f. Wall time %.1f s "
                     "(%d search and %d final trainings).\n",
                 a->ci_alloc.mean / a->ci_unif.mean, a->seconds,
                 a->search_trainings, a->final_trainings);
  return bsq_buf_finish(&b);
}

static cJSON *int_array(const int *v, int n) {
  cJSON *x = cJSON_CreateArray();
  for (int i = 0; x && i < n; i++)
    cJSON_AddItemToArray(x, cJSON_CreateNumber(v[i]));
  return x;
}

static cJSON *runs_obj(const double *v, const bsq_ci *ci, int n) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddNumberToObject(o, "mse_mean", ci->mean);
  cJSON *c = cJSON_AddArrayToObject(o, "mse_ci95");
  cJSON_AddItemToArray(c, cJSON_CreateNumber(ci->lo));
  cJSON_AddItemToArray(c, cJSON_CreateNumber(ci->hi));
  cJSON_AddNumberToObject(o, "mse_sd", ci->sd);
  cJSON *r = cJSON_AddArrayToObject(o, "mse_runs");
  for (int i = 0; i < n; i++) cJSON_AddItemToArray(r, cJSON_CreateNumber(v[i]));
  return o;
}

char *bsq_allocation_to_json(const bsq_allocation *a, const char *source) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return NULL;
  cJSON_AddStringToObject(root, "data", source);
  cJSON_AddNumberToObject(root, "frame_bits", a->N);
  cJSON_AddNumberToObject(root, "max_bits", a->max_bits);
  cJSON_AddNumberToObject(root, "folds", a->folds);
  cJSON_AddNumberToObject(root, "search_rows", a->search_rows);
  cJSON_AddNumberToObject(root, "search_epochs", a->search_epochs);
  cJSON_AddNumberToObject(root, "search_batch", a->search_batch);
  cJSON_AddNumberToObject(root, "search_trainings", a->search_trainings);
  cJSON_AddNumberToObject(root, "final_trainings", a->final_trainings);
  cJSON_AddNumberToObject(root, "seed", (double)a->seed);
  cJSON_AddNumberToObject(root, "seeds", a->seeds);
  cJSON_AddBoolToObject(root, "stopped_below_budget", a->stopped);
  cJSON_AddNumberToObject(root, "cv_mse_none", a->cv_none);
  cJSON *fs = cJSON_AddArrayToObject(root, "features");
  for (int f = 0; f < a->F; f++) {
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "name", a->names[f]);
    cJSON_AddNumberToObject(x, "bits", a->bits[f]);
    if (a->bits[f] > 0) cJSON_AddNumberToObject(x, "gain", a->gain[f]);
    else cJSON_AddNullToObject(x, "gain");
    cJSON_AddNumberToObject(x, "uniform", a->uniform[f]);
    cJSON_AddItemToArray(fs, x);
  }
  cJSON *st = cJSON_AddArrayToObject(root, "steps");
  for (int i = 0; i < a->nsteps; i++) {
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "feature", a->names[a->steps[i].feature]);
    cJSON_AddNumberToObject(x, "cv_mse", a->steps[i].cv_mse);
    cJSON_AddItemToArray(st, x);
  }
  cJSON *al = runs_obj(a->mse_alloc, &a->ci_alloc, a->seeds);
  cJSON *un = runs_obj(a->mse_unif, &a->ci_unif, a->seeds);
  if (al) {
    cJSON_AddItemToObject(al, "bits", int_array(a->bits, a->F));
    cJSON_AddNumberToObject(al, "bits_per_frame", sum_bits(a->bits, a->F));
    cJSON_AddItemToObject(root, "allocated", al);
  }
  if (un) {
    cJSON_AddItemToObject(un, "bits", int_array(a->uniform, a->F));
    cJSON_AddNumberToObject(un, "bits_per_frame", sum_bits(a->uniform, a->F));
    cJSON_AddItemToObject(root, "uniform", un);
  }
  cJSON_AddNumberToObject(root, "search_seconds", a->search_seconds);
  cJSON_AddNumberToObject(root, "wall_seconds", a->seconds);
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

static int save_owned(const char *path, char *text, bsq_diag *diag) {
  if (!text) return bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", path);
  int rc = bsq_write_if_changed(path, text, strlen(text), NULL, diag);
  free(text);
  return rc;
}

int bsq_allocation_save(const bsq_allocation *a, const char *source,
                        const char *md_path, const char *json_path,
                        bsq_diag *diag) {
  int rc = BSQ_OK;
  if (md_path)
    rc = save_owned(md_path, bsq_allocation_to_markdown(a, source), diag);
  if (rc == BSQ_OK && json_path)
    rc = save_owned(json_path, bsq_allocation_to_json(a, source), diag);
  return rc;
}

/* ---- the front: bsq pareto ------------------------------------------------- */

void bsq_pareto_free(bsq_pareto *p) {
  if (!p) return;
  bsq_allocation_free(&p->path);
  for (int i = 0; i < p->n; i++) {
    free(p->pt[i].alloc);
    free(p->pt[i].unif);
    free(p->pt[i].mse_alloc);
    free(p->pt[i].mse_unif);
  }
  free(p->mse_fp);
  memset(p, 0, sizeof *p);
}

int bsq_pareto_run(bsq_pareto *p, bsq_model *models, const bsq_dataset *d,
                   const bsq_train_cfg *base, const int *budgets, int n,
                   const bsq_alloc_opts *o, bsq_diag *diag) {
  memset(p, 0, sizeof *p);
  if (models) memset(models, 0, sizeof *models * (size_t)(2 * (n > 0 ? n : 0)));
  if (n < 1 || n > BSQ_PARETO_MAX)
    return bsq_diag_set(diag, BSQ_EINVAL, "frame bits: %d budgets, 1..%d", n,
                        BSQ_PARETO_MAX);
  int F = d->F, S = o->seeds, rc, Nmax = 0;
  for (int i = 0; i < n; i++) {
    if ((rc = bsq_alloc_check(F, budgets[i], o->max_bits, NULL, diag)))
      return rc;
    if (budgets[i] > Nmax) Nmax = budgets[i];
  }
  double t0 = bsq_now();
  bsq_alloc_opts so = *o;
  so.frame_bits = Nmax;
  bsq_split s;
  if ((rc = alloc_search(&p->path, d, base, &so, &s, diag))) return rc;
  /* jobs: per budget and seed the allocation and uniform, then FP */
  int nj = 2 * n * S + S;
  ajob *jobs = calloc((size_t)nj, sizeof *jobs);
  p->mse_fp = calloc((size_t)S, sizeof(double));
  rc = BSQ_ENOMEM;
  if (!jobs || !p->mse_fp) goto fail_mem;
  p->n = n;
  p->seeds = S;
  for (int i = 0; i < n; i++) {
    bsq_pareto_point *q = &p->pt[i];
    q->N = budgets[i];
    q->alloc = calloc((size_t)F, sizeof(int));
    q->unif = calloc((size_t)F, sizeof(int));
    q->mse_alloc = calloc((size_t)S, sizeof(double));
    q->mse_unif = calloc((size_t)S, sizeof(double));
    if (!q->alloc || !q->unif || !q->mse_alloc || !q->mse_unif) goto fail_mem;
    bsq_alloc_prefix(&p->path, q->N, q->alloc);
    bsq_alloc_uniform(q->unif, F, q->N, o->max_bits);
    q->bpf_alloc = sum_bits(q->alloc, F);
    q->bpf_unif = sum_bits(q->unif, F);
    q->cells_alloc = q->cells_unif = -1;
    q->area_alloc = q->area_unif = -1;
    for (int k = 0; k < S; k++)
      for (int u = 0; u < 2; u++) {
        ajob *j = &jobs[(i * S + k) * 2 + u];
        memcpy(j->bits, u ? q->unif : q->alloc, sizeof(int) * (size_t)F);
        j->split = &s;
        j->epochs = base->epochs;
        j->batch = base->batch;
        j->seed = base->seed + (uint64_t)k;
        j->keep = k == 0 && models != NULL;
      }
  }
  for (int k = 0; k < S; k++) {
    ajob *j = &jobs[2 * n * S + k];
    j->fp = 1;
    j->split = &s;
    j->epochs = base->epochs;
    j->batch = base->batch;
    j->seed = base->seed + (uint64_t)k;
  }
  actx ctx = {d, base, jobs};
  if ((rc = run_jobs(jobs, nj, &ctx, o->jobs, diag))) goto fail;
  for (int i = 0; i < n; i++) {
    bsq_pareto_point *q = &p->pt[i];
    for (int k = 0; k < S; k++) {
      q->mse_alloc[k] = jobs[(i * S + k) * 2].score;
      q->mse_unif[k] = jobs[(i * S + k) * 2 + 1].score;
    }
    bsq_ci95(&q->ci_alloc, q->mse_alloc, S);
    bsq_ci95(&q->ci_unif, q->mse_unif, S);
    if (models) {
      models[2 * i] = jobs[(i * S) * 2].model;
      models[2 * i + 1] = jobs[(i * S) * 2 + 1].model;
    }
  }
  for (int k = 0; k < S; k++) p->mse_fp[k] = jobs[2 * n * S + k].score;
  bsq_ci95(&p->ci_fp, p->mse_fp, S);
  snprintf(p->cost_note, sizeof p->cost_note, "not measured");
  p->seconds = bsq_now() - t0;
  free(jobs);
  bsq_split_free(&s);
  return BSQ_OK;
fail_mem:
  rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
fail:
  if (jobs)
    for (int i = 0; i < nj; i++) bsq_model_free(&jobs[i].model);
  free(jobs);
  bsq_split_free(&s);
  bsq_pareto_free(p);
  return rc;
}

static void cost_cell(char *buf, size_t n, long cells, double area) {
  if (cells >= 0 && area >= 0) snprintf(buf, n, "%ld / %.0f", cells, area);
  else if (cells >= 0) snprintf(buf, n, "%ld", cells);
  else if (area >= 0) snprintf(buf, n, "%.0f", area);
  else snprintf(buf, n, "skipped");
}

char *bsq_pareto_to_markdown(const bsq_pareto *p, const char *source) {
  bsq_buf b;
  bsq_buf_init(&b);
  const bsq_allocation *a = &p->path;
  bsq_buf_printf(&b, "# Accuracy against frame bits: %s\n\n", source);
  bsq_buf_printf(&b,
                 "Allocated: greedy by %d-fold cross-validated hardware-true "
                 "MSE on %d development rows (%d search trainings, %.1f s), "
                 "one path to %d bits%s. Uniform: floor(N/F) bits each, one "
                 "more for the first N mod F features. Test MSE "
                 "(hardware-true, standardized target): mean and 95%% CI "
                 "over %d seed%s on the split of seed %llu. Encoder cost: "
                 "%s.\n\n",
                 a->folds, a->search_rows, a->search_trainings,
                 a->search_seconds, a->N,
                 a->stopped ? " (stopped earlier: no further bit lowered "
                              "the MSE)"
                            : "",
                 p->seeds, p->seeds > 1 ? "s" : "",
                 (unsigned long long)a->seed, p->cost_note);
  bsq_buf_printf(&b, "| budget | allocated bits | allocated MSE | 95%% CI | "
                     "uniform bits | uniform MSE | 95%% CI | ratio | cost "
                     "allocated | cost uniform |\n"
                     "|---:|---:|---:|---|---:|---:|---|---:|---:|---:|\n");
  for (int i = 0; i < p->n; i++) {
    const bsq_pareto_point *q = &p->pt[i];
    char ca[64], cu[64];
    cost_cell(ca, sizeof ca, q->cells_alloc, q->area_alloc);
    cost_cell(cu, sizeof cu, q->cells_unif, q->area_unif);
    bsq_buf_printf(&b,
                   "| %d | %d | %.5f | [%.5f, %.5f] | %d | %.5f | [%.5f, "
                   "%.5f] | %.3f | %s | %s |\n",
                   q->N, q->bpf_alloc, q->ci_alloc.mean, q->ci_alloc.lo,
                   q->ci_alloc.hi, q->bpf_unif, q->ci_unif.mean,
                   q->ci_unif.lo, q->ci_unif.hi,
                   q->ci_alloc.mean / q->ci_unif.mean, ca, cu);
  }
  bsq_buf_printf(&b, "\nFP (32-bit floats, %d bits a frame): %.5f [%.5f, "
                     "%.5f].\n\nAllocations (bits of ",
                 32 * a->F, p->ci_fp.mean, p->ci_fp.lo, p->ci_fp.hi);
  for (int f = 0; f < a->F; f++)
    bsq_buf_printf(&b, "%s%s", f ? ", " : "", a->names[f]);
  bsq_buf_puts(&b, "):\n\n");
  for (int i = 0; i < p->n; i++) {
    bsq_buf_printf(&b, "- %d: allocated (", p->pt[i].N);
    for (int f = 0; f < a->F; f++)
      bsq_buf_printf(&b, "%s%d", f ? ", " : "", p->pt[i].alloc[f]);
    bsq_buf_puts(&b, "), uniform (");
    for (int f = 0; f < a->F; f++)
      bsq_buf_printf(&b, "%s%d", f ? ", " : "", p->pt[i].unif[f]);
    bsq_buf_puts(&b, ")\n");
  }
  bsq_buf_printf(&b, "\nWall time %.1f s: %.1f s search and trainings, %.1f s "
                     "cost.\n",
                 p->seconds + p->cost_seconds, p->seconds, p->cost_seconds);
  return bsq_buf_finish(&b);
}

static cJSON *point_side(const int *bits, int F, int bpf, const double *v,
                         const bsq_ci *ci, int S, long cells, double area) {
  cJSON *o = runs_obj(v, ci, S);
  if (!o) return NULL;
  cJSON_AddItemToObject(o, "bits", int_array(bits, F));
  cJSON_AddNumberToObject(o, "bits_per_frame", bpf);
  if (cells >= 0) cJSON_AddNumberToObject(o, "ice40_logic_cells", (double)cells);
  else cJSON_AddNullToObject(o, "ice40_logic_cells");
  if (area >= 0) cJSON_AddNumberToObject(o, "asic_area", area);
  else cJSON_AddNullToObject(o, "asic_area");
  return o;
}

char *bsq_pareto_to_json(const bsq_pareto *p, const char *source) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return NULL;
  const bsq_allocation *a = &p->path;
  cJSON_AddStringToObject(root, "data", source);
  cJSON_AddNumberToObject(root, "seed", (double)a->seed);
  cJSON_AddNumberToObject(root, "seeds", p->seeds);
  cJSON_AddNumberToObject(root, "folds", a->folds);
  cJSON_AddNumberToObject(root, "search_rows", a->search_rows);
  cJSON_AddNumberToObject(root, "search_trainings", a->search_trainings);
  cJSON_AddStringToObject(root, "cost", p->cost_note);
  if (p->area_unit[0]) cJSON_AddStringToObject(root, "area_unit", p->area_unit);
  cJSON *names = cJSON_AddArrayToObject(root, "features");
  for (int f = 0; f < a->F; f++)
    cJSON_AddItemToArray(names, cJSON_CreateString(a->names[f]));
  cJSON *pts = cJSON_AddArrayToObject(root, "points");
  for (int i = 0; i < p->n; i++) {
    const bsq_pareto_point *q = &p->pt[i];
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "frame_bits", q->N);
    cJSON_AddItemToObject(x, "allocated",
                          point_side(q->alloc, a->F, q->bpf_alloc, q->mse_alloc,
                                     &q->ci_alloc, p->seeds, q->cells_alloc,
                                     q->area_alloc));
    cJSON_AddItemToObject(x, "uniform",
                          point_side(q->unif, a->F, q->bpf_unif, q->mse_unif,
                                     &q->ci_unif, p->seeds, q->cells_unif,
                                     q->area_unif));
    cJSON_AddItemToArray(pts, x);
  }
  cJSON *fp = runs_obj(p->mse_fp, &p->ci_fp, p->seeds);
  if (fp) cJSON_AddItemToObject(root, "fp", fp);
  cJSON_AddNumberToObject(root, "wall_seconds", p->seconds + p->cost_seconds);
  cJSON_AddNumberToObject(root, "cost_seconds", p->cost_seconds);
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

char *bsq_pareto_plot_script(const bsq_pareto *p, const char *source) {
  bsq_buf b;
  bsq_buf_init(&b);
  const char *base = strrchr(source, '/');
  base = base ? base + 1 : source;
  char title[300];
  size_t k = 0;
  for (const char *c = base; *c && k < sizeof title - 1; c++)
    if (*c != '"' && *c != '\\') title[k++] = *c;
  title[k] = '\0';
  int xmin = p->pt[0].N, xmax = p->pt[0].N;
  for (int i = 0; i < p->n; i++) {
    xmin = p->pt[i].N < xmin ? p->pt[i].N : xmin;
    xmax = p->pt[i].N > xmax ? p->pt[i].N : xmax;
  }
  double pad = xmax > xmin ? 0.04 * (xmax - xmin) : 1;
  bsq_buf_puts(&b, "set terminal svg size 900,560 dynamic enhanced "
                   "font 'sans,12' background rgb 'white'\n");
  bsq_buf_printf(&b, "set title \"%s: test MSE (hardware-true) vs frame "
                     "bits, mean and 95%% CI over %d seed%s\" noenhanced\n",
                 title, p->seeds, p->seeds > 1 ? "s" : "");
  bsq_buf_puts(&b, "set xlabel 'frame bits (budget)'\nset ylabel 'test MSE "
                   "(standardized target)'\nset key outside right top\n"
                   "set grid\nset logscale y\n");
  bsq_buf_printf(&b, "set xrange [%g:%g]\n", xmin - pad, xmax + pad);
  bsq_buf_printf(&b, "$fp << EOD\n%g %.9g %.9g %.9g\n%g %.9g %.9g %.9g\nEOD\n",
                 xmin - pad, p->ci_fp.lo, p->ci_fp.hi, p->ci_fp.mean,
                 xmax + pad, p->ci_fp.lo, p->ci_fp.hi, p->ci_fp.mean);
  for (int u = 0; u < 2; u++) {
    bsq_buf_printf(&b, "$%s << EOD\n", u ? "unif" : "alloc");
    for (int i = 0; i < p->n; i++) {
      const bsq_ci *c = u ? &p->pt[i].ci_unif : &p->pt[i].ci_alloc;
      bsq_buf_printf(&b, "%d %.9g %.9g %.9g\n", p->pt[i].N, c->mean, c->lo,
                     c->hi);
    }
    bsq_buf_puts(&b, "EOD\n");
  }
  bsq_buf_puts(&b,
               "plot $fp using 1:2:3 with filledcurves fc rgb '#bbbbbb' fs "
               "transparent solid 0.5 noborder title 'FP 95% CI', \\\n"
               "     $fp using 1:4 with lines lc rgb 'black' dt 2 lw 1.5 "
               "title 'FP mean', \\\n"
               "     $alloc using 1:2:3:4 with yerrorlines lc rgb '#d62728' "
               "lw 3 pt 7 ps 0.8 title 'allocated', \\\n"
               "     $unif using 1:2:3:4 with yerrorlines lc rgb '#1f77b4' "
               "lw 1.5 pt 5 ps 0.8 title 'uniform'\n");
  return bsq_buf_finish(&b);
}

int bsq_pareto_save(const bsq_pareto *p, const char *source,
                    const char *md_path, const char *json_path,
                    const char *svg_path, bsq_diag *diag) {
  int rc = BSQ_OK;
  if (md_path) rc = save_owned(md_path, bsq_pareto_to_markdown(p, source), diag);
  if (rc == BSQ_OK && json_path)
    rc = save_owned(json_path, bsq_pareto_to_json(p, source), diag);
  if (rc == BSQ_OK && svg_path) {
    char *script = bsq_pareto_plot_script(p, source);
    if (!script)
      return bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", svg_path);
    rc = bsq_plot_script_write(script, svg_path, NULL, diag);
    free(script);
  }
  return rc;
}
