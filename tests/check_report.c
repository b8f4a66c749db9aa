/* The comparison report (flow/report.h): JSON out and back in, Markdown,
 * errors that name the field; and a whole small comparison through the
 * library (flow/compare.h) that fills one. */
#include <check.h>
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "data.h"
#include "report.h"
#include "stats.h"
#include "testutil.h"

/* A report of FP and Bw-SQ at 2 and 4 bits over 3 seeds, by hand. */
static void sample(bsq_report *r, double *vals) {
  bsq_report_init(r);
  snprintf(r->source, sizeof r->source, "data/x.csv");
  snprintf(r->target, sizeof r->target, "y");
  r->rows = 900;
  r->F = 4;
  r->hash = 0x0123456789abcdefULL;
  r->bits[0] = 2;
  r->bits[1] = 4;
  r->nbits = 2;
  r->want[BSQ_METHOD_FP] = r->want[BSQ_METHOD_BW_SQ] = 1;
  r->nseeds = 3;
  r->jobs = 2;
  r->seed0 = 7;
  r->base.nhidden = 2;
  r->base.hidden[0] = 16;
  r->base.hidden[1] = 8;
  r->base.epochs = 9;
  r->base.lr = 0.003f;
  r->wall_seconds = 12.5;
  r->nrows = 3;
  r->row = calloc(3, sizeof *r->row);
  ck_assert_ptr_nonnull(r->row);
  static const bsq_method M[3] = {BSQ_METHOD_BW_SQ, BSQ_METHOD_BW_SQ,
                                  BSQ_METHOD_FP};
  static const int B[3] = {2, 4, 32};
  for (int i = 0; i < 3; i++) {
    bsq_report_row *w = &r->row[i];
    w->method = M[i];
    w->bits = B[i];
    w->n = 3;
    w->bpf = B[i] * 4;
    w->v = vals + 3 * i;
    for (int k = 0; k < 3; k++) w->v[k] = 0.1 * (i + 1) + 0.01 * k;
    bsq_ci c;
    bsq_ci95(&c, w->v, 3);
    w->mean = c.mean;
    w->sd = c.sd;
    w->lo = c.lo;
    w->hi = c.hi;
    w->mse_float = w->mean * 0.9;
    w->seconds = 1.25 * (i + 1);
    w->best = i < 2;
  }
}

START_TEST(test_report_json_round_trip_keeps_every_field) {
  double vals[9];
  bsq_report a, b;
  sample(&a, vals);
  char *j = bsq_report_to_json(&a);
  ck_assert_ptr_nonnull(j);
  ck_assert_int_eq(j[strlen(j) - 1], '\n');
  bsq_diag diag = {{0}};
  ck_assert_msg(bsq_report_from_json(&b, j, "r.json", &diag) == 0, "%s",
                diag.msg);
  ck_assert_str_eq(b.source, a.source);
  ck_assert_str_eq(b.target, a.target);
  ck_assert_int_eq(b.rows, a.rows);
  ck_assert_int_eq(b.F, a.F);
  ck_assert_uint_eq(b.hash, a.hash);
  ck_assert_int_eq(b.nbits, 2);
  ck_assert_mem_eq(b.bits, a.bits, 2 * sizeof(int));
  ck_assert_mem_eq(b.want, a.want, sizeof a.want);
  ck_assert_int_eq(b.nseeds, a.nseeds);
  ck_assert_int_eq(b.jobs, a.jobs);
  ck_assert_uint_eq(b.seed0, a.seed0);
  ck_assert_int_eq(b.base.nhidden, 2);
  ck_assert_mem_eq(b.base.hidden, a.base.hidden, 2 * sizeof(int));
  ck_assert_int_eq(b.base.epochs, a.base.epochs);
  ck_assert_float_eq(b.base.lr, a.base.lr);
  ck_assert_double_eq(b.wall_seconds, a.wall_seconds);
  ck_assert_int_eq(b.nrows, a.nrows);
  for (int i = 0; i < a.nrows; i++) {
    const bsq_report_row *x = &a.row[i], *y = &b.row[i];
    ck_assert_int_eq(y->method, x->method);
    ck_assert_int_eq(y->bits, x->bits);
    ck_assert_int_eq(y->n, x->n);
    ck_assert_int_eq(y->bpf, x->bpf);
    ck_assert_int_eq(y->best, x->best);
    /* cJSON prints 15 significant digits when they read back within an
     * epsilon of the value, else 17: equal to a few units of 1e-16 */
#define CLOSE(a, b) ck_assert_double_eq_tol(a, b, 4e-16 * fabs(b) + 1e-300)
    CLOSE(y->mean, x->mean);
    CLOSE(y->sd, x->sd);
    CLOSE(y->lo, x->lo);
    CLOSE(y->hi, x->hi);
    CLOSE(y->mse_float, x->mse_float);
    CLOSE(y->seconds, x->seconds);
    for (int k = 0; k < x->n; k++) CLOSE(y->v[k], x->v[k]);
#undef CLOSE
  }
  /* and the texts of both are the same */
  char *j2 = bsq_report_to_json(&b);
  ck_assert_str_eq(j2, j);
  char *m1 = bsq_report_to_markdown(&a), *m2 = bsq_report_to_markdown(&b);
  ck_assert_str_eq(m1, m2);
  ck_assert_ptr_nonnull(strstr(m1, "| bits | Bw-SQ | FP |"));
  ck_assert_ptr_nonnull(strstr(m1, "| 2 | **0.1100 ± "));
  char *t = bsq_report_to_text(&a); /* the terminal table: * marks the best */
  ck_assert_ptr_nonnull(t);
  ck_assert_ptr_nonnull(strstr(t, "bits               Bw-SQ                FP\n"));
  ck_assert_ptr_nonnull(strstr(t, "\n2      *0.1100 ± "));
  ck_assert_ptr_nonnull(strstr(t, "over 3 seeds; * best per row; 12 s)\n"));
  free(t);
  free(m1);
  free(m2);
  free(j);
  free(j2);
  bsq_report_free(&b);
  free(a.row);
}
END_TEST

