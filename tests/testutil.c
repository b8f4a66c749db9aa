#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *dup_printf(const char *fmt, const char *a, const char *b) {
  size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + 1;
  char *s = malloc(n);
  if (!s) abort();
  snprintf(s, n, fmt, a, b ? b : "");
  return s;
}

char *tu_tmpdir(const char *tag) {
  char *root = dup_printf("%s/test-tmp%s", BSQ_BINARY_DIR, NULL);
  mkdir(root, 0755);
  char *tmpl = dup_printf("%s/%s-XXXXXX", root, tag);
  free(root);
  if (!mkdtemp(tmpl)) abort();
  return tmpl;
}

char *tu_write(const char *dir, const char *name, const char *text) {
  char *path = dup_printf("%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  fwrite(text, 1, strlen(text), f);
  fclose(f);
  return path;
}

char *tu_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (!buf) abort();
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  buf[got] = '\0';
  if (len) *len = got;
  return buf;
}

int tu_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

int tu_bsq(const char *args, char **out, char **err) {
  char *dir = tu_tmpdir("run");
  char *o = dup_printf("%s/%s", dir, "stdout");
  char *e = dup_printf("%s/%s", dir, "stderr");
  size_t n = strlen(BSQ_EXE) + strlen(args) + strlen(o) + strlen(e) + 32;
  char *cmd = malloc(n);
  if (!cmd) abort();
  snprintf(cmd, n, "'%s' %s >'%s' 2>'%s' </dev/null", BSQ_EXE, args, o, e);
  int st = system(cmd);
  free(cmd);
  if (out) *out = tu_read(o, NULL);
  if (err) *err = tu_read(e, NULL);
  unlink(o);
  unlink(e);
  rmdir(dir);
  free(o);
  free(e);
  free(dir);
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

char *tu_shared_data(const char *name) {
  char *p = dup_printf("%s/../shared/data/%s", BSQ_SOURCE_DIR, name);
  if (!tu_exists(p)) {
    free(p);
    return NULL;
  }
  return p;
}
