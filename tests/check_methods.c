/* The method table (model/methods.c): names and labels, and that each
 * property in it is what training does with the method. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "data.h"
#include "model.h"
#include "testutil.h"
#include "train.h"

START_TEST(test_methods_names_parse_back) {
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    const bsq_method_info *i = bsq_method_get(m);
    ck_assert_ptr_nonnull(i);
    ck_assert_int_eq(bsq_method_parse(i->name), m);
    ck_assert_str_eq(bsq_method_name(m), i->name);
    ck_assert_str_eq(bsq_method_label(m), i->label);
    ck_assert_int_eq(bsq_method_input(m), i->input);
    ck_assert_int_lt((int)strlen(i->name), BSQ_METHOD_NAME_MAX);
    ck_assert_ptr_nonnull(i->summary); /* for help texts, one short line */
    ck_assert_int_gt((int)strlen(i->summary), 0);
    ck_assert_int_le((int)strlen(i->summary), 50);
    /* the label is the name in the paper's capitals */
    ck_assert_int_eq(strlen(i->label), strlen(i->name));
    ck_assert_int_eq(strncasecmp(i->label, i->name, strlen(i->name)), 0);
  }
  ck_assert_ptr_null(bsq_method_get(-1));
  ck_assert_ptr_null(bsq_method_get(BSQ_METHOD_COUNT));
  ck_assert_int_eq(bsq_method_parse("BW-SQ"), -1);
  ck_assert_int_eq(bsq_method_parse(""), -1);
  ck_assert_int_eq(bsq_method_parse(NULL), -1);
  ck_assert_str_eq(bsq_method_name(BSQ_METHOD_COUNT), "?");
}
END_TEST

START_TEST(test_methods_parse_list) {
  int want[BSQ_METHOD_COUNT];
  char bad[32];
  ck_assert_int_eq(bsq_method_parse_list("all", want, bad, sizeof bad), 0);
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) ck_assert_int_eq(want[m], 1);
  ck_assert_int_eq(bsq_method_parse_list("lsq,fp,lsq", want, bad, sizeof bad),
                   0);
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    ck_assert_int_eq(want[m], m == BSQ_METHOD_LSQ || m == BSQ_METHOD_FP);
  static const struct {
    const char *list, *bad;
  } BAD[] = {{"bw-sq,xx", "xx"}, {"", ""}, {"sq,,lsq", ""},
             {"sq,", ""},        {"ALL", "ALL"}};
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    ck_assert_int_eq(bsq_method_parse_list(BAD[i].list, want, bad, sizeof bad),
                     -1);
    ck_assert_str_eq(bad, BAD[i].bad);
  }
}
END_TEST

START_TEST(test_methods_list_is_the_table) {
  char all[256], enc[256], tiny[8];
  bsq_method_list(all, sizeof all, ", ", 1);
  bsq_method_list(enc, sizeof enc, ",", 0);
  ck_assert_str_eq(all, "bw-sq, fp, po-mq, po-qq, pr-mq, pr-qq, bw-mq, "
                        "bw-qq, sq, lsq, sq+, llt4, llt9");
  ck_assert_str_eq(enc, "bw-sq,po-mq,po-qq,pr-mq,pr-qq,bw-mq,bw-qq,sq,lsq,"
                        "sq+,llt4,llt9");
  bsq_method_list(tiny, sizeof tiny, ", ", 1); /* truncated, terminated */
  ck_assert_str_eq(tiny, "bw-sq, ");
}
END_TEST

static void tiny_cfg(bsq_train_cfg *c, bsq_method m, int epochs,
                     float tau_decay) {
  bsq_train_cfg_default(c);
  c->method = m;
  c->epochs = epochs;
  c->nhidden = 1;
  c->hidden[0] = 8;
  c->batch = 64;
  c->bits[0] = 2;
  c->seed = 3;
  c->tau_decay = tau_decay;
}

static int same_params(const bsq_model *a, const bsq_model *b) {
  return a->nparams == b->nparams &&
         !memcmp(a->params, b->params, sizeof(float) * a->nparams);
}

