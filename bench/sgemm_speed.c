/* The machine's limit for a training step: OpenBLAS SGEMM GFLOP/s on the
 * matrix shapes of one step of an MLP.
 *
 *   sgemm_speed THREADS BATCH D H1 H2 ... 1
 *
 * For every linear layer (I -> O) a step does three GEMMs, all with the
 * layouts train.c uses (row major):
 *   forward  out (B, O)  = inp (B, I) @ w^T        M=B N=O K=I  (NoTrans,
 * Trans) backward dinp (B, I) = dout (B, O) @ w (O, I)  M=B N=I K=O  (NoTrans,
 * NoTrans) backward dw (O, I)   = dout^T (O, B) @ inp     M=O N=I K=B  (Trans,
 * NoTrans) Each shape is timed on its own (best of several repeats, each long
 * enough to be well above the clock's resolution), then the whole
 * sequence of a step back to back. Prints one JSON object. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* OpenBLAS's cblas.h brings in <complex.h>: keep I usable as a name. */
#undef I

#define MAX_DIMS 17

void openblas_set_num_threads(int num_threads);

typedef struct {
  int M, N, K;
  enum CBLAS_TRANSPOSE ta, tb;
  const char *what;
  int layer;
} shape;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *buf_a, *buf_b, *buf_c;

static void run(const shape *s) {
  int lda = s->ta == CblasNoTrans ? s->K : s->M;
  int ldb = s->tb == CblasNoTrans ? s->N : s->K;
  cblas_sgemm(CblasRowMajor, s->ta, s->tb, s->M, s->N, s->K, 1.0f, buf_a, lda,
              buf_b, ldb, 1.0f, buf_c, s->N);
}

static double flops(const shape *s) {
  return 2.0 * (double)s->M * (double)s->N * (double)s->K;
}

/* Best GFLOP/s of n shapes run back to back. */
static double time_seq(const shape *s, int n) {
  double f = 0.0;
  for (int i = 0; i < n; i++) f += flops(&s[i]);
  int reps = 1;
  for (;;) { /* calibrate: one timing of at least 20 ms */
    double t = now();
    for (int r = 0; r < reps; r++)
      for (int i = 0; i < n; i++) run(&s[i]);
    if (now() - t > 0.02) break;
    reps *= 2;
  }
  double best = 1e30;
  for (int k = 0; k < 7; k++) {
    double t = now();
    for (int r = 0; r < reps; r++)
      for (int i = 0; i < n; i++) run(&s[i]);
    t = now() - t;
    best = t < best ? t : best;
  }
  return f * reps / best * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 5 || argc - 3 > MAX_DIMS) {
    fprintf(stderr, "usage: sgemm_speed THREADS BATCH D H1 ... 1\n");
    return 1;
  }
  int threads = atoi(argv[1]), B = atoi(argv[2]);
  int L = argc - 4, dims[MAX_DIMS];
  size_t most = 0;
  for (int l = 0; l <= L; l++) {
    dims[l] = atoi(argv[3 + l]);
    if (dims[l] < 1 || B < 1) return 1;
  }
  shape s[3 * MAX_DIMS];
  int n = 0;
  for (int l = 0; l < L; l++) { /* the order of a step: forward first */
    int I = dims[l], O = dims[l + 1];
    s[n++] = (shape){B, O, I, CblasNoTrans, CblasTrans, "forward", l};
  }
  for (int l = L - 1; l >= 0; l--) {
    int I = dims[l], O = dims[l + 1];
    s[n++] = (shape){B, I, O, CblasNoTrans, CblasNoTrans, "dinp", l};
    s[n++] = (shape){O, I, B, CblasTrans, CblasNoTrans, "dw", l};
  }
  for (int i = 0; i < n; i++) {
    size_t a = (size_t)s[i].M * (size_t)s[i].K,
           b = (size_t)s[i].K * (size_t)s[i].N;
    size_t c = (size_t)s[i].M * (size_t)s[i].N;
    most = a > most ? a : most;
    most = b > most ? b : most;
    most = c > most ? c : most;
  }
  buf_a = malloc(most * sizeof(float));
  buf_b = malloc(most * sizeof(float));
  buf_c = calloc(most, sizeof(float));
  if (!buf_a || !buf_b || !buf_c) return 2;
  for (size_t i = 0; i < most; i++) {
    buf_a[i] = (float)((i * 7919u) % 1000u) * 1e-3f - 0.5f;
    buf_b[i] = (float)((i * 104729u) % 1000u) * 1e-3f - 0.5f;
  }
  openblas_set_num_threads(threads);
  printf("{\"threads\": %d, \"batch\": %d, \"shapes\": [", threads, B);
  double peak = 0.0;
  for (int i = 0; i < n; i++) {
    double g = time_seq(&s[i], 1);
    peak = g > peak ? g : peak;
    printf("%s{\"layer\": %d, \"what\": \"%s\", \"M\": %d, \"N\": %d, "
           "\"K\": %d, \"gflops\": %.2f}",
           i ? ", " : "", s[i].layer, s[i].what, s[i].M, s[i].N, s[i].K, g);
  }
  double step = time_seq(s, n);
  printf("], \"peak_gflops\": %.2f, \"step_gflops\": %.2f}\n", peak, step);
  free(buf_a);
  free(buf_b);
  free(buf_c);
  return 0;
}
