/* ADC saturation: a value or code beyond a feature's range counts as the
 * nearest end of the range, the same in the library (bsq_format_code,
 * bsq_level), in the generated C header (NAME_level) and in the RTL (whose
 * W-bit input holds exactly the range; co-simulated on data that
 * saturates). */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "model.h"
#include "quant.h"
#include "rng.h"
#include "testutil.h"

/* Features of the test model: the range is fitted to [0.25, 0.75]. */
enum { NF = 4 };
static const int BITS[NF] = {3, 2, 4, 1};
static const int WIDTH[NF] = {4, 12, 32, 32};
static const int SGN[NF] = {0, 1, 1, 0};
#define RANGE_LO 0.25
#define RANGE_HI 0.75

/* F features (the per-feature tables cycle); thresholds random in
 * [0.1, 0.9], the first of each feature below the range (folds to lo - 1)
 * and the last above it (folds to hi, never exceeded). */
static void make_model(bsq_model *m, int F, uint64_t seed, const char *data) {
  int bits[16], hidden[1] = {2};
  for (int f = 0; f < F; f++) bits[f] = BITS[f % NF];
  ck_assert_int_eq(bsq_model_init(m, F, bits, 1, hidden), 0);
  char *names[16], buf[16][16];
  for (int f = 0; f < F; f++) {
    snprintf(buf[f], sizeof buf[f], "x%d", f + 1);
    names[f] = buf[f];
  }
  ck_assert_int_eq(bsq_model_set_names(m, names, "y"), 0);
  bsq_rng r;
  bsq_rng_seed(&r, seed);
  for (int f = 0; f < F; f++) {
    ck_assert_int_eq(bsq_format_fit(&m->enc.fmt[f], WIDTH[f % NF],
                                    SGN[f % NF], RANGE_LO, RANGE_HI, 0.0),
                     0);
    int o = m->enc.toff[f], n = m->enc.toff[f + 1] - o;
    for (int j = 0; j < n; j++)
      m->thr[o + j] = (float)(0.1 + 0.8 * bsq_rng_uniform(&r));
    m->thr[o] = 0.0f;
    if (n > 1) m->thr[o + n - 1] = 1.0f;
  }
  if (data) snprintf(m->data_source, sizeof m->data_source, "%s", data);
  bsq_model_quantize(m);
}

static int64_t clamp64(int64_t c, int64_t lo, int64_t hi) {
  return c < lo ? lo : c > hi ? hi : c;
}

/* Raw codes of frame i for feature f: the ends, just beyond them, far
 * beyond them (to the int64 limits), and random codes in and around the
 * range. */
static int64_t raw_code(bsq_rng *r, int i, int64_t lo, int64_t hi) {
  switch (i % 10) {
  case 0: return lo;
  case 1: return hi;
  case 2: return lo - 1;
  case 3: return hi + 1;
  case 4: return lo - 1000;
  case 5: return hi + 1000;
  case 6: return INT64_MIN;
  case 7: return INT64_MAX;
  default: {
    int64_t span = hi - lo + 1;
    return lo - span / 2 + (int64_t)bsq_rng_below(r, (uint64_t)span * 2);
  }
  }
}

/* ---------------------------------------------------------------------- */
/* Numerics: the library                                                   */

START_TEST(test_saturation_values_beyond_range_give_end_codes) {
  bsq_model m;
  make_model(&m, NF, 1, NULL);
  static const double below[] = {-INFINITY, -1e300, -1.0, 0.0, 0.2};
  static const double above[] = {0.8, 1.0, 2.0, 1e300, INFINITY};
  for (int f = 0; f < NF; f++) {
    const bsq_format *fm = &m.enc.fmt[f];
    int64_t lo = bsq_format_lo(fm), hi = bsq_format_hi(fm);
    ck_assert_int_eq(bsq_format_code(fm, RANGE_LO), lo);
    ck_assert_int_eq(bsq_format_code(fm, RANGE_HI), hi);
    for (size_t k = 0; k < sizeof below / sizeof *below; k++) {
      ck_assert_int_eq(bsq_format_code(fm, below[k]), lo);
      ck_assert_int_eq(bsq_format_code(fm, above[k]), hi);
    }
  }
  bsq_model_free(&m);
}
END_TEST

