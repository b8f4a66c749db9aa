/* bsq — the thread pool: one set of worker threads for the whole program,
 * behind two entry points.
 *
 *   bsq_parallel(fn, ctx, n)  (nn.h) the layers' parallel-for: chunks of
 *       microseconds, on bsq_nn_threads() threads, under flush-to-zero.
 *   bsq_pool_jobs(n, threads, fn, after, ctx)  (pool.h) independent jobs
 *       of seconds or minutes (the trainings of a comparison or a tuning
 *       run), one per thread.
 *
 * A run cuts its work into chunks c = 0 .. n-1 whose results do not
 * depend on which thread computes them (the layers never split a sum
 * between threads; a job writes only its own result slot). So results are
 * the same bits for any number of threads, and a chunk is claimed by
 * whoever comes first, in index order: the caller works through the
 * chunks too and never waits for a worker that has not started one (a
 * busy machine cannot stall it).
 *
 * One run at a time has the pool. Inside a run everything runs on the
 * thread it is called from: a job's layers are single-threaded (one core
 * per training, which is what makes jobs side by side pay), and so is a
 * layer called from a chunk of a training step. A layer call made at the
 * same time from some other thread (a training in a thread of the
 * caller's own) runs on that thread; a second bsq_pool_jobs waits for the
 * first.
 *
 * Waiting. A worker waits for a run that wants it (a run names how many
 * workers it uses: the layers' count for bsq_parallel, up to POOL_MAX
 * threads for jobs). It spins for up to POOL_IDLE_NS (the next layer's
 * call follows within microseconds), then sleeps on its own condition
 * variable, so that a run wakes only the workers it uses. While it spins
 * on the core the caller last ran on, it calls sched_yield() instead: on a
 * busy machine the scheduler may put both on one core, and a worker that
 * only spun there would take the core from the very thread it waits for
 * (measured: two threads 2.5x slower than one). The caller, waiting for
 * the last chunks, yields the same way. But on a core of its own a worker
 * must not yield, or other processes take that core for a whole time
 * slice and the worker misses every job. The caller of bsq_pool_jobs,
 * whose last jobs may run for minutes, sleeps instead.
 *
 * Floating-point state (x86 MXCSR). Layer chunks run with flush-to-zero
 * and denormals-are-zero on every thread (nn_kernels.h and nn_simd.c say
 * why); jobs run under the MXCSR of bsq_pool_jobs's caller, as they would
 * on the caller itself, so a training gives the same bits on any thread.
 * A worker takes the run's MXCSR with its first chunk.
 *
 * After fork() the child has no workers: it starts its own when it first
 * needs them, and a pool the parent held at the fork is left alone (the
 * child runs alone). Workers are detached and live as long as the
 * process. */
#define _GNU_SOURCE /* sched_getcpu() */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "nn.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define POOL_X86 1
#else
#define POOL_X86 0
#endif

/* OpenBLAS's own switch (cblas.h of OpenBLAS declares it too; declared
 * here so that this file does not depend on which cblas.h is found). */
void openblas_set_num_threads(int num_threads);

#define POOL_MAX 256        /* threads in a run, the caller included */
#define POOL_CHUNKS 0xffff  /* chunks in a run */
#define POOL_SPIN 64        /* pause instructions, then sched_yield() */
#define POOL_IDLE_NS 300000 /* a worker yields this long before it sleeps */
#define FTZ_DAZ 0x8040u     /* MXCSR: flush-to-zero (bit 15), DAZ (bit 6) */

/* The run word, one atomic: generation (24 bits, +1 per run) | workers
 * the run uses (8) | chunks (16) | next chunk to claim (16). */
#define W_GEN(v) ((uint32_t)((v) >> 40))
#define W_WORKERS(v) ((int)(((v) >> 32) & 0xffu))
#define W_CHUNKS(v) ((unsigned)((v) >> 16) & 0xffffu)
#define W_NEXT(v) ((unsigned)(v) & 0xffffu)

