/* bsq — the job pool (see pool.h). */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "nn.h"

/* OpenBLAS's own switch (cblas.h of OpenBLAS declares it too; declared
 * here so that this file does not depend on which cblas.h is found). */
void openblas_set_num_threads(int num_threads);

typedef struct {
  pthread_mutex_t mu;
  int next, done, n;
  void (*fn)(int, void *);
  void (*after)(int, int, void *);
  void *ctx;
} pool;

static void *pool_worker(void *arg) {
  pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    int i = p->next < p->n ? p->next++ : -1;
    pthread_mutex_unlock(&p->mu);
    if (i < 0) break;
    p->fn(i, p->ctx);
    pthread_mutex_lock(&p->mu);
    p->done++;
    if (p->after) p->after(i, p->done, p->ctx);
    pthread_mutex_unlock(&p->mu);
  }
  return NULL;
}

int bsq_pool_jobs(int n, int threads, void (*fn)(int i, void *ctx),
                 void (*after)(int i, int done, void *ctx), void *ctx) {
  if (threads < 1) threads = 1;
  if (threads > n) threads = n > 0 ? n : 1;
  /* one core per training: OpenBLAS and the layer kernels single-threaded
   * (both give the same bits for any thread count) */
  openblas_set_num_threads(1);
  int nn_prev = bsq_nn_threads(threads > 1 ? 1 : -1);
  pool p = {.next = 0, .done = 0, .n = n, .fn = fn, .after = after,
            .ctx = ctx};
  pthread_mutex_init(&p.mu, NULL);
  pthread_t *t = calloc((size_t)threads, sizeof *t);
  if (!t) {
    pthread_mutex_destroy(&p.mu);
    return BSQ_ENOMEM;
  }
  int started = 0, rc = BSQ_OK;
  for (int i = 1; i < threads; i++) { /* the caller is worker 0 */
    if (pthread_create(&t[i], NULL, pool_worker, &p)) {
      rc = BSQ_EIO;
      break;
    }
    started++;
  }
  pool_worker(&p);
  for (int i = 1; i <= started; i++) pthread_join(t[i], NULL);
  free(t);
  pthread_mutex_destroy(&p.mu);
  if (threads > 1) bsq_nn_threads(nn_prev);
  /* a thread that did not start only means fewer workers: all jobs ran */
  return rc == BSQ_EIO && p.done == n ? BSQ_OK : rc;
}

int bsq_pool_default_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

