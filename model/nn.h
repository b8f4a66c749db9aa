/* bsq — network layers, loss and optimizer, in forward/backward pairs.
 *
 * Dimension legend:
 *   B  batch size
 *   F  input features
 *   D  soft/hard bits in all (sum over features of n_f = 2^b_f - 1)
 *   I  input width of a linear layer, O its output width
 *   N  element count of an elementwise layer
 *
 * Conventions: outputs first, then const inputs, then sizes. Backward
 * functions ACCUMULATE (+=) into gradients; zero them with bsq_zero().
 * A NULL gradient pointer means "not needed". */
#ifndef BSQ_NN_H
#define BSQ_NN_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

void bsq_zero(float *p, size_t n);

/* Kernel choice. The tiers, best last: BSQ_SIMD_GENERIC, generic C at the
 * baseline ISA and OpenBLAS for every GEMM; BSQ_SIMD_AVX2 (a CPU with AVX2
 * and FMA), the same C compiled for AVX2 (the same bits: no fused
 * multiply-adds) and hand-written GEMMs for layers with at most 64
 * outputs; and BSQ_SIMD_AVX512, hand-vectorized kernels for the soft bits,
 * Adam and those GEMMs. The two tiers' GEMMs give the same bits as each
 * other, within float rounding of OpenBLAS's; the AVX-512 soft bits are
 * within float rounding of the others. A CPU gets the best tier it has. bsq_nn_simd(mode) caps it:
 * BSQ_SIMD_GENERIC or BSQ_SIMD_AVX2 (what a CPU without AVX-512 runs), or
 * BSQ_SIMD_AUTO to restore the automatic choice; -1 only asks. Returns
 * the tier in use before the call. For tests and benchmarks; set it
 * before training, not during. */
enum {
  BSQ_SIMD_GENERIC = 0,
  BSQ_SIMD_AUTO = 1,
  BSQ_SIMD_AVX2 = 2,
  BSQ_SIMD_AVX512 = 3
};
int bsq_nn_simd(int mode);

/* Threads the layers use, the caller included: n >= 1 sets it (at most
 * BSQ_MAX_THREADS), 0 restores the default (the online CPUs, at most
 * BSQ_MAX_THREADS), -1 only asks. Returns the previous count. Results are
 * the same bits for any count: work is cut into fixed blocks and no sum is
 * split across threads. OpenBLAS is switched to one thread at the first
 * linear layer that uses it (its GEMMs are split into blocks over these
 * threads instead). The threads are those of the program's one pool
 * (pool.c), which bsq_pool_jobs() shares: one caller at a time gets them,
 * and a layer called from inside a pool job or chunk, or from another
 * thread while the pool is busy, runs on the thread that calls it. */
int bsq_nn_threads(int n);
#define BSQ_MAX_THREADS 8

/* fn(ctx, c) for c = 0 .. n-1 on those threads (pool.c), in any order and
 * with flush-to-zero set, as the layers run. The layers called from inside
 * fn run on the thread that calls them: a training step cut into chunks
 * of rows uses this to run each chunk's forward and backward pass on one
 * core. */
void bsq_parallel(void (*fn)(void *ctx, int c), void *ctx, int n);

/* Soft bits: out[b,d] = sigmoid((x[b, feat_of[d]] - thr[d]) / tau), with
 * the lower tail cut: values below about 2^-64 (argument < -44.36) are 0,
 * so no denormal floats reach the GEMMs (nn_kernels.h explains). */
void bsq_softbits_forward(float *out /* (B, D) */, const float *x /* (B, F) */,
                          const float *thr /* (D) */,
                          const int *feat_of /* (D) */, int B, int F, int D,
                          float tau);
void bsq_softbits_backward(float *dx /* (B, F), may be NULL */,
                           float *dthr /* (D) */, const float *dout /* (B, D) */,
                           const float *out /* (B, D) forward output */,
                           const int *feat_of /* (D) */, int B, int F, int D,
                           float tau);

