/* End-to-end tests of bsq compare and bsq tune: the reports, the
 * confidence intervals, parallel runs equal to sequential ones, errors;
 * and bsq train/gen for the baselines. */
#include <check.h>
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "testutil.h"

static char *dir;

static char *path_in(const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static void setup(void) { dir = tu_tmpdir("compare"); }
static void teardown(void) { free(dir); }

static cJSON *load_json(const char *path) {
  char *text = tu_read(path, NULL);
  ck_assert_msg(text != NULL, "%s missing", path);
  cJSON *j = cJSON_Parse(text);
  ck_assert_msg(j != NULL, "%s: not JSON", path);
  free(text);
  return j;
}

static const char SMALL[] =
    "--data friedman1 --rows 1500 --hidden 2x16 --epochs 4 --batch 128 "
    "--seeds 3 --bits 2,3 -q";

static int run_compare(const char *extra, const char *json, char **err) {
  char args[2048];
  snprintf(args, sizeof args, "compare %s %s --json '%s'", SMALL, extra, json);
  return tu_bsq(args, NULL, err);
}

/* Student t quantile t_{0.975, 2} for the 3-seed interval. */
#define T975_DF2 4.302652729911275

START_TEST(test_compare_reports_every_method_with_intervals) {
  char *json = path_in("r.json"), *md = path_in("r.md"), *svg = path_in("r.svg");
  char extra[1024], *err = NULL;
  snprintf(extra, sizeof extra, "-o '%s' --plot '%s'", md, svg);
  int rc = run_compare(extra, json, &err);
  int have_gnuplot = system("command -v gnuplot >/dev/null 2>&1") == 0;
  ck_assert_msg(rc == (have_gnuplot ? 0 : 2), "rc %d: %s", rc, err);
  cJSON *root = load_json(json);
  cJSON *rows = cJSON_GetObjectItem(root, "rows");
  ck_assert(cJSON_IsArray(rows));
  /* FP once, the others at 2 and 3 bits */
  ck_assert_int_eq(cJSON_GetArraySize(rows), 1 + (BSQ_METHOD_COUNT - 1) * 2);
  int best[9] = {0}, nbest = 0;
  cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    const char *m = cJSON_GetObjectItem(r, "method")->valuestring;
    int bits = cJSON_GetObjectItem(r, "bits")->valueint;
    double mean = cJSON_GetObjectItem(r, "mse_mean")->valuedouble;
    cJSON *ci = cJSON_GetObjectItem(r, "mse_ci95");
    ck_assert_int_eq(cJSON_GetArraySize(ci), 2);
    double lo = cJSON_GetArrayItem(ci, 0)->valuedouble;
    double hi = cJSON_GetArrayItem(ci, 1)->valuedouble;
    ck_assert_int_eq(cJSON_GetObjectItem(r, "seeds")->valueint, 3);
    int bpf = cJSON_GetObjectItem(r, "bits_per_frame")->valueint;
    ck_assert_int_eq(bpf, strcmp(m, "fp") ? 10 * bits : 320);
    ck_assert_double_eq_tol(cJSON_GetObjectItem(r, "compression")->valuedouble,
                            320.0 / bpf, 1e-9);
    ck_assert(cJSON_GetObjectItem(r, "train_seconds")->valuedouble >= 0);
    /* the interval: mean -+ t sd / sqrt(n) of the per-seed values */
    cJSON *v = cJSON_GetObjectItem(r, "mse_runs");
    ck_assert_int_eq(cJSON_GetArraySize(v), 3);
    double s = 0, q = 0;
    for (int i = 0; i < 3; i++) s += cJSON_GetArrayItem(v, i)->valuedouble;
    double mu = s / 3;
    for (int i = 0; i < 3; i++) {
      double e = cJSON_GetArrayItem(v, i)->valuedouble - mu;
      q += e * e;
    }
    double h = T975_DF2 * sqrt(q / 2) / sqrt(3.0);
    ck_assert_double_eq_tol(mean, mu, 1e-12);
    ck_assert_double_eq_tol(lo, mu - h, 1e-6);
    ck_assert_double_eq_tol(hi, mu + h, 1e-6);
    ck_assert(lo <= mean && mean <= hi);
    if (cJSON_IsTrue(cJSON_GetObjectItem(r, "best"))) {
      nbest++;
      ck_assert_str_ne(m, "fp");
      best[bits]++;
    }
  }
  /* one best per bit width */
  ck_assert_int_eq(nbest, 2);
  ck_assert_int_eq(best[2], 1);
  ck_assert_int_eq(best[3], 1);
  cJSON_Delete(root);
  char *text = tu_read(md, NULL);
  ck_assert_ptr_nonnull(text);
  ck_assert_ptr_nonnull(strstr(text, "| bits | Bw-SQ | FP | Po-MQ |"));
  ck_assert_ptr_nonnull(strstr(text, "**"));
  /* --from: the same report again from the JSON, without training */
  char *md2 = path_in("r2.md"), args[2048];
  snprintf(args, sizeof args, "compare --from '%s' -o '%s'", json, md2);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  char *text2 = tu_read(md2, NULL);
  ck_assert_ptr_nonnull(text2);
  ck_assert_str_eq(text, text2);
  free(text2);
  free(md2);
  free(text);
  if (have_gnuplot) {
    text = tu_read(svg, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "<svg"));
    ck_assert_ptr_nonnull(strstr(text, "Bw-SQ"));
    ck_assert_ptr_nonnull(strstr(text, "FP 95% CI"));
    free(text);
  }
  free(err);
  free(json);
  free(md);
  free(svg);
}
END_TEST

