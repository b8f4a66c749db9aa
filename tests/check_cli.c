/* End-to-end tests of the bsq command: train, eval, encode, decode, exit
 * codes and messages. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *dir;
static char *model;

static char *path_in(const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* One small model shared by the tests of this file. */
static void setup(void) {
  dir = tu_tmpdir("cli");
  model = path_in("m.json");
  char args[1024];
  snprintf(args, sizeof args,
           "train --data friedman1 --rows 3000 --bits 3 --hidden 2x16 "
           "--epochs 3 --seed 4 -o '%s'",
           model);
  char *err = NULL;
  int rc = tu_bsq(args, NULL, &err);
  if (rc != 0) fprintf(stderr, "train failed (%d): %s\n", rc, err);
  free(err);
}

static void teardown(void) {
  free(model);
  free(dir);
}

static double json_number(const char *json, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *p = strstr(json, pat);
  ck_assert_msg(p != NULL, "no %s in %s", key, json);
  return strtod(p + strlen(pat), NULL);
}

START_TEST(test_cli_eval_json_reports_metrics) {
  char args[1024], *out = NULL;
  snprintf(args, sizeof args, "eval '%s' --json", model);
  ck_assert_int_eq(tu_bsq(args, &out, NULL), 0);
  double mse = json_number(out, "mse"), hw = json_number(out, "mse_hw");
  ck_assert(mse > 0 && mse < 1.0);
  ck_assert(hw > 0 && hw < 1.0);
  ck_assert_double_eq(json_number(out, "bits_per_frame"), 30);
  ck_assert_double_eq_tol(json_number(out, "compression"), 320.0 / 30, 1e-4);
  /* eval reproduces the metrics recorded at training time */
  size_t n;
  char *text = tu_read(model, &n);
  const char *p = strstr(text, "\"mse_test_hw\":");
  ck_assert_ptr_nonnull(p);
  ck_assert_double_eq_tol(strtod(p + 14, NULL), hw, 1e-9 * hw);
  free(text);
  free(out);
}
END_TEST

/* Column k (0-based) of a CSV with a header, as text lines. */
static int csv_column(const char *text, int k, char ***vals) {
  int cap = 1024, n = 0;
  char **v = malloc(sizeof(char *) * (size_t)cap);
  const char *line = strchr(text, '\n');
  while (line && line[1]) {
    line++;
    const char *c = line;
    for (int i = 0; i < k; i++) c = strchr(c, ',') + 1;
    size_t len = strcspn(c, ",\n");
    if (n == cap) v = realloc(v, sizeof(char *) * (size_t)(cap *= 2));
    v[n] = malloc(len + 1);
    memcpy(v[n], c, len);
    v[n][len] = '\0';
    n++;
    line = strchr(line, '\n');
  }
  *vals = v;
  return n;
}

static void check_roundtrip(const char *mode, int K, int sync) {
  char *frames = path_in("f.bin"), *dec = path_in("dec.csv");
  char *pred = path_in("pred.csv");
  char args[2048];
  snprintf(args, sizeof args,
           "encode '%s' --data friedman1 --split test --word-bits %d --mode %s "
           "--sync %d -o '%s'",
           model, K, mode, sync, frames);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "decode '%s' '%s' -o '%s'", model, frames, dec);
  char *err = NULL;
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 0);
  if (sync) /* what the receiver found: every frame, nothing lost */
    ck_assert_msg(strstr(err, "300 frames in") && strstr(err, "(300 written)") &&
                      !strstr(err, "warning"),
                  "%s", err);
  free(err);
  snprintf(args, sizeof args, "eval '%s' --predictions '%s'", model, pred);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  char *a = tu_read(dec, NULL), *b = tu_read(pred, NULL);
  char **va, **vb;
  int na = csv_column(a, 1, &va), nb = csv_column(b, 3, &vb);
  ck_assert_int_eq(na, 300);
  ck_assert_int_eq(na, nb);
  for (int i = 0; i < na; i++) {
    ck_assert_str_eq(va[i], vb[i]);
    free(va[i]);
    free(vb[i]);
  }
  free(va);
  free(vb);
  free(a);
  free(b);
  free(frames);
  free(dec);
  free(pred);
}

START_TEST(test_cli_encode_decode_matches_eval) {
  check_roundtrip("continuous", 32, 0);
  check_roundtrip("aligned", 7, 0);
  check_roundtrip("continuous", 64, 0);
  check_roundtrip("aligned", 1, 0);
  check_roundtrip("continuous", 7, 16); /* frame sync: the same predictions */
  check_roundtrip("aligned", 32, 1);
}
END_TEST

START_TEST(test_cli_decode_rejects_other_model) {
  char *other = path_in("other.json"), *frames = path_in("g.bin");
  char *dec = path_in("g.csv");
  char args[2048], *err = NULL;
  snprintf(args, sizeof args,
           "train --data friedman1 --rows 3000 --bits 3 --hidden 2x16 "
           "--epochs 1 --seed 5 -o '%s'",
           other);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "encode '%s' --data friedman1 -o '%s'", model,
           frames);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "decode '%s' '%s' -o '%s'", other, frames, dec);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_ptr_nonnull(strstr(err, "stream was encoded for model"));
  ck_assert(!tu_exists(dec));
  free(err);
  free(other);
  free(frames);
  free(dec);
}
END_TEST

