/* bsq tune — random search over a space like the paper's (learning rate,
 * depth, width, epochs, tau decay, dropout; Schrödter et al., CPAL 2026,
 * section 5: hyperparameters tuned per method), scored by k-fold
 * cross-validation of the hardware-true MSE, bounded by --trials and
 * --time-budget, trainings in parallel (cmp_pool_run).
 *
 * Folds: the development rows (train + validation of the seed's split) in
 * k parts; for fold i, part i is scored and the rest is split 3:1 into
 * training and early-stopping validation. The test rows are left alone, so
 * bsq compare's test MSE of the same seed is not tuned on. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "compare.h"
#include "rng.h"
#include "train.h"
#include "pool.h"
#include "tune.h"

void tune_opts_default(tune_opts *o) {
  o->trials = 12;
  o->time_budget = 1800;
  o->folds = 3;
  o->jobs = bsq_pool_default_threads();
  o->progress = 0;
}

int tune_parse_common(int c, const char *arg, tune_opts *o, const char **bad) {
  long v;
  double x;
  switch (c) {
  case 'x':
    if (cli_parse_int(arg, 1, 100000, &v)) *bad = "--trials";
    else o->trials = (int)v;
    return 1;
  case 'y':
    if (cli_parse_double(arg, &x) || x <= 0) *bad = "--time-budget";
    else o->time_budget = x;
    return 1;
  case 'k':
    if (cli_parse_int(arg, 2, 20, &v)) *bad = "--folds";
    else o->folds = (int)v;
    return 1;
  default: return 0;
  }
}

static double wall(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One setting drawn from the space (seeded per method and bits). */
static void draw(bsq_train_cfg *c, const bsq_train_cfg *base, bsq_rng *r) {
  static const float LR[] = {3e-3f, 1e-3f, 3e-4f, 1e-4f};
  static const int DEPTH[] = {1, 2, 3, 4, 5};
  static const int WIDTH[] = {16, 32, 64, 128};
  static const double EPOCHS[] = {0.5, 1.0, 2.0};
  static const float TAU[] = {1e-3f, 1e-4f};
  static const float DROP[] = {0.0f, 0.1f, 0.2f};
  *c = *base;
  c->lr = LR[bsq_rng_below(r, 4)];
  c->nhidden = DEPTH[bsq_rng_below(r, 5)];
  int w = WIDTH[bsq_rng_below(r, 4)];
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
  int progress;
} tctx;

static void tune_one(int i, void *vctx) {
  tctx *c = vctx;
  tjob *j = &c->jobs[i];
  if (wall() - c->t0 > c->budget) return; /* over budget: skipped */
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
  if (!c->progress) return;
  tjob *j = &c->jobs[i];
  if (j->ran && !j->rc)
    fprintf(stderr, "[tune %4d/%d %5.0fs] %-6s %d bits trial %d fold %d: "
                    "%.5f\n",
            done, c->njobs, wall() - c->t0,
            bsq_method_label(bsq_method_parse(j->cfg.method)), j->cfg.bits[0],
            j->trial + 1, j->fold + 1, j->score);
}

