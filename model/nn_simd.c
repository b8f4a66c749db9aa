/* bsq — the SIMD kernels of the layers and the run-time choice between
 * them (nn_simd.h is how nn.c calls them).
 *
 * Dimension legend (as in nn.h):
 *   B  batch size
 *   F  input features
 *   D  soft/hard bits in all (sum over features of n_f = 2^b_f - 1)
 *   I  input width of a linear layer, O its output width
 *   N  element count of an elementwise layer
 *
 * The library is built for the baseline x86-64 (no -march), so it runs on
 * any machine; the kernels here are compiled for their ISA with target
 * attributes and taken when the CPU has it:
 *   AVX2     (with FMA) the generic loops of nn_kernels.h compiled again
 *            for AVX2 (the same bits as the baseline copy in nn.c), and
 *            hand-written GEMMs for layers with at most 64 outputs;
 *   AVX-512  hand-written kernels for the soft bits, Adam and those
 *            GEMMs.
 * The hand-written GEMMs of the two tiers give the same bits as each
 * other, and are within float rounding of the generic path's OpenBLAS
 * (fused multiply-adds, sums in another order); wider layers stay with
 * OpenBLAS on every tier. The AVX-512 soft bits are within float rounding
 * of the generic ones.
 * Both are deterministic, and the parallel kernels cut their work into
 * fixed blocks on the thread pool (pool.c), so their results are the same
 * bits for any number of threads.
 * Layout of the file: kernel choice; AVX2 copies; AVX2 GEMMs; AVX-512
 * kernels; the entry points nn.c calls. */
#include "nn_simd.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "nn.h"
#include "nn_kernels.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define NN_X86 1
#define NN_AVX2 __attribute__((target("avx2")))
#define NN_AVX2FMA __attribute__((target("avx2,fma")))
#define NN_INLINE_AVX2 \
  static inline __attribute__((always_inline, target("avx2,fma")))
#define NN_AVX512 __attribute__((target("avx512f")))
#define NN_INLINE_AVX512 \
  static inline __attribute__((always_inline, target("avx512f")))
#else
#define NN_X86 0
#endif

/* The largest transposed weights of the hand-written forward GEMM (below):
 * w^T padded to 16 columns, on the stack or in bsq_linear_wt()'s buffer. */
#define WT_MAX 16384

/* ------------------------------------------------------------------------
 * Run-time kernel choice.
 *
 * Everything but the tiers below (other CPUs, other architectures,
 * bsq_nn_simd(BSQ_SIMD_GENERIC)) takes the generic C path of nn.c: plain
 * loops written to auto-vectorize, and OpenBLAS for every GEMM. */

static atomic_int simd_mode = -1; /* -1 undecided, else a BSQ_SIMD_ tier */

static int cpu_tier(void) {
#if NN_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return BSQ_SIMD_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return BSQ_SIMD_AVX2;
#endif
  return BSQ_SIMD_GENERIC;
}

static int tier(void) {
  int m = atomic_load_explicit(&simd_mode, memory_order_relaxed);
  if (m < 0) {
    m = cpu_tier();
    atomic_store_explicit(&simd_mode, m, memory_order_relaxed);
  }
  return m;
}

int bsq_nn_simd(int mode) {
  int prev = tier(), best = cpu_tier();
  if (mode == BSQ_SIMD_GENERIC)
    atomic_store(&simd_mode, BSQ_SIMD_GENERIC);
  else if (mode == BSQ_SIMD_AVX2)
    atomic_store(&simd_mode, best < BSQ_SIMD_AVX2 ? best : BSQ_SIMD_AVX2);
  else if (mode == BSQ_SIMD_AUTO || mode == BSQ_SIMD_AVX512)
    atomic_store(&simd_mode, best);
  return prev;
}

#if NN_X86

static int use_avx512(void) { return tier() == BSQ_SIMD_AVX512; }
static int use_avx2(void) { return tier() >= BSQ_SIMD_AVX2; }

/* ------------------------------------------------------------------------
 * The generic loops' AVX2 copies. */

NN_AVX2 static void softbits_avx2(float *restrict out, const float *restrict x,
                                  const float *restrict thr,
                                  const int *restrict feat_of, int B, int F,
                                  int D, float inv_tau) {
  softbits_loop(out, x, thr, feat_of, B, F, D, inv_tau);
}
NN_AVX2 static void dthr_avx2(float *restrict dthr, const float *restrict dout,
                              const float *restrict out, int B, int D,
                              float inv_tau) {
  dthr_loop(dthr, dout, out, B, D, inv_tau);
}
NN_AVX2 static void hardbits_avx2(float *restrict out, const float *restrict x,
                                  const float *restrict thr,
                                  const int *restrict feat_of, int B, int F,
                                  int D) {
  hardbits_loop(out, x, thr, feat_of, B, F, D);
}
NN_AVX2 static void relu_fwd_avx2(float *out, const float *inp, size_t N) {
  relu_fwd_loop(out, inp, N);
}
NN_AVX2 static void relu_bwd_avx2(float *dinp, const float *dout,
                                  const float *out, size_t N) {
  relu_bwd_loop(dinp, dout, out, N);
}
NN_AVX2 static void adam_avx2(float *restrict p, const float *restrict g,
                              float *restrict m, float *restrict v, size_t n,
                              float b1, float b2, float eps, float wd,
                              float step, float inv_sqrt_bc2) {
  adam_loop(p, g, m, v, n, b1, b2, eps, wd, step, inv_sqrt_bc2);
}

/* ------------------------------------------------------------------------
 * AVX2 GEMM kernels (with FMA: every AVX2 CPU has it, and the tier asks
 * for both).
 *
 * The same register-blocked GEMMs as the AVX-512 ones below, 8 columns a
 * vector: each output element is the same chain of fused multiply-adds
 * in the same order (bias or the old value, then k = 0, 1, ...), so the
 * two tiers give the same bits for the layers they cover; only how the
 * columns are grouped differs. The O = 1 dot product keeps the AVX-512
 * kernel's 16 partial sums (two vectors of 8) and its reduction order.
 * Against the generic path (OpenBLAS) they agree within float rounding. */

