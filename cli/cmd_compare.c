/* bsq compare — every method at every bit width over several seeds, as the
 * paper's comparison (Schrödter et al., CPAL 2026, Table 2 and Figure 4):
 * a Markdown table, a JSON report and an SVG plot.
 *
 * Each (method, bits, seed) is one training with the same data, split,
 * network, optimizer and epochs; the seed varies the split, the
 * initialization and the batch order. Po-MQ/Po-QQ quantize the FP network
 * of the same seed after training, so FP is trained once per seed and the
 * Po- rows reuse it. Trainings run in parallel (cmp_pool_run); every run
 * writes its own result slot, so the numbers do not depend on --jobs. */
#define _GNU_SOURCE
#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "compare.h"
#include "model.h"
#include "nn.h"
#include "pool.h"
#include "train.h"
#include "tune.h"

/* ---- shared helpers (compare.h) ----------------------------------------- */

double cmp_t975(int df) {
  /* Two-sided 95% quantiles t_{0.975, df}, df = 1..30 (standard tables). */
  static const double T[30] = {
      12.7062047, 4.3026527, 3.1824463, 2.7764451, 2.5705818, 2.4469119,
      2.3646243,  2.3060041, 2.2621572, 2.2281389, 2.2009852, 2.1788128,
      2.1603687,  2.1447867, 2.1314495, 2.1199053, 2.1098156, 2.1009220,
      2.0930241,  2.0859634, 2.0796138, 2.0738731, 2.0686576, 2.0638986,
      2.0595386,  2.0555294, 2.0518305, 2.0484071, 2.0452296, 2.0422725};
  if (df < 1) return NAN;
  if (df <= 30) return T[df - 1];
  /* Cornish-Fisher expansion around the normal quantile (Abramowitz &
   * Stegun 26.7.5), accurate to 1e-5 for df > 30. */
  double z = 1.959963985, n = df;
  return z + (z * z * z + z) / (4 * n) +
         (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
}

void cmp_stats(const double *v, int n, double *mean, double *sd, double *lo,
               double *hi) {
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i];
  double m = n > 0 ? s / n : NAN, q = 0;
  for (int i = 0; i < n; i++) q += (v[i] - m) * (v[i] - m);
  double sdv = n > 1 ? sqrt(q / (n - 1)) : 0.0;
  double h = n > 1 ? cmp_t975(n - 1) * sdv / sqrt((double)n) : 0.0;
  *mean = m;
  *sd = sdv;
  *lo = m - h;
  *hi = m + h;
}

int cmp_parse_int_list(const char *s, int lo, int hi, int *out, int max) {
  int n = 0;
  const char *p = s;
  if (!s || !*s) return -1;
  while (*p) {
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (end == p || errno || v < lo || v > hi || n >= max) return -1;
    out[n++] = (int)v;
    if (*end == ',' && end[1]) p = end + 1;
    else if (*end == '\0') p = end;
    else return -1;
  }
  return n;
}

