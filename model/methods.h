/* bsq — the quantizer layers of the baseline methods, in forward/backward
 * pairs like nn.h (outputs first, then const inputs, then sizes; backward
 * ACCUMULATES into gradients).
 *
 * Dimension legend:
 *   B  batch size
 *   F  input features
 *   D  thresholds in all (sum over features of n_f = 2^b_f - 1)
 *
 * The method table itself (names, decoder inputs) is declared in model.h. */
#ifndef BSQ_METHODS_H
#define BSQ_METHODS_H

#include <stddef.h>

/* SQ: the soft bits of a feature summed to one value, mapped to [-1, 1]:
 *   out[b,f] = 2 / n_f * sum_{d of f} sb[b,d] - 1.
 * At hard bits the sum is the level k, so the decoder's value of level k
 * is 2 k / n_f - 1 (bsq_sq_value). */
void bsq_sqsum_forward(float *out /* (B, F) */, const float *sb /* (B, D) */,
                       const int *toff /* (F+1) */, int B, int F, int D);
void bsq_sqsum_backward(float *dsb /* (B, D) */, const float *dout /* (B, F) */,
                        const int *toff /* (F+1) */, int B, int F, int D);
float bsq_sq_value(int level, int n);

/* LSQ (Esser et al., "Learned Step Size Quantization", ICLR 2020), one
 * learned step s_f per feature, signed grid q in [-Qn_f, Qp_f]:
 *   q = clamp(round(x / s), -Qn, Qp),  out = q * s.
 * round() takes ties down (ceil(z - 1/2)), so level q + Qn is exactly the
 * number of the thresholds (j - Qn + 1/2) s, j = 0..2^b - 2, that x
 * exceeds strictly: the hardware's x > T. */
void bsq_lsq_forward(float *out /* (B, F) */, const float *x /* (B, F) */,
                     const float *step /* (F) */, const int *qn /* (F) */,
                     const int *qp /* (F) */, int B, int F);
/* Esser et al. eq. 3 with the gradient scale g_f (their section 2.2):
 *   d out / d s = -Qn            if x/s <= -Qn
 *               =  Qp            if x/s >=  Qp
 *               =  q - x/s       otherwise (straight-through round),
 *   d out / d x = 1 inside the range, 0 outside (straight-through). */
void bsq_lsq_backward(float *dx /* (B, F), may be NULL */,
                      float *dstep /* (F) */, const float *dout /* (B, F) */,
                      const float *x /* (B, F) */, const float *step /* (F) */,
                      const int *qn /* (F) */, const int *qp /* (F) */,
                      const float *gscale /* (F) */, int B, int F);
/* Signed grid of b bits: Qn = 2^(b-1), Qp = 2^(b-1) - 1. */
void bsq_lsq_range(int bits, int *qn, int *qp);
/* Threshold j (0..2^b-2) and the value of level k (0..2^b-1) of step s. */
float bsq_lsq_threshold(float step, int qn, int j);
float bsq_lsq_value(float step, int qn, int k);

/* Pr-/Po- grids: the value of level k is the midpoint of its interval,
 * edges lo, t_0 .. t_{n-1}, hi (thresholds sorted ascending). */
void bsq_midpoint_values(float *values /* (n+1) */, const float *thr /* (n) */,
                         int n, double lo, double hi);

#endif