typedef void (*pool_fn)(void *ctx, int chunk);

static struct {
  pthread_mutex_t busy; /* held by the caller whose run has the pool */
  atomic_int owner;     /* the process of that caller (a pid) */
  pthread_mutex_t mu;   /* with cv[] and done_cv: sleeping threads */
  pthread_cond_t done_cv;
  _Atomic uint64_t word; /* the run word, above */
  atomic_int done;       /* chunks finished in this run */
  atomic_int caller_cpu; /* where the caller of the current run runs */
  /* the run; written only between runs, read after a claim */
  pool_fn fn;
  void *ctx;
  unsigned csr;
  int sleepy; /* the caller sleeps until the run is done (jobs) */
  uint32_t gen;
  int started; /* workers running: 1 .. started */
  pid_t pid;   /* the process that started them */
  atomic_int asleep[POOL_MAX];   /* worker k sleeps on cv[k] */
  pthread_cond_t cv[POOL_MAX];   /* initialized as worker k starts */
} pool = {.busy = PTHREAD_MUTEX_INITIALIZER,
          .mu = PTHREAD_MUTEX_INITIALIZER,
          .done_cv = PTHREAD_COND_INITIALIZER};

/* The threads layer calls use; 0: not decided yet. */
static atomic_int layer_threads = 0;

/* Set on a worker, and on a caller while its run has the pool: a parallel
 * call made here runs on this thread. */
static _Thread_local int in_pool;

static inline void cpu_relax(void) {
#if POOL_X86
  _mm_pause();
#endif
}

static unsigned csr_get(void) {
#if POOL_X86
  return _mm_getcsr();
#else
  return 0;
#endif
}

