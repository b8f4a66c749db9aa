/* Training (Bw-SQ and the baselines) and evaluation on friedman1 (the real
 * data set: check_wine.c). */
#include <check.h>
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "methods.h"
#include "model.h"
#include "nn.h"
#include "quant.h"
#include "rng.h"
#include "sensor.h"
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
  c.bits[0] = 3; /* 7 thresholds on 8 codes: coarse, but each can differ */
  c.input_width = 3;
  bsq_model m;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), 0);
  ck_assert_double_ne(m.mse_test_hw, m.mse_test);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

/* More levels than input codes: refused naming the feature (exit 2 from
 * the CLI), nothing trained. */
START_TEST(test_train_refuses_more_levels_than_codes) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 500, 1), 0);
  bsq_train_cfg c;
  small_cfg(&c, 3);
  c.input_width = 2;
  bsq_model m;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), BSQ_ERANGE);
  ck_assert_msg(strstr(diag.msg, "feature \"x1\": 3 bits need 7 distinct "
                                 "thresholds, but its 2-bit input codes have "
                                 "only 3") != NULL, "%s", diag.msg);
  c.input_width = 3; /* 7 thresholds, 8 codes: fine */
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), 0);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
  char *err = NULL;
  ck_assert_int_eq(tu_bsq("train --data friedman1 --rows 500 --bits 8 "
                          "--input-width 1 -o /nonexistent/m.json", NULL, &err),
                   2);
  ck_assert_ptr_nonnull(strstr(err, "bits must be at most the input width"));
  free(err);
}
END_TEST

/* The check every training command runs first: per-feature input widths
 * (a list) and a sensor spec's width, against one bit width for all or
 * one each; 0 bits (not sent) fits any width; the option leads the
 * message when given. */
START_TEST(test_train_check_bits_against_input_widths) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 50, 1), 0);
  bsq_train_cfg c;
  small_cfg(&c, 1);
  c.ninput_widths = d.F;
  for (int f = 0; f < d.F; f++) c.input_widths[f] = 8;
  c.input_widths[3] = 2; /* x4 */
  bsq_diag diag = {{0}};
  int three = 3, two = 2;
  ck_assert_int_eq(bsq_train_input_width(&c, &d, 3), 2);
  ck_assert_int_eq(bsq_train_check_bits(&c, &d, 1, &two, NULL, &diag), 0);
  ck_assert_int_eq(bsq_train_check_bits(&c, &d, 1, &three, "--bits 3", &diag),
                   BSQ_ERANGE);
  ck_assert_str_eq(diag.msg, "--bits 3: feature \"x4\": 3 bits need 7 "
                             "distinct thresholds, but its 2-bit input codes "
                             "have only 3 (bits must be at most the input "
                             "width)");
  int each[10] = {8, 8, 8, 0, 8, 8, 8, 8, 8, 8};
  ck_assert_int_eq(bsq_train_check_bits(&c, &d, d.F, each, NULL, &diag), 0);
  c.input_widths[9] = 7; /* x10 at 8 bits */
  ck_assert_int_eq(bsq_train_check_bits(&c, &d, d.F, each, NULL, &diag),
                   BSQ_ERANGE);
  ck_assert_ptr_nonnull(strstr(diag.msg, "feature \"x10\": 8 bits need 255"));
  /* a sensor spec's width wins over --input-width */
  static const char spec[] =
      "{\"features\": [{\"name\": \"x2\", \"width\": 1, \"signed\": false, "
      "\"lsb\": 1.0, \"offset\": 0.0}]}";
  bsq_sensor sen;
  ck_assert_int_eq(bsq_sensor_parse(&sen, spec, strlen(spec), "s.json", &diag),
                   0);
  c.ninput_widths = 0;
  c.input_width = 16;
  c.sensor = &sen;
  ck_assert_int_eq(bsq_train_input_width(&c, &d, 1), 1);
  ck_assert_int_eq(bsq_train_input_width(&c, &d, 0), 16);
  ck_assert_int_eq(bsq_train_check_bits(&c, &d, 1, &two, NULL, &diag),
                   BSQ_ERANGE);
  ck_assert_ptr_nonnull(strstr(diag.msg, "feature \"x2\": 2 bits need 3 "
                                         "distinct thresholds, but its 1-bit"));
  bsq_sensor_free(&sen);
  bsq_dataset_free(&d);
}
END_TEST

/* A feature whose thresholds all land on one code (a column that is 0 but
 * in 4 rows of 200, its 2-bit input: the quantiles and the training keep
 * the 3 thresholds in code 0) is named in a warning; the model is still
 * written. */
START_TEST(test_train_warns_on_flat_feature) {
  char *dir = tu_tmpdir("train-flat");
  size_t cap = 200 * 32 + 16, n = 0;
  char *csv = malloc(cap);
  ck_assert_ptr_nonnull(csv);
  n += (size_t)snprintf(csv + n, cap - n, "a,b,y\n");
  for (int i = 0; i < 200; i++) {
    int a = i % 50 == 0;
    double b = (double)((i * 37) % 200) / 200.0;
    n += (size_t)snprintf(csv + n, cap - n, "%d,%.4f,%.4f\n", a, b,
                          2 * b + a);
  }
  char *data = tu_write(dir, "flat.csv", csv);
  free(csv);
  char args[2048], *err = NULL;
  snprintf(args, sizeof args,
           "train --data '%s' --bits 2 --input-width 2 --epochs 2 --hidden 2 "
           "-o '%s/m.json' -q", data, dir);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 0);
  ck_assert_msg(strstr(err, "bsq train: warning: feature \"a\": all 3 "
                            "thresholds are the same code") != NULL, "%s", err);
  ck_assert_ptr_null(strstr(err, "feature \"b\""));
  free(err);
  snprintf(args, sizeof args, "%s/m.json", dir);
  ck_assert(tu_exists(args));
  free(data);
  free(dir);
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
  ck_assert_str_eq(diag.msg, "bits: 3 values given for 10 features");
  bsq_dataset_free(&d);
}
END_TEST


/* ---- the baselines ------------------------------------------------------- */

