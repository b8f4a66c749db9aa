/* bsq — the build cache of `bsq sim` (see simcache.h). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* mkdtemp */
#include "simcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"
#include "util.h"

/* The second chain starts elsewhere, so the two are independent hashes. */
#define SECOND_INIT 0x84222325cbf29ce4ULL

static void feed(bsq_cachekey *k, const void *p, size_t n) {
  k->h[0] = bsq_fnv1a(k->h[0], p, n);
  k->h[1] = bsq_fnv1a(k->h[1], p, n);
}

static void feed_len(bsq_cachekey *k, size_t n) {
  uint64_t v = (uint64_t)n;
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
  feed(k, b, sizeof b);
}

void bsq_cachekey_init(bsq_cachekey *k, const char *kind) {
  k->h[0] = BSQ_FNV_INIT;
  k->h[1] = SECOND_INIT;
  bsq_cachekey_add_str(k, "kind", kind);
}

void bsq_cachekey_add(bsq_cachekey *k, const char *label, const void *p,
                      size_t n) {
  size_t ln = strlen(label);
  feed_len(k, ln);
  feed(k, label, ln);
  feed_len(k, n);
  feed(k, p, n);
}

void bsq_cachekey_add_str(bsq_cachekey *k, const char *label, const char *s) {
  /* NULL and "" differ */
  if (!s) bsq_cachekey_add(k, label, "\xff", 1);
  else bsq_cachekey_add(k, label, s, strlen(s) + 1);
}

int bsq_cachekey_add_file(bsq_cachekey *k, const char *path, bsq_diag *diag) {
  char *text = NULL;
  size_t n = 0;
  int rc = bsq_read_file(path, &text, &n, diag);
  if (rc) return rc;
  bsq_cachekey_add(k, "file", text, n);
  free(text);
  return BSQ_OK;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int bsq_cachekey_add_dir(bsq_cachekey *k, const char *dir, const char *suffix,
                         bsq_diag *diag) {
  DIR *dp = opendir(dir);
  if (!dp)
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot read directory: %s", dir,
                        strerror(errno));
  char **names = NULL;
  size_t n = 0, cap = 0, sl = strlen(suffix);
  int rc = BSQ_OK;
  struct dirent *de;
  while ((de = readdir(dp)) != NULL) {
    size_t l = strlen(de->d_name);
    if (l < sl || strcmp(de->d_name + l - sl, suffix) != 0) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 32;
      char **g = realloc(names, cap * sizeof *names);
      if (!g) {
        rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
        break;
      }
      names = g;
    }
    if (!(names[n] = strdup(de->d_name))) {
      rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
      break;
    }
    n++;
  }
  closedir(dp);
  if (n) qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n && !rc; i++) {
    char path[4096];
    struct stat st;
    if (bsq_pathf(path, sizeof path, "%s/%s", dir, names[i]))
      rc = bsq_diag_set(diag, BSQ_EIO, "%s/%s: path too long", dir, names[i]);
    else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
      bsq_cachekey_add_str(k, "name", names[i]);
      rc = bsq_cachekey_add_file(k, path, diag);
    }
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return rc;
}

void bsq_cachekey_add_cmd(bsq_cachekey *k, char *const argv[]) {
  for (int i = 0; argv[i]; i++) bsq_cachekey_add_str(k, "argv", argv[i]);
  char *out = bsq_run_capture(argv);
  /* A tool that cannot report its version still gives a key; the build
   * that follows then fails on its own and nothing is stored. */
  bsq_cachekey_add_str(k, "stdout", out ? out : "(failed)");
  free(out);
}

void bsq_cachekey_hex(const bsq_cachekey *k, char out[BSQ_CACHEKEY_HEX]) {
  snprintf(out, BSQ_CACHEKEY_HEX, "%016llx%016llx", k->h[0], k->h[1]);
}

int bsq_cache_find(const char *cache_dir, const char *kind, const char *hex,
                   char *path, size_t cap) {
  if (bsq_pathf(path, cap, "%s/%s-%s", cache_dir, kind, hex)) return -1;
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 1 : 0;
}