/* soft: the result depends on the temperature schedule, and only then. */
START_TEST(test_methods_soft_means_tau_matters) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 400, 2), 0);
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    bsq_train_cfg c;
    bsq_model a, b;
    bsq_diag diag = {{0}};
    tiny_cfg(&c, (bsq_method)m, 2, 1e-3f);
    ck_assert_msg(bsq_train(&a, &d, &c, NULL, NULL, &diag) == 0, "%s", diag.msg);
    c.tau_decay = 0.5f;
    ck_assert_int_eq(bsq_train(&b, &d, &c, NULL, NULL, &diag), 0);
    ck_assert_msg(same_params(&a, &b) == !bsq_method_get(m)->soft, "%s",
                  bsq_method_name(m));
    /* input: what the network is fed */
    ck_assert_int_eq(a.input, bsq_method_get(m)->input);
    ck_assert_int_eq(a.dims[0], a.input == BSQ_INPUT_BITS ? a.enc.D : a.F);
    bsq_model_free(&a);
    bsq_model_free(&b);
  }
  bsq_dataset_free(&d);
}
END_TEST

/* grid: fixed thresholds sit on the min-max levels or the quantiles of
 * the training split whatever the epochs; learned ones move. */
START_TEST(test_methods_grid_is_where_the_thresholds_are) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 400, 2), 0);
  double *col = malloc(sizeof(double) * (size_t)d.rows);
  ck_assert_ptr_nonnull(col);
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    const bsq_method_info *mi = bsq_method_get(m);
    if (mi->input == BSQ_INPUT_FLOAT) continue; /* FP: no thresholds */
    bsq_train_cfg c;
    bsq_model a, b;
    bsq_diag diag = {{0}};
    tiny_cfg(&c, (bsq_method)m, 1, 1e-3f);
    /* LLT's thresholds move a whole cell at a time, once its table has
     * moved enough: a few steps of a larger rate */
    if (m == BSQ_METHOD_LLT4 || m == BSQ_METHOD_LLT9) c.lr = 0.1f;
    ck_assert_int_eq(bsq_train(&a, &d, &c, NULL, NULL, &diag), 0);
    c.epochs = 4;
    ck_assert_int_eq(bsq_train(&b, &d, &c, NULL, NULL, &diag), 0);
    int moved = memcmp(a.thr, b.thr, sizeof(float) * (size_t)a.enc.D) != 0;
    ck_assert_msg(moved == (mi->grid == BSQ_GRID_NONE), "%s", mi->name);
    if (mi->grid == BSQ_GRID_NONE) goto next;
    bsq_split s;
    ck_assert_int_eq(bsq_split_make(&s, d.rows, c.seed), 0);
    for (int f = 0; f < a.F; f++) {
      double lo = INFINITY, hi = -INFINITY;
      for (int i = 0; i < s.n_train; i++) {
        col[i] = (d.x[(size_t)s.train[i] * (size_t)d.F + f] - a.mu[f]) /
                 a.sigma[f];
        lo = fmin(lo, col[i]);
        hi = fmax(hi, col[i]);
      }
      for (int k = 1; k <= 3; k++) { /* 2 bits: thresholds at k / 4 */
        double t = a.thr[a.enc.toff[f] + k - 1];
        if (mi->grid == BSQ_GRID_MINMAX) {
          ck_assert_double_eq_tol(t, lo + k / 4.0 * (hi - lo), 1e-5);
        } else { /* a quarter of the training rows per interval */
          int below = 0;
          for (int i = 0; i < s.n_train; i++) below += col[i] <= t;
          ck_assert_int_le(abs(below - k * s.n_train / 4), 2);
        }
      }
    }
    bsq_split_free(&s);
  next:
    bsq_model_free(&a);
    bsq_model_free(&b);
  }
  free(col);
  bsq_dataset_free(&d);
}
END_TEST

/* fp_parent: the method is FP training followed by bsq_quantize_fp, which
 * takes exactly these methods; they cannot train on a given split. */
