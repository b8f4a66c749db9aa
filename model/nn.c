/* bsq — network layers, loss and optimizer, in forward/backward pairs.
 *
 * Dimension legend (as in nn.h):
 *   B  batch size
 *   F  input features
 *   D  soft/hard bits in all (sum over features of n_f = 2^b_f - 1)
 *   I  input width of a linear layer, O its output width
 *   N  element count of an elementwise layer
 *
 * Every tensor is row-major. Backward functions accumulate (+=) into the
 * gradients; bsq_zero() clears them. No layer function allocates.
 *
 * The soft bits are the hot elementwise part of training (B * D sigmoids
 * per step, forward and backward). Their inner loops run over d with no
 * calls and no indirection, so the compiler can vectorize them: the
 * gather x[b, feat_of[d]] is done first as a plain copy into the output
 * row, and the sigmoid uses an in-file exp (below) instead of libm's
 * expf, which gcc only vectorizes under -ffast-math. gcc vectorizes these
 * loops at -O3 (or -O2 -fvect-cost-model=dynamic); the "very cheap" cost
 * model of plain -O2 leaves them scalar, about 3x slower. */
#include "nn.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* OpenBLAS's cblas.h pulls in <complex.h>, whose macro I (the imaginary
 * unit) would swallow the layer width I used throughout this file. */
#undef I

void bsq_zero(float *p, size_t n) {
  if (n) memset(p, 0, n * sizeof *p); /* IEEE 754: all-zero bits are +0.0f */
}

/* ------------------------------------------------------------------------
 * The sigmoid, written so that gcc vectorizes a loop of them.
 *
 * Under gcc's default -ftrapping-math a float compare-and-select inside a
 * loop stops if-conversion (the float work gets duplicated into branches
 * that "could trap"), so the selects below are done on the bit patterns,
 * as integer operations. */

static inline uint32_t f2u(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static inline float u2f(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* e^z for z in [-87, 0], within 2 ulp of expf: Cody-Waite reduction
 * z = n ln2 + r with |r| <= ln2 / 2, the Cephes expf polynomial for e^r,
 * and 2^n built in the exponent field (n in [-126, 0], a normal float). */
static inline float exp_nonpos(float z) {
  const float round_magic = 12582912.0f; /* 1.5 * 2^23: x + m - m = rint(x) */
  float n = (z * 1.44269504088896341f + round_magic) - round_magic;
  float r = z - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float er = p * r * r + r + 1.0f;
  return er * u2f((uint32_t)((int32_t)n + 127) << 23);
}

/* sigmoid(z) = 1 / (1 + e^-z), through e = e^-|z| in (0, 1] so nothing
 * overflows: sigmoid(|z|) = 1 / (1 + e) and sigmoid(-|z|) = e / (1 + e).
 * |z| is clamped to 87 first, so the tails are 1 and e^-87 (about 1.6e-38,
 * a normal float: no denormals in the loop); a NaN z gives NaN. */
static inline float sigmoid(float z) {
  const uint32_t abs_max = 0x42ae0000u; /* 87.0f */
  uint32_t zb = f2u(z);
  uint32_t ab = zb & 0x7fffffffu;                          /* |z| */
  uint32_t nan = ab > 0x7f800000u ? 0x7fc00000u : 0u;      /* z is NaN */
  ab = ab < abs_max ? ab : abs_max;
  float e = exp_nonpos(-u2f(ab));
  float pos = 1.0f / (1.0f + e); /* sigmoid(|z|) */
  float neg = e * pos;           /* sigmoid(-|z|) */
  uint32_t is_neg = 0u - (zb >> 31); /* all ones when the sign bit is set */
  return u2f((f2u(neg) & is_neg) | (f2u(pos) & ~is_neg) | nan);
}

/* ------------------------------------------------------------------------
 * Soft bits. */

void bsq_softbits_forward(float *restrict out /* (B, D) */,
                          const float *restrict x /* (B, F) */,
                          const float *restrict thr /* (D) */,
                          const int *restrict feat_of /* (D) */, int B, int F,
                          int D, float tau) {
  const float inv_tau = 1.0f / tau;
  for (int b = 0; b < B; b++) {
    const float *xb = x + (size_t)b * (size_t)F; /* (F) */
    float *ob = out + (size_t)b * (size_t)D;     /* (D) */
    /* The gather first, then a straight elementwise pass in place. */
    for (int d = 0; d < D; d++) ob[d] = xb[feat_of[d]];
    for (int d = 0; d < D; d++) ob[d] = sigmoid((ob[d] - thr[d]) * inv_tau);
  }
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
  if (dthr) {
    for (int b = 0; b < B; b++) {
      const float *gb = dout + (size_t)b * (size_t)D; /* (D) */
      const float *sb = out + (size_t)b * (size_t)D;  /* (D) */
      for (int d = 0; d < D; d++) {
        float s = sb[d];
        dthr[d] -= gb[d] * s * (1.0f - s) * inv_tau;
      }
    }
  }
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
  for (int b = 0; b < B; b++) {
    const float *xb = x + (size_t)b * (size_t)F; /* (F) */
    float *ob = out + (size_t)b * (size_t)D;     /* (D) */
    for (int d = 0; d < D; d++) ob[d] = xb[feat_of[d]];
    for (int d = 0; d < D; d++) ob[d] = ob[d] > thr[d] ? 1.0f : 0.0f;
  }
}

/* ------------------------------------------------------------------------
 * Linear, through OpenBLAS. b may be NULL (no bias). */

void bsq_linear_forward(float *restrict out /* (B, O) */,
                        const float *restrict inp /* (B, I) */,
                        const float *restrict w /* (O, I) */,
                        const float *restrict b /* (O) */, int B, int I,
                        int O) {
  if (B <= 0 || O <= 0) return;
  for (int r = 0; r < B; r++) {
    float *orow = out + (size_t)r * (size_t)O; /* (O) */
    if (b)
      memcpy(orow, b, (size_t)O * sizeof *orow);
    else
      bsq_zero(orow, (size_t)O);
  }
  if (I <= 0) return;
  if (B == 1) /* out (O) += w (O, I) @ inp (I) */
    cblas_sgemv(CblasRowMajor, CblasNoTrans, O, I, 1.0f, w, I, inp, 1, 1.0f,
                out, 1);
  else /* out (B, O) += inp (B, I) @ w^T (I, O) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, O, I, 1.0f, inp,
                I, w, I, 1.0f, out, O);
}

void bsq_linear_backward(float *restrict dinp /* (B, I), may be NULL */,
                         float *restrict dw /* (O, I) */,
                         float *restrict db /* (O) */,
                         const float *restrict dout /* (B, O) */,
                         const float *restrict inp /* (B, I) */,
                         const float *restrict w /* (O, I) */, int B, int I,
                         int O) {
  /* forward: out[b,o] = sum_i inp[b,i] w[o,i] + bias[o]
   *   dinp = dout @ w,  dw = dout^T @ inp,  db = sum_b dout[b,:]
   * beta = 1 in every BLAS call: that is the accumulation. */
  if (B <= 0 || O <= 0) return;
  if (I > 0) {
    if (dinp) /* dinp (B, I) += dout (B, O) @ w (O, I) */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, I, O, 1.0f,
                  dout, O, w, I, 1.0f, dinp, I);
    if (dw) /* dw (O, I) += dout^T (O, B) @ inp (B, I) */
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, O, I, B, 1.0f,
                  dout, O, inp, I, 1.0f, dw, I);
  }
  if (db) {
    for (int r = 0; r < B; r++) {
      const float *grow = dout + (size_t)r * (size_t)O; /* (O) */
      for (int o = 0; o < O; o++) db[o] += grow[o];
    }
  }
}