/* All ones in the first n lanes (none for n <= 0, all for n >= 8). */
NN_INLINE_AVX2 __m256i lanes8(long n) {
  int c = n <= 0 ? 0 : n >= 8 ? 8 : (int)n;
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(c),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Loads and stores of vector c of NC: the last one through the lane mask
 * kl when ML is set (a masked move costs a mask register, and a masked
 * store is slow on some CPUs, so the full vectors take plain ones). */
#define LD8(p, c, NC, ML, kl)                                                  \
  ((ML) && (c) == (NC)-1 ? _mm256_maskload_ps((p), (kl)) : _mm256_loadu_ps(p))
#define ST8(p, c, NC, ML, kl, v)                                               \
  do {                                                                         \
    if ((ML) && (c) == (NC)-1)                                                 \
      _mm256_maskstore_ps((p), (kl), (v));                                     \
    else                                                                       \
      _mm256_storeu_ps((p), (v));                                              \
  } while (0)

/* out (R, O) = bias + inp (R, I) @ wt (I, Op); wt padded with zeros to
 * Op = 16 ceil(O / 16) columns (transpose_pad8 below), so its loads need
 * no mask. */
NN_INLINE_AVX2 void fwd_block8(float *out, const float *inp, const float *wt,
                               const __m256 *bias, __m256i kl, int I, int O,
                               int Op, int relu, const int R, const int NC,
                               const int ML) {
  __m256 acc[8][4];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++) acc[r][c] = bias[c];
  for (int i = 0; i < I; i++) {
    __m256 w[4];
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++)
      w[c] = _mm256_loadu_ps(wt + (size_t)i * (size_t)Op + 8 * c);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      __m256 a = _mm256_broadcast_ss(inp + (size_t)r * (size_t)I + i);
#pragma GCC unroll 4
      for (int c = 0; c < NC; c++)
        acc[r][c] = _mm256_fmadd_ps(a, w[c], acc[r][c]);
    }
  }
  /* ReLU: maxps returns its second operand (+0) for x <= 0 and for NaN */
  if (relu)
#pragma GCC unroll 8
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
      for (int c = 0; c < NC; c++)
        acc[r][c] = _mm256_max_ps(acc[r][c], _mm256_setzero_ps());
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++)
      ST8(out + (size_t)r * (size_t)O + 8 * c, c, NC, ML, kl, acc[r][c]);
}

/* c (R, 8 NC) += a (R, K) @ b (K, 8 NC), summed in order k = 0 .. K-1;
 * a[r][k] = a[r * ar + k * ak], rows of c and b ld floats apart, the last
 * vector masked by kl when ML is set, and c kept only where pos > 0 when
 * pos is not NULL (as acc_block below). */
NN_INLINE_AVX2 void acc_block8(float *c_, const float *a, const float *b,
                               __m256i kl, int K, int ld, int ar, int ak,
                               const float *pos, const int R, const int NC,
                               const int ML) {
  __m256 acc[8][4];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++)
      acc[r][c] = LD8(c_ + (size_t)r * (size_t)ld + 8 * c, c, NC, ML, kl);
  for (int q = 0; q < K; q++) {
    __m256 bv[4];
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++)
      bv[c] = LD8(b + (size_t)q * (size_t)ld + 8 * c, c, NC, ML, kl);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      __m256 av = _mm256_broadcast_ss(a + (size_t)r * (size_t)ar +
                                      (size_t)q * (size_t)ak);
#pragma GCC unroll 4
      for (int c = 0; c < NC; c++)
        acc[r][c] = _mm256_fmadd_ps(av, bv[c], acc[r][c]);
    }
  }
  if (pos)
#pragma GCC unroll 8
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
      for (int c = 0; c < NC; c++)
        acc[r][c] = _mm256_and_ps(
            _mm256_cmp_ps(LD8(pos + (size_t)r * (size_t)ld + 8 * c, c, NC, ML,
                              kl),
                          _mm256_setzero_ps(), _CMP_GT_OQ),
            acc[r][c]);
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++)
      ST8(c_ + (size_t)r * (size_t)ld + 8 * c, c, NC, ML, kl, acc[r][c]);
}

/* The register blocking of a panel of NC vectors, the last one part of a
 * vector when ML is set: X(R, NC, ML) runs blocks of R rows, R chosen so
 * that R * NC accumulators, NC operand vectors, a broadcast and the lane
 * mask fit the 16 ymm registers. */
#define PANEL8(X, NC, ML)                                                      \
  switch ((NC) * 2 + (ML)) {                                                   \
  case 2:                                                                      \
    X(8, 1, 0) break;                                                          \
  case 3:                                                                      \
    X(8, 1, 1) break;                                                          \
  case 4:                                                                      \
    X(6, 2, 0) break;                                                          \
  case 5:                                                                      \
    X(6, 2, 1) break;                                                          \
  case 6:                                                                      \
    X(4, 3, 0) break;                                                          \
  case 7:                                                                      \
    X(3, 3, 1) break;                                                          \
  case 9:                                                                      \
    X(2, 4, 1) break;                                                          \
  default:                                                                     \
    X(3, 4, 0) break;                                                          \
  }

/* wt (I, Op) = w^T, zero columns up to Op = 16 ceil(O / 16): the layout
 * of the AVX-512 tier's transpose_pad(), so bsq_linear_wt() serves both. */
static void transpose_pad8(float *restrict wt, const float *restrict w, int I,
                           int O) {
  const int Op = (O + 15) / 16 * 16;
  for (int i = 0; i < I; i++)
    for (int o = 0; o < Op; o++)
      wt[(size_t)i * (size_t)Op + (size_t)o] =
          o < O ? w[(size_t)o * (size_t)I + (size_t)i] : 0.0f;
}

