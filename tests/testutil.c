#include "testutil.h"

#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quant.h"
#include "rng.h"

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

char *tu_random_model(const tu_model_spec *s, const char *dir,
                      bsq_model *keep) {
  int b[16], hidden[1] = {2};
  ck_assert_int_le(s->F, 16);
  for (int f = 0; f < s->F; f++) b[f] = s->bits[f % s->nb];
  bsq_model m;
  ck_assert_int_eq(bsq_model_init(&m, s->F, b, 1, hidden), 0);
  char *names[16], buf[16][12];
  for (int f = 0; f < s->F; f++) {
    snprintf(buf[f], sizeof buf[f], "x%d", f + 1);
    names[f] = buf[f];
  }
  ck_assert_int_eq(bsq_model_set_names(&m, names, "y"), 0);
  bsq_rng r;
  bsq_rng_seed(&r, s->seed);
  for (int f = 0; f < s->F; f++) {
    int sgn = s->sgn ? s->sgn[f % s->ns] : 0;
    ck_assert_int_eq(bsq_format_fit(&m.enc.fmt[f], s->width[f % s->nw], sgn,
                                    -1.0, 1.0, 0.0),
                     0);
    for (int d = m.enc.toff[f]; d < m.enc.toff[f + 1]; d++)
      m.thr[d] = (float)(-s->span + 2.0 * s->span * bsq_rng_uniform(&r));
  }
  bsq_model_quantize(&m);
  char *path = dup_printf("%s/model.json%s", dir, NULL);
  bsq_diag diag;
  ck_assert_msg(bsq_model_save(&m, path, &diag) == 0, "%s", diag.msg);
  if (keep) *keep = m;
  else bsq_model_free(&m);
  return path;
}

const cJSON *tu_json_field(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  ck_assert_msg(v != NULL, "field \"%s\" missing", key);
  return v;
}

double tu_json_num(const cJSON *o, const char *key) {
  const cJSON *v = tu_json_field(o, key);
  ck_assert_msg(cJSON_IsNumber(v), "field \"%s\" is not a number", key);
  return v->valuedouble;
}

/* Adds one to the first threshold literal of feature feat's flash
 * comparators; the literal's old value goes to *old. */
void tu_alter_threshold(const char *path, int feat, long *old) {
  size_t len;
  char *text = tu_read(path, &len);
  ck_assert_ptr_nonnull(text);
  char pat[32];
  snprintf(pat, sizeof pat, "assign f%d_therm[", feat);
  char *p = strstr(text, pat);
  ck_assert_ptr_nonnull(p);
  char *num = strstr(p, "'d");
  ck_assert_ptr_nonnull(num);
  num += 2;
  *old = strtol(num, NULL, 10);
  char *end = num + strspn(num, "0123456789");
  FILE *fp = fopen(path, "wb");
  ck_assert_ptr_nonnull(fp);
  fprintf(fp, "%.*s%ld%s", (int)(num - text), text, *old + 1, end);
  fclose(fp);
  free(text);
}
