/* bsq — error strings, diagnostics, hashing and atomic writes. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *bsq_strerror(int err) {
  switch (err) {
#define BSQ_ERR_CASE(name, val, msg) \
  case (val):                        \
    return msg;
    BSQ_ERRNO_MAP(BSQ_ERR_CASE)
#undef BSQ_ERR_CASE
  default:
    return "unknown error";
  }
}

int bsq_diag_set(bsq_diag *d, int err, const char *fmt, ...) {
  if (d) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
  }
  return err;
}

unsigned long long bsq_fnv1a(unsigned long long h, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* Temporaries of the atomic writes in progress, for bsq_atomic_abandon_all
 * (called from a signal handler, so it only reads these slots and calls
 * unlink). A slot is filled before the file is created and cleared only
 * after it has been renamed or removed; an unlink of a path that is gone
 * is harmless. More than ATOMIC_SLOTS writes open at once still work, they
 * are only not cleaned up on a signal. */
#define ATOMIC_SLOTS 16
static char *volatile atomic_live[ATOMIC_SLOTS];

static void atomic_track(char *tmp) {
  for (int i = 0; i < ATOMIC_SLOTS; i++)
    if (!atomic_live[i]) {
      atomic_live[i] = tmp;
      return;
    }
}

static void atomic_untrack(const char *tmp) {
  for (int i = 0; i < ATOMIC_SLOTS; i++)
    if (atomic_live[i] == tmp) atomic_live[i] = NULL;
}

void bsq_atomic_abandon_all(void) {
  for (int i = 0; i < ATOMIC_SLOTS; i++) {
    char *t = atomic_live[i];
    if (t) unlink(t);
  }
}

int bsq_atomic_open(bsq_atomic_file *af, const char *path, bsq_diag *d) {
  memset(af, 0, sizeof *af);
  size_t n = strlen(path);
  af->path = malloc(n + 1);
  af->tmp = malloc(n + 32);
  if (!af->path || !af->tmp) goto fail;
  memcpy(af->path, path, n + 1);
  snprintf(af->tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
  atomic_track(af->tmp);
  af->fp = fopen(af->tmp, "wb");
  if (!af->fp) {
    int e = errno;
    atomic_untrack(af->tmp);
    bsq_diag_set(d, BSQ_EIO, "%s: cannot write: %s", path, strerror(e));
    free(af->path);
    free(af->tmp);
    memset(af, 0, sizeof *af);
    return BSQ_EIO;
  }
  return BSQ_OK;
fail:
  free(af->path);
  free(af->tmp);
  memset(af, 0, sizeof *af);
  return bsq_diag_set(d, BSQ_ENOMEM, "%s: out of memory", path);
}

int bsq_atomic_close(bsq_atomic_file *af, int ok, bsq_diag *d) {
  int rc = BSQ_OK;
  FILE *fp = af->fp;
  if (!fp) return BSQ_EIO;
  if (ferror(fp)) ok = 0;
  if (fclose(fp) != 0) ok = 0;
  if (ok && rename(af->tmp, af->path) != 0) {
    rc = bsq_diag_set(d, BSQ_EIO, "%s: cannot rename into place: %s",
                      af->path, strerror(errno));
    ok = 0;
  }
  if (!ok) {
    remove(af->tmp);
    if (rc == BSQ_OK)
      rc = bsq_diag_set(d, BSQ_EIO, "%s: write failed", af->path);
  }
  atomic_untrack(af->tmp);
  free(af->path);
  free(af->tmp);
  memset(af, 0, sizeof *af);
  return rc;
}