/* MSE of predicting the training mean (0 in standardized units) on the test
 * split: the trivial predictor every method must beat. */
static double trivial_mse(const bsq_model *m, const bsq_dataset *d,
                          const bsq_split *s) {
  double e = 0;
  for (int i = 0; i < s->n_test; i++) {
    double y = (d->y[s->test[i]] - m->y_mu) / m->y_sigma;
    e += y * y;
  }
  return e / s->n_test;
}

/* Levels of the test rows through the integer encoder, then the decoder
 * input and network: the path bsq decode takes. */
static double levels_path_mse(const bsq_model *m, const bsq_dataset *d,
                              const bsq_split *s) {
  int F = m->F;
  uint8_t *lv = malloc((size_t)s->n_test * (size_t)F);
  double *p = malloc(sizeof(double) * (size_t)s->n_test);
  int64_t codes[BSQ_MAX_FEATURES];
  ck_assert_ptr_nonnull(lv);
  ck_assert_ptr_nonnull(p);
  for (int i = 0; i < s->n_test; i++) {
    for (int f = 0; f < F; f++)
      codes[f] = bsq_format_code(&m->enc.fmt[f],
                                 d->x[(size_t)s->test[i] * (size_t)F + f]);
    bsq_encoder_levels(&m->enc, codes, lv + (size_t)i * (size_t)F);
  }
  ck_assert_int_eq(bsq_model_predict_levels(m, lv, s->n_test, p), 0);
  double e = 0;
  for (int i = 0; i < s->n_test; i++) {
    double y = (d->y[s->test[i]] - m->y_mu) / m->y_sigma;
    e += (p[i] - y) * (p[i] - y);
  }
  free(lv);
  free(p);
  return e / s->n_test;
}

/* Every method trains a small friedman1 problem to a useful model, and
 * every code-sending one survives the model file: same hash, same bytes,
 * and its hardware-true MSE is the levels -> decoder -> network path. */
START_TEST(test_train_every_method_beats_the_mean_and_round_trips) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 2500, 11), 0);
  for (int meth = 0; meth < BSQ_METHOD_COUNT; meth++) {
    bsq_train_cfg c;
    small_cfg(&c, 15);
    c.batch = 128;
    c.method = (bsq_method)meth;
    const char *name = bsq_method_name(meth);
    bsq_model m;
    bsq_diag diag = {{0}};
    ck_assert_msg(bsq_train(&m, &d, &c, NULL, NULL, &diag) == 0, "%s: %s",
                  name, diag.msg);
    ck_assert_int_eq(m.input, bsq_method_input(meth));
    ck_assert_int_eq(m.dims[0],
                     m.input == BSQ_INPUT_BITS ? m.enc.D : m.F);
    bsq_split s;
    ck_assert_int_eq(bsq_split_make(&s, d.rows, c.seed), 0);
    double trivial = trivial_mse(&m, &d, &s);
    ck_assert_msg(m.mse_test_hw < 0.6 * trivial, "%s: mse_hw %g, mean %g",
                  name, m.mse_test_hw, trivial);
    if (meth == BSQ_METHOD_FP) {
      /* no encoder: not a model file, and no integer path */
      ck_assert_ptr_null(bsq_model_to_json(&m));
      ck_assert_int_eq(bsq_model_save(&m, "/nonexistent/m.json", &diag),
                       BSQ_EINVAL);
      ck_assert_ptr_nonnull(strstr(diag.msg, "training.method: fp"));
      uint8_t lv[10] = {0};
      double y;
      ck_assert_int_eq(bsq_model_predict_levels(&m, lv, 1, &y), BSQ_EINVAL);
      ck_assert_double_eq(m.mse_test_hw, m.mse_test);
    } else {
      char *j = bsq_model_to_json(&m);
      ck_assert_ptr_nonnull(j);
      bsq_model l;
      ck_assert_msg(bsq_model_from_json(&l, j, strlen(j), name, &diag) ==
                        0,
                    "%s", diag.msg);
      ck_assert_uint_eq(bsq_model_hash(&l), bsq_model_hash(&m));
      char *j2 = bsq_model_to_json(&l);
      ck_assert_str_eq(j, j2);
      ck_assert_int_eq(l.cfg.method, c.method);
      /* the loaded model's levels path is what was measured in training */
      ck_assert_double_eq(levels_path_mse(&l, &d, &s), m.mse_test_hw);
      bsq_eval_result r;
      ck_assert_int_eq(bsq_evaluate(&l, &d, s.test, s.n_test, &r, &diag), 0);
      ck_assert_double_eq(r.mse_hw, m.mse_test_hw);
      ck_assert_double_eq(r.mse, m.mse_test);
      /* W = 16: the float path differs only by input quantization */
      ck_assert_double_le(fabs(r.mse_hw - r.mse), 0.02 * r.mse);
      free(j2);
      free(j);
      bsq_model_free(&l);
    }
    bsq_split_free(&s);
    bsq_model_free(&m);
  }
  bsq_dataset_free(&d);
}
END_TEST

/* The fixed grids: Bw-MQ/Pr-MQ at the min-max levels, Bw-QQ/Pr-QQ at the
 * quantiles; Pr- values at the interval midpoints; LSQ's thresholds and
 * values on one uniform grid; SQ's values 2k/n - 1. */