static void csr_set(unsigned csr) {
#if POOL_X86
  _mm_setcsr(csr);
#else
  (void)csr;
#endif
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Claims the next chunk of run gen; 0 when none is left. */
static int pool_claim(uint32_t gen, int *chunk) {
  uint64_t v = atomic_load_explicit(&pool.word, memory_order_acquire);
  for (;;) {
    if (W_GEN(v) != gen) return 0;
    unsigned n = W_CHUNKS(v), c = W_NEXT(v);
    if (c >= n) return 0;
    if (atomic_compare_exchange_weak_explicit(&pool.word, &v, v + 1,
                                              memory_order_acq_rel,
                                              memory_order_acquire)) {
      *chunk = (int)c;
      return 1;
    }
  }
}

/* Whether run word v is a new run (not gen seen) that uses worker k. */
static int wants(uint64_t v, uint32_t seen, int k) {
  return W_GEN(v) != seen && k <= W_WORKERS(v);
}

/* One chunk is done; the last one of a sleepy run wakes its caller. */
static void chunk_done(int sleepy, int n) {
  if (!sleepy) {
    atomic_fetch_add_explicit(&pool.done, 1, memory_order_release);
    return;
  }
  pthread_mutex_lock(&pool.mu);
  if (atomic_fetch_add(&pool.done, 1) + 1 == n)
    pthread_cond_signal(&pool.done_cv);
  pthread_mutex_unlock(&pool.mu);
}

static void *pool_worker(void *arg) {
  const int k = (int)(intptr_t)arg; /* 1 .. POOL_MAX - 1 */
  in_pool = 1;
  unsigned csr = csr_get();
  uint32_t seen = W_GEN(atomic_load(&pool.word));
  for (;;) {
    int spins = 0;
    long long t0 = 0;
    uint64_t v;
    while (!wants(v = atomic_load_explicit(&pool.word, memory_order_acquire),
                  seen, k)) {
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
      /* asleep[k] is set before the word is read again, and a caller
       * reads asleep[k] after it publishes a run: one of the two sees
       * the other (both sequentially consistent). */
      pthread_mutex_lock(&pool.mu);
      atomic_store(&pool.asleep[k], 1);
      while (!wants(atomic_load(&pool.word), seen, k))
        pthread_cond_wait(&pool.cv[k], &pool.mu);
      atomic_store(&pool.asleep[k], 0);
      pthread_mutex_unlock(&pool.mu);
    }
    seen = W_GEN(v);
    const int n = (int)W_CHUNKS(v);
    int c;
    while (pool_claim(seen, &c)) { /* the run is read after the claim */
      const int sleepy = pool.sleepy;
      if (pool.csr != csr) csr_set(csr = pool.csr);
      pool.fn(pool.ctx, c);
      chunk_done(sleepy, n);
    }
  }
  return NULL;
}

static int default_layer_threads(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus < 1 ? 1 : (int)(cpus < BSQ_MAX_THREADS ? cpus : BSQ_MAX_THREADS);
}

static int layers_want(void) {
  int n = atomic_load_explicit(&layer_threads, memory_order_relaxed);
  if (n > 0) return n;
  int expect = 0;
  atomic_compare_exchange_strong(&layer_threads, &expect,
                                 default_layer_threads());
  return atomic_load(&layer_threads);
}

int bsq_nn_threads(int n) {
  int prev = layers_want();
  if (n >= 0)
    atomic_store(&layer_threads,
                 n == 0 ? 0 : n < BSQ_MAX_THREADS ? n : BSQ_MAX_THREADS);
  return prev;
}

/* Starts workers until there are want - 1 (once per process); returns
 * how many run. Called with pool.busy held; pid: getpid(). */
static int pool_start(int want, pid_t pid) {
  if (pool.started && pool.pid != pid) { /* a forked child */
    pool.started = 0;
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.done_cv, NULL);
    for (int k = 0; k < POOL_MAX; k++) atomic_store(&pool.asleep[k], 0);
  }
  while (pool.started < want - 1) {
    int k = pool.started + 1;
    pthread_attr_t at;
    pthread_t t;
    pthread_cond_init(&pool.cv[k], NULL);
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &at, pool_worker, (void *)(intptr_t)k);
    pthread_attr_destroy(&at);
    if (rc) { /* fewer threads, not an error */
      pthread_cond_destroy(&pool.cv[k]);
      break;
    }
    pool.started = k;
    pool.pid = pid;
  }
  return pool.started;
}

/* Takes the pool for a run on want threads (the caller included); returns
 * how many it got, or 1 when the caller is to run alone (the pool is not
 * taken then): one thread wanted, a call from inside a run, the pool
 * taken (wait: wait for it; else run alone) or no worker. */
static int pool_take(int want, int wait) {
  if (want <= 1 || in_pool) return 1;
  if (pthread_mutex_trylock(&pool.busy)) {
    if (!wait || atomic_load(&pool.owner) != (int)getpid())
      return 1; /* no waiting, or held by the parent of a fork */
    pthread_mutex_lock(&pool.busy);
  }
  pid_t pid = getpid(); /* a system call: once per run */
  atomic_store(&pool.owner, (int)pid);
  int got = pool_start(want < POOL_MAX ? want : POOL_MAX, pid) + 1;
  if (got <= 1) {
    pthread_mutex_unlock(&pool.busy);
    return 1;
  }
  in_pool = 1;
  return got < want ? got : want;
}

static void pool_give(void) {
  in_pool = 0;
  pthread_mutex_unlock(&pool.busy);
}

/* fn(ctx, c) for c = 0 .. n-1 (n <= POOL_CHUNKS) on `threads` threads,
 * the caller included, which has taken the pool for them; the workers run
 * under MXCSR csr (the caller under its own). Returns when all are done;
 * sleepy: the caller sleeps meanwhile, rather than spin. */