int tune_run(const bsq_dataset *d, const bsq_train_cfg *base, const int *want,
             const int *bits, int nbits, uint64_t seed, const tune_opts *o,
             tune_choice **out, bsq_diag *diag) {
  *out = NULL;
  int K = o->folds, T = o->trials, rc = BSQ_ENOMEM;
  bsq_split s = {0};
  bsq_split *folds = calloc((size_t)K, sizeof *folds);
  tune_choice *tc = calloc(1, sizeof *tc);
  int maxu = 1 + BSQ_METHOD_COUNT * nbits;
  tune_entry *units = calloc((size_t)maxu, sizeof *units);
  tjob *jobs = calloc((size_t)maxu * (size_t)T * (size_t)K, sizeof *jobs);
  if (!folds || !tc || !units || !jobs) goto fail_mem;
  if ((rc = bsq_split_make(&s, d->rows, seed))) {
    bsq_diag_set(diag, rc, "%s: cannot split %d rows", d->source, d->rows);
    goto fail;
  }
  /* development rows: train then val of the split (already shuffled) */
  int ndev = s.n_train + s.n_val;
  if (ndev < 4 * K) {
    rc = bsq_diag_set(diag, BSQ_EINVAL, "--folds %d: only %d rows to fold",
                      K, ndev);
    goto fail;
  }
  for (int k = 0; k < K; k++) {
    int a = (int)((long)ndev * k / K), b = (int)((long)ndev * (k + 1) / K);
    int nt = b - a, nrest = ndev - nt;
    int *blk = malloc(sizeof(int) * (size_t)ndev);
    if (!blk) goto fail_mem;
    memcpy(blk, s.train + a, sizeof(int) * (size_t)nt); /* s.val follows */
    int w = nt;
    for (int i = 0; i < ndev; i++)
      if (i < a || i >= b) blk[w++] = s.train[i];
    folds[k].n_test = nt;
    folds[k].n_val = nrest / 4 > 0 ? nrest / 4 : 1;
    folds[k].n_train = nrest - folds[k].n_val;
    folds[k].test = blk;
    folds[k].train = blk + nt;
    folds[k].val = folds[k].train + folds[k].n_train;
  }
  /* units: FP (also for Po-*), then every other method at every width */
  int nu = 0;
  if (want[BSQ_METHOD_FP] || want[BSQ_METHOD_PO_MQ] || want[BSQ_METHOD_PO_QQ])
    units[nu++] = (tune_entry){.method = BSQ_METHOD_FP, .bits = 0};
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    if (!want[m] || m == BSQ_METHOD_FP || m == BSQ_METHOD_PO_MQ ||
        m == BSQ_METHOD_PO_QQ)
      continue;
    for (int b = 0; b < nbits; b++)
      units[nu++] = (tune_entry){.method = m, .bits = bits[b]};
  }
  int nj = 0;
  for (int u = 0; u < nu; u++) {
    bsq_rng r;
    bsq_rng_seed(&r, seed * 1000003ULL + (uint64_t)units[u].method * 101ULL +
                         (uint64_t)units[u].bits);
    for (int t = 0; t < T; t++) {
      bsq_train_cfg c;
      draw(&c, base, &r);
      snprintf(c.method, sizeof c.method, "%s",
               bsq_method_name(units[u].method));
      c.nbits = 1;
      c.bits[0] = units[u].bits ? units[u].bits : 1;
      c.seed = seed;
      for (int k = 0; k < K; k++)
        jobs[nj++] = (tjob){.unit = u, .trial = t, .fold = k, .cfg = c};
    }
  }
  /* trial-major order: with a time budget, every unit gets its first
   * trials before any gets its last ones */
  tjob *ord = malloc(sizeof *ord * (size_t)(nj ? nj : 1));
  if (!ord) goto fail_mem;
  int w = 0;
  for (int t = 0; t < T; t++)
    for (int i = 0; i < nj; i++)
      if (jobs[i].trial == t) ord[w++] = jobs[i];
  free(jobs);
  jobs = ord;
  double t0 = wall();
  tctx ctx = {d, jobs, nj, folds, t0, o->time_budget, o->progress};
  if ((rc = bsq_pool_jobs(nj, o->jobs, tune_one, tune_done, &ctx))) {
    bsq_diag_set(diag, rc, "cannot start the workers");
    goto fail;
  }
  for (int i = 0; i < nj; i++)
    if (jobs[i].ran && jobs[i].rc) {
      rc = bsq_diag_set(diag, jobs[i].rc, "%s at %d bits: %.400s",
                        jobs[i].cfg.method, jobs[i].cfg.bits[0], jobs[i].err);
      goto fail;
    }
  /* the best complete trial per unit (lowest mean over the folds) */
  int hit = 0;
  for (int u = 0; u < nu; u++) {
    units[u].cv_mean = INFINITY;
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
      units[u].trials_done++;
      double mean, sd, lo, hi;
      cmp_stats(v, n, &mean, &sd, &lo, &hi);
      if (mean < units[u].cv_mean) {
        units[u].cv_mean = mean;
        units[u].cv_sd = sd;
        units[u].cfg = *cfg;
      }
    }
    if (units[u].trials_done == 0) { /* nothing finished: keep the base */
      units[u].cfg = *base;
      snprintf(units[u].cfg.method, sizeof units[u].cfg.method, "%s",
               bsq_method_name(units[u].method));
      units[u].cv_mean = NAN;
    }
  }
  tc->n = nu;
  tc->e = units;
  tc->folds = K;
  tc->trials = T;
  tc->budget_hit = hit;
  tc->seconds = wall() - t0;
  tc->time_budget = o->time_budget;
  tc->seed = seed;
  *out = tc;
  units = NULL;
  tc = NULL;
  rc = BSQ_OK;
  goto done;