/* Two workers or one: the same numbers (each run owns its result). */
START_TEST(test_compare_parallel_equals_sequential) {
  char *j1 = path_in("seq.json"), *j2 = path_in("par.json");
  char *err = NULL;
  ck_assert_int_eq(run_compare("--methods bw-sq,lsq,po-mq --jobs 1", j1, &err),
                   0);
  free(err);
  ck_assert_int_eq(run_compare("--methods bw-sq,lsq,po-mq --jobs 2", j2, &err),
                   0);
  cJSON *a = load_json(j1), *b = load_json(j2);
  cJSON *ra = cJSON_GetObjectItem(a, "rows"), *rb = cJSON_GetObjectItem(b, "rows");
  ck_assert_int_eq(cJSON_GetArraySize(ra), 6);
  ck_assert_int_eq(cJSON_GetArraySize(ra), cJSON_GetArraySize(rb));
  for (int i = 0; i < cJSON_GetArraySize(ra); i++) {
    cJSON *x = cJSON_GetArrayItem(ra, i), *y = cJSON_GetArrayItem(rb, i);
    ck_assert_str_eq(cJSON_GetObjectItem(x, "method")->valuestring,
                     cJSON_GetObjectItem(y, "method")->valuestring);
    cJSON *vx = cJSON_GetObjectItem(x, "mse_runs"),
          *vy = cJSON_GetObjectItem(y, "mse_runs");
    for (int k = 0; k < 3; k++)
      ck_assert_double_eq(cJSON_GetArrayItem(vx, k)->valuedouble,
                          cJSON_GetArrayItem(vy, k)->valuedouble);
  }
  cJSON_Delete(a);
  cJSON_Delete(b);
  free(err);
  free(j1);
  free(j2);
}
END_TEST

START_TEST(test_compare_tune_writes_the_chosen_settings) {
  char *json = path_in("t.json"), *md = path_in("t.md"), *err = NULL;
  char args[1024];
  snprintf(args, sizeof args,
           "tune --data friedman1 --rows 1200 --methods bw-sq,po-qq --bits 2 "
           "--trials 2 --folds 2 --epochs 2 -q -o '%s' --json '%s'",
           md, json);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 0);
  free(err);
  cJSON *root = load_json(json);
  cJSON *ch = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "tuning"), "chosen");
  ck_assert_int_eq(cJSON_GetArraySize(ch), 2); /* fp (for po-qq), bw-sq */
  ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(ch, 0), "method")
                       ->valuestring, "fp");
  cJSON *e = cJSON_GetArrayItem(ch, 1);
  ck_assert_str_eq(cJSON_GetObjectItem(e, "method")->valuestring, "bw-sq");
  ck_assert_int_eq(cJSON_GetObjectItem(e, "trials_done")->valueint, 2);
  ck_assert(cJSON_GetObjectItem(e, "cv_mse")->valuedouble > 0);
  int ep = cJSON_GetObjectItem(e, "epochs")->valueint;
  ck_assert(ep >= 1 && ep <= 4);
  cJSON_Delete(root);
  char *text = tu_read(md, NULL);
  ck_assert_ptr_nonnull(strstr(text, "| Bw-SQ | 2 |"));
  free(text);
  /* compare --tune: the report carries the tuning */
  char *cj = path_in("ct.json");
  ck_assert_int_eq(
      run_compare("--methods bw-sq --tune --trials 1 --folds 2", cj, &err), 0);
  root = load_json(cj);
  ck_assert_ptr_nonnull(cJSON_GetObjectItem(root, "tuning"));
  cJSON_Delete(root);
  free(cj);
  free(err);
  free(json);
  free(md);
}
END_TEST