/* Rows r0 .. r1-1 of the forward, ReLU applied when relu is set. */
NN_AVX2FMA static void linear_forward_avx2(float *restrict out,
                                        const float *restrict inp,
                                        const float *restrict w,
                                        const float *restrict wt,
                                        const float *restrict b, int r0,
                                        int r1, int I, int O, int relu) {
  out += (size_t)r0 * (size_t)O;
  inp += (size_t)r0 * (size_t)I;
  const int n = r1 - r0;
  if (O == 1) { /* 16 partial sums, as the AVX-512 kernel's one register */
    const float b0 = b ? b[0] : 0.0f;
    for (int r = 0; r < n; r++) {
      const float *x = inp + (size_t)r * (size_t)I; /* (I) */
      __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
      for (int i = 0; i < I; i += 16) {
        __m256i kl = lanes8(I - i), kh = lanes8(I - i - 8);
        lo = _mm256_fmadd_ps(_mm256_maskload_ps(x + i, kl),
                             _mm256_maskload_ps(w + i, kl), lo);
        hi = _mm256_fmadd_ps(_mm256_maskload_ps(x + i + 8, kh),
                             _mm256_maskload_ps(w + i + 8, kh), hi);
      }
      /* _mm512_reduce_add_ps's order: halves, quarters, pairs, the two */
      __m256 s8 = _mm256_add_ps(hi, lo);
      __m128 s4 = _mm_add_ps(_mm256_extractf128_ps(s8, 1),
                             _mm256_castps256_ps128(s8));
      __m128 s2 = _mm_add_ps(s4, _mm_shuffle_ps(s4, s4, _MM_SHUFFLE(1, 0, 3, 2)));
      float v = b0 + (_mm_cvtss_f32(s2) +
                      _mm_cvtss_f32(_mm_shuffle_ps(s2, s2, _MM_SHUFFLE(1, 1, 1, 1))));
      out[r] = relu ? u2f(f2u(v) & positive_mask(v)) : v;
    }
    return;
  }
  const int Op = (O + 15) / 16 * 16;
  for (int o0 = 0; o0 < O; o0 += 32) { /* panels of 32 outputs */
    const int NC = O - o0 >= 32 ? 4 : (O - o0 + 7) / 8;
    const int ml = (O - o0) % 8 != 0 && O - o0 < 32; /* a part vector */
    __m256 bias[4];
    for (int c = 0; c < NC; c++)
      bias[c] = b ? _mm256_maskload_ps(b + o0 + 8 * c, lanes8(O - o0 - 8 * c))
                  : _mm256_setzero_ps();
    const __m256i kl = lanes8(O - o0 - 8 * (NC - 1));
    int r = 0;
#define FWD8(R_, NC_, ML_)                                                     \
  for (; r + (R_) <= n; r += (R_))                                             \
    fwd_block8(out + (size_t)r * (size_t)O + o0, inp + (size_t)r * (size_t)I,  \
               wt + o0, bias, kl, I, O, Op, relu, R_, NC_, ML_);               \
  for (; r < n; r++)                                                           \
    fwd_block8(out + (size_t)r * (size_t)O + o0, inp + (size_t)r * (size_t)I,  \
               wt + o0, bias, kl, I, O, Op, relu, 1, NC_, ML_);
    PANEL8(FWD8, NC, ml)
#undef FWD8
  }
}

/* Rows r0 .. r1-1 of dinp, kept only where pos (B, I) > 0 when pos is
 * not NULL. */
NN_AVX2FMA static void linear_dinp_avx2(float *restrict dinp,
                                     const float *restrict dout,
                                     const float *restrict w,
                                     const float *restrict pos, int r0,
                                     int r1, int I, int O) {
  dinp += (size_t)r0 * (size_t)I;
  dout += (size_t)r0 * (size_t)O;
  if (pos) pos += (size_t)r0 * (size_t)I;
  const int n = r1 - r0;
  for (int j = 0; j < I; j += 32) { /* panels of 32 columns */
    const int NC = I - j >= 32 ? 4 : (I - j + 7) / 8; /* the last: fewer */
    const int ml = (I - j) % 8 != 0 && I - j < 32;   /* a part vector */
    const __m256i kl = lanes8(I - j - 8 * (NC - 1));
    int r = 0;
#define DINP8(R_, NC_, ML_)                                                    \
  for (; r + (R_) <= n; r += (R_))                                             \
    acc_block8(dinp + (size_t)r * (size_t)I + j, dout + (size_t)r * (size_t)O, \
               w + j, kl, O, I, O, 1,                                          \
               pos ? pos + (size_t)r * (size_t)I + j : NULL, R_, NC_, ML_);    \
  for (; r < n; r++)                                                           \
    acc_block8(dinp + (size_t)r * (size_t)I + j, dout + (size_t)r * (size_t)O, \
               w + j, kl, O, I, O, 1,                                          \
               pos ? pos + (size_t)r * (size_t)I + j : NULL, 1, NC_, ML_);
    PANEL8(DINP8, NC, ml)
#undef DINP8
  }
}

/* Output rows o0 .. o1-1 of dw in the 32-column panel from j, and of db
 * when it is not NULL (the sums in order b = 0, 1, ..., as the generic
 * loop and the AVX-512 kernel). */
NN_AVX2FMA static void linear_dw_avx2(float *restrict dw, float *restrict db,
                                   const float *restrict dout,
                                   const float *restrict inp, int o0, int o1,
                                   int j, int B, int I, int O) {
  if (dw) {
    const int NC = I - j >= 32 ? 4 : (I - j + 7) / 8;
    const int ml = (I - j) % 8 != 0 && I - j < 32; /* a part vector */
    const __m256i kl = lanes8(I - j - 8 * (NC - 1));
    int o = o0;
#define DW8(R_, NC_, ML_)                                                      \
  for (; o + (R_) <= o1; o += (R_))                                            \
    acc_block8(dw + (size_t)o * (size_t)I + j, dout + o, inp + j, kl, B, I, 1, \
               O, NULL, R_, NC_, ML_);                                         \
  for (; o < o1; o++)                                                          \
    acc_block8(dw + (size_t)o * (size_t)I + j, dout + o, inp + j, kl, B, I, 1, \
               O, NULL, 1, NC_, ML_);
    PANEL8(DW8, NC, ml)
#undef DW8
  }
  if (db)
    for (int o = o0; o < o1; o += 8) {
      __m256i kk = lanes8(o1 - o);
      __m256 acc = _mm256_maskload_ps(db + o, kk);
      for (int b = 0; b < B; b++)
        acc = _mm256_add_ps(
            acc, _mm256_maskload_ps(dout + (size_t)b * (size_t)O + o, kk));
      _mm256_maskstore_ps(db + o, kk, acc);
    }
}

/* ------------------------------------------------------------------------
 * AVX-512 kernels.
 *
 * The hand-written GEMMs serve layers with few outputs (O <= 64), where
 * a BLAS call costs more in set-up (packing, thread hand-off) than the
 * arithmetic: the 32-wide layers of the paper's networks and the final
 * (O = 1) layer. The forward kernel keeps w transposed and padded to a
 * multiple of 16 columns on the stack: at most WT_MAX floats (64 KiB). */