fail_mem:
  rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
fail:
done:
  bsq_split_free(&s);
  if (folds)
    for (int k = 0; k < K; k++) free(folds[k].test);
  free(folds);
  free(units);
  free(tc);
  free(jobs);
  return rc;
}

const bsq_train_cfg *tune_cfg_for(const tune_choice *t, int method, int bits,
                                  const bsq_train_cfg *fallback) {
  if (!t) return fallback;
  if (method == BSQ_METHOD_PO_MQ || method == BSQ_METHOD_PO_QQ)
    method = BSQ_METHOD_FP;
  for (int i = 0; i < t->n; i++)
    if (t->e[i].method == method &&
        (method == BSQ_METHOD_FP || t->e[i].bits == bits))
      return &t->e[i].cfg;
  return fallback;
}

static void hidden_str(char *buf, size_t n, const bsq_train_cfg *c) {
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < c->nhidden && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%d", i ? "," : "", c->hidden[i]);
}

void tune_write_markdown(FILE *f, const tune_choice *t) {
  fprintf(f, "Random search, %d trials per method and width, %d-fold "
             "cross-validation on the development rows of seed %llu, "
             "%.0f s%s.\n\n",
          t->trials, t->folds, (unsigned long long)t->seed, t->seconds,
          t->budget_hit ? " (time budget reached: some trials skipped)" : "");
  fprintf(f, "| method | bits | lr | hidden | epochs | tau decay | dropout | "
             "CV mse_hw | sd | trials |\n|---|---:|---:|---|---:|---:|---:|"
             "---:|---:|---:|\n");
  for (int i = 0; i < t->n; i++) {
    const tune_entry *e = &t->e[i];
    char h[128];
    hidden_str(h, sizeof h, &e->cfg);
    char bits[16];
    if (e->method == BSQ_METHOD_FP)
      snprintf(bits, sizeof bits, "all");
    else
      snprintf(bits, sizeof bits, "%d", e->bits);
    fprintf(f, "| %s | %s | %g | %s | %d | %g | %g | %.5f | %.5f | %d |\n",
            bsq_method_label(e->method), bits, (double)e->cfg.lr, h,
            e->cfg.epochs, (double)e->cfg.tau_decay, (double)e->cfg.dropout,
            e->cv_mean, e->cv_sd, e->trials_done);
  }
}