START_TEST(test_train_method_grids) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 1500, 2), 0);
  const int meths[] = {BSQ_METHOD_BW_MQ, BSQ_METHOD_PR_MQ, BSQ_METHOD_BW_QQ,
                       BSQ_METHOD_PR_QQ, BSQ_METHOD_LSQ, BSQ_METHOD_SQ};
  bsq_model ref[2];
  for (size_t k = 0; k < sizeof meths / sizeof meths[0]; k++) {
    int meth = meths[k];
    bsq_train_cfg c;
    small_cfg(&c, 3);
    c.method = (bsq_method)meth;
    bsq_model m;
    bsq_diag diag;
    ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), 0);
    int n = 7; /* 3 bits */
    for (int f = 0; f < m.F; f++) {
      const float *t = m.thr + m.enc.toff[f];
      if (meth == BSQ_METHOD_BW_MQ || meth == BSQ_METHOD_PR_MQ) {
        /* equal steps */
        for (int i = 2; i < n; i++)
          ck_assert_double_eq_tol(t[i] - t[i - 1], t[1] - t[0], 1e-5);
      }
      if (meth == BSQ_METHOD_PR_MQ || meth == BSQ_METHOD_PR_QQ) {
        const float *v = m.values + m.voff[f];
        for (int i = 1; i < n; i++)
          ck_assert_double_eq_tol(v[i], 0.5 * (t[i - 1] + t[i]), 1e-6);
        ck_assert_float_lt(v[0], t[0]);
        ck_assert_float_gt(v[n], t[n - 1]);
      }
      if (meth == BSQ_METHOD_LSQ) {
        const float *v = m.values + m.voff[f];
        float step = v[1] - v[0];
        ck_assert_float_gt(step, 0);
        ck_assert_float_eq(v[4], 0.0f); /* q = k - Qn, Qn = 4 */
        for (int i = 0; i < n; i++)
          ck_assert_double_eq_tol(t[i], 0.5 * (v[i] + v[i + 1]), 1e-5);
      }
      if (meth == BSQ_METHOD_SQ)
        for (int i = 0; i <= n; i++)
          ck_assert_float_eq(m.values[m.voff[f] + i], bsq_sq_value(i, n));
    }
    /* fixed grids do not move in training: MQ of Bw- and Pr- coincide */
    if (meth == BSQ_METHOD_BW_MQ) ref[0] = m;
    else if (meth == BSQ_METHOD_BW_QQ) ref[1] = m;
    else {
      if (meth == BSQ_METHOD_PR_MQ || meth == BSQ_METHOD_PR_QQ) {
        const bsq_model *r = &ref[meth == BSQ_METHOD_PR_QQ];
        ck_assert_mem_eq(r->thr, m.thr, sizeof(float) * (size_t)m.enc.D);
      }
      bsq_model_free(&m);
    }
  }
  bsq_model_free(&ref[0]);
  bsq_model_free(&ref[1]);
  bsq_dataset_free(&d);
}
END_TEST

/* Po-*: the FP network itself, quantized after training; bsq_train with
 * po-qq equals FP training followed by bsq_quantize_fp. */
START_TEST(test_train_post_quantization_reuses_fp) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 2000, 4), 0);
  bsq_train_cfg c;
  small_cfg(&c, 4);
  c.method = BSQ_METHOD_FP;
  bsq_model fp, q, p;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&fp, &d, &c, NULL, NULL, &diag), 0);
  int bits = 3;
  ck_assert_int_eq(bsq_quantize_fp(&q, &fp, &d, BSQ_METHOD_PO_QQ, 1, &bits, &diag), 0);
  c.method = BSQ_METHOD_PO_QQ;
  ck_assert_int_eq(bsq_train(&p, &d, &c, NULL, NULL, &diag), 0);
  q.train_seconds = p.train_seconds = 0;
  char *a = bsq_model_to_json(&q), *b = bsq_model_to_json(&p);
  ck_assert_str_eq(a, b);
  for (int l = 0; l < fp.L; l++)
    ck_assert_mem_eq(q.W[l], fp.W[l],
                     sizeof(float) * (size_t)fp.dims[l] * (size_t)fp.dims[l + 1]);
  bsq_model_free(&p);
  ck_assert_int_eq(bsq_quantize_fp(&p, &q, &d, BSQ_METHOD_PO_QQ, 1, &bits, &diag),
                   BSQ_EINVAL); /* needs an FP model */
  ck_assert_int_eq(bsq_quantize_fp(&p, &fp, &d, BSQ_METHOD_LSQ, 1, &bits, &diag),
                   BSQ_EINVAL);
  free(a);
  free(b);
  bsq_model_free(&fp);
  bsq_model_free(&q);
  bsq_dataset_free(&d);
}
END_TEST

/* bsq_train_split on the seed's own split is bsq_train. */
START_TEST(test_train_given_split_is_the_same_training) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 1500, 8), 0);
  bsq_train_cfg c;
  small_cfg(&c, 3);
  c.method = BSQ_METHOD_LSQ;
  bsq_split s;
  ck_assert_int_eq(bsq_split_make(&s, d.rows, c.seed), 0);
  bsq_model a, b;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&a, &d, &c, NULL, NULL, &diag), 0);
  ck_assert_int_eq(bsq_train_split(&b, &d, &c, &s, NULL, &diag), 0);
  a.train_seconds = b.train_seconds = 0;
  char *ja = bsq_model_to_json(&a), *jb = bsq_model_to_json(&b);
  ck_assert_str_eq(ja, jb);
  free(ja);
  free(jb);
  bsq_model_free(&a);
  bsq_model_free(&b);
  bsq_split_free(&s);
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_train_rejects_unknown_method) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 500, 1), 0);
  bsq_train_cfg c;
  small_cfg(&c, 1);
  c.method = BSQ_METHOD_COUNT; /* not a method */
  bsq_model m;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), BSQ_EINVAL);
  char want_msg[64];
  snprintf(want_msg, sizeof want_msg, "method: %d is not a method",
           (int)BSQ_METHOD_COUNT);
  ck_assert_ptr_nonnull(strstr(diag.msg, want_msg));
  ck_assert_ptr_null(strstr(diag.msg, "--")); /* the CLI names its flags */
  c.method = BSQ_METHOD_PO_MQ; /* no training on a given split */
  bsq_split s;
  ck_assert_int_eq(bsq_split_make(&s, d.rows, c.seed), 0);
  ck_assert_int_eq(bsq_train_split(&m, &d, &c, &s, NULL, &diag), BSQ_EINVAL);
  ck_assert_ptr_nonnull(strstr(diag.msg, "method: po-mq cannot train"));
  bsq_split_free(&s);
  bsq_dataset_free(&d);
}
END_TEST

