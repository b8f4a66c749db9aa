/* bsq — the job pool: independent jobs (trainings of a comparison or a
 * tuning run) side by side, one per core. They run on the program's one
 * thread pool (pool.c), which also runs the layers' parallel-for
 * (bsq_parallel and bsq_nn_threads, declared in nn.h). */
#ifndef BSQ_POOL_H
#define BSQ_POOL_H

/* Runs fn(i, ctx) for i = 0..n-1 on `threads` threads, the caller
 * included (jobs are taken in index order; each writes only its own result
 * slot, so the outcome does not depend on the thread count). OpenBLAS is
 * set to one thread, and the layers called inside a job run on the job's
 * thread, so that jobs run side by side instead of fighting over the
 * cores (with threads = 1 the jobs run on the caller and the layers use
 * the pool as usual). Jobs run under the caller's floating-point
 * environment whichever thread takes them. One call at a time runs: a
 * second waits, and a call from inside a job runs its jobs on that job's
 * thread. after(i, done, ctx) runs under the pool's lock when job i is
 * done (progress); it may be NULL. Returns 0 or BSQ_ENOMEM. */
int bsq_pool_jobs(int n, int threads, void (*fn)(int i, void *ctx),
                  void (*after)(int i, int done, void *ctx), void *ctx);

/* The default number of parallel jobs: the online cores (at most 64). */
int bsq_pool_default_threads(void);

#endif