/* Copies src to dst (created, mode as src's). 0 or BSQ_EIO. */
static int copy_file(const char *src, const char *dst, bsq_diag *diag) {
  int in = open(src, O_RDONLY);
  if (in < 0)
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot read: %s", src,
                        strerror(errno));
  struct stat st;
  if (fstat(in, &st) != 0) {
    close(in);
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot read: %s", src,
                        strerror(errno));
  }
  int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 07777);
  if (out < 0) {
    close(in);
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot create: %s", dst,
                        strerror(errno));
  }
  char buf[65536];
  ssize_t got;
  int ok = 1;
  while (ok && (got = read(in, buf, sizeof buf)) != 0) {
    if (got < 0) {
      if (errno == EINTR) continue;
      ok = 0;
      break;
    }
    for (ssize_t off = 0; off < got;) {
      ssize_t w = write(out, buf + off, (size_t)(got - off));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        ok = 0;
        break;
      }
      off += w;
    }
  }
  close(in);
  if (close(out) != 0) ok = 0;
  if (!ok) {
    unlink(dst);
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot copy to %s", src, dst);
  }
  return BSQ_OK;
}

int bsq_cache_store(const char *cache_dir, const char *kind, const char *hex,
                    const char *const files[], int n, bsq_diag *diag) {
  char final[4096], tmp[4096];
  int rc = bsq_mkdir_p(cache_dir, diag);
  if (rc) return rc;
  if (bsq_cache_find(cache_dir, kind, hex, final, sizeof final) < 0 ||
      bsq_pathf(tmp, sizeof tmp, "%s/.tmp-%s-XXXXXX", cache_dir, kind))
    return bsq_diag_set(diag, BSQ_EIO, "%s: path too long", cache_dir);
  if (!mkdtemp(tmp))
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot create a directory: %s",
                        cache_dir, strerror(errno));
  for (int i = 0; i < n && !rc; i++) {
    const char *base = strrchr(files[i], '/');
    base = base ? base + 1 : files[i];
    char dst[4096];
    rc = bsq_pathf(dst, sizeof dst, "%s/%s", tmp, base)
             ? bsq_diag_set(diag, BSQ_EIO, "%s: path too long", tmp)
             : copy_file(files[i], dst, diag);
  }
  if (!rc && rename(tmp, final) != 0) {
    /* Another bsq filled the same entry first: its copy is as good. */
    if (errno != EEXIST && errno != ENOTEMPTY)
      rc = bsq_diag_set(diag, BSQ_EIO, "%s: cannot create: %s", final,
                        strerror(errno));
  }
  struct stat st;
  if (stat(tmp, &st) == 0) bsq_rmtree(tmp);
  return rc;
}

int bsq_cache_fetch(const char *entry, const char *dir, bsq_diag *diag) {
  DIR *dp = opendir(entry);
  if (!dp)
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot read directory: %s", entry,
                        strerror(errno));
  int rc = BSQ_OK;
  struct dirent *de;
  while (!rc && (de = readdir(dp)) != NULL) {
    if (de->d_name[0] == '.') continue;
    char src[4096], dst[4096];
    if (bsq_pathf(src, sizeof src, "%s/%s", entry, de->d_name) ||
        bsq_pathf(dst, sizeof dst, "%s/%s", dir, de->d_name))
      rc = bsq_diag_set(diag, BSQ_EIO, "%s: path too long", entry);
    else
      rc = copy_file(src, dst, diag);
  }
  closedir(dp);
  return rc;
}

int bsq_cache_store_dir(const char *cache_dir, const char *kind,
                        const char *hex, const char *dir, const char *prefix,
                        const char *suffix, bsq_diag *diag) {
  DIR *dp = opendir(dir);
  if (!dp)
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot read directory: %s", dir,
                        strerror(errno));
  enum { MAX_FILES = 64 };
  char *files[MAX_FILES];
  int n = 0, rc = BSQ_OK;
  size_t pl = strlen(prefix), sl = strlen(suffix);
  struct dirent *de;
  while ((de = readdir(dp)) != NULL) {
    size_t l = strlen(de->d_name);
    if (l < pl + sl || strncmp(de->d_name, prefix, pl) != 0 ||
        strcmp(de->d_name + l - sl, suffix) != 0)
      continue;
    if (n == MAX_FILES) {
      rc = bsq_diag_set(diag, BSQ_EIO, "%s: more than %d %s*%s files", dir,
                        MAX_FILES, prefix, suffix);
      break;
    }
    size_t need = strlen(dir) + l + 2;
    if (!(files[n] = malloc(need))) {
      rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
      break;
    }
    snprintf(files[n], need, "%s/%s", dir, de->d_name);
    n++;
  }
  closedir(dp);
  if (!rc && n == 0)
    rc = bsq_diag_set(diag, BSQ_EIO, "%s: no %s*%s files", dir, prefix, suffix);
  if (!rc)
    rc = bsq_cache_store(cache_dir, kind, hex, (const char *const *)files, n,
                         diag);
  for (int i = 0; i < n; i++) free(files[i]);
  return rc;
}