/* A values-mode model file with one field changed: the load names it. */
static void expect_load_error(const char *json, const char *path,
                              const char *value_raw, const char *want) {
  cJSON *root = cJSON_Parse(json);
  ck_assert_ptr_nonnull(root);
  cJSON *parent = root, *it = NULL;
  char key[64];
  int idx = -1; /* the last step: an array index, or -1 for key */
  const char *p = path;
  while (*p) { /* "a.b[2].c": objects and array indices */
    size_t n = strcspn(p, ".[");
    if (n) {
      memcpy(key, p, n);
      key[n] = '\0';
      it = cJSON_GetObjectItemCaseSensitive(parent, key);
      idx = -1;
      p += n;
    } else if (*p == '[') {
      idx = atoi(p + 1);
      it = cJSON_GetArrayItem(parent, idx);
      p = strchr(p, ']') + 1;
    }
    if (*p == '.') p++;
    if (*p) parent = it;
  }
  if (value_raw) {
    cJSON *nv = cJSON_Parse(value_raw);
    ck_assert_ptr_nonnull(nv);
    if (idx >= 0)
      cJSON_ReplaceItemInArray(parent, idx, nv);
    else if (it)
      cJSON_ReplaceItemInObjectCaseSensitive(parent, key, nv);
    else
      cJSON_AddItemToObject(parent, key, nv);
  } else {
    cJSON_DetachItemViaPointer(parent, it);
    cJSON_Delete(it);
  }
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  bsq_model m;
  bsq_diag diag = {{0}};
  ck_assert_int_ne(bsq_model_from_json(&m, text, strlen(text), "m.json", &diag),
                   0);
  ck_assert_msg(strstr(diag.msg, want) != NULL, "got \"%s\", want \"%s\"",
                diag.msg, want);
  free(text);
}

START_TEST(test_train_values_model_file_errors) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 800, 1), 0);
  bsq_train_cfg c;
  small_cfg(&c, 1);
  c.method = BSQ_METHOD_PR_QQ;
  bsq_model m;
  bsq_diag diag;
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), 0);
  char *j = bsq_model_to_json(&m);
  expect_load_error(j, "features[1].values", "[0, 1, 2]",
                    "m.json: features[1].values: expected 8 values, found 3");
  expect_load_error(j, "features[1].values", NULL,
                    "m.json: features[1].values: missing or not an array");
  expect_load_error(j, "features[2].values[3]", "\"x\"",
                    "m.json: features[2].values[3]: not a number");
  expect_load_error(j, "mlp.input", "\"levels\"",
                    "m.json: mlp.input: \"levels\" is not bits or values");
  expect_load_error(j, "mlp.input", NULL,
                    "m.json: mlp.dims[0]: expected 70 (the number of "
                    "thresholds), found 10");
  expect_load_error(j, "training.method", "\"bw-sq\"",
                    "m.json: training.method: bw-sq feeds the network bits, "
                    "but mlp.input is \"values\"");
  expect_load_error(j, "training.method", "\"fp\"",
                    "m.json: training.method: fp (full precision) has no "
                    "encoder");
  expect_load_error(j, "training.method", "\"xq\"",
                    "m.json: training.method: \"xq\" is not a method");
  expect_load_error(j, "features[0].values[0]", "-4",
                    "m.json: hash mismatch");
  free(j);
  bsq_model_free(&m);
  /* a bits model with values: refused */
  c.method = BSQ_METHOD_BW_QQ;
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), 0);
  j = bsq_model_to_json(&m);
  ck_assert_ptr_null(strstr(j, "\"input\""));
  expect_load_error(j, "features[0].values", "[1, 2]",
                    "m.json: features[0].values: present, but mlp.input is "
                    "\"bits\"");
  free(j);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

/* ---- gradient checks of the baselines' quantizer layers ------------------ */

/* SQ: central differences of sum(w * sqsum(softbits(x, t))) in each t. */
START_TEST(test_train_sq_gradient_matches_finite_differences) {
  enum { B = 5, F = 2 };
  int toff[F + 1] = {0, 3, 10}, feat_of[10];
  int D = toff[F];
  for (int f = 0; f < F; f++)
    for (int d = toff[f]; d < toff[f + 1]; d++) feat_of[d] = f;
  float x[B * F], thr[10], w[B * F], sb[B * 10], out[B * F], dsb[B * 10];
  float dthr[10] = {0};
  bsq_rng r;
  bsq_rng_seed(&r, 3);
  for (int i = 0; i < B * F; i++) {
    x[i] = (float)(2 * bsq_rng_uniform(&r) - 1);
    w[i] = (float)bsq_rng_normal(&r);
  }
  for (int d = 0; d < D; d++) thr[d] = (float)(1.6 * bsq_rng_uniform(&r) - 0.8);
  const float tau = 0.5f;
  bsq_softbits_forward(sb, x, thr, feat_of, B, F, D, tau);
  bsq_sqsum_forward(out, sb, toff, B, F, D);
  for (int i = 0; i < B * D; i++) dsb[i] = 0;
  bsq_sqsum_backward(dsb, w, toff, B, F, D);
  bsq_softbits_backward(NULL, dthr, dsb, sb, feat_of, B, F, D, tau);
  for (int d = 0; d < D; d++) {
    double lv[2];
    for (int side = 0; side < 2; side++) {
      float t2[10];
      memcpy(t2, thr, sizeof t2);
      t2[d] += side ? 1e-3f : -1e-3f;
      bsq_softbits_forward(sb, x, t2, feat_of, B, F, D, tau);
      bsq_sqsum_forward(out, sb, toff, B, F, D);
      double s = 0;
      for (int i = 0; i < B * F; i++) s += (double)w[i] * out[i];
      lv[side] = s;
    }
    double fd = (lv[1] - lv[0]) / 2e-3;
    ck_assert_double_eq_tol(dthr[d], fd, 2e-3 * (1 + fabs(fd)));
  }
}
END_TEST

/* SQ+ against central differences of sum(w * out) in its thresholds,
 * heights and bases. */