START_TEST(test_saturation_codes_beyond_range_give_end_levels) {
  bsq_model m;
  make_model(&m, NF, 2, NULL);
  bsq_rng r;
  bsq_rng_seed(&r, 3);
  for (int f = 0; f < NF; f++) {
    const bsq_format *fm = &m.enc.fmt[f];
    int64_t lo = bsq_format_lo(fm), hi = bsq_format_hi(fm);
    int n = m.enc.toff[f + 1] - m.enc.toff[f];
    /* the folded thresholds are there: one always, one never exceeded */
    ck_assert_int_eq(m.enc.T[m.enc.toff[f]], lo - 1);
    if (n > 1) ck_assert_int_eq(m.enc.T[m.enc.toff[f + 1] - 1], hi);
    ck_assert_int_ge(bsq_level(&m.enc, f, lo), 1);
    if (n > 1) ck_assert_int_le(bsq_level(&m.enc, f, hi), n - 1);
    for (int i = 0; i < 400; i++) {
      int64_t c = raw_code(&r, i, lo, hi);
      ck_assert_int_eq(bsq_level(&m.enc, f, c),
                       bsq_level(&m.enc, f, clamp64(c, lo, hi)));
    }
  }
  bsq_model_free(&m);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Core: the C header gives the same words as the library                  */

START_TEST(test_saturation_c_header_matches_library) {
  bsq_model m;
  make_model(&m, NF, 4, NULL);
  bsq_gen_opts o;
  bsq_gen_opts_default(&o);
  o.word_bits = 7;
  o.mode = BSQ_MODE_CONTINUOUS;
  snprintf(o.name, sizeof o.name, "adc");
  bsq_design d;
  bsq_diag diag;
  ck_assert_int_eq(bsq_design_build(&d, &m, &o, &diag), 0);
  char *dir = tu_tmpdir("saturation");
  ck_assert_msg(bsq_gen_write(&d, BSQ_SOURCE_DIR "/rtl", dir, NULL, &diag) == 0, "%s", diag.msg);
  char src[4096];
  snprintf(src, sizeof src, "%s/main.c", dir);
  FILE *fp = fopen(src, "w");
  ck_assert_ptr_nonnull(fp);
  /* width 32 unsigned needs 64-bit codes, so every raw code fits code_t */
  fprintf(fp, "#include <stdio.h>\n#include \"adc_encoder.h\"\n"
              "typedef char wide_codes[sizeof(adc_enc_code_t) == 8 ? 1 : -1];\n");
  enum { NFRAMES = 400 };
  fprintf(fp, "static const adc_enc_code_t codes[%d][%d] = {\n", NFRAMES, NF);
  bsq_rng r;
  bsq_rng_seed(&r, 5);
  bsq_packer pk;
  bsq_packer_init(&pk, m.enc.B, o.word_bits, o.mode);
  char *expect = NULL;
  size_t elen = 0;
  FILE *ex = open_memstream(&expect, &elen);
  ck_assert_ptr_nonnull(ex);
  int total = 0, beyond = 0;
  for (int i = 0; i < NFRAMES; i++) {
    int64_t raw[NF], sat[NF];
    fprintf(fp, "  {");
    for (int f = 0; f < NF; f++) {
      int64_t lo = bsq_format_lo(&m.enc.fmt[f]), hi = bsq_format_hi(&m.enc.fmt[f]);
      raw[f] = raw_code(&r, i + f, lo, hi);
      sat[f] = clamp64(raw[f], lo, hi);
      beyond += raw[f] != sat[f];
      fprintf(fp, "%sINT64_C(%" PRId64 ")%s", f ? ", " : "",
              raw[f] == INT64_MIN ? INT64_MIN + 1 : raw[f],
              raw[f] == INT64_MIN ? " - 1" : "");
    }
    fprintf(fp, "},\n");
    /* the library on the raw codes, and on the saturated ones: same */
    uint8_t lv_raw[NF], lv_sat[NF], frame[8], last[8];
    uint64_t words[8];
    bsq_encoder_levels(&m.enc, raw, lv_raw);
    bsq_encoder_levels(&m.enc, sat, lv_sat);
    ck_assert_mem_eq(lv_raw, lv_sat, NF);
    bsq_frame_pack(&m.enc, lv_sat, frame);
    int n = bsq_packer_push(&pk, frame, words, last);
    for (int w = 0; w < n; w++, total++)
      fprintf(ex, "  0x%" PRIx64 "ull,\n", words[w]);
  }
  fclose(ex);
  ck_assert_int_gt(beyond, NFRAMES); /* most frames have a code beyond */
  fprintf(fp, "};\nstatic const unsigned long long expect[] = {\n%s  0};\n",
          expect);
  free(expect);
  fprintf(fp,
          "int main(void) {\n"
          "  adc_enc_packer p;\n  uint64_t w[ADC_ENC_MAX_WORDS];\n"
          "  uint8_t l[ADC_ENC_MAX_WORDS];\n  int i, k, at = 0;\n"
          "  adc_enc_packer_reset(&p);\n"
          "  for (i = 0; i < %d; i++) {\n"
          "    int n = adc_enc_encode(&p, codes[i], w, l);\n"
          "    for (k = 0; k < n; k++, at++)\n"
          "      if (at >= %d || w[k] != expect[at]) {\n"
          "        printf(\"frame %%d word %%d differs\\n\", i, at);\n"
          "        return 1;\n      }\n  }\n"
          "  return at == %d ? 0 : 2;\n}\n",
          NFRAMES, total, total);
  fclose(fp);
  char cmd[8192];
  snprintf(cmd, sizeof cmd,
           "cd '%s' && cc -std=c99 -pedantic -Wall -Wextra -Wconversion "
           "-Wshadow -Werror -o main main.c && ./main",
           dir);
  int st = system(cmd);
  ck_assert_msg(st == 0, "C header check failed (status %d) in %s", st, dir);
  free(dir);
  bsq_design_free(&d);
  bsq_model_free(&m);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Core: the RTL, co-simulated on data that saturates                      */

START_TEST(test_saturation_rtl_matches_on_saturating_data) {
  /* friedman1 features are U(0, 1); the range is [0.25, 0.75], so about
   * half of all values lie beyond it and reach the RTL as lo or hi */
  const char *src = "friedman1:rows=300:seed=9";
  bsq_model m;
  make_model(&m, 10, 6, src);
  bsq_dataset data;
  ck_assert_int_eq(bsq_dataset_friedman1(&data, 300, 9), 0);
  int ends = 0;
  for (int i = 0; i < data.rows * data.F; i++) {
    int f = i % data.F;
    int64_t c = bsq_format_code(&m.enc.fmt[f], data.x[i]);
    ends += c == bsq_format_lo(&m.enc.fmt[f]) || c == bsq_format_hi(&m.enc.fmt[f]);
  }
  ck_assert_int_gt(ends, data.rows * data.F / 3);
  bsq_dataset_free(&data);
  char *dir = tu_tmpdir("saturation-rtl");
  char path[4096];
  snprintf(path, sizeof path, "%s/model.json", dir);
  bsq_diag diag;
  ck_assert_msg(bsq_model_save(&m, path, &diag) == 0, "%s", diag.msg);
  bsq_model_free(&m);
  char args[8192], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "sim '%s' --arch search --word-bits 16 --mode aligned "
           "--frames 600 --backpressure 0.3 --seed 4 --json",
           path);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out ? out : "", err ? err : "");
  ck_assert_ptr_nonnull(strstr(out, "\"mismatches\": 0"));
  ck_assert_ptr_nonnull(strstr(out, "\"pass\": true"));
  ck_assert_ptr_null(strstr(out, "\"data\": 0,")); /* data frames were run */
  free(out);
  free(err);
  free(dir);
}
END_TEST

Suite *saturation_suite(void); /* called by check_main.c as BSQ_SUITE */
Suite *saturation_suite(void) {
  Suite *s = suite_create("saturation");
  TCase *tc = tcase_create("Numerics");
  tcase_add_test(tc, test_saturation_values_beyond_range_give_end_codes);
  tcase_add_test(tc, test_saturation_codes_beyond_range_give_end_levels);
  suite_add_tcase(s, tc);
  tc = tcase_create("Core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_saturation_c_header_matches_library);
  tcase_add_test(tc, test_saturation_rtl_matches_on_saturating_data);
  suite_add_tcase(s, tc);
  return s;
}