int cmp_parse_methods(const char *s, int *want, char *bad, size_t badn) {
  for (int i = 0; i < BSQ_METHOD_COUNT; i++) want[i] = 0;
  if (!strcmp(s, "all")) {
    for (int i = 0; i < BSQ_METHOD_COUNT; i++) want[i] = 1;
    return 0;
  }
  const char *p = s;
  int any = 0;
  while (1) {
    size_t n = strcspn(p, ",");
    char name[32];
    if (n == 0 || n >= sizeof name) {
      snprintf(bad, badn, "%.*s", (int)(n < 31 ? n : 31), p);
      return -1;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    int m = bsq_method_parse(name);
    if (m < 0) {
      snprintf(bad, badn, "%s", name);
      return -1;
    }
    want[m] = any = 1;
    if (!p[n]) break;
    p += n + 1;
  }
  return any ? 0 : -1;
}

/* ---- the comparison -------------------------------------------------------- */

typedef struct {
  int method, bits, seed_i; /* bits: per feature; FP 32 (float32) */
  int parent;               /* Po-*: the FP run of its seed, else -1 */
  bsq_train_cfg cfg;
  int rc;
  char err[512];
  double mse, mse_hw, mse_val, seconds;
  int bpf, best_epoch;
} crun;

typedef struct {
  const bsq_dataset *d;
  crun *runs;
  int nruns;
  int *jobs; /* run index of each job (Po- runs are not jobs) */
  int njobs;
  int progress;
  double t0;
} cctx;

static double wall(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void run_one(int j, void *vctx) {
  cctx *c = vctx;
  crun *r = &c->runs[c->jobs[j]];
  bsq_model m;
  bsq_diag diag = {{0}};
  r->rc = bsq_train(&m, c->d, &r->cfg, NULL, NULL, &diag);
  if (r->rc) {
    snprintf(r->err, sizeof r->err, "%s", diag.msg);
    for (int k = 0; k < c->nruns; k++)
      if (c->runs[k].parent == c->jobs[j]) {
        c->runs[k].rc = r->rc;
        snprintf(c->runs[k].err, sizeof c->runs[k].err, "%s", diag.msg);
      }
    return;
  }
  r->mse = m.mse_test;
  r->mse_hw = m.mse_test_hw;
  r->mse_val = m.mse_val;
  r->seconds = m.train_seconds;
  r->best_epoch = m.best_epoch;
  r->bpf = r->method == BSQ_METHOD_FP ? 32 * m.F : m.enc.B;
  /* Po-*: post-training quantization of this FP network */
  for (int k = 0; k < c->nruns; k++) {
    crun *q = &c->runs[k];
    if (q->parent != c->jobs[j]) continue;
    bsq_model pm;
    q->rc = bsq_quantize_fp(&pm, &m, c->d, bsq_method_name(q->method), 1,
                            &q->bits, &diag);
    if (q->rc) {
      snprintf(q->err, sizeof q->err, "%s", diag.msg);
      continue;
    }
    q->mse = pm.mse_test;
    q->mse_hw = pm.mse_test_hw;
    q->mse_val = pm.mse_val;
    q->seconds = pm.train_seconds;
    q->best_epoch = pm.best_epoch;
    q->bpf = pm.enc.B;
    bsq_model_free(&pm);
  }
  bsq_model_free(&m);
}

static void run_done(int j, int done, void *vctx) {
  cctx *c = vctx;
  if (!c->progress) return;
  crun *r = &c->runs[c->jobs[j]];
  fprintf(stderr, "[%3d/%d %6.0fs] %-6s %d bits seed %d: mse_hw %.5f\n", done,
          c->njobs, wall() - c->t0, bsq_method_label(r->method), r->bits,
          r->seed_i + 1, r->mse_hw);
}

/* Aggregate of one (method, bits) over the seeds. */
typedef struct {
  int method, bits, n, bpf, best;
  double mean, sd, lo, hi, mse_float, seconds;
  double *v; /* (n) per-seed hardware-true MSE */
} crow;

/* Cost estimate for scheduling the longest jobs first (load balance only;
 * it cannot change any result). */
static double job_cost(const crun *r, int F) {
  double in = bsq_method_input(r->method) == BSQ_INPUT_BITS
                  ? (double)F * ((1 << r->bits) - 1)
                  : (double)F;
  if (r->method == BSQ_METHOD_SQ) in += (double)F * ((1 << r->bits) - 1);
  return (double)r->cfg.epochs * (in + 64.0);
}

static const crun *cost_runs;
static int cost_F;
static int cmp_cost_desc(const void *a, const void *b) {
  int i = *(const int *)a, j = *(const int *)b;
  double ci = job_cost(&cost_runs[i], cost_F),
         cj = job_cost(&cost_runs[j], cost_F);
  if (ci != cj) return ci < cj ? 1 : -1;
  return i - j;
}

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq compare --data friedman1|FILE.csv [--target NAME]\n"
"                   [--bits 2,3,4,6] [--methods all|LIST] [--seeds N]\n"
"                   [--hidden SPEC] [--epochs N] [-o REPORT.md]\n"
"                   [--json REPORT.json] [--plot PLOT.svg] [options]\n"
"\n"
"Trains every method at every bit width over N seeds (each seed its own\n"
"split, initialization and batch order) and reports the hardware-true test\n"
"MSE (standardized target) as mean and 95%% t-interval, bits per frame,\n"
"compression against float32 and training time; the best method of each\n"
"bit width is marked. FP (full precision) is trained once per seed and\n"
"shown as a reference band; Po-MQ/Po-QQ quantize that FP network.\n"
"\n"
"  --data SRC          friedman1 (built in) or a CSV file with a header row\n"
"  --target NAME       target column (default: the last one)\n"
"  --rows N            friedman1 rows (default %d)\n"
"  --data-seed N       friedman1 generator seed (default 0)\n"
"  --bits LIST         bits per feature to compare (default 2,3,4,6)\n"
"  --methods all|LIST  bw-sq,fp,po-mq,po-qq,pr-mq,pr-qq,bw-mq,bw-qq,sq,lsq\n"
"                      (default all)\n"
"  --seeds N           repetitions, seeds S..S+N-1 (default 5)\n"
"  --seed S            first seed (default 1)\n"
"  --hidden SPEC       hidden layers: 5x32 or 64,32,16 (default 5x32)\n"
"  --epochs N          (default 100)\n"
"  --batch N           (default 512)\n"
"  --lr X              Adam learning rate (default 1e-3)\n"
"  --tau-decay X       (default 1e-3)\n"
"  --dropout X         (default 0)\n"
"  --input-width W     input code width (default 16)\n"
"  --jobs N            parallel trainings (default: the cores, %d here)\n"
"  --tune              tune each method first (bsq tune; see its --help for\n"
"                      --trials, --time-budget, --folds) and compare the\n"
"                      chosen settings\n"
"  --trials N, --time-budget S, --folds K   passed to the tuner\n"
"  -o, --output FILE   Markdown report\n"
"  --json FILE         JSON report (rows: method, bits, mse_mean, mse_ci95,\n"
"                      seeds, bits_per_frame, train_seconds, ...)\n"
"  --plot FILE         SVG plot (gnuplot): MSE against bits per feature,\n"
"                      one line per method, FP as a band\n"
"  --from REPORT.json  no training: re-render -o/--plot/--json from the JSON\n"
"                      report of an earlier run\n"
"  -q, --quiet         no progress even on a terminal\n",
          BSQ_FRIEDMAN1_ROWS, bsq_pool_default_threads());
}

/* ---- output ------------------------------------------------------------------ */

static void fmt_cell(char *buf, size_t n, const crow *r) {
  if (r->n > 1)
    snprintf(buf, n, "%s%.4f ± %.4f%s", r->best ? "**" : "", r->mean,
             r->hi - r->mean, r->best ? "**" : "");
  else
    snprintf(buf, n, "%s%.4f%s", r->best ? "**" : "", r->mean,
             r->best ? "**" : "");
}

static void settings_line(FILE *f, const bsq_train_cfg *c) {
  fprintf(f, "hidden ");
  for (int i = 0; i < c->nhidden; i++)
    fprintf(f, "%s%d", i ? "," : "", c->hidden[i]);
  if (c->nhidden == 0) fprintf(f, "none");
  fprintf(f, ", epochs %d, batch %d, lr %g, tau decay %g, dropout %g, "
             "input width %d",
          c->epochs, c->batch, (double)c->lr, (double)c->tau_decay,
          (double)c->dropout, c->input_width);
}

typedef struct {
  char source[512], target[256];
  int rows, F;
  uint64_t hash;
  const int *bits;
  int nbits, nseeds, jobs;
  uint64_t seed0;
  const int *want;
  const bsq_train_cfg *base;
  double wall_seconds;
  const tune_choice *tuned; /* NULL unless --tune */
} creport;

