/* bsq — the SIMD kernels of the layers (nn_simd.c), as nn.c calls them.
 * Internal to the library: the public surface is nn.h.
 *
 * Dimension legend (as in nn.h):
 *   B  batch size
 *   F  input features
 *   D  soft/hard bits in all
 *   I  input width of a linear layer, O its output width
 *   N  element count of an elementwise layer
 *
 * Each function does its layer's work on the best kernel tier in use
 * (bsq_nn_simd: AVX-512, else AVX2: hand-written GEMMs and the AVX2
 * copy of the generic loops) and returns 1, or returns 0 having done nothing: the tier in use is the
 * generic one, or the kernels do not cover these sizes, and nn.c runs its
 * generic code (baseline loops, OpenBLAS) instead. Arguments as the nn.h
 * function of the same name. */
#ifndef BSQ_NN_SIMD_H
#define BSQ_NN_SIMD_H

#include <stddef.h>

int bsq_simd_softbits_forward(float *out /* (B, D) */,
                              const float *x /* (B, F) */,
                              const float *thr /* (D) */,
                              const int *feat_of /* (D) */, int B, int F,
                              int D, float tau);
/* dthr[d] -= sum_b dout[b,d] s (1 - s) / tau, s = out[b,d] */
int bsq_simd_softbits_dthr(float *dthr /* (D) */,
                           const float *dout /* (B, D) */,
                           const float *out /* (B, D) */, int B, int D,
                           float tau);
int bsq_simd_hardbits_forward(float *out /* (B, D) */,
                              const float *x /* (B, F) */,
                              const float *thr /* (D) */,
                              const int *feat_of /* (D) */, int B, int F,
                              int D);
/* The whole forward (ReLU included) or backward of a linear layer, when
 * the hand-written GEMMs cover (I, O). */
int bsq_simd_linear_forward(float *out /* (B, O) */,
                            const float *inp /* (B, I) */,
                            const float *w /* (O, I) */,
                            const float *wt /* or NULL */,
                            const float *b /* (O) */, int B, int I, int O,
                            int relu);
int bsq_simd_linear_backward(float *dinp /* (B, I), may be NULL */,
                             float *dw /* (O, I) */, float *db /* (O) */,
                             const float *dout /* (B, O) */,
                             const float *inp /* (B, I) */,
                             const float *w /* (O, I) */, int B, int I, int O,
                             const float *pos /* (B, I) or NULL */);
/* db[o] += dout[0,o] + dout[1,o] + ..., in that order */
int bsq_simd_linear_db(float *db /* (O) */, const float *dout /* (B, O) */,
                       int B, int O);
int bsq_simd_relu_forward(float *out, const float *inp, size_t N);
int bsq_simd_relu_backward(float *dinp, const float *dout, const float *out,
                           size_t N);
/* Adam's loop (nn.c, bsq_adam_step) with its constants worked out. */
int bsq_simd_adam(float *p, const float *g, float *m, float *v, size_t n,
                  float b1, float b2, float eps, float wd, float step,
                  float inv_sqrt_bc2);

#endif
