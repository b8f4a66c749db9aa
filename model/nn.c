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
 * gradients; bsq_zero() clears them. No layer function allocates (the
 * pool's threads are started once, at the first parallel call).
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
 * That generic C is the portable path. On a CPU with AVX-512 (chosen at
 * run time, the library is built for baseline x86-64) the soft bits,
 * Adam and the GEMMs of layers with at most 64 outputs run in hand-written
 * AVX-512 kernels instead; wider layers stay with OpenBLAS. Both paths
 * spread their work over a small thread pool, in fixed blocks, so the
 * results are the same bits for any number of threads (see "Threads").
 * Layout of the file: sigmoid; kernel choice; threads; AVX-512 kernels;
 * OpenBLAS blocks; then the layers in forward/backward pairs. */
#define _GNU_SOURCE /* sched_getcpu() */
#include "nn.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The generic loops are written once, as always-inline bodies, and
 * compiled into a baseline and an AVX2 copy (see "Run-time kernel
 * choice"); everything they call is always-inline too. */
#define NN_ALWAYS_INLINE static inline __attribute__((always_inline))

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define NN_X86 1
#define NN_AVX2 __attribute__((target("avx2")))
#define NN_AVX512 __attribute__((target("avx512f")))
#define NN_INLINE_AVX512 \
  static inline __attribute__((always_inline, target("avx512f")))
#else
#define NN_X86 0
#endif

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
 * them, then their AVX2 copies. */

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

#if NN_X86
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
#endif

/* ------------------------------------------------------------------------
 * Run-time kernel choice.
 *
 * The library is built for the baseline x86-64 (no -march), so it runs on
 * any machine; on a CPU with AVX-512 the hot loops switch to the kernels
 * below, compiled for it with target attributes. Everything else (other
 * CPUs, other architectures, bsq_nn_simd(BSQ_SIMD_GENERIC)) takes the
 * generic C path: plain loops written to auto-vectorize, and OpenBLAS for
 * every GEMM. The two paths agree within float rounding (the AVX-512 one
 * uses fused multiply-adds and sums in another order), each is
 * deterministic.
 *
 * The generic loops exist twice on x86: for the baseline (SSE2, 4 floats
 * a vector) and for AVX2 (8), taken on CPUs that have it. The library is
 * compiled as ISO C, where gcc contracts nothing into fused multiply-adds,
 * so both copies do the same IEEE operations in the same order: the same
 * bits (check_nn asserts it). */

static atomic_int simd_mode = -1; /* -1 undecided, else a BSQ_SIMD_ tier */

static int cpu_tier(void) {
#if NN_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return BSQ_SIMD_AVX512;
  if (__builtin_cpu_supports("avx2")) return BSQ_SIMD_AVX2;
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

static int use_avx512(void) { return tier() == BSQ_SIMD_AVX512; }
static int use_avx2(void) { return tier() >= BSQ_SIMD_AVX2; }

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

/* ------------------------------------------------------------------------
 * Threads: a small pool for the AVX-512 kernels.
 *
 * A parallel call cuts its work into chunks (row blocks, column panels)
 * whose results do not depend on which thread computes them: no sum is
 * ever split between threads. So the results are the same bits for any
 * number of threads, and a chunk is claimed by whoever comes first:
 * the caller works through the chunks too and never waits for a worker
 * that has not started one (a busy machine cannot stall it).
 *
 * A waiting worker spins for up to POOL_IDLE_NS (the next layer's call
 * follows within microseconds), then sleeps on a condition variable.
 * While it spins on the core the caller last ran on, it calls
 * sched_yield() instead: on a busy machine the scheduler may put both on
 * one core, and a worker that only spun there would take the core from
 * the very thread it waits for (measured: two threads 2.5x slower than
 * one). The caller, waiting for the last chunks, yields the same way. But
 * on a core of its own a worker must not yield, or other processes take
 * that core for a whole time slice and the worker misses every job.
 * Only one caller at a time uses the pool; a concurrent caller (several
 * trainings in parallel threads) runs its chunks itself. After fork() the
 * child starts its own workers when it first needs them.
 *
 * Threads in all: BSQ_THREADS from the environment, or bsq_nn_threads(),
 * else the online CPUs, at most POOL_MAX. */
#define POOL_MAX BSQ_MAX_THREADS
#define POOL_SPIN 64        /* pause instructions, then sched_yield() */
#define POOL_IDLE_NS 300000 /* a worker yields this long before it sleeps */

typedef void (*par_fn)(void *ctx, int chunk);

static struct {
  pthread_mutex_t busy; /* held by the caller using the pool */
  pthread_mutex_t mu;   /* with cv: sleeping workers */
  pthread_cond_t cv;
  atomic_uint_fast64_t next; /* gen << 32 | chunks << 16 | next chunk */
  atomic_int done;           /* chunks finished in this job */
  atomic_int sleepers;
  atomic_int caller_cpu;      /* where the caller of the current job runs */
  par_fn fn; /* the job; written only between jobs */
  void *ctx;
  uint32_t gen;
  int started; /* workers running */
  pid_t pid;   /* the process that started them */
} pool = {.busy = PTHREAD_MUTEX_INITIALIZER,
          .mu = PTHREAD_MUTEX_INITIALIZER,
          .cv = PTHREAD_COND_INITIALIZER};

static atomic_int pool_want = 0; /* threads in all; 0: not decided yet */
static pthread_mutex_t pool_init_mu = PTHREAD_MUTEX_INITIALIZER;

static inline void cpu_relax(void) {
#if NN_X86
  _mm_pause();
#endif
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Claims the next chunk of job gen; 0 when none is left. */
static int pool_claim(uint32_t gen, int *chunk) {
  uint_fast64_t v = atomic_load_explicit(&pool.next, memory_order_acquire);
  for (;;) {
    if ((uint32_t)(v >> 32) != gen) return 0;
    unsigned n = (unsigned)(v >> 16) & 0xffffu, c = (unsigned)v & 0xffffu;
    if (c >= n) return 0;
    if (atomic_compare_exchange_weak_explicit(&pool.next, &v, v + 1,
                                              memory_order_acq_rel,
                                              memory_order_acquire)) {
      *chunk = (int)c;
      return 1;
    }
  }
}

static void *pool_worker(void *arg) {
  (void)arg;
#if NN_X86
  _mm_setcsr(_mm_getcsr() | 0x8040u); /* FTZ | DAZ, as the kernels run */
#endif
  uint32_t seen = (uint32_t)(atomic_load(&pool.next) >> 32);
  for (;;) {
    int spins = 0;
    long long t0 = 0;
    while ((uint32_t)(atomic_load_explicit(&pool.next, memory_order_acquire) >>
                      32) == seen) {
      if (++spins < POOL_SPIN) {
        cpu_relax();
        continue;
      }
      if (spins == POOL_SPIN) t0 = now_ns();
      if (now_ns() - t0 < POOL_IDLE_NS) {
        if (sched_getcpu() == atomic_load_explicit(&pool.caller_cpu,
                                                   memory_order_relaxed))
          sched_yield(); /* on the caller's core: let it run */
        else
          cpu_relax(); /* on a core of its own: keep it */
        continue;
      }
      pthread_mutex_lock(&pool.mu);
      atomic_fetch_add(&pool.sleepers, 1);
      while ((uint32_t)(atomic_load(&pool.next) >> 32) == seen)
        pthread_cond_wait(&pool.cv, &pool.mu);
      atomic_fetch_sub(&pool.sleepers, 1);
      pthread_mutex_unlock(&pool.mu);
      spins = 0;
    }
    seen = (uint32_t)(atomic_load(&pool.next) >> 32);
    int c;
    while (pool_claim(seen, &c)) { /* fn and ctx are read after the claim */
      pool.fn(pool.ctx, c);
      atomic_fetch_add_explicit(&pool.done, 1, memory_order_release);
    }
  }
  return NULL;
}

static int pool_threads(void) {
  int n = atomic_load_explicit(&pool_want, memory_order_relaxed);
  if (n > 0) return n;
  const char *env = getenv("BSQ_THREADS");
  n = env ? atoi(env) : 0;
  if (n < 1) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus < 1 ? 1 : (int)(cpus < POOL_MAX ? cpus : POOL_MAX);
  }
  n = n < POOL_MAX ? n : POOL_MAX;
  int expect = 0;
  atomic_compare_exchange_strong(&pool_want, &expect, n);
  return atomic_load(&pool_want);
}

int bsq_nn_threads(int n) {
  int prev = pool_threads();
  if (n >= 0)
    atomic_store(&pool_want, n == 0 ? 0 : n < POOL_MAX ? n : POOL_MAX);
  return prev;
}

/* Starts the workers (once per process); returns how many run. Called
 * with pool.busy held. */
static int pool_start(int want) {
  if (pool.started && pool.pid != getpid()) { /* a forked child */
    pool.started = 0;
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.cv, NULL);
    atomic_store(&pool.sleepers, 0);
  }
  pthread_mutex_lock(&pool_init_mu);
  while (pool.started < want - 1) {
    pthread_attr_t at;
    pthread_t t;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &at, pool_worker, NULL);
    pthread_attr_destroy(&at);
    if (rc) break; /* fewer threads, not an error */
    pool.started++;
    pool.pid = getpid();
  }
  pthread_mutex_unlock(&pool_init_mu);
  return pool.started;
}

/* fn(ctx, c) for c = 0 .. n-1, on the pool when it is free. */
static void par_run(par_fn fn, void *ctx, int n) {
  int want = n > 1 ? pool_threads() : 1;
  if (want <= 1 || n > 0xffff || pthread_mutex_trylock(&pool.busy)) {
    for (int c = 0; c < n; c++) fn(ctx, c);
    return;
  }
  if (pool_start(want) == 0) {
    pthread_mutex_unlock(&pool.busy);
    for (int c = 0; c < n; c++) fn(ctx, c);
    return;
  }
  pool.fn = fn;
  pool.ctx = ctx;
  atomic_store_explicit(&pool.caller_cpu, sched_getcpu(), memory_order_relaxed);
  atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
  uint32_t gen = ++pool.gen;
  atomic_store(&pool.next, (uint_fast64_t)gen << 32 | (uint_fast64_t)n << 16);
  if (atomic_load(&pool.sleepers) > 0) {
    pthread_mutex_lock(&pool.mu);
    pthread_cond_broadcast(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
  }
  int c, mine = 0;
  while (pool_claim(gen, &c)) {
    fn(ctx, c);
    mine++;
  }
  atomic_fetch_add_explicit(&pool.done, mine, memory_order_relaxed);
  for (int spins = 0;
       atomic_load_explicit(&pool.done, memory_order_acquire) < n; spins++)
    if (spins < POOL_SPIN)
      cpu_relax();
    else
      sched_yield(); /* the worker may be on this core */
  pthread_mutex_unlock(&pool.busy);
}

/* The hand-written GEMMs serve layers with few outputs (O <= 64), where
 * a BLAS call costs more in set-up (packing, thread hand-off) than the
 * arithmetic: the 32-wide layers of the paper's networks and the final
 * (O = 1) layer. The forward kernel keeps w transposed and padded to a
 * multiple of 16 columns on the stack: at most WT_MAX floats (64 KiB). */
#define WT_MAX 16384

static int hand_gemm(int I, int O) {
  int Op = (O + 15) / 16 * 16;
  return O <= 64 && I >= 1 && (size_t)I * (size_t)Op <= WT_MAX && use_avx512();
}

#if NN_X86

/* Denormals. Once tau is small, most soft bits saturate near e^-87, and
 * their products with weights and gradients are denormal floats, which
 * cost a microcode assist (about 100 cycles) per operation on x86. The
 * AVX-512 kernels therefore run with flush-to-zero and denormals-are-zero
 * set in MXCSR, restored on return: a value below 1.2e-38 counts as 0,
 * nothing a gradient step can tell apart. */
typedef struct {
  unsigned csr;
} ftz_scope;

static inline ftz_scope ftz_begin(void) {
  ftz_scope s = {_mm_getcsr()};
  _mm_setcsr(s.csr | 0x8040u); /* FTZ (bit 15) | DAZ (bit 6) */
  return s;
}

static inline void ftz_end(ftz_scope s) { _mm_setcsr(s.csr); }

/* The first n lanes (none for n <= 0, all for n >= 16). */
NN_INLINE_AVX512 __mmask16 lanes(long n) {
  return (__mmask16)(n <= 0 ? 0u : n >= 16 ? 0xffffu : (1u << n) - 1u);
}

/* sigmoid() above, 16 lanes at a time: the same clamp, reduction and
 * polynomial, with fused multiply-adds. */
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

#endif /* NN_X86 */

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
 * number of threads. The caller runs its blocks under the same MXCSR
 * (flush-to-zero) as the workers. */
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

/* The MXCSR of a pool job (x86: flush-to-zero, as the workers run). */
static unsigned fp_enter(void) {
#if NN_X86
  unsigned csr = _mm_getcsr();
  _mm_setcsr(csr | 0x8040u);
  return csr;
#else
  return 0;
#endif
}

static void fp_leave(unsigned csr) {
#if NN_X86
  _mm_setcsr(csr);
#else
  (void)csr;
#endif
}

void bsq_parallel(void (*fn)(void *ctx, int c), void *ctx, int n) {
  unsigned csr = fp_enter();
  par_run(fn, ctx, n);
  fp_leave(csr);
}

/* ------------------------------------------------------------------------
 * Soft bits. */

void bsq_softbits_forward(float *restrict out /* (B, D) */,
                          const float *restrict x /* (B, F) */,
                          const float *restrict thr /* (D) */,
                          const int *restrict feat_of /* (D) */, int B, int F,
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
    ftz_scope z = ftz_begin();
    par_run(sb_forward_chunk, &j, row_chunks(B));
    ftz_end(z);
    return;
  }
  if (use_avx2()) {
    softbits_avx2(out, x, thr, feat_of, B, F, D, 1.0f / tau);
    return;
  }
#endif
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
#if NN_X86
  if (dthr && use_avx512()) {
    sb_job j = {
        .dthr = dthr, .dout = dout, .sout = out, .B = B, .D = D, .tau = tau};
    ftz_scope z = ftz_begin();
    par_run(sb_dthr_chunk, &j, (D + 63) / 64);
    ftz_end(z);
    dthr = NULL; /* done */
  }
#endif
  if (dthr) {
#if NN_X86
    if (use_avx2())
      dthr_avx2(dthr, dout, out, B, D, inv_tau);
    else
#endif
      dthr_loop(dthr, dout, out, B, D, inv_tau);
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
#if NN_X86
  if (use_avx512()) { /* a compare and a copy: no threads, no MXCSR */
    hardbits_forward_avx512(out, x, thr, feat_of, B, F, D);
    return;
  }
  if (use_avx2()) {
    hardbits_avx2(out, x, thr, feat_of, B, F, D);
    return;
  }
#endif
  hardbits_loop(out, x, thr, feat_of, B, F, D);
}

/* ------------------------------------------------------------------------
 * Linear: the hand GEMMs, or OpenBLAS. b may be NULL (no bias). */

size_t bsq_linear_wt_floats(int I, int O) {
  size_t Op = (size_t)(O + 15) / 16 * 16;
  return O > 1 && O <= 64 && I >= 1 && (size_t)I * Op <= WT_MAX
             ? (size_t)I * Op
             : 0;
}

void bsq_linear_wt(float *wt, const float *w, int I, int O) {
#if NN_X86
  if (bsq_linear_wt_floats(I, O) && use_avx512()) transpose_pad(wt, w, I, O);
#else
  (void)wt, (void)w, (void)I, (void)O;
#endif
}

void bsq_linear_forward_ex(float *restrict out /* (B, O) */,
                           const float *restrict inp /* (B, I) */,
                           const float *restrict w /* (O, I) */,
                           const float *restrict wt /* bsq_linear_wt */,
                           const float *restrict b /* (O) */, int B, int I,
                           int O, int relu) {
  if (B <= 0 || O <= 0) return;
#if NN_X86
  if (hand_gemm(I, O)) {
    float wt_own[WT_MAX] __attribute__((aligned(64))); /* (I, Op) */
    if (O > 1 && !wt) {
      transpose_pad(wt_own, w, I, O);
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
    ftz_scope z = ftz_begin();
    par_run(lin_forward_chunk, &j, row_chunks(B));
    ftz_end(z);
    return;
  }
#endif
  pthread_once(&blas_once, blas_single);
  blas_job j = {.out = out, .inp = inp, .w = w, .b = b, .B = B, .I = I, .O = O};
  unsigned csr = fp_enter();
  par_run(blas_forward_chunk, &j, (B + BLAS_ROWS - 1) / BLAS_ROWS);
  fp_leave(csr);
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
#if NN_X86
  if (hand_gemm(I, O)) {
    int pw = panel_width(I);
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
    ftz_scope z = ftz_begin();
    if (dinp) par_run(lin_dinp_chunk, &j, row_chunks(B));
    if (dw || db) par_run(lin_dw_chunk, &j, j.npanel * ((O + 15) / 16));
    ftz_end(z);
    return;
  }
#endif
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
    unsigned csr = fp_enter();
    if (dinp) par_run(blas_dinp_chunk, &j, (B + BLAS_ROWS - 1) / BLAS_ROWS);
    if (dw) par_run(blas_dw_chunk, &j, (O + BLAS_OUTS - 1) / BLAS_OUTS);
    fp_leave(csr);
    if (dinp && pos) /* the ReLU's backward pass, in place */
      for (size_t n = 0; n < (size_t)B * (size_t)I; n++)
        dinp[n] = u2f(f2u(dinp[n]) & positive_mask(pos[n]));
  }
  if (db) {
#if NN_X86
    if (use_avx512()) { /* the same sums, held in registers */
      linear_dw_avx512(NULL, db, dout, NULL, 0, O, 0, B, I, O);
      return;
    }
#endif
    for (int r = 0; r < B; r++) {
      const float *grow = dout + (size_t)r * (size_t)O; /* (O) */
      for (int o = 0; o < O; o++) db[o] += grow[o];
    }
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
#if NN_X86
  if (use_avx2()) {
    relu_fwd_avx2(out, inp, N);
    return;
  }
#endif
  relu_fwd_loop(out, inp, N);
}

void bsq_relu_backward(float *dinp, const float *dout, const float *out,
                       size_t N) {
#if NN_X86
  if (use_avx2()) {
    relu_bwd_avx2(dinp, dout, out, N);
    return;
  }
#endif
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
#if NN_X86
  if (use_avx512()) {
    adam_job j = {p, m, v, g, n, b1, b2, eps, wd, step, inv_sqrt_bc2};
    par_run(adam_chunk, &j, (int)((n + ADAM_CHUNK - 1) / ADAM_CHUNK));
    return;
  }
  if (use_avx2()) {
    adam_avx2(p, g, m, v, n, b1, b2, eps, wd, step, inv_sqrt_bc2);
    return;
  }
#endif
  adam_loop(p, g, m, v, n, b1, b2, eps, wd, step, inv_sqrt_bc2);
}
