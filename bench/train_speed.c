/* Training throughput of the real library: bsq_train() on friedman1.
 *
 *   train_speed HIDDEN EPOCHS [ROWS [BITS [BATCH]]]
 *   HIDDEN: 5x32 or 256,256,256
 *
 * Prints one JSON line: samples/s over the timed epochs. Each epoch is
 * timed from one progress callback to the next, so the set-up (data,
 * split, threshold initialization) and the final evaluation are left out,
 * but everything bsq_train does per epoch is in: batch assembly, the
 * training steps, the tau update and the validation pass. The first epoch
 * (warm-up: page faults, BLAS thread start) is not timed; the result is
 * the median and the best of the remaining epochs.
 *
 * BENCH_SIMD=generic or avx2 caps the kernel tier (bsq_nn_simd): what a
 * CPU without AVX-512 runs. BSQ_THREADS=N sets the layers' threads
 * (bsq_nn_threads), as it does for the bsq command; the library itself
 * does not read the environment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data.h"
#include "model.h"
#include "nn.h"
#include "train.h"

#define MAX_EPOCHS 1000

typedef struct {
  int n;
  double t[MAX_EPOCHS + 1]; /* wall time at each callback */
} clock_log;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void on_epoch(const bsq_progress *p, void *user) {
  (void)p;
  clock_log *c = user;
  if (c->n <= MAX_EPOCHS) c->t[c->n++] = now();
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* "5x32" or "64,32,16" */
static int parse_hidden(const char *s, int *hidden) {
  int n = 0, w, k;
  if (sscanf(s, "%dx%d", &k, &w) == 2 && strchr(s, 'x')) {
    if (k < 1 || k >= BSQ_MAX_LAYERS) return -1;
    for (int l = 0; l < k; l++) hidden[l] = w;
    return k;
  }
  const char *p = s;
  while (*p) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || n >= BSQ_MAX_LAYERS - 1) return -1;
    hidden[n++] = (int)v;
    p = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') return -1;
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: train_speed HIDDEN EPOCHS [ROWS [BITS [BATCH]]]\n");
    return 1;
  }
  const char *simd = getenv("BENCH_SIMD");
  if (simd && strcmp(simd, "generic") && strcmp(simd, "avx2")) {
    fprintf(stderr, "train_speed: BENCH_SIMD must be generic or avx2\n");
    return 1;
  }
  if (simd)
    bsq_nn_simd(strcmp(simd, "avx2") ? BSQ_SIMD_GENERIC : BSQ_SIMD_AVX2);
  const char *threads = getenv("BSQ_THREADS");
  if (threads) {
    int n = atoi(threads);
    if (n < 1 || n > BSQ_MAX_THREADS) {
      fprintf(stderr, "train_speed: BSQ_THREADS must be 1..%d\n",
              BSQ_MAX_THREADS);
      return 1;
    }
    bsq_nn_threads(n);
  }
  bsq_train_cfg c;
  bsq_train_cfg_default(&c);
  c.nhidden = parse_hidden(argv[1], c.hidden);
  c.epochs = atoi(argv[2]);
  int rows = argc > 3 ? atoi(argv[3]) : 40768;
  c.bits[0] = argc > 4 ? atoi(argv[4]) : 4;
  c.batch = argc > 5 ? atoi(argv[5]) : 512;
  if (c.nhidden < 1 || c.epochs < 2 || c.epochs > MAX_EPOCHS) {
    fprintf(stderr, "train_speed: bad HIDDEN or EPOCHS (2..%d)\n", MAX_EPOCHS);
    return 1;
  }
  bsq_dataset d;
  if (bsq_dataset_friedman1(&d, rows, 0)) {
    fprintf(stderr, "train_speed: cannot make friedman1 with %d rows\n", rows);
    return 1;
  }
  bsq_split s;
  if (bsq_split_make(&s, d.rows, c.seed)) return 1;
  int n_train = s.n_train;
  bsq_split_free(&s);

  clock_log log = {0};
  bsq_model m;
  bsq_diag diag;
  double t0 = now();
  if (bsq_train(&m, &d, &c, on_epoch, &log, &diag)) {
    fprintf(stderr, "train_speed: %s\n", diag.msg);
    return 2;
  }
  double total = now() - t0;
  int E = log.n - 1; /* timed epochs: 2..epochs */
  double dt[MAX_EPOCHS];
  for (int e = 0; e < E; e++) dt[e] = log.t[e + 1] - log.t[e];
  qsort(dt, (size_t)E, sizeof *dt, cmp_double);
  double median = E % 2 ? dt[E / 2] : 0.5 * (dt[E / 2 - 1] + dt[E / 2]);
  size_t mlp_params = m.nparams - (size_t)m.enc.D;
  printf("{\"hidden\": \"%s\", \"D\": %d, \"mlp_params\": %zu, "
         "\"batch\": %d, \"n_train\": %d, \"epochs\": %d, "
         "\"samples_per_s_median\": %.1f, \"samples_per_s_best\": %.1f, "
         "\"seconds_total\": %.3f, \"mse_test\": %.6f}\n",
         argv[1], m.enc.D, mlp_params, c.batch, n_train, c.epochs,
         n_train / median, n_train / dt[0], total, m.mse_test);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
  return 0;
}
