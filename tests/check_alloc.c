/* Check suite for flow/alloc.c (bsq alloc): the greedy bit allocation on a
 * set whose answer is known by construction, its budget checks, uniform
 * allocation, and the command's files. */
#include <check.h>
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "data.h"
#include "model.h"
#include "rng.h"
#include "testutil.h"

/* y = 4 x1 + a little noise; x2 and x3 are pure noise, independent of y.
 * Every bit the budget has belongs to x1. */
static char *signal_and_noise_csv(int rows) {
  size_t cap = (size_t)rows * 64 + 64;
  char *s = malloc(cap);
  ck_assert_ptr_nonnull(s);
  size_t n = (size_t)snprintf(s, cap, "x1,x2,x3,y\n");
  bsq_rng r;
  bsq_rng_seed(&r, 0xa110c);
  for (int i = 0; i < rows; i++) {
    double x1 = bsq_rng_uniform(&r), x2 = bsq_rng_uniform(&r),
           x3 = bsq_rng_uniform(&r);
    double y = 4 * x1 + 0.02 * bsq_rng_normal(&r);
    n += (size_t)snprintf(s + n, cap - n, "%.6f,%.6f,%.6f,%.6f\n", x1, x2, x3,
                          y);
  }
  return s;
}

static void small_setup(bsq_dataset *d, bsq_train_cfg *c, bsq_alloc_opts *o) {
  char *csv = signal_and_noise_csv(1500);
  bsq_diag diag = {{0}};
  ck_assert_msg(bsq_dataset_load_csv_mem(d, csv, strlen(csv), "sn.csv", NULL,
                                         &diag) == 0, "%s", diag.msg);
  free(csv);
  bsq_train_cfg_default(c);
  c->epochs = 15;
  c->batch = 64;
  c->nhidden = 1;
  c->hidden[0] = 8;
  bsq_alloc_opts_default(o);
  o->frame_bits = 3;
  o->max_bits = 3;
  o->folds = 2;
  o->search_rows = 0;
  o->search_epochs = 10;
  o->seeds = 2;
}

/* The pure-noise features get 0 bits, x1 the budget; the path's CV MSE
 * falls with every step; uniform spreads the bits; the written model has
 * the chosen bits; the result is the same for any number of threads. */
START_TEST(test_alloc_noise_features_get_no_bits) {
  bsq_dataset d;
  bsq_train_cfg c;
  bsq_alloc_opts o;
  small_setup(&d, &c, &o);
  bsq_allocation a, b;
  bsq_model m;
  bsq_diag diag = {{0}};
  o.jobs = 2;
  ck_assert_msg(bsq_alloc_run(&a, &m, &d, &c, &o, &diag) == 0, "%s", diag.msg);
  ck_assert_int_eq(a.bits[1], 0);
  ck_assert_int_eq(a.bits[2], 0);
  ck_assert_int_eq(a.bits[0], 3);
  ck_assert(isnan(a.gain[1]) && isnan(a.gain[2]));
  ck_assert_int_eq(a.nsteps, 3);
  double prev = a.cv_none;
  for (int i = 0; i < a.nsteps; i++) {
    ck_assert_int_eq(a.steps[i].feature, 0);
    ck_assert(a.steps[i].cv_mse < prev);
    prev = a.steps[i].cv_mse;
  }
  ck_assert_double_eq_tol(a.gain[0], a.steps[1].cv_mse - a.steps[2].cv_mse,
                          1e-12);
  /* 3 candidates at every step (no feature reaches 3 bits before the
   * last), 2 folds each; then both allocations over 2 seeds */
  ck_assert_int_eq(a.search_trainings, 3 * 3 * 2);
  ck_assert_int_eq(a.final_trainings, 4);
  const int uni[3] = {1, 1, 1};
  ck_assert_mem_eq(a.uniform, uni, sizeof uni);
  for (int s = 0; s < 2; s++)
    ck_assert_msg(a.mse_alloc[s] < a.mse_unif[s], "seed %d: %g vs %g", s,
                  a.mse_alloc[s], a.mse_unif[s]);
  ck_assert_mem_eq(m.enc.bits, a.bits, sizeof(int) * 3);
  ck_assert_int_eq(m.enc.B, 3);
  ck_assert_double_eq(m.mse_test_hw, a.mse_alloc[0]);
  /* one thread: the same choice and the same numbers */
  o.jobs = 1;
  ck_assert_msg(bsq_alloc_run(&b, NULL, &d, &c, &o, &diag) == 0, "%s",
                diag.msg);
  ck_assert_mem_eq(b.bits, a.bits, sizeof(int) * 3);
  ck_assert_mem_eq(b.mse_alloc, a.mse_alloc, sizeof(double) * 2);
  ck_assert_mem_eq(b.mse_unif, a.mse_unif, sizeof(double) * 2);
  bsq_allocation_free(&b);
  bsq_allocation_free(&a);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_alloc_uniform_spreads_the_budget) {
  int b[5];
  bsq_alloc_uniform(b, 5, 12, 8);
  const int w12[5] = {3, 3, 2, 2, 2};
  ck_assert_mem_eq(b, w12, sizeof b);
  bsq_alloc_uniform(b, 5, 3, 8); /* below F: some features get 0 */
  const int w3[5] = {1, 1, 1, 0, 0};
  ck_assert_mem_eq(b, w3, sizeof b);
  bsq_alloc_uniform(b, 5, 40, 8);
  const int w40[5] = {8, 8, 8, 8, 8};
  ck_assert_mem_eq(b, w40, sizeof b);
}
END_TEST