START_TEST(test_train_sqplus_gradient_matches_finite_differences) {
  enum { B = 5, F = 2, D = 10 };
  int toff[F + 1] = {0, 3, 10}, feat_of[D];
  for (int f = 0; f < F; f++)
    for (int d = toff[f]; d < toff[f + 1]; d++) feat_of[d] = f;
  float x[B * F], w[B * F], sb[B * D], out[B * F], dsb[B * D];
  float p[D + D + F]; /* thresholds, heights, bases */
  float g[D + D + F] = {0};
  bsq_rng r;
  bsq_rng_seed(&r, 5);
  for (int i = 0; i < B * F; i++) {
    x[i] = (float)(2 * bsq_rng_uniform(&r) - 1);
    w[i] = (float)bsq_rng_normal(&r);
  }
  for (int i = 0; i < D; i++) p[i] = (float)(1.6 * bsq_rng_uniform(&r) - 0.8);
  for (int i = D; i < D + D + F; i++) p[i] = (float)bsq_rng_normal(&r);
  const float tau = 0.5f;
  bsq_softbits_forward(sb, x, p, feat_of, B, F, D, tau);
  bsq_sqplus_forward(out, sb, p + D, p + 2 * D, toff, B, F, D);
  for (int i = 0; i < B * D; i++) dsb[i] = 0;
  bsq_sqplus_backward(dsb, g + D, g + 2 * D, w, sb, p + D, toff, B, F, D);
  bsq_softbits_backward(NULL, g, dsb, sb, feat_of, B, F, D, tau);
  for (int k = 0; k < D + D + F; k++) {
    double lv[2];
    for (int side = 0; side < 2; side++) {
      float q[D + D + F];
      memcpy(q, p, sizeof q);
      q[k] += side ? 1e-3f : -1e-3f;
      bsq_softbits_forward(sb, x, q, feat_of, B, F, D, tau);
      bsq_sqplus_forward(out, sb, q + D, q + 2 * D, toff, B, F, D);
      double s = 0;
      for (int i = 0; i < B * F; i++) s += (double)w[i] * out[i];
      lv[side] = s;
    }
    double fd = (lv[1] - lv[0]) / 2e-3;
    ck_assert_double_eq_tol(g[k], fd, 2e-3 * (1 + fabs(fd)));
  }
}
END_TEST

/* LLT's straight-through gradient is the exact gradient of the unrounded
 * lookup lo + (hi - lo) / n C_u: against central differences of that. */
START_TEST(test_train_llt_gradient_matches_finite_differences) {
  enum { B = 40, F = 2, G = 4 };
  bsq_llt_feature lf[F] = {{G, 3, 3 * G, -1.5f, 1.2f},
                           {G, 7, 7 * G, -0.5f, 2.0f}};
  int soff[F + 1] = {0, 3 * G, 10 * G};
  enum { N = 10 * G };
  float s[N], x[B * F], w[B * F], out[B * F], g[N] = {0};
  double pb[N], cb[N + F], hist[N + F];
  int cell[B * F];
  bsq_rng r;
  bsq_rng_seed(&r, 9);
  for (int i = 0; i < N; i++) s[i] = (float)bsq_rng_normal(&r);
  for (int i = 0; i < B * F; i++) {
    x[i] = (float)(4 * bsq_rng_uniform(&r) - 2); /* some beyond the range */
    w[i] = (float)bsq_rng_normal(&r);
  }
  const double *pp[F], *cc[F];
  for (int f = 0; f < F; f++) {
    pp[f] = pb + soff[f];
    cc[f] = cb + soff[f] + f;
    bsq_llt_table(pb + soff[f], cb + soff[f] + f, s + soff[f], lf[f].n,
                  lf[f].N);
    ck_assert_double_eq_tol(cc[f][lf[f].N], lf[f].n, 1e-9);
  }
  bsq_llt_forward(out, cell, x, lf, cc, B, F);
  for (int i = 0; i < B * F; i++) { /* the output is a level's value */
    int f = i % F;
    double k = ((double)out[i] - lf[f].lo) / ((double)lf[f].hi - lf[f].lo) * lf[f].n;
    ck_assert_double_eq_tol(k, floor(k + 0.5), 1e-4);
  }
  bsq_llt_backward(g, hist, w, cell, lf, pp, cc, soff, B, F);
  for (int j = 0; j < N; j++) {
    double lv[2];
    for (int side = 0; side < 2; side++) {
      float q[N];
      double p2[N], c2[N + F];
      memcpy(q, s, sizeof q);
      q[j] += side ? 1e-3f : -1e-3f;
      double v = 0;
      for (int f = 0; f < F; f++) {
        bsq_llt_table(p2 + soff[f], c2 + soff[f] + f, q + soff[f], lf[f].n,
                      lf[f].N);
        for (int b = 0; b < B; b++) {
          int u = bsq_llt_cell(&lf[f], x[b * F + f]);
          v += w[b * F + f] * (lf[f].lo + (double)(lf[f].hi - lf[f].lo) /
                                              lf[f].n * c2[soff[f] + f + u]);
        }
      }
      lv[side] = v;
    }
    double fd = (lv[1] - lv[0]) / 2e-3;
    ck_assert_double_eq_tol(g[j], fd, 2e-3 * (1 + fabs(fd)));
  }
}
END_TEST

/* With lr 0 nothing learns: SQ+ is then SQ (its heights start at 2 / n,
 * its bases at -1), and LLT's table is uniform. Trained, SQ+'s values
 * leave SQ's, and LLT's thresholds stay on its fine grid and its values
 * on the uniform grid over the training range. */
