/* bsq — small shared utilities (see util.h). */
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int bsq_read_file(const char *path, char **out, size_t *out_len,
                  bsq_diag *diag) {
  *out = NULL;
  if (out_len) *out_len = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot open: %s", path,
                        strerror(errno));
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  if (!buf) goto nomem;
  for (;;) {
    if (cap - len < 2) { /* keep room for the terminating NUL */
      if (cap > SIZE_MAX / 2) goto nomem;
      char *nb = realloc(buf, cap * 2);
      if (!nb) goto nomem;
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + len, 1, cap - len - 1, f);
    len += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    int e = errno;
    free(buf);
    fclose(f);
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot read: %s", path,
                        strerror(e));
  }
  fclose(f);
  buf[len] = '\0';
  *out = buf;
  if (out_len) *out_len = len;
  return BSQ_OK;
nomem:
  free(buf);
  fclose(f);
  return bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", path);
}

int bsq_write_if_changed(const char *path, const void *data, size_t n,
                         int *written, bsq_diag *diag) {
  if (written) *written = 0;
  char *old = NULL;
  size_t old_len = 0;
  int same = bsq_read_file(path, &old, &old_len, NULL) == BSQ_OK &&
             old_len == n && memcmp(old, data, n) == 0;
  free(old);
  if (same) return BSQ_OK;
  bsq_atomic_file af;
  int rc = bsq_atomic_open(&af, path, diag);
  if (rc) return rc;
  int ok = fwrite(data, 1, n, (FILE *)af.fp) == n;
  rc = bsq_atomic_close(&af, ok, diag);
  if (rc == BSQ_OK && written) *written = 1;
  return rc;
}

int bsq_mkdir_p(const char *dir, bsq_diag *diag) {
  char tmp[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof tmp)
    return bsq_diag_set(diag, BSQ_EIO, "%s: bad directory name", dir);
  memcpy(tmp, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (tmp[i] != '/' && tmp[i] != '\0') continue;
    char c = tmp[i];
    tmp[i] = '\0';
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
      return bsq_diag_set(diag, BSQ_EIO, "%s: cannot create directory: %s",
                          tmp, strerror(errno));
    tmp[i] = c;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return bsq_diag_set(diag, BSQ_EIO, "%s: not a directory", dir);
  return BSQ_OK;
}

double bsq_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void bsq_buf_init(bsq_buf *b) { memset(b, 0, sizeof *b); }

void bsq_buf_append(bsq_buf *b, const char *p, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
      b->oom = 1;
      return;
    }
    b->s = s;
    b->cap = cap;
  }
  if (n) memcpy(b->s + b->len, p, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void bsq_buf_puts(bsq_buf *b, const char *s) { bsq_buf_append(b, s, strlen(s)); }

void bsq_buf_printf(bsq_buf *b, const char *fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->oom = 1;
    return;
  }
  if ((size_t)n < sizeof small) {
    bsq_buf_append(b, small, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    b->oom = 1;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  bsq_buf_append(b, big, (size_t)n);
  free(big);
}

char *bsq_buf_finish(bsq_buf *b) {
  if (!b->oom && !b->s) bsq_buf_append(b, "", 0);
  if (b->oom) {
    bsq_buf_free(b);
    return NULL;
  }
  char *s = b->s;
  memset(b, 0, sizeof *b);
  return s;
}

void bsq_buf_free(bsq_buf *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}