int tune_add_json(cJSON *root, const tune_choice *t) {
  cJSON *o = cJSON_AddObjectToObject(root, "tuning");
  if (!o) return -1;
  cJSON_AddNumberToObject(o, "trials", t->trials);
  cJSON_AddNumberToObject(o, "folds", t->folds);
  cJSON_AddNumberToObject(o, "seconds", t->seconds);
  cJSON_AddNumberToObject(o, "time_budget", t->time_budget);
  cJSON_AddBoolToObject(o, "budget_hit", t->budget_hit);
  cJSON *a = cJSON_AddArrayToObject(o, "chosen");
  if (!a) return -1;
  for (int i = 0; i < t->n; i++) {
    const tune_entry *e = &t->e[i];
    cJSON *x = cJSON_CreateObject();
    if (!x || !cJSON_AddItemToArray(a, x)) return -1;
    cJSON_AddStringToObject(x, "method", bsq_method_name(e->method));
    cJSON_AddNumberToObject(x, "bits", e->bits);
    cJSON_AddNumberToObject(x, "lr", (double)e->cfg.lr);
    cJSON *h = cJSON_AddArrayToObject(x, "hidden");
    for (int l = 0; l < e->cfg.nhidden; l++)
      cJSON_AddItemToArray(h, cJSON_CreateNumber(e->cfg.hidden[l]));
    cJSON_AddNumberToObject(x, "epochs", e->cfg.epochs);
    cJSON_AddNumberToObject(x, "tau_decay", (double)e->cfg.tau_decay);
    cJSON_AddNumberToObject(x, "dropout", (double)e->cfg.dropout);
    if (isfinite(e->cv_mean)) {
      cJSON_AddNumberToObject(x, "cv_mse", e->cv_mean);
      cJSON_AddNumberToObject(x, "cv_sd", e->cv_sd);
    } else {
      cJSON_AddNullToObject(x, "cv_mse");
      cJSON_AddNullToObject(x, "cv_sd");
    }
    cJSON_AddNumberToObject(x, "trials_done", e->trials_done);
  }
  return 0;
}

void tune_free(tune_choice *t) {
  if (!t) return;
  free(t->e);
  free(t);
}

/* ---- the command ---------------------------------------------------------- */

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq tune --data friedman1|FILE.csv [--target NAME] [--bits 2,3,4,6]\n"
"                [--methods all|LIST] [--trials N] [--time-budget S]\n"
"                [--folds K] [-o REPORT.md] [--json REPORT.json]\n"
"\n"
"Random search per method and bit width over learning rate {3e-3, 1e-3,\n"
"3e-4, 1e-4}, depth 1..5, width {16, 32, 64, 128}, epochs {E/2, E, 2E},\n"
"tau decay {1e-3, 1e-4} and dropout {0, 0.1, 0.2}, scored by the k-fold\n"
"cross-validated hardware-true MSE on the development rows (the test rows\n"
"of the seed's split are not used). Po-MQ/Po-QQ use FP's setting.\n"
"Trainings run in parallel; those not started within the time budget are\n"
"skipped (a trial counts only when all its folds ran).\n"
"\n"
"  --data, --target, --rows, --data-seed   as in bsq train\n"
"  --bits LIST         (default 2,3,4,6)\n"
"  --methods all|LIST  (default all)\n"
"  --trials N          settings per method and width (default 12)\n"
"  --time-budget S     seconds (default 1800)\n"
"  --folds K           (default 3)\n"
"  --epochs E          centre of the epoch range (default 100)\n"
"  --seed S            split seed (default 1)\n"
"  --jobs N            parallel trainings (default: the cores)\n"
"  -o FILE, --json FILE  reports (Markdown, JSON with a \"tuning\" object)\n"
"  -q, --quiet\n");
}