START_TEST(test_alloc_rejects_bad_budgets) {
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_alloc_check(10, 3, 8, NULL, &diag), 0); /* N < F */
  ck_assert_int_eq(bsq_alloc_check(10, 80, 8, NULL, &diag), 0);
  ck_assert_int_eq(bsq_alloc_check(10, 81, 8, NULL, &diag), BSQ_EINVAL);
  ck_assert_str_eq(diag.msg, "frame bits 81: above 10 features x 8 bits = 80");
  ck_assert_int_eq(bsq_alloc_check(10, 31, 3, "--frame-bits", &diag),
                   BSQ_EINVAL);
  ck_assert_str_eq(diag.msg, "--frame-bits 31: above 10 features x 3 bits = 30");
  ck_assert_int_eq(bsq_alloc_check(10, -2, 8, NULL, &diag), BSQ_EINVAL);
  ck_assert_str_eq(diag.msg, "frame bits -2: below 0");
  ck_assert_int_eq(bsq_alloc_check(10, 0, 8, NULL, &diag), BSQ_EINVAL);
  ck_assert_int_eq(bsq_alloc_check(10, 5, 9, NULL, &diag), BSQ_EINVAL);
  ck_assert_str_eq(diag.msg, "max bits 9: outside 1..8");
  /* the run checks too, and a values-input method cannot drop features */
  bsq_dataset d;
  bsq_train_cfg c;
  bsq_alloc_opts o;
  small_setup(&d, &c, &o);
  bsq_allocation a;
  o.frame_bits = 10;
  ck_assert_int_eq(bsq_alloc_run(&a, NULL, &d, &c, &o, &diag), BSQ_EINVAL);
  ck_assert_str_eq(diag.msg, "frame bits 10: above 3 features x 3 bits = 9");
  o.frame_bits = 2;
  c.method = BSQ_METHOD_SQ;
  ck_assert_int_eq(bsq_alloc_run(&a, NULL, &d, &c, &o, &diag), BSQ_EINVAL);
  ck_assert_ptr_nonnull(strstr(diag.msg, "bits-input method"));
  bsq_dataset_free(&d);
}
END_TEST

/* The command: the model file (bsq train's format, the chosen bits), the
 * Markdown and JSON reports, and the table on stdout. */
START_TEST(test_alloc_cli_writes_model_and_reports) {
  char *dir = tu_tmpdir("alloc");
  char *csv = signal_and_noise_csv(900);
  char *data = tu_write(dir, "sn.csv", csv);
  char args[4096], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "alloc --data '%s' --frame-bits 2 --max-bits 2 --folds 2 "
           "--search-epochs 8 --epochs 8 --hidden 8 --seeds 2 --jobs 2 -q "
           "-o '%s/m.json' --report '%s/r.md' --json '%s/r.json'",
           data, dir, dir, dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  ck_assert_ptr_nonnull(strstr(out, "| x1 | 2 |"));
  ck_assert_ptr_nonnull(strstr(out, "| x2 | 0 | - | 1 |"));
  ck_assert_ptr_nonnull(strstr(out, "| uniform | 2 |"));
  char path[4096];
  snprintf(path, sizeof path, "%s/m.json", dir);
  bsq_model m;
  bsq_diag diag = {{0}};
  ck_assert_msg(bsq_model_load(&m, path, &diag) == 0, "%s", diag.msg);
  ck_assert_int_eq(m.enc.bits[0], 2);
  ck_assert_int_eq(m.enc.bits[1], 0);
  ck_assert_int_eq(m.enc.bits[2], 0);
  snprintf(path, sizeof path, "%s/r.md", dir);
  char *md = tu_read(path, NULL);
  ck_assert_ptr_nonnull(md);
  ck_assert_ptr_nonnull(strstr(out, md)); /* stdout prints the report */
  snprintf(path, sizeof path, "%s/r.json", dir);
  char *js = tu_read(path, NULL);
  ck_assert_ptr_nonnull(js);
  cJSON *root = cJSON_Parse(js);
  ck_assert_ptr_nonnull(root);
  ck_assert_double_eq(tu_json_num(root, "frame_bits"), 2);
  const cJSON *al = tu_json_field(root, "allocated");
  const cJSON *un = tu_json_field(root, "uniform");
  ck_assert_double_eq(tu_json_num(al, "bits_per_frame"), 2);
  ck_assert_double_eq(tu_json_num(un, "bits_per_frame"), 2);
  ck_assert_double_eq_tol(tu_json_num(al, "mse_mean"), m.mse_test_hw * 0.5 +
                          cJSON_GetArrayItem(tu_json_field(al, "mse_runs"), 1)
                                  ->valuedouble * 0.5, 1e-12);
  ck_assert_int_eq(cJSON_GetArraySize(tu_json_field(root, "features")), 3);
  cJSON_Delete(root);
  bsq_model_free(&m);
  free(js);
  free(md);
  free(out);
  free(err);
  free(data);
  free(csv);
  free(dir);
}
END_TEST

