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
  j->score = m.mse_test_hw;
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

int bsq_alloc_run(bsq_allocation *a, bsq_model *model, const bsq_dataset *d,
                  const bsq_train_cfg *base, const bsq_alloc_opts *o,
                  bsq_diag *diag) {
  memset(a, 0, sizeof *a);
  if (model) memset(model, 0, sizeof *model);
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
  bsq_split s = {0}, dev = {0};
  bsq_split *folds = calloc((size_t)K, sizeof *folds);
  int C = F; /* candidates per step, at most */
  ajob *jobs = calloc((size_t)(C * K > 2 * o->seeds ? C * K : 2 * o->seeds),
                      sizeof *jobs);
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
  if ((rc = bsq_split_make(&s, d->rows, base->seed))) {
    bsq_diag_set(diag, BSQ_EFORMAT,
                 "%s: need at least 3 data rows to split into train, "
                 "validation and test, found %d", d->source, d->rows);
    goto fail;
  }
  int ndev = s.n_train + s.n_val;
  if (o->search_rows > 0 && ndev > o->search_rows) ndev = o->search_rows;
  a->search_rows = ndev;
  dev.train = s.train; /* s.val follows s.train in memory */
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

  /* the final trainings: allocation and uniform, every seed, on the
   * seed's split; job 0 (allocation, first seed) is kept */
  for (int i = 0; i < 2 * o->seeds; i++) {
    ajob *j = &jobs[i];
    memset(j, 0, sizeof *j);
    memcpy(j->bits, i % 2 ? a->uniform : a->bits, sizeof(int) * (size_t)F);
    j->split = &s;
    j->epochs = base->epochs;
    j->batch = base->batch;
    j->seed = base->seed + (uint64_t)(i / 2);
    j->keep = i == 0 && model != NULL;
  }
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
  rc = BSQ_OK;
  goto done;
fail_mem:
  rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
fail:
  if (jobs) bsq_model_free(&jobs[0].model);
  bsq_allocation_free(a);
done:
  bsq_tune_folds_free(folds, folds ? K : 0);
  free(folds);
  bsq_split_free(&s);
  free(jobs);
  free(cv);
  free(cand);
  return rc;
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
