/* bsq — small utilities every layer shares: whole-file reads, atomic
 * writes that leave an unchanged file alone, a monotonic clock, a growable
 * string buffer and a recursive mkdir. */
#ifndef BSQ_UTIL_H
#define BSQ_UTIL_H

#include <stddef.h>

#include "err.h"

/* Reads a whole file into a NUL-terminated malloc'ed buffer (*out, caller
 * frees; *len may be NULL). Reads in chunks, so pipes work too. Returns 0,
 * BSQ_EIO or BSQ_ENOMEM, with diag naming the file. */
int bsq_read_file(const char *path, char **out, size_t *len, bsq_diag *diag);

/* Writes n bytes to path atomically (temporary, then rename), unless the
 * file already holds exactly those bytes. *written (may be NULL) is set to
 * 1 when the file was written, 0 when it was left alone. 0 or BSQ_EIO. */
int bsq_write_if_changed(const char *path, const void *data, size_t n,
                         int *written, bsq_diag *diag);

/* Creates dir and its missing parents (mode 0777 before the umask).
 * 0 or BSQ_EIO. */
int bsq_mkdir_p(const char *dir, bsq_diag *diag);

/* Seconds on a monotonic clock, for durations only. */
double bsq_now(void);

/* A growable NUL-terminated string. The first failed allocation sets oom
 * and makes every later call a no-op; bsq_buf_finish then returns NULL. */
typedef struct {
  char *s;
  size_t len, cap;
  int oom;
} bsq_buf;

void bsq_buf_init(bsq_buf *b);
void bsq_buf_append(bsq_buf *b, const char *p, size_t n);
void bsq_buf_puts(bsq_buf *b, const char *s);
void bsq_buf_printf(bsq_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The text (caller frees), or NULL after an allocation failure (the
 * buffer is freed either way). */
char *bsq_buf_finish(bsq_buf *b);
void bsq_buf_free(bsq_buf *b);

#endif