/* --space paper: every chosen setting lies in the paper's space (capped
 * by --max-width), and the paper's 100 trials and 4 folds are the
 * defaults under it, in any option order; the bsq space keeps 12 and 3. */
static int in_set(double v, const double *set, int n) {
  for (int i = 0; i < n; i++)
    if (fabs(v - set[i]) <= 1e-6 * set[i] + 1e-12) return 1;
  return 0;
}

START_TEST(test_compare_tune_paper_space) {
  static const double LR[] = {1e-3, 1e-4}, TAU[] = {1e-3, 1e-4},
                      DROP[] = {0, 0.2, 0.4, 0.5}, EP[] = {30, 50, 70};
  char *json = path_in("paper.json"), *err = NULL;
  char args[1024];
  snprintf(args, sizeof args,
           "tune --data friedman1 --rows 500 --methods fp,bw-sq,lsq --bits 2,3 "
           "--space paper --max-width 64 --trials 3 --folds 2 -q --json '%s'",
           json);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 0);
  free(err);
  cJSON *root = load_json(json);
  cJSON *t = cJSON_GetObjectItem(root, "tuning");
  ck_assert_str_eq(cJSON_GetObjectItem(t, "space")->valuestring, "paper");
  ck_assert_int_eq(cJSON_GetObjectItem(t, "max_width")->valueint, 64);
  cJSON *ch = cJSON_GetObjectItem(t, "chosen"), *e;
  ck_assert_int_eq(cJSON_GetArraySize(ch), 5); /* fp, 2 x bw-sq, 2 x lsq */
  cJSON_ArrayForEach(e, ch) {
    ck_assert(in_set(cJSON_GetObjectItem(e, "lr")->valuedouble, LR, 2));
    ck_assert(in_set(cJSON_GetObjectItem(e, "tau_decay")->valuedouble, TAU, 2));
    ck_assert(in_set(cJSON_GetObjectItem(e, "dropout")->valuedouble, DROP, 4));
    ck_assert(in_set(cJSON_GetObjectItem(e, "epochs")->valuedouble, EP, 3));
    cJSON *h = cJSON_GetObjectItem(e, "hidden");
    int depth = cJSON_GetArraySize(h), w = cJSON_GetArrayItem(h, 0)->valueint;
    ck_assert(depth == 5 || depth == 6 || depth == 8 || depth == 10);
    ck_assert(w == 32 || w == 64);
    ck_assert_int_eq(cJSON_GetObjectItem(e, "trials_done")->valueint, 3);
  }
  cJSON_Delete(root);
  /* the defaults under each space (a budget too small to train anything) */
  const char *spaces[2][3] = {{"--space paper", "100", "4"},
                              {"", "12", "3"}};
  for (int i = 0; i < 2; i++) {
    snprintf(args, sizeof args,
             "tune --data friedman1 --rows 500 --methods bw-sq --bits 2 "
             "--time-budget 0.000001 -q --json '%s' %s", json, spaces[i][0]);
    ck_assert_int_eq(tu_bsq(args, NULL, &err), 0);
    free(err);
    root = load_json(json);
    t = cJSON_GetObjectItem(root, "tuning");
    ck_assert_int_eq(cJSON_GetObjectItem(t, "trials")->valueint,
                     atoi(spaces[i][1]));
    ck_assert_int_eq(cJSON_GetObjectItem(t, "folds")->valueint,
                     atoi(spaces[i][2]));
    cJSON_Delete(root);
  }
  /* compare --protocol paper: tuned in that space, 10 seeds, Table 2 */
  char *md = path_in("paper.md");
  snprintf(args, sizeof args,
           "compare --data friedman1 --rows 500 --methods bw-sq --bits 2,3 "
           "--protocol paper --trials 1 --folds 2 --max-width 32 -q "
           "-o '%s' --json '%s'", md, json);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 0);
  free(err);
  root = load_json(json);
  t = cJSON_GetObjectItem(root, "tuning");
  ck_assert_str_eq(cJSON_GetObjectItem(t, "space")->valuestring, "paper");
  ck_assert_int_eq(
      cJSON_GetObjectItem(cJSON_GetObjectItem(root, "settings"), "seeds")
          ->valueint, 10);
  cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "rows"), 0);
  char cell[64];
  snprintf(cell, sizeof cell, "| Bw-SQ | %.3f ± %.3f |",
           cJSON_GetObjectItem(row, "mse_mean")->valuedouble,
           cJSON_GetObjectItem(row, "mse_sd")->valuedouble);
  cJSON_Delete(root);
  char *text = tu_read(md, NULL);
  ck_assert_ptr_nonnull(strstr(text, "layout of the paper's Table 2"));
  ck_assert_msg(strstr(text, cell) != NULL, "%s not in\n%s", cell, text);
  free(text);
  free(md);
  ck_assert_int_eq(tu_bsq("tune --data friedman1 --space wide", NULL, &err), 1);
  ck_assert_ptr_nonnull(strstr(err, "--space (bsq or paper)"));
  free(err);
  free(json);
}
END_TEST