START_TEST(test_report_files_round_trip) {
  double vals[9];
  bsq_report a, b;
  sample(&a, vals);
  char *dir = tu_tmpdir("report"), path[1024];
  snprintf(path, sizeof path, "%s/r.json", dir);
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_report_save_json(&a, path, &diag), 0);
  ck_assert_int_eq(bsq_report_load_json(&b, path, &diag), 0);
  char *j1 = bsq_report_to_json(&a), *j2 = tu_read(path, NULL);
  ck_assert_str_eq(j1, j2);
  ck_assert_int_eq(b.nrows, 3);
  free(j1);
  free(j2);
  bsq_report_free(&b);
  snprintf(path, sizeof path, "%s/none.json", dir);
  ck_assert_int_eq(bsq_report_load_json(&b, path, &diag), BSQ_EIO);
  ck_assert_ptr_nonnull(strstr(diag.msg, "none.json: cannot open"));
  bsq_report_free(&b);
  free(a.row);
  free(dir);
}
END_TEST

/* One field of the sample's JSON replaced: the reader names it. */
static void expect_error(const char *pointer, const char *value, int rc,
                         const char *msg) {
  double vals[9];
  bsq_report a, b;
  sample(&a, vals);
  char *j = bsq_report_to_json(&a);
  cJSON *root = cJSON_Parse(j);
  free(j);
  cJSON *o = root;
  char key[64];
  const char *p = pointer;
  while (strchr(p, '/')) { /* "rows/0/mse_sd": walk to the last key */
    size_t n = (size_t)(strchr(p, '/') - p);
    snprintf(key, sizeof key, "%.*s", (int)n, p);
    o = key[0] >= '0' && key[0] <= '9' ? cJSON_GetArrayItem(o, atoi(key))
                                       : cJSON_GetObjectItem(o, key);
    p += n + 1;
  }
  if (value) cJSON_ReplaceItemInObject(o, p, cJSON_Parse(value));
  else cJSON_DeleteItemFromObject(o, p);
  j = cJSON_Print(root);
  cJSON_Delete(root);
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_report_from_json(&b, j, "r.json", &diag), rc);
  ck_assert_str_eq(diag.msg, msg);
  bsq_report_free(&b);
  free(j);
  free(a.row);
}