/* Hard bits (inference): out[b,d] = x[b, feat_of[d]] > thr[d] ? 1 : 0. */
void bsq_hardbits_forward(float *out /* (B, D) */, const float *x /* (B, F) */,
                          const float *thr /* (D) */,
                          const int *feat_of /* (D) */, int B, int F, int D);

/* Linear: out = inp @ w^T + b. */
void bsq_linear_forward(float *out /* (B, O) */, const float *inp /* (B, I) */,
                        const float *w /* (O, I) */, const float *b /* (O) */,
                        int B, int I, int O);
void bsq_linear_backward(float *dinp /* (B, I), may be NULL */,
                         float *dw /* (O, I) */, float *db /* (O) */,
                         const float *dout /* (B, O) */,
                         const float *inp /* (B, I) */,
                         const float *w /* (O, I) */, int B, int I, int O);

/* The same, fused with the ReLU around it, for the hidden layers of a
 * training step, and with the forward's transposed copy of w made once
 * for the calls that share w (the chunks of one step, the blocks of an
 * inference): bsq_linear_wt_floats(I, O) floats (a multiple of 16, so
 * aligned_alloc(64, ...) takes it), 64-byte aligned (0: the layer needs
 * none, pass NULL), filled by bsq_linear_wt() (only the AVX2 and AVX-512
 * GEMMs read it; elsewhere it is left as it is); wt NULL makes the copy per
 * call.
 *   forward_ex:  out = inp @ w^T + b, then max(out, +0) when relu is set
 *                (NaN gives +0, as bsq_relu_forward)
 *   backward_ex: as bsq_linear_backward, then, when pos is not NULL,
 *                dinp[n] = 0 where pos[n] > 0 fails: pos is the forward
 *                output of the ReLU below (bsq_relu_backward's out) and
 *                dinp, zero before the call, becomes the gradient of that
 *                ReLU's input. */
size_t bsq_linear_wt_floats(int I, int O);
void bsq_linear_wt(float *wt /* bsq_linear_wt_floats(I, O) */,
                   const float *w /* (O, I) */, int I, int O);
void bsq_linear_forward_ex(float *out /* (B, O) */, const float *inp /* (B, I) */,
                           const float *w /* (O, I) */,
                           const float *wt /* or NULL */,
                           const float *b /* (O) */, int B, int I, int O,
                           int relu);
void bsq_linear_backward_ex(float *dinp /* (B, I), may be NULL */,
                            float *dw /* (O, I) */, float *db /* (O) */,
                            const float *dout /* (B, O) */,
                            const float *inp /* (B, I) */,
                            const float *w /* (O, I) */, int B, int I, int O,
                            const float *pos /* (B, I) or NULL */);

/* ReLU: out = max(inp, 0); in place allowed (out == inp). */
void bsq_relu_forward(float *out, const float *inp, size_t N);
void bsq_relu_backward(float *dinp, const float *dout,
                       const float *out /* forward output */, size_t N);

/* Inverted dropout: mask[n] = 0 with probability p, else 1/(1-p);
 * out = inp * mask. p == 0 makes mask all ones. In place allowed. */
void bsq_dropout_forward(float *out, float *mask, const float *inp, size_t N,
                         float p, bsq_rng *rng);
void bsq_dropout_backward(float *dinp, const float *dout, const float *mask,
                          size_t N);

/* Mean squared error over B predictions; returns the loss. The backward
 * pass takes n of the B rows (a chunk of the batch: the mean is still
 * over B): dpred[i] += 2 (pred[i] - y[i]) / B for i < n. */
double bsq_mse_forward(const float *pred /* (B) */, const float *y /* (B) */,
                      int B);
void bsq_mse_backward(float *dpred /* (n) */, const float *pred /* (n) */,
                      const float *y /* (n) */, int n, int B);

/* Adam (Kingma & Ba), bias-corrected; t is the 1-based step count. */
typedef struct {
  float lr, beta1, beta2, eps, weight_decay;
} bsq_adam_cfg;
void bsq_adam_step(float *p, const float *g, float *m, float *v, size_t n,
                   const bsq_adam_cfg *cfg, int t);

#endif