static int hand_gemm(int I, int O) {
  int Op = (O + 15) / 16 * 16;
  return O <= 64 && I >= 1 && (size_t)I * (size_t)Op <= WT_MAX && use_avx2();
}

/* Denormals. Once tau is small, most soft bits saturate near e^-87, and
 * their products with weights and gradients are denormal floats, which
 * cost a microcode assist (about 100 cycles) per operation on x86. The
 * parallel AVX-512 kernels therefore run through bsq_parallel(), which
 * sets flush-to-zero and denormals-are-zero in MXCSR on every thread and
 * restores the caller's on return: a value below 1.2e-38 counts as 0,
 * nothing a gradient step can tell apart. */

/* The first n lanes (none for n <= 0, all for n >= 16). */
NN_INLINE_AVX512 __mmask16 lanes(long n) {
  return (__mmask16)(n <= 0 ? 0u : n >= 16 ? 0xffffu : (1u << n) - 1u);
}

/* sigmoid() of nn_kernels.h, 16 lanes at a time: the same clamp,
 * reduction and polynomial, with fused multiply-adds. */
NN_INLINE_AVX512 __m512 sigmoid16(__m512 z) {
  const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
  __mmask16 nan = _mm512_cmp_ps_mask(z, z, _CMP_UNORD_Q);
  __mmask16 neg = _mm512_cmp_ps_mask(z, zero, _CMP_LT_OQ);
  /* -|z| (the sign bit set), clamped to [-87, 0] */
  __m512 y = _mm512_max_ps(
      _mm512_castsi512_ps(_mm512_or_epi32(_mm512_castps_si512(z),
                                          _mm512_set1_epi32(INT32_MIN))),
      _mm512_set1_ps(-87.0f));
  __m512 n = _mm512_roundscale_ps(
      _mm512_mul_ps(y, _mm512_set1_ps(1.44269504088896341f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), y);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  __m512 er = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), one);
  __m512 e = _mm512_scalef_ps(er, n); /* er 2^n, n an integer in [-126, 0] */
  /* sigmoid(|z|) = 1 / (1 + e): the reciprocal estimate (relative error
   * below 2^-14) and one Newton step (2^-28), within an ulp of the
   * division and a fraction of its cost */
  __m512 den = _mm512_add_ps(one, e), rc = _mm512_rcp14_ps(den);
  __m512 pos = _mm512_fmadd_ps(rc, _mm512_fnmadd_ps(den, rc, one), rc);
  __mmask16 tail = _mm512_cmp_ps_mask( /* |z| > cut */
      y, _mm512_castsi512_ps(_mm512_set1_epi32((int)(SIGMOID_CUT | 0x80000000u))),
      _CMP_LT_OQ);
  __m512 out = _mm512_mask_mul_ps(pos, neg, e, pos); /* sigmoid(-|z|) */
  out = _mm512_mask_mov_ps(out, neg & tail, zero);   /* cut tail */
  return _mm512_mask_mov_ps(out, nan, z);            /* NaN stays */
}

/* Rows r0 .. r1-1. */
NN_AVX512 static void
softbits_forward_avx512(float *restrict out, const float *restrict x,
                        const float *restrict thr, const int *restrict feat_of,
                        int r0, int r1, int F, int D, float tau) {
  const __m512 inv_tau = _mm512_set1_ps(1.0f / tau);
  for (int b = r0; b < r1; b++) {
    const float *xb = x + (size_t)b * (size_t)F; /* (F) */
    float *ob = out + (size_t)b * (size_t)D;     /* (D) */
    /* up to 16 features: the row sits in one register and the gather
     * x[b, feat_of[d]] is a lane permutation */
    __m512 xrow =
        F <= 16 ? _mm512_maskz_loadu_ps(lanes(F), xb) : _mm512_setzero_ps();
    for (int d = 0; d < D; d += 16) {
      __mmask16 k = lanes(D - d);
      __m512i idx = _mm512_maskz_loadu_epi32(k, feat_of + d);
      __m512 v = F <= 16 ? _mm512_permutexvar_ps(idx, xrow)
                         : _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, idx,
                                                    xb, 4);
      __m512 t = _mm512_maskz_loadu_ps(k, thr + d);
      __m512 z = _mm512_mul_ps(_mm512_sub_ps(v, t), inv_tau);
      _mm512_mask_storeu_ps(ob + d, k, sigmoid16(z));
    }
  }
}

/* Hard bits of rows 0 .. B-1, the same gather: 1 where x > t (not NaN). */
NN_AVX512 static void hardbits_forward_avx512(float *restrict out,
                                              const float *restrict x,
                                              const float *restrict thr,
                                              const int *restrict feat_of,
                                              int B, int F, int D) {
  const __m512 one = _mm512_set1_ps(1.0f);
  for (int b = 0; b < B; b++) {
    const float *xb = x + (size_t)b * (size_t)F; /* (F) */
    float *ob = out + (size_t)b * (size_t)D;     /* (D) */
    __m512 xrow =
        F <= 16 ? _mm512_maskz_loadu_ps(lanes(F), xb) : _mm512_setzero_ps();
    for (int d = 0; d < D; d += 16) {
      __mmask16 k = lanes(D - d);
      __m512i idx = _mm512_maskz_loadu_epi32(k, feat_of + d);
      __m512 v = F <= 16 ? _mm512_permutexvar_ps(idx, xrow)
                         : _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, idx,
                                                    xb, 4);
      __mmask16 gt = _mm512_mask_cmp_ps_mask(
          k, v, _mm512_maskz_loadu_ps(k, thr + d), _CMP_GT_OQ);
      _mm512_mask_storeu_ps(ob + d, k, _mm512_maskz_mov_ps(gt, one));
    }
  }
}

/* dthr[d] -= (1/tau) sum_b dout[b,d] s (1 - s) for the 64 columns from
 * d0, the sum over the batch held in registers. */