static int write_markdown(const char *path, const creport *R, const crow *rows,
                          int nrows, bsq_diag *diag) {
  bsq_atomic_file af;
  int rc = bsq_atomic_open(&af, path, diag);
  if (rc) return rc;
  FILE *f = af.fp;
  fprintf(f, "# bsq compare: %s\n\n", R->source);
  fprintf(f, "Data: `%s`, %d rows, %d features, target `%s` (standardized).  \n",
          R->source, R->rows, R->F, R->target);
  fprintf(f, "Seeds: %d (%llu..%llu; each its own split, initialization and "
             "batch order). Parallel trainings: %d. Wall time: %.0f s.  \n",
          R->nseeds, (unsigned long long)R->seed0,
          (unsigned long long)(R->seed0 + (uint64_t)R->nseeds - 1), R->jobs,
          R->wall_seconds);
  fprintf(f, "Settings: ");
  settings_line(f, R->base);
  fprintf(f, ".%s\n\n", R->tuned ? " Tuned settings per method below." : "");
  fprintf(f, "Metric: test MSE through the hardware path (input codes -> "
             "integer thresholds -> levels -> packed stream -> decoder -> "
             "network), mean ± half-width of the 95%% t-interval over the "
             "seeds. Best quantized method per row in bold. FP has no "
             "encoder: its float MSE is the reference.\n\n");
  /* the main table: one row per bit width, one column per method */
  fprintf(f, "| bits |");
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    if (R->want[m]) fprintf(f, " %s |", bsq_method_label(m));
  fprintf(f, "\n|---:|");
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    if (R->want[m]) fprintf(f, "---:|");
  fprintf(f, "\n");
  for (int b = 0; b < R->nbits; b++) {
    fprintf(f, "| %d |", R->bits[b]);
    for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
      if (!R->want[m]) continue;
      for (int i = 0; i < nrows; i++)
        if (rows[i].method == m &&
            (m == BSQ_METHOD_FP || rows[i].bits == R->bits[b])) {
          char cell[96];
          fmt_cell(cell, sizeof cell, &rows[i]);
          fprintf(f, " %s |", cell);
        }
    }
    fprintf(f, "\n");
  }
  fprintf(f, "\n## Details\n\n| method | bits | bits/frame | compression | "
             "mse_hw mean | 95%% CI | sd | mse (float) | train s (mean) | "
             "seeds |\n|---|---:|---:|---:|---:|---|---:|---:|---:|---:|\n");
  for (int i = 0; i < nrows; i++) {
    const crow *r = &rows[i];
    fprintf(f, "| %s | %d | %d | %.2f | %s%.5f%s | [%.5f, %.5f] | %.5f | %.5f "
               "| %.1f | %d |\n",
            bsq_method_label(r->method), r->bits, r->bpf,
            32.0 * R->F / r->bpf, r->best ? "**" : "", r->mean,
            r->best ? "**" : "", r->lo, r->hi, r->sd, r->mse_float, r->seconds,
            r->n);
  }
  if (R->tuned) {
    fprintf(f, "\n## Tuned settings\n\n");
    tune_write_markdown(f, R->tuned);
  }
  fprintf(f, "\nPo-MQ/Po-QQ reuse the FP network of each seed; their training "
             "time includes it.\n");
  return bsq_atomic_close(&af, !ferror(f), diag);
}

static int write_json(const char *path, const creport *R, const crow *rows,
                      int nrows, bsq_diag *diag) {
  cJSON *root = cJSON_CreateObject();
  int ok = root != NULL;
  if (ok) {
    cJSON *dd = cJSON_AddObjectToObject(root, "data");
    cJSON_AddStringToObject(dd, "source", R->source);
    cJSON_AddNumberToObject(dd, "rows", R->rows);
    cJSON_AddNumberToObject(dd, "features", R->F);
    cJSON_AddStringToObject(dd, "target", R->target);
    char h[20];
    snprintf(h, sizeof h, "%016llx", (unsigned long long)R->hash);
    cJSON_AddStringToObject(dd, "hash", h);
    cJSON *st = cJSON_AddObjectToObject(root, "settings");
    const bsq_train_cfg *c = R->base;
    cJSON *hid = cJSON_AddArrayToObject(st, "hidden");
    for (int i = 0; i < c->nhidden; i++)
      cJSON_AddItemToArray(hid, cJSON_CreateNumber(c->hidden[i]));
    cJSON_AddNumberToObject(st, "epochs", c->epochs);
    cJSON_AddNumberToObject(st, "batch", c->batch);
    cJSON_AddNumberToObject(st, "lr", (double)c->lr);
    cJSON_AddNumberToObject(st, "tau_decay", (double)c->tau_decay);
    cJSON_AddNumberToObject(st, "dropout", (double)c->dropout);
    cJSON_AddNumberToObject(st, "input_width", c->input_width);
    cJSON_AddNumberToObject(st, "seeds", R->nseeds);
    cJSON_AddNumberToObject(st, "first_seed", (double)R->seed0);
    cJSON_AddNumberToObject(st, "jobs", R->jobs);
    cJSON_AddNumberToObject(st, "wall_seconds", R->wall_seconds);
    cJSON_AddStringToObject(st, "metric",
                            "hardware-true test MSE, standardized target");
    cJSON *ra = cJSON_AddArrayToObject(root, "rows");
    for (int i = 0; i < nrows && ra; i++) {
      const crow *r = &rows[i];
      cJSON *o = cJSON_CreateObject();
      if (!o || !cJSON_AddItemToArray(ra, o)) {
        ok = 0;
        break;
      }
      cJSON_AddStringToObject(o, "method", bsq_method_name(r->method));
      cJSON_AddStringToObject(o, "label", bsq_method_label(r->method));
      cJSON_AddNumberToObject(o, "bits", r->bits);
      cJSON_AddNumberToObject(o, "seeds", r->n);
      cJSON_AddNumberToObject(o, "mse_mean", r->mean);
      cJSON *ci = cJSON_AddArrayToObject(o, "mse_ci95");
      cJSON_AddItemToArray(ci, cJSON_CreateNumber(r->lo));
      cJSON_AddItemToArray(ci, cJSON_CreateNumber(r->hi));
      cJSON_AddNumberToObject(o, "mse_sd", r->sd);
      cJSON_AddNumberToObject(o, "mse_float_mean", r->mse_float);
      cJSON_AddNumberToObject(o, "bits_per_frame", r->bpf);
      cJSON_AddNumberToObject(o, "compression", 32.0 * R->F / r->bpf);
      cJSON_AddNumberToObject(o, "train_seconds", r->seconds);
      cJSON_AddBoolToObject(o, "best", r->best);
      cJSON *v = cJSON_AddArrayToObject(o, "mse_runs");
      for (int k = 0; k < r->n; k++)
        cJSON_AddItemToArray(v, cJSON_CreateNumber(r->v[k]));
    }
    if (R->tuned && ok) ok = tune_add_json(root, R->tuned) == 0;
  }
  char *text = ok ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) return bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", path);
  bsq_atomic_file af;
  int rc = bsq_atomic_open(&af, path, diag);
  if (rc == BSQ_OK) {
    int w = fputs(text, af.fp) >= 0 && fputc('\n', af.fp) != EOF;
    rc = bsq_atomic_close(&af, w, diag);
  }
  free(text);
  return rc;
}