START_TEST(test_train_sqplus_and_llt_start_and_grids) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 1500, 2), 0);
  bsq_train_cfg c;
  bsq_diag diag = {{0}};
  bsq_model sq, sqp, llt;
  small_cfg(&c, 2);
  c.lr = 0;
  c.method = BSQ_METHOD_SQ;
  ck_assert_int_eq(bsq_train(&sq, &d, &c, NULL, NULL, &diag), 0);
  c.method = BSQ_METHOD_SQ_PLUS;
  ck_assert_int_eq(bsq_train(&sqp, &d, &c, NULL, NULL, &diag), 0);
  ck_assert_mem_eq(sq.params, sqp.params, sizeof(float) * sq.nparams);
  for (int v = 0; v < sq.voff[sq.F]; v++)
    ck_assert_float_eq_tol(sq.values[v], sqp.values[v], 1e-6f);
  ck_assert_double_eq_tol(sq.mse_test_hw, sqp.mse_test_hw, 1e-6);
  bsq_model_free(&sqp);
  c.lr = 1e-2f;
  c.epochs = 4;
  ck_assert_int_eq(bsq_train(&sqp, &d, &c, NULL, NULL, &diag), 0);
  int moved = 0;
  for (int v = 0; v < sq.voff[sq.F]; v++)
    moved += fabsf(sq.values[v] - sqp.values[v]) > 1e-3f;
  ck_assert_int_gt(moved, 0);
  bsq_model_free(&sqp);
  bsq_model_free(&sq);

  bsq_split sp;
  ck_assert_int_eq(bsq_split_make(&sp, d.rows, c.seed), 0);
  const bsq_method lm[] = {BSQ_METHOD_LLT4, BSQ_METHOD_LLT9};
  for (int i = 0; i < 2; i++)
    for (int trained = 0; trained < 2; trained++) {
      int g = i ? 9 : 4, n = 7; /* 3 bits */
      c.method = lm[i];
      c.lr = trained ? 1e-2f : 0.0f;
      ck_assert_int_eq(bsq_train(&llt, &d, &c, NULL, NULL, &diag), 0);
      int off_grid = 0, nonuniform = 0;
      for (int f = 0; f < llt.F; f++) {
        double lo = INFINITY, hi = -INFINITY;
        for (int r = 0; r < sp.n_train; r++) {
          double v = (d.x[(size_t)sp.train[r] * (size_t)d.F + f] -
                      llt.mu[f]) / llt.sigma[f];
          lo = fmin(lo, v);
          hi = fmax(hi, v);
        }
        const float *v = llt.values + llt.voff[f];
        const float *t = llt.thr + llt.enc.toff[f];
        ck_assert_double_eq_tol(v[0], lo, 1e-5);
        ck_assert_double_eq_tol(v[n], hi, 1e-5);
        double w = (hi - lo) / (g * n);
        for (int k = 0; k < n; k++) {
          double u = (t[k] - lo) / w + 0.5;
          off_grid += fabs(u - floor(u + 0.5)) > 1e-3;
          /* the uniform start: level k + 1 at the cell nearest k + 1/2 */
          double u0 = ceil(g * (k + 0.5) - 1e-9);
          if (g % 2 == 0) u0 = g * (k + 0.5); /* a tie, rounded up */
          nonuniform += fabs(u - u0) > 1e-3;
          if (k) ck_assert_float_ge(t[k], t[k - 1]);
        }
      }
      ck_assert_int_eq(off_grid, 0);
      if (!trained) ck_assert_int_eq(nonuniform, 0);
      else ck_assert_int_gt(nonuniform, 0);
      bsq_model_free(&llt);
    }
  bsq_split_free(&sp);
  bsq_dataset_free(&d);
}
END_TEST

/* The gradient of a whole training step, as training computes it (in
 * chunks of rows, summed), against central differences of the step's own
 * loss, for the thresholds (soft methods) and a spread of MLP weights and
 * biases. 300 rows make three chunks of unequal size. */
START_TEST(test_train_step_gradient_matches_finite_differences) {
  enum { B = 300 };
  const bsq_method methods[] = {BSQ_METHOD_BW_SQ, BSQ_METHOD_SQ, BSQ_METHOD_FP,
                                BSQ_METHOD_BW_QQ, BSQ_METHOD_PR_MQ};
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 800, 4), 0);
  static float x[B * 10], y[B];
  bsq_rng r;
  bsq_rng_seed(&r, 17);
  for (int i = 0; i < B * 10; i++) x[i] = (float)(3.4 * bsq_rng_uniform(&r) - 1.7);
  for (int i = 0; i < B; i++) y[i] = (float)bsq_rng_normal(&r);
  for (size_t k = 0; k < sizeof methods / sizeof *methods; k++) {
    bsq_train_cfg c;
    small_cfg(&c, 2);
    c.method = methods[k];
    const char *name = bsq_method_name(methods[k]);
    bsq_model m;
    bsq_diag diag;
    ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), 0);
    int soft = bsq_method_get(methods[k])->soft;
    const float tau = 0.5f;
    size_t P = m.nparams;
    float *g = malloc(sizeof(float) * P), *g2 = malloc(sizeof(float) * P);
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(g2);
    double loss, l2;
    ck_assert_int_eq(bsq_train_gradient(&m, methods[k], x, y, B, tau, g, &loss), 0);
    /* the same bits on any number of threads */
    int prev = bsq_nn_threads(-1);
    for (int t = 1; t <= 3; t++) {
      bsq_nn_threads(t);
      ck_assert_int_eq(
          bsq_train_gradient(&m, methods[k], x, y, B, tau, g2, &l2), 0);
      ck_assert_msg(memcmp(g, g2, sizeof(float) * P) == 0 && l2 == loss,
                    "%s: %d threads give other bits", name, t);
    }
    bsq_nn_threads(prev);
    /* the thresholds lead the parameters; then every 7th of the rest */
    size_t D = (size_t)m.enc.D, checked = 0, off = 0;
    for (size_t i = soft ? 0 : D; i < P; i += i < D ? 1 : 7) {
      float keep = m.params[i];
      const float h = 1e-3f;
      double lp, lm;
      m.params[i] = keep + h;
      ck_assert_int_eq(bsq_train_gradient(&m, methods[k], x, y, B, tau, g2, &lp), 0);
      m.params[i] = keep - h;
      ck_assert_int_eq(bsq_train_gradient(&m, methods[k], x, y, B, tau, g2, &lm), 0);
      m.params[i] = keep;
      double fd = (lp - lm) / (2.0 * h);
      double err = fabs(g[i] - fd);
      /* a row whose ReLU input lies within h of 0 bends the differences:
       * a few parameters may miss the tight bound, none the loose one */
      off += err > 2e-4 + 2e-2 * fabs(fd);
      ck_assert_msg(err <= 3e-3 + 0.25 * fabs(fd),
                    "%s: parameter %zu: gradient %g, differences %g",
                    name, i, (double)g[i], fd);
      checked++;
    }
    ck_assert_uint_gt(checked, 100);
    ck_assert_msg(off * 20 <= checked, "%s: %zu of %zu gradients off",
                  name, off, checked);
    /* a method that does not fit the model is refused */
    ck_assert_int_eq(bsq_train_gradient(&m, BSQ_METHOD_LSQ, x, y, B, tau, g2, &l2),
                     BSQ_EINVAL);
    free(g);
    free(g2);
    bsq_model_free(&m);
  }
  bsq_dataset_free(&d);
}
END_TEST

