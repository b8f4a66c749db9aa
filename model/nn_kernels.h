/* bsq — the generic loops of the layers, written once as always-inline
 * bodies: nn.c compiles them for the baseline ISA, nn_simd.c compiles the
 * same bodies again for AVX2 (taken on CPUs that have it). Everything they
 * call is always-inline too, so each copy is self-contained. Internal to
 * the library: included by nn.c and nn_simd.c only.
 *
 * Dimension legend (as in nn.h):
 *   B  batch size
 *   F  input features
 *   D  soft/hard bits in all (sum over features of n_f = 2^b_f - 1)
 *   N  element count of an elementwise layer
 *
 * The soft bits are the hot elementwise part of training (B * D sigmoids
 * per step, forward and backward). Their inner loops run over d with no
 * calls and no indirection, so the compiler can vectorize them: the
 * gather x[b, feat_of[d]] is done first as a plain copy into the output
 * row, and the sigmoid uses an in-file exp (below) instead of libm's
 * expf, which gcc only vectorizes under -ffast-math. gcc vectorizes these
 * loops at -O3 (or -O2 -fvect-cost-model=dynamic); the "very cheap" cost
 * model of plain -O2 leaves them scalar, about 3x slower.
 *
 * The library is compiled as ISO C, where gcc contracts nothing into
 * fused multiply-adds, so the baseline copy (SSE2, 4 floats a vector) and
 * the AVX2 copy (8) do the same IEEE operations in the same order: the
 * same bits (check_simd asserts it). */
#ifndef BSQ_NN_KERNELS_H
#define BSQ_NN_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NN_ALWAYS_INLINE static inline __attribute__((always_inline))

/* ------------------------------------------------------------------------
 * The sigmoid, written so that gcc vectorizes a loop of them.
 *
 * Under gcc's default -ftrapping-math a float compare-and-select inside a
 * loop stops if-conversion (the float work gets duplicated into branches
 * that "could trap"), so the selects below are done on the bit patterns,
 * as integer operations. */