/* Runs gnuplot on a script file and writes its stdout (the SVG) to path,
 * atomically. */
static int run_gnuplot(const char *script, const char *path, bsq_diag *diag) {
  int fd[2];
  if (pipe(fd)) return bsq_diag_set(diag, BSQ_EIO, "pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    close(fd[0]);
    close(fd[1]);
    return bsq_diag_set(diag, BSQ_EIO, "fork: %s", strerror(errno));
  }
  if (pid == 0) {
    dup2(fd[1], STDOUT_FILENO);
    close(fd[0]);
    close(fd[1]);
    execlp("gnuplot", "gnuplot", script, (char *)NULL);
    fprintf(stderr, "bsq compare: cannot run gnuplot: %s (scripts/deps.sh "
                    "installs gnuplot-nox)\n", strerror(errno));
    _exit(127);
  }
  close(fd[1]);
  bsq_atomic_file af;
  int rc = bsq_atomic_open(&af, path, diag);
  char buf[8192];
  ssize_t n;
  size_t total = 0;
  int ok = rc == BSQ_OK;
  while ((n = read(fd[0], buf, sizeof buf)) > 0) {
    if (ok && fwrite(buf, 1, (size_t)n, af.fp) != (size_t)n) ok = 0;
    total += (size_t)n;
  }
  close(fd[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  int good = WIFEXITED(st) && WEXITSTATUS(st) == 0 && total > 0;
  if (rc == BSQ_OK) {
    rc = bsq_atomic_close(&af, ok && good, diag);
    if (rc == BSQ_OK && !good)
      rc = bsq_diag_set(diag, BSQ_ETOOL,
                        "%s: gnuplot failed (exit %d); is gnuplot-nox "
                        "installed?",
                        path, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  }
  return rc;
}

static int write_plot(const char *path, const creport *R, const crow *rows,
                      int nrows, bsq_diag *diag) {
  char tmpl[] = "/tmp/bsq-plot-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0)
    return bsq_diag_set(diag, BSQ_EIO, "cannot create a temporary file: %s",
                        strerror(errno));
  FILE *f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    unlink(tmpl);
    return bsq_diag_set(diag, BSQ_EIO, "fdopen: %s", strerror(errno));
  }
  int bmin = R->bits[0], bmax = R->bits[0];
  double ymin = INFINITY, ymax = 0;
  for (int b = 0; b < R->nbits; b++) {
    bmin = R->bits[b] < bmin ? R->bits[b] : bmin;
    bmax = R->bits[b] > bmax ? R->bits[b] : bmax;
  }
  for (int i = 0; i < nrows; i++) {
    ymin = fmin(ymin, rows[i].lo > 0 ? rows[i].lo : rows[i].mean);
    ymax = fmax(ymax, rows[i].hi);
  }
  /* the title: the file name only, without characters that would end a
   * gnuplot string; printed noenhanced, so '_' is not a subscript */
  const char *base = strrchr(R->source, '/');
  base = base ? base + 1 : R->source;
  char title[600];
  size_t k = 0;
  for (const char *s = base; *s && k < sizeof title - 1; s++)
    if (*s != '"' && *s != '\\') title[k++] = *s;
  title[k] = '\0';
  fprintf(f, "set terminal svg size 900,560 dynamic enhanced "
             "font 'sans,12' background rgb 'white'\n");
  fprintf(f, "set title \"%s: test MSE (hardware-true) vs bits per feature, "
             "mean and 95%% CI over %d seeds\" noenhanced\n",
          title, R->nseeds);
  fprintf(f, "set xlabel 'bits per feature'\nset ylabel 'test MSE "
             "(standardized target)'\n");
  fprintf(f, "set key outside right top noenhanced\nset grid\n");
  fprintf(f, "set xrange [%g:%g]\n", bmin - 0.3, bmax + 0.3);
  fprintf(f, "set xtics (");
  for (int b = 0; b < R->nbits; b++)
    fprintf(f, "%s%d", b ? ", " : "", R->bits[b]);
  fprintf(f, ")\n");
  /* a baseline that breaks down at low bits would flatten the rest */
  if (ymin > 0 && ymax / ymin > 2.5) { /* labelled ticks, not decades */
    static const double TICKS[] = {0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.06,
                                   0.08, 0.1,  0.12, 0.15, 0.2,  0.25, 0.3,
                                   0.4,  0.5,  0.6,  0.7,  0.8,  1,    1.2,
                                   1.5,  2,    2.5,  3,    4,    5,    6,
                                   8,    10,   15,   20,   30,   50,   100};
    fprintf(f, "set logscale y\nset ytics (");
    int nt = 0;
    for (size_t i = 0; i < sizeof TICKS / sizeof TICKS[0]; i++)
      if (TICKS[i] >= 0.93 * ymin && TICKS[i] <= 1.07 * ymax)
        fprintf(f, "%s%g", nt++ ? ", " : "", TICKS[i]);
    fprintf(f, ")\n");
  }
  if (ymin > 0 && ymax > ymin)
    fprintf(f, "set yrange [%.6g:%.6g]\n", 0.93 * ymin, 1.07 * ymax);
  int nplots = 0;
  for (int i = 0; i < nrows; i++) {
    if (rows[i].method != BSQ_METHOD_FP) continue;
    fprintf(f, "$fp << EOD\n%g %.9g %.9g %.9g\n%g %.9g %.9g %.9g\nEOD\n",
            bmin - 0.3, rows[i].lo, rows[i].hi, rows[i].mean, bmax + 0.3,
            rows[i].lo, rows[i].hi, rows[i].mean);
    nplots++;
  }
  /* each method a little to the side, so that the intervals of one bit
   * width do not hide each other */
  int nm = 0, slot = 0;
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    nm += R->want[m] && m != BSQ_METHOD_FP;
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    if (!R->want[m] || m == BSQ_METHOD_FP) continue;
    double dx = 0.035 * (slot++ - 0.5 * (nm - 1));
    fprintf(f, "$m%d << EOD\n", m);
    for (int b = 0; b < R->nbits; b++)
      for (int i = 0; i < nrows; i++)
        if (rows[i].method == m && rows[i].bits == R->bits[b])
          fprintf(f, "%.4f %.9g %.9g %.9g\n", rows[i].bits + dx, rows[i].mean,
                  rows[i].lo, rows[i].hi);
    fprintf(f, "EOD\n");
  }
  fprintf(f, "plot ");
  int first = 1;
  if (nplots) {
    fprintf(f, "$fp using 1:2:3 with filledcurves fc rgb '#bbbbbb' "
               "fs transparent solid 0.5 noborder title 'FP 95%% CI', \\\n"
               "     $fp using 1:4 with lines lc rgb 'black' dt 2 lw 1.5 "
               "title 'FP mean'");
    first = 0;
  }
  /* Bw-SQ, the method itself, drawn thick and red */
  static const char *const COLOR[BSQ_METHOD_COUNT] = {
      [BSQ_METHOD_BW_SQ] = "#d62728", [BSQ_METHOD_FP] = "#000000",
      [BSQ_METHOD_PO_MQ] = "#ff7f0e", [BSQ_METHOD_PO_QQ] = "#bcbd22",
      [BSQ_METHOD_PR_MQ] = "#1f77b4", [BSQ_METHOD_PR_QQ] = "#17becf",
      [BSQ_METHOD_BW_MQ] = "#2ca02c", [BSQ_METHOD_BW_QQ] = "#9467bd",
      [BSQ_METHOD_SQ] = "#8c564b",    [BSQ_METHOD_LSQ] = "#e377c2"};
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    if (!R->want[m] || m == BSQ_METHOD_FP) continue;
    fprintf(f, "%s$m%d using 1:2:3:4 with yerrorlines lc rgb '%s' lw %s "
               "pt %d ps 0.8 title '%s'",
            first ? "" : ", \\\n     ", m, COLOR[m],
            m == BSQ_METHOD_BW_SQ ? "3" : "1.5", (m % 7) + 1,
            bsq_method_label(m));
    first = 0;
  }
  fprintf(f, "\n");
  int werr = ferror(f);
  if (fclose(f) || werr) {
    unlink(tmpl);
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot write", tmpl);
  }
  int rc = run_gnuplot(tmpl, path, diag);
  unlink(tmpl);
  return rc;
}