START_TEST(test_report_errors_name_the_field) {
  expect_error("rows/1/mse_sd", NULL, BSQ_EFORMAT,
               "r.json: rows[1].mse_sd: missing or not a number");
  expect_error("rows/0/method", "\"xq\"", BSQ_EFORMAT,
               "r.json: rows[0].method: missing or not a method");
  expect_error("rows/2/mse_ci95", "[1]", BSQ_EFORMAT,
               "r.json: rows[2].mse_ci95: missing or not two numbers");
  expect_error("rows/0/bits_per_frame", "0", BSQ_EFORMAT,
               "r.json: rows[0].bits_per_frame: not positive");
  expect_error("settings/epochs", "\"9\"", BSQ_EFORMAT,
               "r.json: settings.epochs: missing or not a number");
  expect_error("data/features", "0", BSQ_EFORMAT,
               "r.json: data.features: not positive");
  expect_error("data/target", NULL, BSQ_EFORMAT,
               "r.json: data.source, data.target: missing or not a string");
  expect_error("data/hash", "\"12ab\"", BSQ_EFORMAT,
               "r.json: data.hash: not 16 hex digits");
  expect_error("rows", "[]", BSQ_EFORMAT,
               "r.json: rows: missing or not a non-empty array");
  bsq_report b;
  bsq_diag diag = {{0}};
  /* a report without the hash (bsq before it was read back) still loads */
  double vals[9];
  sample(&b, vals);
  char *j = bsq_report_to_json(&b);
  free(b.row);
  char *h = strstr(j, "\"hash\"");
  ck_assert_ptr_nonnull(h);
  memcpy(h, "\"hasx\"", 6);
  ck_assert_int_eq(bsq_report_from_json(&b, j, "r.json", &diag), 0);
  ck_assert_uint_eq(b.hash, 0);
  bsq_report_free(&b);
  free(j);
  ck_assert_int_eq(bsq_report_from_json(&b, "{", "r.json", &diag), BSQ_EPARSE);
  ck_assert_str_eq(diag.msg, "r.json: not valid JSON");
  bsq_report_free(&b);
}
END_TEST

static void count_lines(const char *line, void *user) {
  ck_assert_int_eq(line[strlen(line) - 1], '\n');
  (*(int *)user)++;
}

/* The library's comparison: one row per (method, bits), the intervals of
 * the per-seed values, one best per width, a log line per training. */
START_TEST(test_report_compare_run_fills_the_rows) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 600, 3), 0);
  int want[BSQ_METHOD_COUNT] = {0};
  want[BSQ_METHOD_BW_SQ] = want[BSQ_METHOD_PO_MQ] = 1;
  int bits[2] = {2, 3}, lines = 0;
  bsq_train_cfg base;
  bsq_train_cfg_default(&base);
  base.epochs = 2;
  base.nhidden = 1;
  base.hidden[0] = 8;
  bsq_compare_opts o = {want, bits, 2, 2, 5, &base, NULL, 2, 0,
                        count_lines, &lines};
  bsq_report r;
  bsq_diag diag = {{0}};
  ck_assert_msg(bsq_compare_run(&r, &d, &o, &diag) == 0, "%s", diag.msg);
  ck_assert_int_eq(r.nrows, 4); /* FP is trained but not wanted */
  ck_assert_int_eq(lines, 2 * (1 + 2)); /* one per job: FP, Bw-SQ x 2 */
  ck_assert_int_eq(bsq_compare_trainings(&o, d.F), lines);
  int best[4] = {0};
  for (int i = 0; i < r.nrows; i++) {
    const bsq_report_row *w = &r.row[i];
    ck_assert_int_eq(w->n, 2);
    ck_assert_int_eq(w->bpf, 10 * w->bits);
    bsq_ci c;
    bsq_ci95(&c, w->v, w->n);
    ck_assert_double_eq(w->mean, c.mean);
    ck_assert_double_eq(w->hi, c.hi);
    best[w->bits] += w->best;
  }
  ck_assert_int_eq(best[2], 1);
  ck_assert_int_eq(best[3], 1);
  bsq_report_free(&r);
  bsq_dataset_free(&d);
}
END_TEST

Suite *report_suite(void);
Suite *report_suite(void) {
  Suite *s = suite_create("report");
  TCase *core = tcase_create("Core");
  tcase_add_test(core, test_report_json_round_trip_keeps_every_field);
  tcase_add_test(core, test_report_files_round_trip);
  tcase_add_test(core, test_report_compare_run_fills_the_rows);
  suite_add_tcase(s, core);
  TCase *err = tcase_create("Errors");
  tcase_add_test(err, test_report_errors_name_the_field);
  suite_add_tcase(s, err);
  return s;
}