START_TEST(test_cli_usage_errors_exit_1) {
  char *err = NULL;
  ck_assert_int_eq(tu_bsq("", NULL, NULL), 1);
  ck_assert_int_eq(tu_bsq("frobnicate", NULL, &err), 1);
  ck_assert_ptr_nonnull(strstr(err, "unknown command 'frobnicate'"));
  free(err);
  ck_assert_int_eq(tu_bsq("train --data friedman1", NULL, &err), 1);
  ck_assert_ptr_nonnull(strstr(err, "--data and -o are required"));
  free(err);
  ck_assert_int_eq(tu_bsq("train --data friedman1 --bits 9 -o x.json", NULL, &err), 1);
  ck_assert_str_eq(err, "bsq train: --bits: invalid value '9'\n");
  free(err);
  ck_assert_int_eq(tu_bsq("train --data friedman1 --hidden 3y64 -o x.json", NULL, &err), 1);
  ck_assert_str_eq(err, "bsq train: --hidden: invalid value '3y64'\n");
  free(err);
  ck_assert_int_eq(tu_bsq("eval", NULL, NULL), 1);
  ck_assert_int_eq(tu_bsq("encode --bogus", NULL, NULL), 1);
  ck_assert_int_eq(tu_bsq("train --data friedman1 --threads 9 -o x.json", NULL, &err), 1);
  ck_assert_str_eq(err, "bsq train: --threads: invalid value '9'\n");
  free(err);
}
END_TEST

/* BSQ_THREADS is checked before any command runs; --threads gives the
 * same model file as any other count. */
START_TEST(test_cli_threads) {
  const char *bad[] = {"0", "abc", "9", "2x", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char *err = NULL, want[96];
    setenv("BSQ_THREADS", bad[i], 1);
    ck_assert_int_eq(tu_bsq("eval --help", NULL, &err), 1);
    snprintf(want, sizeof want,
             "bsq: BSQ_THREADS: invalid value '%s' (1..8 threads)\n", bad[i]);
    ck_assert_str_eq(err, want);
    free(err);
  }
  unsetenv("BSQ_THREADS");
  char *one = path_in("t1.json"), *two = path_in("t2.json"), args[1024];
  const char *paths[2] = {one, two};
  for (int t = 0; t < 2; t++) {
    snprintf(args, sizeof args,
             "train --data friedman1 --rows 3000 --bits 3 --hidden 2x16 "
             "--epochs 3 --seed 4 --threads %d -q -o '%s'",
             t + 1, paths[t]);
    ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  }
  size_t n1, n2;
  char *a = tu_read(one, &n1), *b = tu_read(two, &n2);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_uint_eq(n1, n2);
  ck_assert(memcmp(a, b, n1) == 0);
  free(a);
  free(b);
  free(one);
  free(two);
}
END_TEST

START_TEST(test_cli_help_on_every_command) {
  const char *cmds[] = {"train", "eval", "encode", "decode"};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    char args[64], *out = NULL;
    snprintf(args, sizeof args, "%s --help", cmds[i]);
    ck_assert_int_eq(tu_bsq(args, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: bsq"));
    free(out);
  }
}
END_TEST

START_TEST(test_cli_bad_csv_exits_2_and_writes_nothing) {
  char *csv = tu_write(dir, "bad.csv", "a,b,y\n1,2,3\n4,x,6\n7,8,9\n");
  char *out_model = path_in("never.json");
  char args[2048], *err = NULL;
  snprintf(args, sizeof args, "train --data '%s' -o '%s'", csv, out_model);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  char want[1024];
  snprintf(want, sizeof want,
           "bsq train: %s:3:2: column \"b\": not a number: \"x\"\n", csv);
  ck_assert_str_eq(err, want);
  ck_assert(!tu_exists(out_model));
  free(err);
  free(csv);
  free(out_model);
}
END_TEST

START_TEST(test_cli_eval_rejects_other_data) {
  char *csv = tu_write(dir, "other.csv", "a,y\n1,2\n2,3\n3,5\n4,4\n");
  char args[2048], *err = NULL;
  snprintf(args, sizeof args, "eval '%s' --data '%s'", model, csv);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_ptr_nonnull(strstr(err, "data differs from what the model was trained on"));
  free(err);
  free(csv);
}
END_TEST

Suite *cli_suite(void);
Suite *cli_suite(void) {
  Suite *s = suite_create("cli");
  TCase *core = tcase_create("Core");
  tcase_add_unchecked_fixture(core, setup, teardown);
  tcase_set_timeout(core, 300);
  tcase_add_test(core, test_cli_eval_json_reports_metrics);
  tcase_add_test(core, test_cli_encode_decode_matches_eval);
  tcase_add_test(core, test_cli_help_on_every_command);
  tcase_add_test(core, test_cli_threads);
  suite_add_tcase(s, core);
  TCase *errs = tcase_create("Errors");
  tcase_add_unchecked_fixture(errs, setup, teardown);
  tcase_set_timeout(errs, 300);
  tcase_add_test(errs, test_cli_decode_rejects_other_model);
  tcase_add_test(errs, test_cli_usage_errors_exit_1);
  tcase_add_test(errs, test_cli_bad_csv_exits_2_and_writes_nothing);
  tcase_add_test(errs, test_cli_eval_rejects_other_data);
  suite_add_tcase(s, errs);
  return s;
}