static void pool_run(pool_fn fn, void *ctx, int n, int threads, unsigned csr,
                     int sleepy) {
  int workers = threads - 1;
  pool.fn = fn;
  pool.ctx = ctx;
  pool.csr = csr;
  pool.sleepy = sleepy;
  atomic_store_explicit(&pool.caller_cpu, sched_getcpu(), memory_order_relaxed);
  atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
  uint32_t gen = pool.gen = (pool.gen + 1) & 0xffffffu;
  atomic_store(&pool.word, (uint64_t)gen << 40 | (uint64_t)workers << 32 |
                               (uint64_t)n << 16);
  for (int k = 1; k <= workers; k++)
    if (atomic_load(&pool.asleep[k])) {
      pthread_mutex_lock(&pool.mu);
      pthread_cond_signal(&pool.cv[k]);
      pthread_mutex_unlock(&pool.mu);
    }
  int c;
  while (pool_claim(gen, &c)) {
    fn(ctx, c);
    chunk_done(sleepy, n);
  }
  if (sleepy) {
    pthread_mutex_lock(&pool.mu);
    while (atomic_load(&pool.done) < n)
      pthread_cond_wait(&pool.done_cv, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
  }
  for (int spins = 0;
       atomic_load_explicit(&pool.done, memory_order_acquire) < n; spins++)
    if (spins < POOL_SPIN)
      cpu_relax();
    else
      sched_yield(); /* the worker may be on this core */
}

/* ------------------------------------------------------------------------
 * The layers' parallel-for (nn.h). */

void bsq_parallel(void (*fn)(void *ctx, int c), void *ctx, int n) {
  unsigned csr = csr_get();
  csr_set(csr | FTZ_DAZ);
  int want = layers_want();
  want = want < n ? want : n;
  int threads = n <= POOL_CHUNKS ? pool_take(want, 0) : 1;
  if (threads > 1) {
    pool_run(fn, ctx, n, threads, csr | FTZ_DAZ, 0);
    pool_give();
  } else {
    for (int c = 0; c < n; c++) fn(ctx, c);
  }
  csr_set(csr);
}

/* ------------------------------------------------------------------------
 * Jobs (pool.h): one chunk per job, POOL_CHUNKS at a time. */

typedef struct {
  void (*fn)(int i, void *ctx);
  void (*after)(int i, int done, void *ctx);
  void *ctx;
  int base; /* index of chunk 0 */
  int done;
  pthread_mutex_t mu; /* the lock after() runs under */
} jobs_run;

static void job_chunk(void *arg, int c) {
  jobs_run *r = arg;
  int i = r->base + c;
  r->fn(i, r->ctx);
  pthread_mutex_lock(&r->mu);
  r->done++;
  if (r->after) r->after(i, r->done, r->ctx);
  pthread_mutex_unlock(&r->mu);
}

int bsq_pool_jobs(int n, int threads, void (*fn)(int i, void *ctx),
                  void (*after)(int i, int done, void *ctx), void *ctx) {
  if (n <= 0) return BSQ_OK;
  if (threads > n) threads = n;
  /* one core per training: OpenBLAS single-threaded (the layers are,
   * inside a run); both give the same bits for any thread count */
  openblas_set_num_threads(1);
  jobs_run r = {.fn = fn, .after = after, .ctx = ctx};
  if (pthread_mutex_init(&r.mu, NULL)) return BSQ_ENOMEM;
  int got = pool_take(threads, 1);
  unsigned csr = csr_get();
  for (r.base = 0; r.base < n; r.base += POOL_CHUNKS) {
    int m = n - r.base < POOL_CHUNKS ? n - r.base : POOL_CHUNKS;
    if (got > 1)
      pool_run(job_chunk, &r, m, got < m ? got : m, csr, 1);
    else
      for (int c = 0; c < m; c++) job_chunk(&r, c);
  }
  if (got > 1) pool_give();
  pthread_mutex_destroy(&r.mu);
  return BSQ_OK;
}

int bsq_pool_default_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}
