/* Training (Bw-SQ) and evaluation on friedman1, and on wine_quality when
 * the shared data is present. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "model.h"
#include "testutil.h"
#include "train.h"

typedef struct {
  int n;
  double val[64];
  double loss[64];
  double tau[64];
} trace;

static void record(const bsq_progress *p, void *user) {
  trace *t = user;
  if (t->n < 64) {
    t->val[t->n] = p->val_mse;
    t->loss[t->n] = p->train_loss;
    t->tau[t->n] = p->tau;
    t->n++;
  }
}

static void small_cfg(bsq_train_cfg *c, int epochs) {
  bsq_train_cfg_default(c);
  c->epochs = epochs;
  c->nhidden = 2;
  c->hidden[0] = c->hidden[1] = 32;
  c->bits[0] = 3;
  c->seed = 7;
}

START_TEST(test_train_lowers_validation_loss) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 6000, 3), 0);
  bsq_train_cfg c;
  small_cfg(&c, 12);
  trace t = {0};
  bsq_model m;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&m, &d, &c, record, &t, &diag), 0);
  ck_assert_int_eq(t.n, 12);
  /* validation error falls well below that of the first epoch */
  ck_assert_double_lt(m.mse_val, 0.8 * t.val[0]);
  ck_assert_double_lt(t.loss[t.n - 1], t.loss[0]);
  /* tau follows tau_decay^(epoch/epochs) */
  ck_assert_double_eq_tol(t.tau[t.n - 1], c.tau_decay, 1e-6);
  ck_assert_double_eq_tol(t.tau[0], pow(c.tau_decay, 1.0 / 12), 1e-6);
  /* the returned weights are the best ones: their validation MSE is the
   * minimum seen in training */
  double best = INFINITY;
  for (int i = 0; i < t.n; i++) best = fmin(best, t.val[i]);
  ck_assert_double_eq_tol(m.mse_val, best, 1e-12);
  bsq_split s;
  ck_assert_int_eq(bsq_split_make(&s, d.rows, c.seed), 0);
  bsq_eval_result r;
  ck_assert_int_eq(bsq_evaluate(&m, &d, s.val, s.n_val, &r, &diag), 0);
  ck_assert_double_eq_tol(r.mse, best, 1e-9);
  bsq_split_free(&s);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_train_same_seed_same_bytes) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 3000, 3), 0);
  bsq_train_cfg c;
  small_cfg(&c, 3);
  c.dropout = 0.1f;
  bsq_model a, b, o;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&a, &d, &c, NULL, NULL, &diag), 0);
  ck_assert_int_eq(bsq_train(&b, &d, &c, NULL, NULL, &diag), 0);
  c.seed = 8;
  ck_assert_int_eq(bsq_train(&o, &d, &c, NULL, NULL, &diag), 0);
  char *ja = bsq_model_to_json(&a), *jb = bsq_model_to_json(&b);
  char *jo = bsq_model_to_json(&o);
  ck_assert_ptr_nonnull(ja);
  ck_assert_str_eq(ja, jb);
  ck_assert_str_ne(ja, jo);
  free(ja);
  free(jb);
  free(jo);
  bsq_model_free(&a);
  bsq_model_free(&b);
  bsq_model_free(&o);
  bsq_dataset_free(&d);
}
END_TEST

/* At W = 16 the input codes are fine enough that the hardware-true MSE
 * matches the float one to 1%. */
START_TEST(test_train_hw_matches_float_at_w16) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 6000, 5), 0);
  bsq_train_cfg c;
  small_cfg(&c, 8);
  c.bits[0] = 4;
  c.input_width = 16;
  bsq_model m;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), 0);
  ck_assert(isfinite(m.mse_test));
  ck_assert_double_le(fabs(m.mse_test_hw - m.mse_test), 0.01 * m.mse_test);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

/* Coarse inputs (W = 3) make the integer path differ from the float one:
 * proves mse_hw really goes through the codes. */
START_TEST(test_train_hw_differs_at_w3) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 4000, 5), 0);
  bsq_train_cfg c;
  small_cfg(&c, 4);
  c.bits[0] = 4;
  c.input_width = 3;
  bsq_model m;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), 0);
  ck_assert_double_ne(m.mse_test_hw, m.mse_test);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_train_per_feature_bits) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 2000, 1), 0);
  bsq_train_cfg c;
  small_cfg(&c, 2);
  c.nbits = 10;
  int bits[10] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2};
  memcpy(c.bits, bits, sizeof bits);
  bsq_model m;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), 0);
  int B = 0, D = 0;
  for (int f = 0; f < 10; f++) {
    ck_assert_int_eq(m.enc.bits[f], bits[f]);
    B += bits[f];
    D += (1 << bits[f]) - 1;
  }
  ck_assert_int_eq(m.enc.B, B);
  ck_assert_int_eq(m.enc.D, D);
  ck_assert_int_eq(m.dims[0], D);
  bsq_model_free(&m);
  c.nbits = 3; /* neither one value nor one per feature */
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), BSQ_EINVAL);
  ck_assert_str_eq(diag.msg, "--bits: 3 values given for 10 features");
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_train_wine_quality) {
  char *path = tu_shared_data("wine_quality.csv");
  if (!path) return; /* the shared data is not beside this checkout */
  bsq_dataset d;
  bsq_diag diag;
  ck_assert_int_eq(bsq_dataset_load_csv(&d, path, "quality", &diag), 0);
  bsq_train_cfg c;
  small_cfg(&c, 6);
  trace t = {0};
  bsq_model m;
  ck_assert_int_eq(bsq_train(&m, &d, &c, record, &t, &diag), 0);
  ck_assert_double_lt(m.mse_val, t.val[0]);
  /* a useful model: clearly better than predicting the mean (MSE 1) */
  ck_assert_double_lt(m.mse_test_hw, 0.85);
  ck_assert_double_le(fabs(m.mse_test_hw - m.mse_test), 0.02 * m.mse_test);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
  free(path);
}
END_TEST

Suite *train_suite(void);
Suite *train_suite(void) {
  Suite *s = suite_create("train");
  TCase *core = tcase_create("Core");
  tcase_set_timeout(core, 300);
  tcase_add_test(core, test_train_lowers_validation_loss);
  tcase_add_test(core, test_train_same_seed_same_bytes);
  tcase_add_test(core, test_train_per_feature_bits);
  tcase_add_test(core, test_train_wine_quality);
  suite_add_tcase(s, core);
  TCase *num = tcase_create("Numerics");
  tcase_set_timeout(num, 300);
  tcase_add_test(num, test_train_hw_matches_float_at_w16);
  tcase_add_test(num, test_train_hw_differs_at_w3);
  suite_add_tcase(s, num);
  return s;
}
