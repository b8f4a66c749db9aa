/* bsq — the quantizer layers of the baseline methods, in forward/backward
 * pairs like nn.h (outputs first, then const inputs, then sizes; backward
 * ACCUMULATES into gradients).
 *
 * Dimension legend:
 *   B  batch size
 *   F  input features
 *   D  thresholds in all (sum over features of n_f = 2^b_f - 1)
 *   N  LLT table entries in all (sum over features of N_f = g n_f)
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

/* SQ+ (SQplus of the paper's code): SQ whose steps have learned heights.
 * Feature f has a base a0_f and one height a_d per threshold:
 *   out[b,f] = a0_f + sum_{d of f} a_d sb[b,d].
 * At hard bits the k smallest thresholds are exceeded, so the decoder's
 * value of level k is a0_f plus the heights of those k (bsq_sqplus_values).
 * Initialized as SQ: a0 = -1, a_d = 2 / n_f. */
void bsq_sqplus_forward(float *out /* (B, F) */, const float *sb /* (B, D) */,
                        const float *a /* (D) */, const float *a0 /* (F) */,
                        const int *toff /* (F+1) */, int B, int F, int D);
/* forward: out = a0 + sum_d a_d sb_d; ACCUMULATES into dsb, da, da0. */
void bsq_sqplus_backward(float *dsb /* (B, D) */, float *da /* (D) */,
                         float *da0 /* (F) */, const float *dout /* (B, F) */,
                         const float *sb /* (B, D) */, const float *a /* (D) */,
                         const int *toff /* (F+1) */, int B, int F, int D);
/* values (n+1) of one feature: a0 plus the heights of the k smallest of
 * its n thresholds thr (trained order, ties in trained order, as the
 * encoder sorts them). */
void bsq_sqplus_values(float *values /* (n+1) */, const float *thr /* (n) */,
                       const float *a /* (n) */, float a0, int n);

/* LLT (Wang et al., "Learnable Lookup Table for Neural Network
 * Quantization", CVPR 2022), on one feature with b bits, n = 2^b - 1, over
 * the training range [lo, hi], granularity g:
 *   - a fine grid of N + 1 points lo + u w, u = 0..N, N = g n, w = (hi -
 *     lo) / N; the cell of x is its nearest point (ties down):
 *     u(x) = #{ j in 1..N : x > lo + (j - 1/2) w };
 *   - the table p = softmax(s) of N learned scores s, its running sum
 *     C_u = n sum_{j <= u} p_j (C_0 = 0, C_N = n): a monotone lookup;
 *   - the level k(x) = round(C_{u(x)}) (0..n), the output
 *     out = lo + k (hi - lo) / n: the table decides where the levels
 *     change, the output grid is uniform.
 * Level k is reached first at u_k = min{ u : round(C_u) >= k }, so the
 * thresholds are t_k = lo + (u_k - 1/2) w and level = #{ k : x > t_k }.
 * Scores start at 0 (a uniform table). Training rounds straight through. */
typedef struct {
  int g;          /* granularity */
  int n, N;       /* levels - 1, table entries */
  float lo, hi;   /* range, standardized */
} bsq_llt_feature;

/* p (N) and C (N+1) of scores s (N), in double (the running sum decides
 * the levels; double keeps it free of order effects). */
void bsq_llt_table(double *p /* (N) */, double *C /* (N+1) */,
                   const float *s /* (N) */, int n, int N);
int bsq_llt_cell(const bsq_llt_feature *lf, float x);
int bsq_llt_level(const double *C /* (N+1) */, int u);
/* thresholds t_1..t_n (thr, ascending) and values (n+1) of a table C */
void bsq_llt_sync(float *thr /* (n) */, float *values /* (n+1) */,
                  const bsq_llt_feature *lf, const double *C /* (N+1) */);
/* out[b,f] = lo + k (hi - lo) / n; cell[b,f] = u, for the backward pass */
void bsq_llt_forward(float *out /* (B, F) */, int *cell /* (B, F) */,
                     const float *x /* (B, F) */,
                     const bsq_llt_feature *lf /* (F) */,
                     const double *const *C /* (F) of (N_f+1) */, int B, int F);
/* forward: out = lo + (hi - lo) / n round(C_u), round straight through:
 *   d out / d s_j = (hi - lo) p_j ([j <= u] - C_u / n).
 * hist (sum (N_f+1)) is scratch. ACCUMULATES into ds (N, feature f's
 * scores at soff[f]). */
void bsq_llt_backward(float *ds /* (N) */, double *hist /* (N + F) */,
                      const float *dout /* (B, F) */, const int *cell /* (B, F) */,
                      const bsq_llt_feature *lf /* (F) */,
                      const double *const *p /* (F) of (N_f) */,
                      const double *const *C /* (F) of (N_f+1) */,
                      const int *soff /* (F+1) */, int B, int F);

/* Pr-/Po- grids: the value of level k is the midpoint of its interval,
 * edges lo, t_0 .. t_{n-1}, hi (thresholds sorted ascending). */
void bsq_midpoint_values(float *values /* (n+1) */, const float *thr /* (n) */,
                         int n, double lo, double hi);

#endif