/* Every code-sending baseline goes through bsq train, eval and gen. */
START_TEST(test_compare_baselines_train_eval_gen) {
  const char *methods[] = {"lsq", "sq", "pr-mq", "po-qq", "bw-mq"};
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    char *model = path_in("b.json"), *gdir = path_in("gen");
    char args[2048], *out = NULL, *err = NULL;
    snprintf(args, sizeof args,
             "train --data friedman1 --rows 1500 --bits 3 --hidden 2x8 "
             "--epochs 2 --method %s -q -o '%s'",
             methods[i], model);
    ck_assert_msg(tu_bsq(args, NULL, &err) == 0, "%s: %s", methods[i], err);
    free(err);
    snprintf(args, sizeof args, "eval '%s' --json", model);
    ck_assert_int_eq(tu_bsq(args, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"bits_per_frame\": 30"));
    free(out);
    snprintf(args, sizeof args, "gen '%s' -o '%s'", model, gdir);
    ck_assert_msg(tu_bsq(args, NULL, &err) == 0, "gen %s: %s", methods[i], err);
    free(err);
    free(model);
    free(gdir);
  }
}
END_TEST

START_TEST(test_compare_errors_name_the_field) {
  static const struct {
    const char *args;
    int rc;
    const char *msg;
  } rows[] = {
      {"compare --data friedman1 --methods bw-sq,xx", 1,
       "bsq compare: --methods: unknown method 'xx'"},
      {"compare --data friedman1 --bits 2,2", 1,
       "bsq compare: --bits: 2 is listed twice"},
      {"compare --data friedman1 --bits 9", 1,
       "bsq compare: --bits: invalid value '9'"},
      {"compare --data friedman1 --seeds 0", 1,
       "bsq compare: --seeds: invalid value '0'"},
      {"compare --bits 2", 1, "bsq compare: --data is required"},
      {"compare --data /nonexistent.csv", 2, "/nonexistent.csv: cannot open"},
      {"train --data friedman1 --method fp -o x.json", 1,
       "--method fp: full precision has no encoder"},
      {"train --data friedman1 --method bw-xx -o x.json", 1,
       "bsq train: --method: invalid value 'bw-xx'"},
      {"compare --from /nonexistent.json -o x.md", 2,
       "bsq compare: /nonexistent.json: cannot open"},
      {"tune --data friedman1 --folds 1", 1,
       "bsq tune: --folds: invalid value '1'"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char *err = NULL;
    int rc = tu_bsq(rows[i].args, NULL, &err);
    ck_assert_msg(rc == rows[i].rc, "%s: rc %d: %s", rows[i].args, rc, err);
    ck_assert_msg(err && strstr(err, rows[i].msg), "%s: got %s", rows[i].args,
                  err);
    free(err);
  }
}
END_TEST

Suite *compare_suite(void);
Suite *compare_suite(void) {
  Suite *s = suite_create("compare");
  TCase *core = tcase_create("Core");
  tcase_add_checked_fixture(core, setup, teardown);
  tcase_set_timeout(core, 300);
  tcase_add_test(core, test_compare_reports_every_method_with_intervals);
  tcase_add_test(core, test_compare_parallel_equals_sequential);
  tcase_add_test(core, test_compare_tune_writes_the_chosen_settings);
  tcase_add_test(core, test_compare_tune_paper_space);
  tcase_add_test(core, test_compare_baselines_train_eval_gen);
  suite_add_tcase(s, core);
  TCase *err = tcase_create("Errors");
  tcase_add_checked_fixture(err, setup, teardown);
  tcase_add_test(err, test_compare_errors_name_the_field);
  suite_add_tcase(s, err);
  return s;
}
