/* bsq — network layers, loss and optimizer, in forward/backward pairs:
 * the reference C of every layer, with OpenBLAS for the GEMMs.
 *
 * Dimension legend (as in nn.h):
 *   B  batch size
 *   F  input features
 *   D  soft/hard bits in all (sum over features of n_f = 2^b_f - 1)
 *   I  input width of a linear layer, O its output width
 *   N  element count of an elementwise layer
 *
 * Every tensor is row-major. Backward functions accumulate (+=) into the
 * gradients; bsq_zero() clears them. No layer function allocates (the
 * pool's threads are started once, at the first parallel call).
 *
 * The generic loops (nn_kernels.h) are plain C written to auto-vectorize:
 * the portable path, compiled here for the baseline ISA. Each layer first
 * offers its work to the SIMD kernels (nn_simd.c: an AVX2 copy of the
 * same loops, or hand-written AVX-512), chosen at run time, and runs the
 * generic code when they decline. Both paths spread their parallel work
 * over the thread pool (pool.c, bsq_parallel) in fixed blocks, so the
 * results are the same bits for any number of threads.
 * Layout of the file: OpenBLAS blocks; then the layers in
 * forward/backward pairs. */
#include "nn.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "nn_kernels.h"
#include "nn_simd.h"

#include <cblas.h> /* after the headers that name a width I, see below */

/* OpenBLAS's cblas.h pulls in <complex.h>, whose macro I (the imaginary
 * unit) would swallow the layer width I used throughout this file. */
#undef I

void bsq_zero(float *p, size_t n) {
  if (n) memset(p, 0, n * sizeof *p); /* IEEE 754: all-zero bits are +0.0f */
}

/* ------------------------------------------------------------------------
 * Linear layers through OpenBLAS, split over the pool.
 *
 * OpenBLAS runs single-threaded (set once, at the first call): its own
 * threads would fight the pool's for the same cores, and measured here a
 * training step with OpenBLAS on two threads was slower than with the
 * GEMMs split into row blocks over the pool (each block a one-thread
 * GEMM). The blocks are fixed (BLAS_ROWS rows, or BLAS_OUTS rows of dw),
 * not derived from the thread count, so every output element is computed
 * by the same call whichever thread makes it: again the same bits for any
 * number of threads. bsq_parallel() runs every block under the same MXCSR
 * (flush-to-zero). */
#define BLAS_ROWS 128
#define BLAS_OUTS 64

void openblas_set_num_threads(int num_threads);

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static void blas_single(void) { openblas_set_num_threads(1); }

typedef struct {
  float *out, *dinp, *dw;
  const float *inp, *w, *b, *dout;
  int B, I, O;
} blas_job;

static void blas_forward_chunk(void *ctx, int c) {
  const blas_job *j = ctx;
  int r0 = c * BLAS_ROWS, n = j->B - r0 < BLAS_ROWS ? j->B - r0 : BLAS_ROWS;
  float *out = j->out + (size_t)r0 * (size_t)j->O; /* (n, O) */
  for (int r = 0; r < n; r++) {
    float *orow = out + (size_t)r * (size_t)j->O; /* (O) */
    if (j->b)
      memcpy(orow, j->b, (size_t)j->O * sizeof *orow);
    else
      bsq_zero(orow, (size_t)j->O);
  }
  if (j->I <= 0) return;
  if (n == 1) /* out (O) += w (O, I) @ inp (I) */
    cblas_sgemv(CblasRowMajor, CblasNoTrans, j->O, j->I, 1.0f, j->w, j->I,
                j->inp + (size_t)r0 * (size_t)j->I, 1, 1.0f, out, 1);
  else /* out (n, O) += inp (n, I) @ w^T (I, O) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, j->O, j->I, 1.0f,
                j->inp + (size_t)r0 * (size_t)j->I, j->I, j->w, j->I, 1.0f, out,
                j->O);
}

static void blas_dinp_chunk(void *ctx, int c) {
  const blas_job *j = ctx;
  int r0 = c * BLAS_ROWS, n = j->B - r0 < BLAS_ROWS ? j->B - r0 : BLAS_ROWS;
  /* dinp (n, I) += dout (n, O) @ w (O, I) */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, j->I, j->O, 1.0f,
              j->dout + (size_t)r0 * (size_t)j->O, j->O, j->w, j->I, 1.0f,
              j->dinp + (size_t)r0 * (size_t)j->I, j->I);
}

static void blas_dw_chunk(void *ctx, int c) {
  const blas_job *j = ctx;
  int o0 = c * BLAS_OUTS, n = j->O - o0 < BLAS_OUTS ? j->O - o0 : BLAS_OUTS;
  /* dw (n, I) += dout^T (n, B) @ inp (B, I), rows o0 .. o0+n-1 of dw */
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, j->I, j->B, 1.0f,
              j->dout + o0, j->O, j->inp, j->I, 1.0f,
              j->dw + (size_t)o0 * (size_t)j->I, j->I);
}


