/* Check suite for model/codec.c (a model's device and server sides on whole
 * data sets) and bsq_train_cfg_parse_hidden. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "data.h"
#include "model.h"
#include "testutil.h"
#include "train.h"

/* A small trained model on friedman1 (600 rows) and its data. */
static void small_model(bsq_model *m, bsq_dataset *d) {
  bsq_train_cfg c;
  bsq_diag diag = {{0}};
  bsq_train_cfg_default(&c);
  c.epochs = 2;
  c.nhidden = 1;
  c.hidden[0] = 8;
  ck_assert_int_eq(bsq_dataset_friedman1(d, 600, 0), 0);
  ck_assert_msg(bsq_train(m, d, &c, NULL, NULL, &diag) == 0, "%s", diag.msg);
}

START_TEST(test_codec_encode_decode_matches_hw_path) {
  bsq_model m;
  bsq_dataset d;
  small_model(&m, &d);
  static const struct { int K; bsq_mode mode; } cases[] = {
      {32, BSQ_MODE_CONTINUOUS}, {7, BSQ_MODE_ALIGNED}, {64, BSQ_MODE_CONTINUOUS}};
  double *ref = malloc(sizeof(double) * (size_t)d.rows);
  ck_assert_int_eq(bsq_model_predict_hw(&m, d.x, d.rows, 32,
                                        BSQ_MODE_CONTINUOUS, ref), 0);
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
    bsq_stream st;
    bsq_diag diag = {{0}};
    double *y;
    size_t ny;
    ck_assert_int_eq(bsq_codec_encode(&st, &m, &d, NULL, 0, cases[t].K,
                                      cases[t].mode, 0, &diag), 0);
    ck_assert_int_eq((int)st.nframes, d.rows);
    ck_assert_int_eq(bsq_codec_decode(&m, "m", &st, "s", &y, &ny, NULL, &diag), 0);
    for (int i = 0; i < d.rows; i++)
      ck_assert_double_eq_tol(y[i], ref[i] * m.y_sigma + m.y_mu, 1e-9);
    free(y);
    bsq_stream_free(&st);
  }
  free(ref);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

/* A model with features of 0 bits: the stream carries only the sent
 * features' levels (B bits a frame) and decodes to the hardware-true
 * predictions. */