/* Training's result does not depend on the thread count: every step is
 * cut into the same chunks of rows, dropout included (its draws come from
 * per-chunk generators seeded in chunk order). Batch 300: three chunks. */
START_TEST(test_train_same_bytes_any_threads) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 1500, 5), 0);
  const bsq_method methods[] = {BSQ_METHOD_BW_SQ, BSQ_METHOD_LSQ};
  for (int k = 0; k < 2; k++) {
    bsq_train_cfg c;
    small_cfg(&c, 3);
    c.batch = 300;
    c.dropout = 0.1f;
    c.method = methods[k];
    int prev = bsq_nn_threads(-1);
    char *json[3];
    for (int t = 1; t <= 3; t++) {
      bsq_model m;
      bsq_diag diag;
      bsq_nn_threads(t);
      ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), 0);
      json[t - 1] = bsq_model_to_json(&m);
      ck_assert_ptr_nonnull(json[t - 1]);
      bsq_model_free(&m);
    }
    bsq_nn_threads(prev);
    ck_assert_str_eq(json[0], json[1]);
    ck_assert_str_eq(json[0], json[2]);
    for (int t = 0; t < 3; t++) free(json[t]);
  }
  bsq_dataset_free(&d);
}
END_TEST

/* The float path compares x > t on the caller's floats as they are: a
 * standardized input that is a denormal float still exceeds a threshold
 * of 0 (the layers' threads flush denormals to zero; the encoding must not
 * run there). 3000 rows: several blocks, on one and on two threads. */
START_TEST(test_train_predict_keeps_denormal_inputs) {
  enum { N = 3000 };
  bsq_model m;
  const int bits[1] = {1}, hidden[1] = {2};
  ck_assert_int_eq(bsq_model_init(&m, 1, bits, 1, hidden), 0);
  m.mu[0] = 0.0;
  m.sigma[0] = 1.0;
  m.thr[0] = 0.0f;
  m.W[0][0] = 1.0f, m.W[0][1] = 0.5f; /* (2, 1) */
  m.b[0][0] = m.b[0][1] = 0.0f;
  m.W[1][0] = 1.0f, m.W[1][1] = 0.0f; /* (1, 2) */
  m.b[1][0] = 0.0f;
  static double x[N], y[N];
  for (int i = 0; i < N; i++) x[i] = i % 2 ? -1e-40 : 1e-40;
  int prev = bsq_nn_threads(-1);
  for (int t = 1; t <= 2; t++) {
    bsq_nn_threads(t);
    ck_assert_int_eq(bsq_model_predict(&m, x, N, y), 0);
    for (int i = 0; i < N; i++)
      ck_assert_msg(y[i] == (i % 2 ? 0.0 : 1.0), "%d threads, row %d: %g", t,
                    i, y[i]);
  }
  bsq_nn_threads(prev);
  bsq_model_free(&m);
}
END_TEST

/* LSQ: the step gradient is the exact derivative of q(x/s) s in s (q is
 * piecewise constant: finite differences away from the rounding points)
 * plus Esser et al.'s straight-through term -x/s inside the range, times
 * the gradient scale. */
START_TEST(test_train_lsq_gradient_matches_finite_differences) {
  enum { B = 40, F = 3 };
  int qn[F], qp[F];
  const int bits[F] = {2, 3, 4};
  float x[B * F], step[F] = {0.7f, 0.45f, 0.2f}, g[F] = {0.5f, 1.0f, 2.0f};
  float w[B * F], out[B * F], dstep[F] = {0}, dx[B * F];
  for (int f = 0; f < F; f++) bsq_lsq_range(bits[f], &qn[f], &qp[f]);
  bsq_rng r;
  bsq_rng_seed(&r, 9);
  for (int i = 0; i < B * F; i++) {
    x[i] = (float)(5 * bsq_rng_uniform(&r) - 2.5); /* in and out of range */
    w[i] = (float)bsq_rng_normal(&r);
    dx[i] = 0;
  }
  bsq_lsq_backward(dx, dstep, w, x, step, qn, qp, g, B, F);
  for (int f = 0; f < F; f++) {
    const double h = 1e-4;
    double lv[2], ste = 0;
    for (int side = 0; side < 2; side++) {
      float s2[F];
      memcpy(s2, step, sizeof s2);
      s2[f] = (float)(step[f] + (side ? h : -h));
      bsq_lsq_forward(out, x, s2, qn, qp, B, F);
      double s = 0;
      for (int b = 0; b < B; b++) s += (double)w[b * F + f] * out[b * F + f];
      lv[side] = s;
    }
    for (int b = 0; b < B; b++) {
      double z = (double)x[b * F + f] / step[f];
      /* no rounding point within h of this step (else the test is moot) */
      double zr = z - floor(z);
      ck_assert(fabs(zr - 0.5) > 1e-3 || z <= -qn[f] || z >= qp[f]);
      if (z > -qn[f] && z < qp[f]) ste += (double)w[b * F + f] * -z;
    }
    double fd = (lv[1] - lv[0]) / (2 * h);
    ck_assert_double_eq_tol(dstep[f], g[f] * (fd + ste),
                            1e-3 * (1 + fabs(g[f] * (fd + ste))));
  }
  /* straight-through input gradient: dout inside the range, 0 outside */
  for (int b = 0; b < B; b++)
    for (int f = 0; f < F; f++) {
      double z = (double)x[b * F + f] / step[f];
      int inside = z > -qn[f] && z < qp[f];
      ck_assert_float_eq(dx[b * F + f], inside ? w[b * F + f] : 0.0f);
    }
  /* forward: level q + Qn is the count of thresholds exceeded */
  bsq_lsq_forward(out, x, step, qn, qp, B, F);
  for (int b = 0; b < B; b++)
    for (int f = 0; f < F; f++) {
      int k = 0;
      for (int j = 0; j < (1 << bits[f]) - 1; j++)
        k += x[b * F + f] > bsq_lsq_threshold(step[f], qn[f], j);
      ck_assert_float_eq(out[b * F + f], bsq_lsq_value(step[f], qn[f], k));
    }
}
END_TEST

