/* The real data set beside the checkout (../shared/data/wine_quality.csv,
 * UCI Wine Quality, red + white): it loads as it should and bsq learns a
 * useful model from it. When the file is not there the suite reports
 * itself skipped (exit 77, CTest's SKIP_RETURN_CODE); it never passes
 * without checking. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "model.h"
#include "testutil.h"
#include "train.h"

#define WINE "wine_quality.csv"

static char *wine_path(void) {
  char *path = tu_shared_data(WINE);
  ck_assert_msg(path != NULL, "../shared/data/" WINE " vanished");
  return path;
}

START_TEST(test_wine_loads) {
  char *path = wine_path();
  bsq_dataset d;
  bsq_diag g = {{0}};
  int rc = bsq_dataset_load_csv(&d, path, "quality", &g);
  ck_assert_msg(rc == BSQ_OK, "%s", g.msg);
  ck_assert_int_eq(d.rows, 6497);
  ck_assert_int_eq(d.F, 11);
  ck_assert_str_eq(d.target, "quality");
  ck_assert_str_eq(d.names[0], "fixed_acidity");
  ck_assert_double_eq(d.x[0], 7.4);
  ck_assert_double_eq(d.y[0], 5.0);
  unsigned long long hash = d.hash;
  bsq_dataset_free(&d);
  ck_assert_int_eq(bsq_dataset_load_csv(&d, path, NULL, &g), BSQ_OK);
  ck_assert_str_eq(d.target, "quality"); /* the last column by default */
  ck_assert_uint_eq(d.hash, hash);
  bsq_dataset_free(&d);
  free(path);
}
END_TEST

typedef struct {
  int n;
  double first_val;
} trace;

static void record(const bsq_progress *p, void *user) {
  trace *t = user;
  if (t->n++ == 0) t->first_val = p->val_mse;
}

START_TEST(test_wine_trains_a_useful_model) {
  char *path = wine_path();
  bsq_dataset d;
  bsq_diag diag;
  ck_assert_int_eq(bsq_dataset_load_csv(&d, path, "quality", &diag), 0);
  bsq_train_cfg c;
  bsq_train_cfg_default(&c);
  c.epochs = 6;
  c.nhidden = 2;
  c.hidden[0] = c.hidden[1] = 32;
  c.bits[0] = 3;
  c.seed = 7;
  trace t = {0};
  bsq_model m;
  ck_assert_int_eq(bsq_train(&m, &d, &c, record, &t, &diag), 0);
  ck_assert_int_eq(t.n, 6);
  ck_assert_double_lt(m.mse_val, t.first_val);
  /* clearly better than predicting the mean (MSE 1), and the integer path
   * agrees with the float one */
  ck_assert_double_lt(m.mse_test_hw, 0.85);
  ck_assert_double_le(fabs(m.mse_test_hw - m.mse_test), 0.02 * m.mse_test);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
  free(path);
}
END_TEST

Suite *wine_suite(void);
Suite *wine_suite(void) {
  char *path = tu_shared_data(WINE);
  if (!path) {
    printf("skipped: ../shared/data/" WINE " is not beside the checkout\n");
    return NULL; /* check_main.c exits 77: skipped */
  }
  free(path);
  Suite *s = suite_create("wine");
  TCase *core = tcase_create("Core");
  tcase_set_timeout(core, 300);
  tcase_add_test(core, test_wine_loads);
  tcase_add_test(core, test_wine_trains_a_useful_model);
  suite_add_tcase(s, core);
  return s;
}
