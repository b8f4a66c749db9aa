/* bsq — error codes and diagnostics.
 *
 * Every library function returns 0 or a negative code from BSQ_ERRNO_MAP.
 * Functions that can say more (a parse error: which file, line, field) also
 * take a bsq_diag, owned by the caller; there is no global error state. */
#ifndef BSQ_ERR_H
#define BSQ_ERR_H

#include <stddef.h>

#define BSQ_ERRNO_MAP(X)                                   \
  X(OK, 0, "success")                                      \
  X(ENOMEM, -1, "out of memory")                           \
  X(EIO, -2, "input/output error")                         \
  X(EPARSE, -3, "parse error")                             \
  X(EINVAL, -4, "invalid argument")                        \
  X(ERANGE, -5, "value out of range")                      \
  X(EFORMAT, -6, "bad file format")                        \
  X(EVERSION, -7, "unsupported file version")              \
  X(EHASH, -8, "hash mismatch")                            \
  X(EMISMATCH, -9, "verification mismatch")                \
  X(ETOOL, -10, "external tool failed")

typedef enum {
#define BSQ_ERR_ENUM(name, val, msg) BSQ_##name = (val),
  BSQ_ERRNO_MAP(BSQ_ERR_ENUM)
#undef BSQ_ERR_ENUM
} bsq_errno;

const char *bsq_strerror(int err);

/* Human-readable detail for the last failure of one call. */
typedef struct {
  char msg[512];
} bsq_diag;

/* Formats into d->msg when d is not NULL; returns err so callers can write
 * `return bsq_diag_set(d, BSQ_EPARSE, "%s:%d: ...", ...);`. */
int bsq_diag_set(bsq_diag *d, int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* 64-bit FNV-1a, chained: pass the previous hash (start with BSQ_FNV_INIT). */
#define BSQ_FNV_INIT 0xcbf29ce484222325ULL
unsigned long long bsq_fnv1a(unsigned long long h, const void *p, size_t n);

/* Atomic file write: open a temporary beside `path`, write, then rename. */
typedef struct {
  void *fp;          /* FILE * */
  char *path;        /* final path */
  char *tmp;         /* temporary path */
} bsq_atomic_file;

int bsq_atomic_open(bsq_atomic_file *af, const char *path, bsq_diag *d);
/* Closes and renames when ok is non-zero and the writes succeeded;
 * otherwise removes the temporary. Returns 0 or BSQ_EIO. */
int bsq_atomic_close(bsq_atomic_file *af, int ok, bsq_diag *d);
/* Removes the temporaries of every atomic write still open in this
 * process, and nothing else. Async-signal-safe: for a handler of SIGINT or
 * SIGTERM that is about to end the process. (The one piece of process-wide
 * state in the library: a handler has no other way to find the files.) */
void bsq_atomic_abandon_all(void);

#endif