NN_AVX512 static void softbits_dthr_avx512(float *restrict dthr,
                                           const float *restrict dout,
                                           const float *restrict out, int B,
                                           int D, int d0, float tau) {
  const __m512 inv_tau = _mm512_set1_ps(1.0f / tau);
  {
    __mmask16 k[4];
    __m512 acc[4];
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
      k[c] = lanes(D - d0 - 16 * c);
      acc[c] = _mm512_setzero_ps();
    }
    for (int b = 0; b < B; b++) {
      const float *gb = dout + (size_t)b * (size_t)D + d0; /* (64) */
      const float *sb = out + (size_t)b * (size_t)D + d0;  /* (64) */
#pragma GCC unroll 4
      for (int c = 0; c < 4; c++) {
        __m512 s = _mm512_maskz_loadu_ps(k[c], sb + 16 * c);
        __m512 gs = _mm512_mul_ps(_mm512_maskz_loadu_ps(k[c], gb + 16 * c), s);
        acc[c] = _mm512_add_ps(acc[c], _mm512_fnmadd_ps(gs, s, gs));
      }
    }
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
      __m512 t = _mm512_maskz_loadu_ps(k[c], dthr + d0 + 16 * c);
      _mm512_mask_storeu_ps(dthr + d0 + 16 * c, k[c],
                            _mm512_fnmadd_ps(acc[c], inv_tau, t));
    }
  }
}

/* Register-blocked GEMM micro-kernels: R rows by NC vectors of 16
 * columns, R and NC compile-time constants at every call, so the
 * accumulators live in registers (R * NC <= 16 of the 32 zmm). */

/* out (R, O) = bias + inp (R, I) @ wt (I, Op); wt padded with zeros. */
NN_INLINE_AVX512 void fwd_block(float *out, const float *inp, const float *wt,
                                const __m512 *bias, __mmask16 klast, int I,
                                int O, int Op, int relu, const int R,
                                const int NC) {
  __m512 acc[8][4];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++) acc[r][c] = bias[c];
  for (int i = 0; i < I; i++) {
    __m512 w[4];
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++)
      w[c] = _mm512_load_ps(wt + (size_t)i * (size_t)Op + 16 * c);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      __m512 a = _mm512_set1_ps(inp[(size_t)r * (size_t)I + i]);
#pragma GCC unroll 4
      for (int c = 0; c < NC; c++)
        acc[r][c] = _mm512_fmadd_ps(a, w[c], acc[r][c]);
    }
  }
  /* ReLU: max(x, +0) is +0 for x <= 0 and for NaN (maxps returns its
   * second operand then), as bsq_relu_forward() */
  if (relu)
#pragma GCC unroll 8
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
      for (int c = 0; c < NC; c++)
        acc[r][c] = _mm512_max_ps(acc[r][c], _mm512_setzero_ps());
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++)
      _mm512_mask_storeu_ps(out + (size_t)r * (size_t)O + 16 * c,
                            c == NC - 1 ? klast : (__mmask16)0xffffu,
                            acc[r][c]);
}

/* c (R, 16 NC) += a (R, K) @ b (K, 16 NC), one panel of columns, summed in
 * order k = 0 .. K-1. a is strided: a[r][k] = a[r * ar + k * ak], so one
 * kernel serves dinp += dout @ w (a = dout, ar = O, ak = 1) and
 * dw += dout^T @ inp (a = dout, ar = 1, ak = O); rows of c and b are ld
 * floats apart. */
NN_INLINE_AVX512 void acc_block(float *c_, const float *a, const float *b,
                                const __mmask16 *k, int K, int ld, int ar,
                                int ak, const float *pos, const int R,
                                const int NC) {
  __m512 acc[8][4];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++)
      acc[r][c] =
          _mm512_maskz_loadu_ps(k[c], c_ + (size_t)r * (size_t)ld + 16 * c);
  for (int q = 0; q < K; q++) {
    __m512 bv[4];
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++)
      bv[c] = _mm512_maskz_loadu_ps(k[c], b + (size_t)q * (size_t)ld + 16 * c);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      __m512 av = _mm512_set1_ps(a[(size_t)r * (size_t)ar + (size_t)q * (size_t)ak]);
#pragma GCC unroll 4
      for (int c = 0; c < NC; c++)
        acc[r][c] = _mm512_fmadd_ps(av, bv[c], acc[r][c]);
    }
  }
  /* pos (laid out as c): c is kept only where pos > 0 (not NaN) */
  if (pos)
#pragma GCC unroll 8
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
      for (int c = 0; c < NC; c++)
        acc[r][c] = _mm512_maskz_mov_ps(
            _mm512_mask_cmp_ps_mask(
                k[c],
                _mm512_maskz_loadu_ps(k[c],
                                      pos + (size_t)r * (size_t)ld + 16 * c),
                _mm512_setzero_ps(), _CMP_GT_OQ),
            acc[r][c]);
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++)
      _mm512_mask_storeu_ps(c_ + (size_t)r * (size_t)ld + 16 * c, k[c],
                            acc[r][c]);
}

/* wt (I, Op) = w^T, padded with zero columns to Op = 16 ceil(O / 16):
 * row i of wt is column i of w, gathered 16 at a time. */
NN_AVX512 static void transpose_pad(float *restrict wt,
                                    const float *restrict w, int I, int O) {
  const int Op = (O + 15) / 16 * 16;
  const __m512i step = _mm512_mullo_epi32(
      _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
      _mm512_set1_epi32(I));
  for (int o = 0; o < Op; o += 16) {
    const __mmask16 k = lanes(O - o);
    const float *col = w + (size_t)o * (size_t)I; /* w[o, 0] */
    for (int i = 0; i < I; i++)
      _mm512_store_ps(wt + (size_t)i * (size_t)Op + o,
                      _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, step,
                                               col + i, 4));
  }
}

/* Rows r0 .. r1-1 of the forward, ReLU applied when relu is set; wt from
 * transpose_pad() (unused when O = 1). */