START_TEST(test_codec_zero_bit_features_round_trip) {
  bsq_train_cfg c;
  bsq_diag diag = {{0}};
  bsq_train_cfg_default(&c);
  c.epochs = 2;
  c.nhidden = 1;
  c.hidden[0] = 8;
  c.nbits = 10;
  const int bits[10] = {0, 4, 1, 0, 3, 0, 0, 0, 0, 2};
  memcpy(c.bits, bits, sizeof bits);
  bsq_dataset d;
  bsq_model m;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 600, 0), 0);
  ck_assert_msg(bsq_train(&m, &d, &c, NULL, NULL, &diag) == 0, "%s", diag.msg);
  double *ref = malloc(sizeof(double) * (size_t)d.rows);
  ck_assert_ptr_nonnull(ref);
  ck_assert_int_eq(bsq_model_predict_hw(&m, d.x, d.rows, 7, BSQ_MODE_ALIGNED,
                                        ref), 0);
  bsq_stream st;
  double *y;
  size_t ny;
  ck_assert_int_eq(bsq_codec_encode(&st, &m, &d, NULL, 0, 7, BSQ_MODE_ALIGNED, 0,
                                    &diag), 0);
  ck_assert_int_eq(st.B, 10);
  ck_assert_uint_eq(st.nwords, bsq_stream_words(10, 7, BSQ_MODE_ALIGNED,
                                                (uint64_t)d.rows));
  ck_assert_int_eq(bsq_codec_decode(&m, "m", &st, "s", &y, &ny, NULL, &diag), 0);
  for (int i = 0; i < d.rows; i++)
    ck_assert_double_eq_tol(y[i], ref[i] * m.y_sigma + m.y_mu, 1e-9);
  free(y);
  free(ref);
  bsq_stream_free(&st);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_codec_encode_selected_rows) {
  bsq_model m;
  bsq_dataset d;
  small_model(&m, &d);
  int rows[] = {5, 0, 599};
  bsq_stream st;
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_codec_encode(&st, &m, &d, rows, 3, 32,
                                    BSQ_MODE_ALIGNED, 0, &diag), 0);
  ck_assert_int_eq((int)st.nframes, 3);
  ck_assert_int_eq(st.F, m.F);
  ck_assert(st.model_hash == bsq_model_hash(&m));
  bsq_stream_free(&st);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_codec_decode_rejects_other_model) {
  bsq_model m;
  bsq_dataset d;
  small_model(&m, &d);
  bsq_stream st;
  bsq_diag diag = {{0}};
  double *y = NULL;
  size_t ny;
  ck_assert_int_eq(bsq_codec_encode(&st, &m, &d, NULL, 0, 32,
                                    BSQ_MODE_CONTINUOUS, 0, &diag), 0);
  st.model_hash ^= 1;
  ck_assert_int_eq(bsq_codec_decode(&m, "m.json", &st, "f.bin", &y, &ny, NULL, &diag),
                   BSQ_EHASH);
  ck_assert_ptr_null(y);
  ck_assert_ptr_nonnull(strstr(diag.msg, "f.bin: stream was encoded for model"));
  st.model_hash ^= 1;
  st.F++;
  ck_assert_int_eq(bsq_codec_decode(&m, "m.json", &st, "f.bin", &y, &ny, NULL, &diag),
                   BSQ_EFORMAT);
  bsq_stream_free(&st);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_codec_encode_names_missing_column) {
  bsq_model m;
  bsq_dataset d;
  small_model(&m, &d);
  free(d.names[2]);
  d.names[2] = strdup("other");
  bsq_stream st;
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_codec_encode(&st, &m, &d, NULL, 0, 32,
                                    BSQ_MODE_CONTINUOUS, 0, &diag), BSQ_EFORMAT);
  ck_assert_ptr_nonnull(strstr(diag.msg, "(model feature 2)"));
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_codec_model_data_checks_hash) {
  bsq_model m;
  bsq_dataset d, e;
  small_model(&m, &d);
  bsq_diag diag = {{0}};
  snprintf(m.data_source, sizeof m.data_source, "%s", d.source);
  m.data_hash = d.hash;
  ck_assert_msg(bsq_model_load_data(&m, NULL, &e, &diag) == 0, "%s", diag.msg);
  ck_assert_int_eq(e.rows, 600);
  bsq_dataset_free(&e);
  m.data_hash ^= 1;
  ck_assert_int_eq(bsq_model_load_data(&m, "friedman1", &e, &diag), BSQ_EHASH);
  ck_assert_ptr_nonnull(strstr(diag.msg, "data differs"));
  snprintf(m.data_source, sizeof m.data_source, "friedman1:bogus");
  ck_assert_int_eq(bsq_model_load_data(&m, NULL, &e, &diag), BSQ_EFORMAT);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_codec_prediction_files) {
  bsq_model m;
  bsq_dataset d;
  small_model(&m, &d);
  char *dir = tu_tmpdir("codec");
  char path[4096];
  bsq_diag diag = {{0}};
  int idx[] = {3, 1};
  snprintf(path, sizeof path, "%s/eval.csv", dir);
  ck_assert_int_eq(bsq_eval_save_predictions(path, &m, &d, idx, 2, &diag), 0);
  char *t = tu_read(path, NULL);
  ck_assert_ptr_nonnull(t);
  ck_assert(!strncmp(t, "row,target,prediction,prediction_hw\n3,", 38));
  free(t);
  double y[] = {1.5, -2};
  snprintf(path, sizeof path, "%s/dec.csv", dir);
  ck_assert_int_eq(bsq_codec_save_predictions(path, y, 2, &diag), 0);
  t = tu_read(path, NULL);
  ck_assert_str_eq(t, "frame,prediction\n0,1.5\n1,-2\n");
  free(t);
  free(dir);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

START_TEST(test_codec_hidden_spec) {
  static const struct { const char *spec; int rc, n, first; } cases[] = {
      {"5x32", 0, 5, 32}, {"64,32,16", 0, 3, 64}, {"0x8", 0, 0, -1},
      {"7", 0, 1, 7},     {"x5", BSQ_EINVAL, 5, 32}, {"5x", BSQ_EINVAL, 5, 32},
      {"5x0", BSQ_EINVAL, 5, 32}, {"64,,32", BSQ_EINVAL, 5, 32},
      {"", BSQ_EINVAL, 5, 32}, {"a", BSQ_EINVAL, 5, 32},
      {"99x4", BSQ_EINVAL, 5, 32}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bsq_train_cfg c;
    bsq_train_cfg_default(&c);
    ck_assert_int_eq(bsq_train_cfg_parse_hidden(&c, cases[i].spec), cases[i].rc);
    ck_assert_int_eq(c.nhidden, cases[i].n);
    if (cases[i].first > 0) ck_assert_int_eq(c.hidden[0], cases[i].first);
  }
}
END_TEST

Suite *codec_suite(void);
Suite *codec_suite(void) {
  Suite *s = suite_create("codec");
  TCase *core = tcase_create("Core");
  tcase_set_timeout(core, 120);
  tcase_add_test(core, test_codec_encode_decode_matches_hw_path);
  tcase_add_test(core, test_codec_encode_selected_rows);
  tcase_add_test(core, test_codec_zero_bit_features_round_trip);
  tcase_add_test(core, test_codec_prediction_files);
  tcase_add_test(core, test_codec_hidden_spec);
  suite_add_tcase(s, core);
  TCase *errs = tcase_create("Errors");
  tcase_set_timeout(errs, 120);
  tcase_add_test(errs, test_codec_decode_rejects_other_model);
  tcase_add_test(errs, test_codec_encode_names_missing_column);
  tcase_add_test(errs, test_codec_model_data_checks_hash);
  suite_add_tcase(s, errs);
  return s;
}