NN_ALWAYS_INLINE uint32_t f2u(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

NN_ALWAYS_INLINE float u2f(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* All ones when x > 0 (positive, +inf included; not NaN, not zero),
 * else zero: as integers the bits of such an x are 1 .. 0x7f800000. The
 * float compare would not vectorize (see above). */
NN_ALWAYS_INLINE uint32_t positive_mask(float x) {
  return 0u - (uint32_t)(f2u(x) - 1u < 0x7f800000u);
}

/* e^z for z in [-87, 0], within 2 ulp of expf: Cody-Waite reduction
 * z = n ln2 + r with |r| <= ln2 / 2, the Cephes expf polynomial for e^r,
 * and 2^n built in the exponent field (n in [-126, 0], a normal float). */
NN_ALWAYS_INLINE float exp_nonpos(float z) {
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
 * |z| is clamped to 87 first (e^-87 is about 1.6e-38, a normal float:
 * no denormals in the loop); a NaN z gives NaN.
 *
 * The lower tail is cut at 2^-64: sigmoid(-|z|) is 0 for |z| > 64 ln 2
 * (about 44.36). Once tau is small most soft bits sit in that tail, and
 * values like e^-87 times a weight or a gradient are denormal floats,
 * which cost a microcode assist each on x86: the GEMMs of the first layer
 * ran up to 80x slower (OpenBLAS's worker threads do not flush them).
 * Nothing is lost: the upper tail already rounds to exactly 1 beyond
 * |z| = 17; a 2^-64 term vanishes in any sum with an O(1) one; and the
 * threshold gradient it would give, s / tau <= 2^-64 / 1e-4 per sample,
 * is far below Adam's eps (1e-8), so it moved nothing either. */
#define SIGMOID_CUT 0x42317218u /* 44.3614197f, the float nearest 64 ln 2 */

NN_ALWAYS_INLINE float sigmoid(float z) {
  const uint32_t abs_max = 0x42ae0000u; /* 87.0f */
  uint32_t zb = f2u(z);
  uint32_t ab = zb & 0x7fffffffu;                          /* |z| */
  uint32_t nan = ab > 0x7f800000u ? 0x7fc00000u : 0u;      /* z is NaN */
  ab = ab < abs_max ? ab : abs_max;
  float e = exp_nonpos(-u2f(ab));
  float pos = 1.0f / (1.0f + e); /* sigmoid(|z|) */
  float neg = e * pos;           /* sigmoid(-|z|) */
  uint32_t keep = 0u - (uint32_t)(ab <= SIGMOID_CUT); /* else the tail: 0 */
  uint32_t is_neg = 0u - (zb >> 31); /* all ones when the sign bit is set */
  return u2f((f2u(neg) & keep & is_neg) | (f2u(pos) & ~is_neg) | nan);
}

/* ------------------------------------------------------------------------
 * The generic loops: bodies, inlined as they are where the baseline runs
 * them (nn.c) and in their AVX2 copies (nn_simd.c). */

/* out[b,d] = sigmoid((x[b, feat_of[d]] - thr[d]) inv_tau): the gather
 * first, then a straight elementwise pass in place. */
NN_ALWAYS_INLINE void softbits_loop(float *restrict out,
                                    const float *restrict x,
                                    const float *restrict thr,
                                    const int *restrict feat_of, int B, int F,
                                    int D, float inv_tau) {
  for (int b = 0; b < B; b++) {
    const float *xb = x + (size_t)b * (size_t)F; /* (F) */
    float *ob = out + (size_t)b * (size_t)D;     /* (D) */
    for (int d = 0; d < D; d++) ob[d] = xb[feat_of[d]];
    for (int d = 0; d < D; d++) ob[d] = sigmoid((ob[d] - thr[d]) * inv_tau);
  }
}

/* dthr[d] -= sum_b dout[b,d] s (1 - s) inv_tau, s = out[b,d] */
NN_ALWAYS_INLINE void dthr_loop(float *restrict dthr,
                                const float *restrict dout,
                                const float *restrict out, int B, int D,
                                float inv_tau) {
  for (int b = 0; b < B; b++) {
    const float *gb = dout + (size_t)b * (size_t)D; /* (D) */
    const float *sb = out + (size_t)b * (size_t)D;  /* (D) */
    for (int d = 0; d < D; d++) {
      float s = sb[d];
      dthr[d] -= gb[d] * s * (1.0f - s) * inv_tau;
    }
  }
}

NN_ALWAYS_INLINE void hardbits_loop(float *restrict out,
                                    const float *restrict x,
                                    const float *restrict thr,
                                    const int *restrict feat_of, int B, int F,
                                    int D) {
  for (int b = 0; b < B; b++) {
    const float *xb = x + (size_t)b * (size_t)F; /* (F) */
    float *ob = out + (size_t)b * (size_t)D;     /* (D) */
    for (int d = 0; d < D; d++) ob[d] = xb[feat_of[d]];
    for (int d = 0; d < D; d++) ob[d] = ob[d] > thr[d] ? 1.0f : 0.0f;
  }
}

/* out = inp > 0 ? inp : +0; in place allowed (no restrict) */
NN_ALWAYS_INLINE void relu_fwd_loop(float *out, const float *inp, size_t N) {
  for (size_t n = 0; n < N; n++)
    out[n] = u2f(f2u(inp[n]) & positive_mask(inp[n]));
}

/* forward: out = max(inp, 0); d/dinp = 1 where out > 0, else 0 (adding +0
 * where it is 0, as dinp += 0.0f would) */
NN_ALWAYS_INLINE void relu_bwd_loop(float *dinp, const float *dout,
                                    const float *out, size_t N) {
  for (size_t n = 0; n < N; n++)
    dinp[n] += u2f(f2u(dout[n]) & positive_mask(out[n]));
}

NN_ALWAYS_INLINE void adam_loop(float *restrict p, const float *restrict g,
                                float *restrict m, float *restrict v, size_t n,
                                float b1, float b2, float eps, float wd,
                                float step, float inv_sqrt_bc2) {
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] + wd * p[i];
    m[i] = b1 * m[i] + (1.0f - b1) * gi;
    v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
    p[i] -= step * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
  }
}

#endif