/* ------------------------------------------------------------------------
 * Soft bits. */

void bsq_softbits_forward(float *restrict out /* (B, D) */,
                          const float *restrict x /* (B, F) */,
                          const float *restrict thr /* (D) */,
                          const int *restrict feat_of /* (D) */, int B, int F,
                          int D, float tau) {
  if (bsq_simd_softbits_forward(out, x, thr, feat_of, B, F, D, tau)) return;
  softbits_loop(out, x, thr, feat_of, B, F, D, 1.0f / tau);
}

void bsq_softbits_backward(float *restrict dx /* (B, F), may be NULL */,
                           float *restrict dthr /* (D) */,
                           const float *restrict dout /* (B, D) */,
                           const float *restrict out /* (B, D) */,
                           const int *restrict feat_of /* (D) */, int B, int F,
                           int D, float tau) {
  /* forward: s = out[b,d] = sigmoid((x[b, feat_of[d]] - thr[d]) / tau)
   *   ds/dx   =  s (1 - s) / tau
   *   ds/dthr = -s (1 - s) / tau */
  const float inv_tau = 1.0f / tau;
  if (dthr && !bsq_simd_softbits_dthr(dthr, dout, out, B, D, tau))
    dthr_loop(dthr, dout, out, B, D, inv_tau);
  /* The scatter into dx cannot be vectorized and training does not need
   * it (x is data), so it is a separate pass, skipped when dx is NULL. */
  if (dx) {
    for (int b = 0; b < B; b++) {
      const float *gb = dout + (size_t)b * (size_t)D; /* (D) */
      const float *sb = out + (size_t)b * (size_t)D;  /* (D) */
      float *dxb = dx + (size_t)b * (size_t)F;        /* (F) */
      for (int d = 0; d < D; d++) {
        float s = sb[d];
        dxb[feat_of[d]] += gb[d] * s * (1.0f - s) * inv_tau;
      }
    }
  }
}

/* Hard bits: the tau -> 0 limit of the soft bits, with x == t giving 0. */
void bsq_hardbits_forward(float *restrict out /* (B, D) */,
                          const float *restrict x /* (B, F) */,
                          const float *restrict thr /* (D) */,
                          const int *restrict feat_of /* (D) */, int B, int F,
                          int D) {
  if (bsq_simd_hardbits_forward(out, x, thr, feat_of, B, F, D)) return;
  hardbits_loop(out, x, thr, feat_of, B, F, D);
}

/* ------------------------------------------------------------------------
 * Linear: the SIMD kernels' GEMMs (nn_simd.c, which also holds
 * bsq_linear_wt), or OpenBLAS. b may be NULL (no bias). */

void bsq_linear_forward_ex(float *restrict out /* (B, O) */,
                           const float *restrict inp /* (B, I) */,
                           const float *restrict w /* (O, I) */,
                           const float *restrict wt /* bsq_linear_wt */,
                           const float *restrict b /* (O) */, int B, int I,
                           int O, int relu) {
  if (B <= 0 || O <= 0) return;
  if (bsq_simd_linear_forward(out, inp, w, wt, b, B, I, O, relu)) return;
  pthread_once(&blas_once, blas_single);
  blas_job j = {.out = out, .inp = inp, .w = w, .b = b, .B = B, .I = I, .O = O};
  bsq_parallel(blas_forward_chunk, &j, (B + BLAS_ROWS - 1) / BLAS_ROWS);
  if (relu) bsq_relu_forward(out, out, (size_t)B * (size_t)O);
}

void bsq_linear_forward(float *out, const float *inp, const float *w,
                        const float *b, int B, int I, int O) {
  bsq_linear_forward_ex(out, inp, w, NULL, b, B, I, O, 0);
}