/* bsq pareto: the Markdown, JSON and SVG files; one point per budget,
 * allocated and uniform at the budget's bits, FP; the cost columns say
 * skipped without --cost; a bad budget list is bad input. */
START_TEST(test_alloc_pareto_writes_its_files) {
  char *dir = tu_tmpdir("pareto");
  char *csv = signal_and_noise_csv(900);
  char *data = tu_write(dir, "sn.csv", csv);
  int plot = system("command -v gnuplot > /dev/null 2>&1") == 0;
  char args[4096], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "pareto --data '%s' --frame-bits 1,3 --max-bits 3 --folds 2 "
           "--search-epochs 10 --epochs 15 --batch 64 --hidden 8 --seeds 2 "
           "--jobs 2 -q "
           "-o '%s/p.md' --json '%s/p.json' %s%s%s",
           data, dir, dir, plot ? "--plot '" : "", plot ? dir : "",
           plot ? "/p.svg'" : "");
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  char path[4096];
  snprintf(path, sizeof path, "%s/p.md", dir);
  char *md = tu_read(path, NULL);
  ck_assert_ptr_nonnull(md);
  ck_assert_ptr_nonnull(strstr(md, "skipped (--cost none)"));
  ck_assert_ptr_nonnull(strstr(md, "\n| 3 | "));
  snprintf(path, sizeof path, "%s/p.json", dir);
  char *js = tu_read(path, NULL);
  ck_assert_ptr_nonnull(js);
  cJSON *root = cJSON_Parse(js);
  ck_assert_ptr_nonnull(root);
  const cJSON *pts = tu_json_field(root, "points");
  ck_assert_int_eq(cJSON_GetArraySize(pts), 2);
  for (int i = 0; i < 2; i++) {
    const cJSON *pt = cJSON_GetArrayItem(pts, i);
    int N = (int)tu_json_num(pt, "frame_bits");
    ck_assert_int_eq(N, i ? 3 : 1);
    const cJSON *al = tu_json_field(pt, "allocated");
    ck_assert_int_le((int)tu_json_num(al, "bits_per_frame"), N);
    ck_assert(cJSON_IsNull(tu_json_field(al, "ice40_logic_cells")));
    ck_assert_int_eq(cJSON_GetArraySize(tu_json_field(al, "mse_runs")), 2);
    /* x1 carries y: all its bits go there, none to the noise */
    const cJSON *bits = tu_json_field(al, "bits");
    ck_assert_int_eq(cJSON_GetArrayItem(bits, 1)->valueint, 0);
    ck_assert_int_eq(cJSON_GetArrayItem(bits, 2)->valueint, 0);
    ck_assert_int_eq((int)tu_json_num(tu_json_field(pt, "uniform"),
                                      "bits_per_frame"), N);
  }
  ck_assert_int_eq(cJSON_GetArraySize(tu_json_field(tu_json_field(root, "fp"),
                                                    "mse_runs")), 2);
  cJSON_Delete(root);
  if (plot) {
    snprintf(path, sizeof path, "%s/p.svg", dir);
    char *svg = tu_read(path, NULL);
    ck_assert_ptr_nonnull(svg);
    ck_assert_ptr_nonnull(strstr(svg, "<svg"));
    ck_assert_ptr_nonnull(strstr(svg, "allocated"));
    free(svg);
  } else {
    printf("skipped: the SVG (gnuplot not found)\n");
  }
  free(out);
  free(err);
  out = err = NULL;
  snprintf(args, sizeof args, "pareto --data '%s' --frame-bits 2,x", data);
  ck_assert_int_eq(tu_bsq(args, &out, &err), 2);
  ck_assert_str_eq(err, "bsq pareto: --frame-bits 'x': not an integer\n");
  free(out);
  free(err);
  out = err = NULL;
  snprintf(args, sizeof args, "pareto --data '%s' --frame-bits 2,25", data);
  ck_assert_int_eq(tu_bsq(args, &out, &err), 2);
  ck_assert_str_eq(err, "bsq pareto: --frame-bits 25: above 3 features x 8 "
                        "bits = 24\n");
  free(out);
  free(err);
  free(js);
  free(md);
  free(data);
  free(csv);
  free(dir);
}
END_TEST

Suite *alloc_suite(void);
Suite *alloc_suite(void) {
  Suite *s = suite_create("alloc");
  TCase *tc = tcase_create("Core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_alloc_noise_features_get_no_bits);
  tcase_add_test(tc, test_alloc_uniform_spreads_the_budget);
  tcase_add_test(tc, test_alloc_cli_writes_model_and_reports);
  tcase_add_test(tc, test_alloc_pareto_writes_its_files);
  suite_add_tcase(s, tc);
  tc = tcase_create("Errors");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_alloc_rejects_bad_budgets);
  suite_add_tcase(s, tc);
  return s;
}