NN_AVX512 static void
linear_forward_avx512(float *restrict out, const float *restrict inp,
                      const float *restrict w, const float *restrict wt,
                      const float *restrict b, int r0, int r1, int I, int O,
                      int relu) {
  out += (size_t)r0 * (size_t)O;
  inp += (size_t)r0 * (size_t)I;
  const int n = r1 - r0;
  if (O == 1) { /* a dot product per row, vectorized over I */
    const float b0 = b ? b[0] : 0.0f;
    for (int r = 0; r < n; r++) {
      const float *x = inp + (size_t)r * (size_t)I; /* (I) */
      __m512 acc = _mm512_setzero_ps();
      for (int i = 0; i < I; i += 16) {
        __mmask16 k = lanes(I - i);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, x + i),
                              _mm512_maskz_loadu_ps(k, w + i), acc);
      }
      float v = b0 + _mm512_reduce_add_ps(acc);
      out[r] = relu ? u2f(f2u(v) & positive_mask(v)) : v;
    }
    return;
  }
  const int Op = (O + 15) / 16 * 16;
  for (int o0 = 0; o0 < O; o0 += 64) { /* panels of 64 outputs */
    const int NC = O - o0 >= 64 ? 4 : (O - o0 + 15) / 16;
    __m512 bias[4];
    for (int c = 0; c < NC; c++)
      bias[c] =
          b ? _mm512_maskz_loadu_ps(lanes(O - o0 - 16 * c), b + o0 + 16 * c)
            : _mm512_setzero_ps();
    const __mmask16 kl = lanes(O - o0 - 16 * (NC - 1));
    int r = 0;
#define FWD(R_, NC_)                                                           \
  for (; r + (R_) <= n; r += (R_))                                             \
    fwd_block(out + (size_t)r * (size_t)O + o0, inp + (size_t)r * (size_t)I,   \
              wt + o0, bias, kl, I, O, Op, relu, R_, NC_);                     \
  for (; r < n; r++)                                                           \
    fwd_block(out + (size_t)r * (size_t)O + o0, inp + (size_t)r * (size_t)I,   \
              wt + o0, bias, kl, I, O, Op, relu, 1, NC_);
    switch (NC) {
    case 1:
      FWD(8, 1) break;
    case 2:
      FWD(8, 2) break;
    case 3:
      FWD(4, 3) break;
    default:
      FWD(4, 4) break;
    }
#undef FWD
  }
}

/* Rows r0 .. r1-1 of dinp, kept only where pos (B, I) > 0 when pos is
 * not NULL. */
NN_AVX512 static void linear_dinp_avx512(float *restrict dinp,
                                         const float *restrict dout,
                                         const float *restrict w,
                                         const float *restrict pos, int r0,
                                         int r1, int I, int O) {
  dinp += (size_t)r0 * (size_t)I;
  dout += (size_t)r0 * (size_t)O;
  if (pos) pos += (size_t)r0 * (size_t)I;
  const int n = r1 - r0;
  for (int j = 0; j < I; j += 64) { /* panels of 64 columns */
    const int NC = I - j >= 64 ? 4 : (I - j + 15) / 16; /* the last: fewer */
    __mmask16 k[4];
    for (int c = 0; c < 4; c++) k[c] = lanes(I - j - 16 * c);
    int r = 0;
#define DINP(R_, NC_)                                                          \
  for (; r + (R_) <= n; r += (R_))                                             \
    acc_block(dinp + (size_t)r * (size_t)I + j, dout + (size_t)r * (size_t)O,  \
              w + j, k, O, I, O, 1, pos ? pos + (size_t)r * (size_t)I + j : NULL, \
              R_, NC_);                                                        \
  for (; r < n; r++)                                                           \
    acc_block(dinp + (size_t)r * (size_t)I + j, dout + (size_t)r * (size_t)O,  \
              w + j, k, O, I, O, 1, pos ? pos + (size_t)r * (size_t)I + j : NULL, \
              1, NC_);
    switch (NC) {
    case 1:
      DINP(8, 1) break;
    case 2:
      DINP(8, 2) break;
    case 3:
      DINP(4, 3) break;
    default:
      DINP(4, 4) break;
    }
#undef DINP
  }
}

/* Panel width of dinp and dw: 64 columns, or I rounded up to 16. */
static int panel_width(int I) { return I >= 64 ? 64 : (I + 15) / 16 * 16; }

/* Output rows o0 .. o1-1 of dw in the panel of columns from j0, and of db
 * when it is not NULL. */
NN_AVX512 static void linear_dw_avx512(float *restrict dw, float *restrict db,
                                       const float *restrict dout,
                                       const float *restrict inp, int o0,
                                       int o1, int j0, int B, int I, int O) {
  if (dw) {
    /* the last panel may be narrower: only the vectors it has */
    const int NC = (I - j0 < panel_width(I) ? I - j0 + 15 : panel_width(I)) / 16;
    {
      const int j = j0;
      __mmask16 k[4];
      for (int c = 0; c < 4; c++) k[c] = lanes(I - j - 16 * c);
      int o = o0;
#define DW(R_, NC_)                                                            \
  for (; o + (R_) <= o1; o += (R_))                                            \
    acc_block(dw + (size_t)o * (size_t)I + j, dout + o, inp + j, k, B, I, 1,   \
              O, NULL, R_, NC_);                                               \
  for (; o < o1; o++)                                                          \
    acc_block(dw + (size_t)o * (size_t)I + j, dout + o, inp + j, k, B, I, 1,   \
              O, NULL, 1, NC_);
      switch (NC) {
      case 1:
        DW(8, 1) break;
      case 2:
        DW(8, 2) break;
      case 3:
        DW(4, 3) break;
      default:
        DW(4, 4) break;
      }
#undef DW
    }
  }
  if (db) { /* db[o] += dout[0,o] + dout[1,o] + ..., in that order */
    for (int o = o0; o < o1; o += 16) {
      __mmask16 k = lanes(o1 - o);
      __m512 acc = _mm512_maskz_loadu_ps(k, db + o);
      for (int b = 0; b < B; b++)
        acc = _mm512_add_ps(
            acc, _mm512_maskz_loadu_ps(k, dout + (size_t)b * (size_t)O + o));
      _mm512_mask_storeu_ps(db + o, k, acc);
    }
  }
}

/* adam_step's loop, 16 at a time, the same operations in the same order
 * (no contraction), so the same bits as the generic loop. */