void bsq_linear_backward_ex(float *restrict dinp /* (B, I), may be NULL */,
                            float *restrict dw /* (O, I) */,
                            float *restrict db /* (O) */,
                            const float *restrict dout /* (B, O) */,
                            const float *restrict inp /* (B, I) */,
                            const float *restrict w /* (O, I) */, int B, int I,
                            int O, const float *restrict pos /* (B, I) */) {
  /* forward: out[b,o] = sum_i inp[b,i] w[o,i] + bias[o]
   *   dinp = dout @ w,  dw = dout^T @ inp,  db = sum_b dout[b,:]
   * beta = 1 in every BLAS call: that is the accumulation. */
  if (B <= 0 || O <= 0) return;
  if (bsq_simd_linear_backward(dinp, dw, db, dout, inp, w, B, I, O, pos))
    return;
  if (I > 0 && (dinp || dw)) {
    pthread_once(&blas_once, blas_single);
    blas_job j = {.dinp = dinp,
                  .dw = dw,
                  .inp = inp,
                  .w = w,
                  .dout = dout,
                  .B = B,
                  .I = I,
                  .O = O};
    if (dinp)
      bsq_parallel(blas_dinp_chunk, &j, (B + BLAS_ROWS - 1) / BLAS_ROWS);
    if (dw) bsq_parallel(blas_dw_chunk, &j, (O + BLAS_OUTS - 1) / BLAS_OUTS);
    if (dinp && pos) /* the ReLU's backward pass, in place */
      for (size_t n = 0; n < (size_t)B * (size_t)I; n++)
        dinp[n] = u2f(f2u(dinp[n]) & positive_mask(pos[n]));
  }
  if (db && !bsq_simd_linear_db(db, dout, B, O))
    for (int r = 0; r < B; r++) {
      const float *grow = dout + (size_t)r * (size_t)O; /* (O) */
      for (int o = 0; o < O; o++) db[o] += grow[o];
    }
}

void bsq_linear_backward(float *dinp, float *dw, float *db, const float *dout,
                         const float *inp, const float *w, int B, int I,
                         int O) {
  bsq_linear_backward_ex(dinp, dw, db, dout, inp, w, B, I, O, NULL);
}

/* ------------------------------------------------------------------------
 * ReLU. In place allowed, so no restrict here. */

void bsq_relu_forward(float *out, const float *inp, size_t N) {
  if (bsq_simd_relu_forward(out, inp, N)) return;
  relu_fwd_loop(out, inp, N);
}

void bsq_relu_backward(float *dinp, const float *dout, const float *out,
                       size_t N) {
  if (bsq_simd_relu_backward(dinp, dout, out, N)) return;
  relu_bwd_loop(dinp, dout, out, N);
}

/* ------------------------------------------------------------------------
 * Inverted dropout. One uniform draw per element, in element order, so a
 * seed fixes the mask. p == 0 draws nothing; p >= 1 drops everything. */

void bsq_dropout_forward(float *out, float *mask, const float *inp, size_t N,
                         float p, bsq_rng *rng) {
  if (p <= 0.0f) {
    for (size_t n = 0; n < N; n++) mask[n] = 1.0f;
    if (out != inp) memcpy(out, inp, N * sizeof *out);
    return;
  }
  const float keep = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  for (size_t n = 0; n < N; n++)
    mask[n] = bsq_rng_uniform(rng) < (double)p ? 0.0f : keep;
  for (size_t n = 0; n < N; n++) out[n] = inp[n] * mask[n];
}

void bsq_dropout_backward(float *dinp, const float *dout, const float *mask,
                          size_t N) {
  /* forward: out = inp * mask */
  for (size_t n = 0; n < N; n++) dinp[n] += dout[n] * mask[n];
}

/* ------------------------------------------------------------------------
 * Mean squared error. */

double bsq_mse_forward(const float *pred /* (B) */, const float *y /* (B) */,
                      int B) {
  if (B <= 0) return 0.0;
  double sum = 0.0;
  for (int b = 0; b < B; b++) {
    double e = (double)pred[b] - (double)y[b];
    sum += e * e;
  }
  return sum / B;
}

void bsq_mse_backward(float *restrict dpred /* (n) */,
                      const float *restrict pred /* (n) */,
                      const float *restrict y /* (n) */, int n, int B) {
  /* forward: loss = (1/B) sum_b (pred[b] - y[b])^2 */
  if (B <= 0) return;
  const float scale = 2.0f / (float)B;
  for (int b = 0; b < n; b++) dpred[b] += scale * (pred[b] - y[b]);
}

/* ------------------------------------------------------------------------
 * Adam with optional L2 weight decay added to the gradient (not AdamW):
 *   g' = g + wd p,  m = b1 m + (1 - b1) g',  v = b2 v + (1 - b2) g'^2,
 *   p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps). */

void bsq_adam_step(float *restrict p, const float *restrict g,
                   float *restrict m, float *restrict v, size_t n,
                   const bsq_adam_cfg *cfg, int t) {
  const float b1 = cfg->beta1, b2 = cfg->beta2, eps = cfg->eps;
  const float wd = cfg->weight_decay;
  const float bc1 = (float)(1.0 - pow((double)b1, (double)t));
  const float bc2 = (float)(1.0 - pow((double)b2, (double)t));
  const float step = cfg->lr / bc1;
  const float inv_sqrt_bc2 = (float)(1.0 / sqrt((double)bc2));
  if (bsq_simd_adam(p, g, m, v, n, b1, b2, eps, wd, step, inv_sqrt_bc2))
    return;
  adam_loop(p, g, m, v, n, b1, b2, eps, wd, step, inv_sqrt_bc2);
}