/* A feature of 0 bits: no thresholds, no MLP input, no frame field; the
 * predictions do not depend on its values; the model file keeps it; only
 * the bits-input methods accept it, and not for every feature. */
START_TEST(test_train_zero_bit_features) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 2000, 1), 0);
  bsq_train_cfg c;
  small_cfg(&c, 2);
  c.nbits = 10;
  int bits[10] = {3, 3, 0, 3, 3, 0, 0, 2, 0, 0};
  memcpy(c.bits, bits, sizeof bits);
  bsq_model m;
  bsq_diag diag;
  ck_assert_msg(bsq_train(&m, &d, &c, NULL, NULL, &diag) == 0, "%s", diag.msg);
  ck_assert_int_eq(m.enc.B, 14);
  ck_assert_int_eq(m.enc.D, 4 * 7 + 3);
  ck_assert_int_eq(m.dims[0], m.enc.D);
  for (int i = 0; i < m.enc.D; i++)
    ck_assert_int_ne(bits[m.feat_of[i]], 0);
  bsq_split s;
  ck_assert_int_eq(bsq_split_make(&s, d.rows, c.seed), 0);
  ck_assert_double_eq_tol(m.mse_test_hw, levels_path_mse(&m, &d, &s), 1e-9);
  /* the unsent features' values do not matter */
  double *p0 = malloc(sizeof(double) * (size_t)d.rows);
  double *p1 = malloc(sizeof(double) * (size_t)d.rows);
  ck_assert_ptr_nonnull(p0);
  ck_assert_ptr_nonnull(p1);
  ck_assert_int_eq(bsq_model_predict_hw(&m, d.x, d.rows, 32,
                                        BSQ_MODE_CONTINUOUS, p0), 0);
  for (int r = 0; r < d.rows; r++)
    for (int f = 0; f < 10; f++)
      if (bits[f] == 0) d.x[(size_t)r * 10 + (size_t)f] = (double)(r % 7) - 3;
  ck_assert_int_eq(bsq_model_predict_hw(&m, d.x, d.rows, 32,
                                        BSQ_MODE_CONTINUOUS, p1), 0);
  ck_assert_mem_eq(p0, p1, sizeof(double) * (size_t)d.rows);
  /* the model file round-trips it */
  char *json = bsq_model_to_json(&m);
  ck_assert_ptr_nonnull(json);
  bsq_model l;
  ck_assert_msg(bsq_model_from_json(&l, json, strlen(json), "m.json", &diag) == 0,
                "%s", diag.msg);
  ck_assert_uint_eq(bsq_model_hash(&l), bsq_model_hash(&m));
  ck_assert_mem_eq(l.enc.bits, bits, sizeof bits);
  bsq_model_free(&l);
  free(json);
  free(p0);
  free(p1);
  bsq_split_free(&s);
  bsq_model_free(&m);
  /* every feature at 0 bits: nothing would be sent */
  c.nbits = 1;
  c.bits[0] = 0;
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), BSQ_EINVAL);
  ck_assert_str_eq(diag.msg, "bits: every feature has 0 bits, so nothing "
                             "would be sent; give at least one feature 1 bit "
                             "or more");
  /* a values-input method feeds one value per feature */
  c.nbits = 10;
  memcpy(c.bits, bits, sizeof bits);
  c.method = BSQ_METHOD_SQ;
  ck_assert_int_eq(bsq_train(&m, &d, &c, NULL, NULL, &diag), BSQ_EINVAL);
  ck_assert_str_eq(diag.msg, "bits: feature 2 has 0 bits, but this method "
                             "feeds the network one value per feature and "
                             "needs at least 1 bit each (0 bits: bw-* only)");
  bsq_dataset_free(&d);
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
  tcase_add_test(core, test_train_zero_bit_features);
  tcase_add_test(core, test_train_refuses_more_levels_than_codes);
  tcase_add_test(core, test_train_check_bits_against_input_widths);
  tcase_add_test(core, test_train_warns_on_flat_feature);
  suite_add_tcase(s, core);
  TCase *num = tcase_create("Numerics");
  tcase_set_timeout(num, 300);
  tcase_add_test(num, test_train_hw_matches_float_at_w16);
  tcase_add_test(num, test_train_hw_differs_at_w3);
  tcase_add_test(num, test_train_sq_gradient_matches_finite_differences);
  tcase_add_test(num, test_train_lsq_gradient_matches_finite_differences);
  tcase_add_test(num, test_train_sqplus_gradient_matches_finite_differences);
  tcase_add_test(num, test_train_llt_gradient_matches_finite_differences);
  tcase_add_test(num, test_train_step_gradient_matches_finite_differences);
  tcase_add_test(num, test_train_predict_keeps_denormal_inputs);
  tcase_add_test(core, test_train_same_bytes_any_threads);
  suite_add_tcase(s, num);
  TCase *meth = tcase_create("Methods");
  tcase_set_timeout(meth, 300);
  tcase_add_test(meth, test_train_every_method_beats_the_mean_and_round_trips);
  tcase_add_test(meth, test_train_method_grids);
  tcase_add_test(meth, test_train_sqplus_and_llt_start_and_grids);
  tcase_add_test(meth, test_train_post_quantization_reuses_fp);
  tcase_add_test(meth, test_train_given_split_is_the_same_training);
  suite_add_tcase(s, meth);
  TCase *err = tcase_create("Errors");
  tcase_add_test(err, test_train_rejects_unknown_method);
  tcase_add_test(err, test_train_values_model_file_errors);
  suite_add_tcase(s, err);
  return s;
}