NN_AVX512 static void adam_avx512(float *restrict p, const float *restrict g,
                                  float *restrict m, float *restrict v,
                                  size_t n, float b1, float b2, float eps,
                                  float wd, float step, float inv_sqrt_bc2) {
  const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
  const __m512 c1 = _mm512_set1_ps(1.0f - b1), c2 = _mm512_set1_ps(1.0f - b2);
  const __m512 veps = _mm512_set1_ps(eps), vwd = _mm512_set1_ps(wd);
  const __m512 vstep = _mm512_set1_ps(step), vis = _mm512_set1_ps(inv_sqrt_bc2);
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 k = lanes((long)(n - i < 16 ? n - i : 16));
    __m512 pi = _mm512_maskz_loadu_ps(k, p + i);
    __m512 gi =
        _mm512_add_ps(_mm512_maskz_loadu_ps(k, g + i), _mm512_mul_ps(vwd, pi));
    __m512 mi =
        _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_maskz_loadu_ps(k, m + i)),
                      _mm512_mul_ps(c1, gi));
    __m512 vi =
        _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_maskz_loadu_ps(k, v + i)),
                      _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
    __m512 den = _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vi), vis), veps);
    pi = _mm512_sub_ps(pi, _mm512_div_ps(_mm512_mul_ps(vstep, mi), den));
    _mm512_mask_storeu_ps(m + i, k, mi);
    _mm512_mask_storeu_ps(v + i, k, vi);
    _mm512_mask_storeu_ps(p + i, k, pi);
  }
}

/* The parallel calls: one context struct per kernel, chunk c of it. */
#define ROWS_PER_CHUNK 64