/* --from REPORT.json: the report of an earlier run, re-rendered (new
 * Markdown, plot or JSON) without training. Every field used is checked. */
typedef struct {
  crow *rows;
  int nrows;
  double *vals;
  int bits[BSQ_MAX_BITS], nbits;
  int want[BSQ_METHOD_COUNT];
  bsq_train_cfg cfg;
} loaded;

static int jnum(const cJSON *o, const char *key, const char *where,
                const char *path, double *out) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(it)) {
    cli_error("compare", "%s: %s.%s: missing or not a number", path, where,
              key);
    return BSQ_EFORMAT;
  }
  *out = it->valuedouble;
  return BSQ_OK;
}

static int load_report(const char *path, creport *R, loaded *L) {
  size_t cap = 1 << 16, n = 0;
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    cli_error("compare", "%s: cannot open: %s", path, strerror(errno));
    return BSQ_EIO;
  }
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
    n += got;
    if (n + 1 == cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) free(buf);
      buf = nb;
    }
  }
  fclose(fp);
  if (!buf) {
    cli_error("compare", "%s: out of memory", path);
    return BSQ_ENOMEM;
  }
  buf[n] = '\0';
  cJSON *root = cJSON_Parse(buf);
  free(buf);
  if (!root) {
    cli_error("compare", "%s: not valid JSON", path);
    return BSQ_EPARSE;
  }
  int rc = BSQ_EFORMAT;
  double v;
  const cJSON *dd = cJSON_GetObjectItemCaseSensitive(root, "data");
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "settings");
  const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
  const cJSON *src = cJSON_GetObjectItemCaseSensitive(dd, "source");
  const cJSON *tgt = cJSON_GetObjectItemCaseSensitive(dd, "target");
  if (!cJSON_IsString(src) || !cJSON_IsString(tgt)) {
    cli_error("compare", "%s: data.source, data.target: missing or not a "
              "string", path);
    goto done;
  }
  if (!cJSON_IsArray(rows) || cJSON_GetArraySize(rows) < 1) {
    cli_error("compare", "%s: rows: missing or not a non-empty array", path);
    goto done;
  }
  snprintf(R->source, sizeof R->source, "%s", src->valuestring);
  snprintf(R->target, sizeof R->target, "%s", tgt->valuestring);
  if (jnum(dd, "rows", "data", path, &v)) goto done;
  R->rows = (int)v;
  if (jnum(dd, "features", "data", path, &v)) goto done;
  R->F = (int)v;
  if (R->F < 1) {
    cli_error("compare", "%s: data.features: not positive", path);
    goto done;
  }
  bsq_train_cfg_default(&L->cfg);
  const cJSON *hid = cJSON_GetObjectItemCaseSensitive(st, "hidden");
  if (!cJSON_IsArray(hid) || cJSON_GetArraySize(hid) > BSQ_MAX_LAYERS - 1) {
    cli_error("compare", "%s: settings.hidden: missing or not an array",
              path);
    goto done;
  }
  L->cfg.nhidden = cJSON_GetArraySize(hid);
  for (int i = 0; i < L->cfg.nhidden; i++)
    L->cfg.hidden[i] = cJSON_GetArrayItem(hid, i)->valueint;
  if (jnum(st, "epochs", "settings", path, &v)) goto done;
  L->cfg.epochs = (int)v;
  if (jnum(st, "batch", "settings", path, &v)) goto done;
  L->cfg.batch = (int)v;
  if (jnum(st, "lr", "settings", path, &v)) goto done;
  L->cfg.lr = (float)v;
  if (jnum(st, "tau_decay", "settings", path, &v)) goto done;
  L->cfg.tau_decay = (float)v;
  if (jnum(st, "dropout", "settings", path, &v)) goto done;
  L->cfg.dropout = (float)v;
  if (jnum(st, "input_width", "settings", path, &v)) goto done;
  L->cfg.input_width = (int)v;
  if (jnum(st, "seeds", "settings", path, &v)) goto done;
  R->nseeds = (int)v;
  if (jnum(st, "first_seed", "settings", path, &v)) goto done;
  R->seed0 = (uint64_t)v;
  if (jnum(st, "jobs", "settings", path, &v)) goto done;
  R->jobs = (int)v;
  if (jnum(st, "wall_seconds", "settings", path, &v)) goto done;
  R->wall_seconds = v;

  int nr = cJSON_GetArraySize(rows), nv = 0;
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) nv += cJSON_GetArraySize(
      cJSON_GetObjectItemCaseSensitive(r, "mse_runs"));
  L->rows = calloc((size_t)nr, sizeof *L->rows);
  L->vals = calloc((size_t)(nv > 0 ? nv : 1), sizeof *L->vals);
  if (!L->rows || !L->vals) {
    cli_error("compare", "%s: out of memory", path);
    rc = BSQ_ENOMEM;
    goto done;
  }
  int i = 0, used = 0;
  cJSON_ArrayForEach(r, rows) {
    char where[32];
    snprintf(where, sizeof where, "rows[%d]", i);
    crow *w = &L->rows[i++];
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "method");
    w->method = cJSON_IsString(m) ? bsq_method_parse(m->valuestring) : -1;
    if (w->method < 0) {
      cli_error("compare", "%s: %s.method: missing or not a method", path,
                where);
      goto done;
    }
    L->want[w->method] = 1;
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(r, "mse_ci95");
    if (!cJSON_IsArray(ci) || cJSON_GetArraySize(ci) != 2 ||
        !cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) ||
        !cJSON_IsNumber(cJSON_GetArrayItem(ci, 1))) {
      cli_error("compare", "%s: %s.mse_ci95: missing or not two numbers",
                path, where);
      goto done;
    }
    w->lo = cJSON_GetArrayItem(ci, 0)->valuedouble;
    w->hi = cJSON_GetArrayItem(ci, 1)->valuedouble;
    if (jnum(r, "bits", where, path, &v)) goto done;
    w->bits = (int)v;
    if (jnum(r, "seeds", where, path, &v)) goto done;
    w->n = (int)v;
    if (jnum(r, "mse_mean", where, path, &w->mean) ||
        jnum(r, "mse_sd", where, path, &w->sd) ||
        jnum(r, "mse_float_mean", where, path, &w->mse_float) ||
        jnum(r, "train_seconds", where, path, &w->seconds) ||
        jnum(r, "bits_per_frame", where, path, &v))
      goto done;
    w->bpf = (int)v;
    if (w->bpf < 1) {
      cli_error("compare", "%s: %s.bits_per_frame: not positive", path, where);
      goto done;
    }
    w->best = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "best"));
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(r, "mse_runs");
    w->v = L->vals + used;
    int k = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, runs) w->v[k++] = x->valuedouble;
    used += k;
    if (w->method != BSQ_METHOD_FP) {
      int seen = 0;
      for (int b = 0; b < L->nbits; b++) seen |= L->bits[b] == w->bits;
      if (!seen && L->nbits < BSQ_MAX_BITS) L->bits[L->nbits++] = w->bits;
    }
  }
  L->nrows = nr;
  R->bits = L->bits;
  R->nbits = L->nbits;
  R->want = L->want;
  R->base = &L->cfg;
  rc = L->nbits > 0 ? BSQ_OK : BSQ_EFORMAT;
  if (rc) cli_error("compare", "%s: rows: no quantized method", path);