int cmd_tune(int argc, char **argv) {
  static const struct option opts[] = {
      {"data", required_argument, 0, 'd'},
      {"target", required_argument, 0, 't'},
      {"rows", required_argument, 0, 'r'},
      {"data-seed", required_argument, 0, 'R'},
      {"bits", required_argument, 0, 'b'},
      {"methods", required_argument, 0, 'm'},
      {"trials", required_argument, 0, 'x'},
      {"time-budget", required_argument, 0, 'y'},
      {"folds", required_argument, 0, 'k'},
      {"epochs", required_argument, 0, 'e'},
      {"seed", required_argument, 0, 's'},
      {"jobs", required_argument, 0, 'j'},
      {"output", required_argument, 0, 'o'},
      {"json", required_argument, 0, 'J'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *data = NULL, *target = NULL, *out_md = NULL, *out_json = NULL;
  long rows_n = BSQ_FRIEDMAN1_ROWS, data_seed = 0, seed = 1, v;
  int bits[BSQ_MAX_BITS] = {2, 3, 4, 6}, nbits = 4, quiet = 0;
  int want[BSQ_METHOD_COUNT];
  char badname[64];
  tune_opts o;
  tune_opts_default(&o);
  bsq_train_cfg cfg;
  bsq_train_cfg_default(&cfg);
  cmp_parse_methods("all", want, NULL, 0);
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
    const char *bad = NULL;
    if (tune_parse_common(c, optarg, &o, &bad)) c = 0;
    switch (c) {
    case 0: break;
    case 'd': data = optarg; break;
    case 't': target = optarg; break;
    case 'r': if (cli_parse_int(optarg, 2, 100000000, &rows_n)) bad = "--rows"; break;
    case 'R': if (cli_parse_int(optarg, 0, (1L << 53), &data_seed)) bad = "--data-seed"; break;
    case 'b':
      nbits = cmp_parse_int_list(optarg, 1, BSQ_MAX_BITS, bits, BSQ_MAX_BITS);
      if (nbits < 1) bad = "--bits";
      break;
    case 'm':
      if (cmp_parse_methods(optarg, want, badname, sizeof badname)) {
        cli_error("tune", "--methods: unknown method '%s'", badname);
        return BSQ_EXIT_USAGE;
      }
      break;
    case 'e':
      if (cli_parse_int(optarg, 1, 1000000, &v)) bad = "--epochs";
      else cfg.epochs = (int)v;
      break;
    case 's': if (cli_parse_int(optarg, 0, (1L << 53), &seed)) bad = "--seed"; break;
    case 'j':
      if (cli_parse_int(optarg, 1, 256, &v)) bad = "--jobs";
      else o.jobs = (int)v;
      break;
    case 'o': out_md = optarg; break;
    case 'J': out_json = optarg; break;
    case 'q': quiet = 1; break;
    case 'h': usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("tune", "unknown or incomplete option '%s'", argv[optind - 1]);
      usage(stderr);
      return BSQ_EXIT_USAGE;
    }
    if (bad) {
      cli_error("tune", "%s: invalid value '%s'", bad, optarg);
      return BSQ_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    cli_error("tune", "unexpected argument '%s'", argv[optind]);
    return BSQ_EXIT_USAGE;
  }
  if (!data) {
    cli_error("tune", "--data is required");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  bsq_dataset d;
  int rc = cli_load_data("tune", data, target, (int)rows_n,
                         (unsigned long long)data_seed, &d);
  if (rc) return cli_exit_for(rc);
  o.progress = !quiet && cli_isatty_stderr();
  tune_choice *t = NULL;
  bsq_diag diag = {{0}};
  rc = tune_run(&d, &cfg, want, bits, nbits, (uint64_t)seed, &o, &t, &diag);
  if (rc) {
    cli_error("tune", "%s", diag.msg);
    bsq_dataset_free(&d);
    return cli_exit_for(rc);
  }
  tune_write_markdown(stdout, t);
  if (out_md) {
    bsq_atomic_file af;
    if ((rc = bsq_atomic_open(&af, out_md, &diag)) == BSQ_OK) {
      fprintf(af.fp, "# bsq tune: %s\n\n", d.source);
      tune_write_markdown(af.fp, t);
      rc = bsq_atomic_close(&af, !ferror((FILE *)af.fp), &diag);
    }
    if (rc) cli_error("tune", "%s", diag.msg);
  }
  if (out_json && rc == BSQ_OK) {
    cJSON *root = cJSON_CreateObject();
    char *text = NULL;
    if (root && cJSON_AddStringToObject(root, "data", d.source) &&
        tune_add_json(root, t) == 0)
      text = cJSON_Print(root);
    cJSON_Delete(root);
    bsq_atomic_file af;
    if (!text) {
      rc = BSQ_ENOMEM;
      cli_error("tune", "%s: out of memory", out_json);
    } else if ((rc = bsq_atomic_open(&af, out_json, &diag)) == BSQ_OK) {
      int ok = fputs(text, af.fp) >= 0 && fputc('\n', af.fp) != EOF;
      rc = bsq_atomic_close(&af, ok, &diag);
    }
    if (rc && text) cli_error("tune", "%s", diag.msg);
    free(text);
  }
  tune_free(t);
  bsq_dataset_free(&d);
  return cli_exit_for(rc);
}