static int row_chunks(int B) {
  return (B + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
}

typedef struct {
  float *out;
  const float *x, *thr, *dout, *sout;
  const int *feat_of;
  float *dthr;
  int B, F, D;
  float tau;
} sb_job;

static void sb_forward_chunk(void *ctx, int c) {
  const sb_job *j = ctx;
  int r0 = c * ROWS_PER_CHUNK, r1 = r0 + ROWS_PER_CHUNK;
  softbits_forward_avx512(j->out, j->x, j->thr, j->feat_of, r0,
                          r1 < j->B ? r1 : j->B, j->F, j->D, j->tau);
}

static void sb_dthr_chunk(void *ctx, int c) {
  const sb_job *j = ctx;
  softbits_dthr_avx512(j->dthr, j->dout, j->sout, j->B, j->D, 64 * c, j->tau);
}

typedef struct {
  float *out, *dinp, *dw, *db;
  const float *inp, *w, *wt, *b, *dout, *pos;
  int B, I, O, npanel, relu;
} lin_job;

static void lin_forward_chunk(void *ctx, int c) {
  const lin_job *j = ctx;
  int r0 = c * ROWS_PER_CHUNK, r1 = r0 + ROWS_PER_CHUNK;
  linear_forward_avx512(j->out, j->inp, j->w, j->wt, j->b, r0,
                        r1 < j->B ? r1 : j->B, j->I, j->O, j->relu);
}

static void lin_dinp_chunk(void *ctx, int c) {
  const lin_job *j = ctx;
  int r0 = c * ROWS_PER_CHUNK, r1 = r0 + ROWS_PER_CHUNK;
  linear_dinp_avx512(j->dinp, j->dout, j->w, j->pos, r0,
                     r1 < j->B ? r1 : j->B, j->I, j->O);
}

/* dw chunks: 16 output rows by one panel of columns; db goes with the
 * first panel. */
static void lin_dw_chunk(void *ctx, int c) {
  const lin_job *j = ctx;
  int panel = c % j->npanel, o0 = c / j->npanel * 16;
  int o1 = o0 + 16 < j->O ? o0 + 16 : j->O;
  linear_dw_avx512(j->dw, panel == 0 ? j->db : NULL, j->dout, j->inp, o0, o1,
                   panel * panel_width(j->I), j->B, j->I, j->O);
}

typedef struct {
  float *p, *m, *v;
  const float *g;
  size_t n;
  float b1, b2, eps, wd, step, inv_sqrt_bc2;
} adam_job;

#define ADAM_CHUNK 8192

static void adam_chunk(void *ctx, int c) {
  const adam_job *j = ctx;
  size_t i0 = (size_t)c * ADAM_CHUNK;
  size_t n = j->n - i0 < ADAM_CHUNK ? j->n - i0 : ADAM_CHUNK;
  adam_avx512(j->p + i0, j->g + i0, j->m + i0, j->v + i0, n, j->b1, j->b2,
              j->eps, j->wd, j->step, j->inv_sqrt_bc2);
}

/* The AVX2 GEMMs' chunks: rows as above; dw in 16 output rows by one
 * panel of 32 columns. */
static void lin_forward_chunk8(void *ctx, int c) {
  const lin_job *j = ctx;
  int r0 = c * ROWS_PER_CHUNK, r1 = r0 + ROWS_PER_CHUNK;
  linear_forward_avx2(j->out, j->inp, j->w, j->wt, j->b, r0,
                      r1 < j->B ? r1 : j->B, j->I, j->O, j->relu);
}

static void lin_dinp_chunk8(void *ctx, int c) {
  const lin_job *j = ctx;
  int r0 = c * ROWS_PER_CHUNK, r1 = r0 + ROWS_PER_CHUNK;
  linear_dinp_avx2(j->dinp, j->dout, j->w, j->pos, r0, r1 < j->B ? r1 : j->B,
                   j->I, j->O);
}

static void lin_dw_chunk8(void *ctx, int c) {
  const lin_job *j = ctx;
  int panel = c % j->npanel, o0 = c / j->npanel * 16;
  int o1 = o0 + 16 < j->O ? o0 + 16 : j->O;
  linear_dw_avx2(j->dw, panel == 0 ? j->db : NULL, j->dout, j->inp, o0, o1,
                 panel * 32, j->B, j->I, j->O);
}
#endif /* NN_X86 */

/* ------------------------------------------------------------------------
 * The entry points (nn_simd.h): AVX-512 where it is in use and covers the
 * sizes, else the AVX2 kernel, else 0 (nn.c runs the generic code). */

size_t bsq_linear_wt_floats(int I, int O) {
  size_t Op = (size_t)(O + 15) / 16 * 16;
  return O > 1 && O <= 64 && I >= 1 && (size_t)I * Op <= WT_MAX
             ? (size_t)I * Op
             : 0;
}

void bsq_linear_wt(float *wt, const float *w, int I, int O) {
#if NN_X86
  if (!bsq_linear_wt_floats(I, O)) return;
  if (use_avx512())
    transpose_pad(wt, w, I, O);
  else if (use_avx2())
    transpose_pad8(wt, w, I, O);
#else
  (void)wt, (void)w, (void)I, (void)O;
#endif
}

int bsq_simd_softbits_forward(float *restrict out, const float *restrict x,
                              const float *restrict thr,
                              const int *restrict feat_of, int B, int F,
                              int D, float tau) {
#if NN_X86
  if (use_avx512()) {
    sb_job j = {.out = out,
                .x = x,
                .thr = thr,
                .feat_of = feat_of,
                .B = B,
                .F = F,
                .D = D,
                .tau = tau};
    bsq_parallel(sb_forward_chunk, &j, row_chunks(B));
    return 1;
  }
  if (use_avx2()) {
    softbits_avx2(out, x, thr, feat_of, B, F, D, 1.0f / tau);
    return 1;
  }
#else
  (void)out, (void)x, (void)thr, (void)feat_of, (void)B, (void)F, (void)D,
      (void)tau;
#endif
  return 0;
}

int bsq_simd_softbits_dthr(float *restrict dthr, const float *restrict dout,
                           const float *restrict out, int B, int D,
                           float tau) {
#if NN_X86
  if (use_avx512()) {
    sb_job j = {
        .dthr = dthr, .dout = dout, .sout = out, .B = B, .D = D, .tau = tau};
    bsq_parallel(sb_dthr_chunk, &j, (D + 63) / 64);
    return 1;
  }
  if (use_avx2()) {
    dthr_avx2(dthr, dout, out, B, D, 1.0f / tau);
    return 1;
  }
#else
  (void)dthr, (void)dout, (void)out, (void)B, (void)D, (void)tau;
#endif
  return 0;
}

int bsq_simd_hardbits_forward(float *restrict out, const float *restrict x,
                              const float *restrict thr,
                              const int *restrict feat_of, int B, int F,
                              int D) {
#if NN_X86
  if (use_avx512()) { /* a compare and a copy: no threads, no MXCSR */
    hardbits_forward_avx512(out, x, thr, feat_of, B, F, D);
    return 1;
  }
  if (use_avx2()) {
    hardbits_avx2(out, x, thr, feat_of, B, F, D);
    return 1;
  }
#else
  (void)out, (void)x, (void)thr, (void)feat_of, (void)B, (void)F, (void)D;
#endif
  return 0;
}

int bsq_simd_linear_forward(float *restrict out, const float *restrict inp,
                            const float *restrict w,
                            const float *restrict wt,
                            const float *restrict b, int B, int I, int O,
                            int relu) {
#if NN_X86
  if (hand_gemm(I, O)) {
    float wt_own[WT_MAX] __attribute__((aligned(64))); /* (I, Op) */
    const int wide = use_avx512();
    if (O > 1 && !wt) {
      if (wide)
        transpose_pad(wt_own, w, I, O);
      else
        transpose_pad8(wt_own, w, I, O);
      wt = wt_own;
    }
    lin_job j = {.out = out,
                 .inp = inp,
                 .w = w,
                 .wt = wt,
                 .b = b,
                 .B = B,
                 .I = I,
                 .O = O,
                 .relu = relu};
    bsq_parallel(wide ? lin_forward_chunk : lin_forward_chunk8, &j,
                 row_chunks(B));
    return 1;
  }
#else
  (void)out, (void)inp, (void)w, (void)wt, (void)b, (void)B, (void)I, (void)O,
      (void)relu;
#endif
  return 0;
}

int bsq_simd_linear_backward(float *restrict dinp, float *restrict dw,
                             float *restrict db, const float *restrict dout,
                             const float *restrict inp,
                             const float *restrict w, int B, int I, int O,
                             const float *restrict pos) {
#if NN_X86
  if (hand_gemm(I, O)) {
    const int wide = use_avx512();
    int pw = wide ? panel_width(I) : 32;
    lin_job j = {.dinp = dinp,
                 .dw = dw,
                 .db = db,
                 .inp = inp,
                 .w = w,
                 .dout = dout,
                 .pos = pos,
                 .B = B,
                 .I = I,
                 .O = O,
                 .npanel = (I + pw - 1) / pw};
    if (dinp)
      bsq_parallel(wide ? lin_dinp_chunk : lin_dinp_chunk8, &j, row_chunks(B));
    if (dw || db)
      bsq_parallel(wide ? lin_dw_chunk : lin_dw_chunk8, &j,
                   j.npanel * ((O + 15) / 16));
    return 1;
  }
#else
  (void)dinp, (void)dw, (void)db, (void)dout, (void)inp, (void)w, (void)B,
      (void)I, (void)O, (void)pos;
#endif
  return 0;
}

int bsq_simd_linear_db(float *restrict db, const float *restrict dout, int B,
                       int O) {
#if NN_X86
  if (use_avx512()) { /* the same sums, held in registers */
    linear_dw_avx512(NULL, db, dout, NULL, 0, O, 0, B, 0, O);
    return 1;
  }
  if (use_avx2()) {
    linear_dw_avx2(NULL, db, dout, NULL, 0, O, 0, B, 0, O);
    return 1;
  }
#else
  (void)db, (void)dout, (void)B, (void)O;
#endif
  return 0;
}

int bsq_simd_relu_forward(float *out, const float *inp, size_t N) {
#if NN_X86
  if (use_avx2()) {
    relu_fwd_avx2(out, inp, N);
    return 1;
  }
#else
  (void)out, (void)inp, (void)N;
#endif
  return 0;
}

int bsq_simd_relu_backward(float *dinp, const float *dout, const float *out,
                           size_t N) {
#if NN_X86
  if (use_avx2()) {
    relu_bwd_avx2(dinp, dout, out, N);
    return 1;
  }
#else
  (void)dinp, (void)dout, (void)out, (void)N;
#endif
  return 0;
}

int bsq_simd_adam(float *restrict p, const float *restrict g,
                  float *restrict m, float *restrict v, size_t n, float b1,
                  float b2, float eps, float wd, float step,
                  float inv_sqrt_bc2) {
#if NN_X86
  if (use_avx512()) {
    adam_job j = {p, m, v, g, n, b1, b2, eps, wd, step, inv_sqrt_bc2};
    bsq_parallel(adam_chunk, &j, (int)((n + ADAM_CHUNK - 1) / ADAM_CHUNK));
    return 1;
  }
  if (use_avx2()) {
    adam_avx2(p, g, m, v, n, b1, b2, eps, wd, step, inv_sqrt_bc2);
    return 1;
  }
#else
  (void)p, (void)g, (void)m, (void)v, (void)n, (void)b1, (void)b2, (void)eps,
      (void)wd, (void)step, (void)inv_sqrt_bc2;
#endif
  return 0;
}