done:
  cJSON_Delete(root);
  return rc;
}

/* ---- the command ------------------------------------------------------------- */

int cmd_compare(int argc, char **argv) {
  static const struct option opts[] = {
      {"data", required_argument, 0, 'd'},
      {"target", required_argument, 0, 't'},
      {"rows", required_argument, 0, 'r'},
      {"data-seed", required_argument, 0, 'R'},
      {"bits", required_argument, 0, 'b'},
      {"methods", required_argument, 0, 'm'},
      {"seeds", required_argument, 0, 'n'},
      {"seed", required_argument, 0, 's'},
      {"hidden", required_argument, 0, 'H'},
      {"epochs", required_argument, 0, 'e'},
      {"batch", required_argument, 0, 'B'},
      {"lr", required_argument, 0, 'l'},
      {"tau-decay", required_argument, 0, 'T'},
      {"dropout", required_argument, 0, 'D'},
      {"input-width", required_argument, 0, 'w'},
      {"jobs", required_argument, 0, 'j'},
      {"tune", no_argument, 0, 'U'},
      {"trials", required_argument, 0, 'x'},
      {"time-budget", required_argument, 0, 'y'},
      {"folds", required_argument, 0, 'k'},
      {"output", required_argument, 0, 'o'},
      {"json", required_argument, 0, 'J'},
      {"plot", required_argument, 0, 'P'},
      {"from", required_argument, 0, 'F'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *data = NULL, *target = NULL, *out_md = NULL, *out_json = NULL,
             *out_plot = NULL, *from = NULL;
  long rows_n = BSQ_FRIEDMAN1_ROWS, data_seed = 0, nseeds = 5, seed0 = 1;
  long jobs = bsq_pool_default_threads();
  int bits[BSQ_MAX_BITS] = {2, 3, 4, 6}, nbits = 4, quiet = 0, tune = 0;
  int want[BSQ_METHOD_COUNT];
  tune_opts topt;
  tune_opts_default(&topt);
  bsq_train_cfg cfg;
  bsq_train_cfg_default(&cfg);
  cmp_parse_methods("all", want, NULL, 0);
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
    const char *bad = NULL;
    char badname[64];
    if (train_parse_common(c, optarg, &cfg, &bad) ||
        tune_parse_common(c, optarg, &topt, &bad))
      c = 0;
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
        cli_error("compare", "--methods: unknown method '%s' (all, or a "
                  "list of bw-sq, fp, po-mq, po-qq, pr-mq, pr-qq, bw-mq, "
                  "bw-qq, sq, lsq)", badname);
        return BSQ_EXIT_USAGE;
      }
      break;
    case 'n': if (cli_parse_int(optarg, 1, 1000, &nseeds)) bad = "--seeds"; break;
    case 's': if (cli_parse_int(optarg, 0, (1L << 53), &seed0)) bad = "--seed"; break;
    case 'j': if (cli_parse_int(optarg, 1, 256, &jobs)) bad = "--jobs"; break;
    case 'U': tune = 1; break;
    case 'o': out_md = optarg; break;
    case 'J': out_json = optarg; break;
    case 'P': out_plot = optarg; break;
    case 'F': from = optarg; break;
    case 'q': quiet = 1; break;
    case 'h': usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("compare", "unknown or incomplete option '%s'",
                argv[optind - 1]);
      usage(stderr);
      return BSQ_EXIT_USAGE;
    }
    if (bad) {
      cli_error("compare", "%s: invalid value '%s'", bad, optarg);
      return BSQ_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    cli_error("compare", "unexpected argument '%s'", argv[optind]);
    return BSQ_EXIT_USAGE;
  }
  if (from) { /* re-render an earlier report, no training */
    if (data) {
      cli_error("compare", "--from and --data exclude each other");
      return BSQ_EXIT_USAGE;
    }
    creport R = {0};
    loaded L = {0};
    bsq_diag diag = {{0}};
    int rc = load_report(from, &R, &L);
    if (rc == BSQ_OK && out_md &&
        (rc = write_markdown(out_md, &R, L.rows, L.nrows, &diag)))
      cli_error("compare", "%s", diag.msg);
    if (rc == BSQ_OK && out_json &&
        (rc = write_json(out_json, &R, L.rows, L.nrows, &diag)))
      cli_error("compare", "%s", diag.msg);
    if (rc == BSQ_OK && out_plot &&
        (rc = write_plot(out_plot, &R, L.rows, L.nrows, &diag)))
      cli_error("compare", "%s", diag.msg);
    free(L.rows);
    free(L.vals);
    return cli_exit_for(rc);
  }
  if (!data) {
    cli_error("compare", "--data is required");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  for (int i = 0; i < nbits; i++)
    for (int j = 0; j < i; j++)
      if (bits[i] == bits[j]) {
        cli_error("compare", "--bits: %d is listed twice", bits[i]);
        return BSQ_EXIT_USAGE;
      }

  bsq_dataset d;
  int rc = cli_load_data("compare", data, target, (int)rows_n,
                         (unsigned long long)data_seed, &d);
  if (rc) return cli_exit_for(rc);
  int progress = !quiet && cli_isatty_stderr();
  double t0 = wall();

  tune_choice *tuned = NULL;
  if (tune) {
    bsq_diag td = {{0}};
    topt.jobs = (int)jobs;
    topt.progress = progress;
    rc = tune_run(&d, &cfg, want, bits, nbits, (uint64_t)seed0, &topt, &tuned,
                  &td);
    if (rc) {
      cli_error("compare", "--tune: %s", td.msg);
      bsq_dataset_free(&d);
      return cli_exit_for(rc);
    }
  }

  /* runs: FP once per seed; every other method per bits and seed */
  int nruns = 0, cap = (int)nseeds * (1 + BSQ_METHOD_COUNT * nbits);
  crun *runs = calloc((size_t)cap, sizeof *runs);
  int *jobl = calloc((size_t)cap, sizeof *jobl);
  crow *rowv = calloc((size_t)(1 + BSQ_METHOD_COUNT * nbits), sizeof *rowv);
  double *vals = calloc((size_t)cap, sizeof *vals);
  int njobs = 0, nrows = 0;
  rc = BSQ_ENOMEM;
  if (!runs || !jobl || !rowv || !vals) {
    cli_error("compare", "out of memory");
    goto done;
  }
  int need_fp = want[BSQ_METHOD_FP] || want[BSQ_METHOD_PO_MQ] ||
                want[BSQ_METHOD_PO_QQ];
  for (int si = 0; si < nseeds; si++) {
    int fp_run = -1;
    if (need_fp) {
      crun *r = &runs[nruns];
      r->method = BSQ_METHOD_FP;
      r->bits = 32;
      r->seed_i = si;
      r->parent = -1;
      r->cfg = tuned ? *tune_cfg_for(tuned, BSQ_METHOD_FP, 0, &cfg) : cfg;
      snprintf(r->cfg.method, sizeof r->cfg.method, "fp");
      r->cfg.seed = (uint64_t)seed0 + (uint64_t)si;
      r->cfg.nbits = 1;
      r->cfg.bits[0] = 1;
      fp_run = nruns;
      jobl[njobs++] = nruns++;
    }
    for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
      if (!want[m] || m == BSQ_METHOD_FP) continue;
      int po = m == BSQ_METHOD_PO_MQ || m == BSQ_METHOD_PO_QQ;
      for (int b = 0; b < nbits; b++) {
        crun *r = &runs[nruns];
        r->method = m;
        r->bits = bits[b];
        r->seed_i = si;
        r->parent = po ? fp_run : -1;
        r->cfg = tuned ? *tune_cfg_for(tuned, m, bits[b], &cfg) : cfg;
        if (po) r->cfg = runs[fp_run].cfg;
        snprintf(r->cfg.method, sizeof r->cfg.method, "%s", bsq_method_name(m));
        r->cfg.seed = (uint64_t)seed0 + (uint64_t)si;
        r->cfg.nbits = 1;
        r->cfg.bits[0] = bits[b];
        if (!po) jobl[njobs++] = nruns;
        nruns++;
      }
    }
  }
  cost_runs = runs;
  cost_F = d.F;
  qsort(jobl, (size_t)njobs, sizeof *jobl, cmp_cost_desc);
  cctx ctx = {&d, runs, nruns, jobl, njobs, progress, t0};
  if (progress)
    fprintf(stderr, "bsq compare: %d trainings on %ld threads\n", njobs, jobs);
  if ((rc = bsq_pool_jobs(njobs, (int)jobs, run_one, run_done, &ctx))) {
    cli_error("compare", "cannot start the workers: %s", bsq_strerror(rc));
    goto done;
  }
  for (int i = 0; i < nruns; i++)
    if (runs[i].rc) {
      rc = runs[i].rc;
      cli_error("compare", "%s at %d bits, seed %llu: %s",
                bsq_method_label(runs[i].method), runs[i].bits,
                (unsigned long long)runs[i].cfg.seed, runs[i].err);
      goto done;
    }

  /* aggregate: one row per (method, bits); FP one row */
  int vused = 0;
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    if (!want[m]) continue;
    int nb = m == BSQ_METHOD_FP ? 1 : nbits;
    for (int b = 0; b < nb; b++) {
      int bb = m == BSQ_METHOD_FP ? 32 : bits[b];
      crow *w = &rowv[nrows++];
      w->method = m;
      w->bits = bb;
      w->v = vals + vused;
      double fsum = 0, ssum = 0;
      for (int i = 0; i < nruns; i++)
        if (runs[i].method == m && runs[i].bits == bb) {
          w->v[w->n++] = runs[i].mse_hw;
          fsum += runs[i].mse;
          ssum += runs[i].seconds;
          w->bpf = runs[i].bpf;
        }
      vused += w->n;
      cmp_stats(w->v, w->n, &w->mean, &w->sd, &w->lo, &w->hi);
      w->mse_float = fsum / w->n;
      w->seconds = ssum / w->n;
    }
  }
  /* best quantized method per bit width (lowest mean) */
  for (int b = 0; b < nbits; b++) {
    crow *bestp = NULL;
    for (int i = 0; i < nrows; i++)
      if (rowv[i].method != BSQ_METHOD_FP && rowv[i].bits == bits[b] &&
          (!bestp || rowv[i].mean < bestp->mean))
        bestp = &rowv[i];
    if (bestp) bestp->best = 1;
  }

  creport R = {.rows = d.rows, .F = d.F, .hash = d.hash, .bits = bits,
               .nbits = nbits, .nseeds = (int)nseeds, .jobs = (int)jobs,
               .seed0 = (uint64_t)seed0, .want = want, .base = &cfg,
               .wall_seconds = wall() - t0, .tuned = tuned};
  snprintf(R.source, sizeof R.source, "%s", d.source);
  snprintf(R.target, sizeof R.target, "%s", d.target);
  /* the table on stdout */
  printf("%-6s", "bits");
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    if (want[m]) printf(" %17s", bsq_method_label(m));
  printf("\n");
  for (int b = 0; b < nbits; b++) {
    printf("%-6d", bits[b]);
    for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
      if (!want[m]) continue;
      for (int i = 0; i < nrows; i++)
        if (rowv[i].method == m &&
            (m == BSQ_METHOD_FP || rowv[i].bits == bits[b]))
          printf(" %c%.4f ± %.4f", rowv[i].best ? '*' : ' ', rowv[i].mean,
                 rowv[i].hi - rowv[i].mean);
    }
    printf("\n");
  }
  printf("(hardware-true test MSE, mean ± 95%% CI half-width over %ld "
         "seeds; * best per row; %.0f s)\n",
         nseeds, R.wall_seconds);
  bsq_diag diag = {{0}};
  rc = BSQ_OK;
  if (out_md && (rc = write_markdown(out_md, &R, rowv, nrows, &diag))) {
    cli_error("compare", "%s", diag.msg);
    goto done;
  }
  if (out_json && (rc = write_json(out_json, &R, rowv, nrows, &diag))) {
    cli_error("compare", "%s", diag.msg);
    goto done;
  }
  if (out_plot && (rc = write_plot(out_plot, &R, rowv, nrows, &diag))) {
    cli_error("compare", "%s", diag.msg);
    goto done;
  }
done:
  free(runs);
  free(jobl);
  free(rowv);
  free(vals);
  tune_free(tuned);
  bsq_dataset_free(&d);
  return cli_exit_for(rc);
}