/* ------------------------------------------------------------------------
 * ReLU. In place allowed, so no restrict here. */

void bsq_relu_forward(float *out, const float *inp, size_t N) {
  for (size_t n = 0; n < N; n++) out[n] = inp[n] > 0.0f ? inp[n] : 0.0f;
}

void bsq_relu_backward(float *dinp, const float *dout, const float *out,
                       size_t N) {
  /* forward: out = max(inp, 0); d/dinp = 1 where out > 0, else 0 */
  for (size_t n = 0; n < N; n++) dinp[n] += out[n] > 0.0f ? dout[n] : 0.0f;
}

/* ------------------------------------------------------------------------
 * Inverted dropout. One uniform draw per element, in element order, so a
 * seed fixes the mask. p == 0 draws nothing; p >= 1 drops everything. */

void bsq_dropout_forward(float *out, float *mask, const float *inp, size_t N,
                         float p, bsq_rng *rng) {
  if (p <= 0.0f) {
    for (size_t n = 0; n < N; n++) {
      mask[n] = 1.0f;
      out[n] = inp[n];
    }
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

float bsq_mse_forward(const float *pred /* (B) */, const float *y /* (B) */,
                      int B) {
  if (B <= 0) return 0.0f;
  double sum = 0.0;
  for (int b = 0; b < B; b++) {
    double e = (double)pred[b] - (double)y[b];
    sum += e * e;
  }
  return (float)(sum / B);
}

void bsq_mse_backward(float *restrict dpred /* (B) */,
                      const float *restrict pred /* (B) */,
                      const float *restrict y /* (B) */, int B) {
  /* forward: loss = (1/B) sum_b (pred[b] - y[b])^2 */
  if (B <= 0) return;
  const float scale = 2.0f / (float)B;
  for (int b = 0; b < B; b++) dpred[b] += scale * (pred[b] - y[b]);
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
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] + wd * p[i];
    m[i] = b1 * m[i] + (1.0f - b1) * gi;
    v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
    p[i] -= step * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
  }
}