START_TEST(test_methods_fp_parent_means_post_training) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 400, 2), 0);
  bsq_train_cfg c;
  bsq_model fp, q, p;
  bsq_diag diag = {{0}};
  tiny_cfg(&c, BSQ_METHOD_FP, 2, 1e-3f);
  ck_assert_int_eq(bsq_train(&fp, &d, &c, NULL, NULL, &diag), 0);
  bsq_split s;
  ck_assert_int_eq(bsq_split_make(&s, d.rows, c.seed), 0);
  int bits = 2;
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    int po = bsq_method_get(m)->fp_parent;
    int rc = bsq_quantize_fp(&q, &fp, &d, (bsq_method)m, 1, &bits, &diag);
    ck_assert_int_eq(rc, po ? BSQ_OK : BSQ_EINVAL);
    tiny_cfg(&c, (bsq_method)m, 2, 1e-3f);
    ck_assert_int_eq(bsq_train_split(&p, &d, &c, &s, NULL, &diag) == 0, !po);
    if (!po) {
      bsq_model_free(&p);
      continue;
    }
    ck_assert_int_eq(bsq_train(&p, &d, &c, NULL, NULL, &diag), 0);
    q.train_seconds = p.train_seconds = 0;
    char *a = bsq_model_to_json(&q), *b = bsq_model_to_json(&p);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    bsq_model_free(&p);
    bsq_model_free(&q);
  }
  bsq_split_free(&s);
  bsq_model_free(&fp);
  bsq_dataset_free(&d);
}
END_TEST

/* The methods with learned values (SQ+, LLT4, LLT9) reach the hardware as
 * the others do: trained through the command line, their model's encoder
 * generated and co-simulated against the C model (Verilator). */
static const char *const HW_METHODS[] = {"sq+", "llt4", "llt9"};

/* BSQ_COSIM_STRIDE=s (the sanitizer build, as check_cosim.c) co-simulates
 * every s-th of them only. */
static int hw_stride = 1;

START_TEST(test_methods_learned_values_cosimulate) {
  const int k = _i * hw_stride;
  const char *meth = HW_METHODS[k];
  char *dir = tu_tmpdir("methods-cosim");
  char args[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "train --data friedman1 --rows 600 --data-seed 4 --method %s --bits 3 "
           "--epochs 3 --hidden 1x8 --seed 2 -o '%s/model.json' -q",
           meth, dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "%s: %s%s", meth, out ? out : "", err ? err : "");
  free(out);
  free(err);
  snprintf(args, sizeof args,
           "sim '%s/model.json' --arch %s --word-bits 16 --frames 400 "
           "--backpressure 0.5 --json",
           dir, k == 1 ? "search" : "flash");
  rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "%s: sim exit %d\n%s%s", meth, rc, out ? out : "",
                err ? err : "");
  ck_assert_ptr_nonnull(strstr(out, "\"mismatches\": 0,"));
  ck_assert_ptr_nonnull(strstr(out, "\"pass\": true}"));
  free(out);
  free(err);
  free(dir);
}
END_TEST

Suite *methods_suite(void);
Suite *methods_suite(void) {
  Suite *s = suite_create("methods");
  TCase *core = tcase_create("Core");
  tcase_add_test(core, test_methods_names_parse_back);
  tcase_add_test(core, test_methods_list_is_the_table);
  tcase_add_test(core, test_methods_parse_list);
  suite_add_tcase(s, core);
  TCase *prop = tcase_create("Properties");
  tcase_set_timeout(prop, 120);
  tcase_add_test(prop, test_methods_soft_means_tau_matters);
  tcase_add_test(prop, test_methods_grid_is_where_the_thresholds_are);
  tcase_add_test(prop, test_methods_fp_parent_means_post_training);
  suite_add_tcase(s, prop);
  TCase *hw = tcase_create("Hardware");
  tcase_set_timeout(hw, 300);
  const int nhw = (int)(sizeof HW_METHODS / sizeof HW_METHODS[0]);
  const char *stride = getenv("BSQ_COSIM_STRIDE");
  hw_stride = stride ? atoi(stride) : 1;
  if (hw_stride < 1 || hw_stride > nhw) hw_stride = 1;
  tcase_add_loop_test(hw, test_methods_learned_values_cosimulate, 0,
                      (nhw + hw_stride - 1) / hw_stride);
  suite_add_tcase(s, hw);
  return s;
}
