/* The sensor spec (`--sensor`): parsing and its errors, raw-code columns,
 * the formats through training, the model file, eval and encode, the C
 * header, and the mixed-ADC design end to end (train -> gen -> sim).
 *
 * The data are made here: three ADCs (10-bit unsigned, 12-bit signed,
 * 16-bit unsigned), the same rows once as raw codes and once as physical
 * values offset + code * lsb. */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "gen.h"
#include "model.h"
#include "rng.h"
#include "sensor.h"
#include "testutil.h"
#include "train.h"

#define NADC 3
static const struct {
  const char *name;
  int width, sgn;
  double lsb, offset;
  const char *unit;
} ADC[NADC] = {
    {"light", 10, 0, 0.5, 0.0, "lux"},
    {"temp", 12, 1, 0.0078125, -5.0, "degC"},
    {"press", 16, 0, 0.01, 300.0, "hPa"},
};

/* One code of ADC a, uniform over its range. */
static int64_t draw_code(bsq_rng *r, int a) {
  bsq_format f = {ADC[a].width, ADC[a].sgn, 0.0, 1.0};
  int64_t lo = bsq_format_lo(&f), hi = bsq_format_hi(&f);
  return lo + (int64_t)bsq_rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* dir/codes.csv and dir/phys.csv (the same N rows: raw codes, physical
 * values), dir/codes.json and dir/phys.json (the matching specs). */
static void make_data(const char *dir, int N, uint64_t seed) {
  bsq_rng r;
  bsq_rng_seed(&r, seed);
  char path[1024];
  snprintf(path, sizeof path, "%s/codes.csv", dir);
  FILE *fc = fopen(path, "w");
  snprintf(path, sizeof path, "%s/phys.csv", dir);
  FILE *fp = fopen(path, "w");
  ck_assert(fc && fp);
  fprintf(fc, "light,temp,press,y\n");
  fprintf(fp, "light,temp,press,y\n");
  for (int i = 0; i < N; i++) {
    int64_t c[NADC];
    double u[NADC];
    for (int a = 0; a < NADC; a++) {
      c[a] = draw_code(&r, a);
      u[a] = ldexp((double)c[a], -ADC[a].width); /* [-0.5, 1) */
    }
    double y = sin(3.0 * u[0]) + 4.0 * u[1] * u[1] + 0.5 * u[2] +
               0.05 * bsq_rng_normal(&r);
    fprintf(fc, "%" PRId64 ",%" PRId64 ",%" PRId64 ",%.9g\n", c[0], c[1], c[2],
            y);
    for (int a = 0; a < NADC; a++)
      fprintf(fp, "%.17g,", ADC[a].offset + (double)c[a] * ADC[a].lsb);
    fprintf(fp, "%.9g\n", y);
  }
  fclose(fc);
  fclose(fp);
  const char *files[2] = {"codes.json", "phys.json"};
  for (int k = 0; k < 2; k++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[k]);
    FILE *fs = fopen(path, "w");
    ck_assert_ptr_nonnull(fs);
    fprintf(fs, "{\"features\": [\n");
    for (int a = 0; a < NADC; a++) {
      fprintf(fs, "  {\"name\": \"%s\", \"width\": %d, \"signed\": %s, ",
              ADC[a].name, ADC[a].width, ADC[a].sgn ? "true" : "false");
      if (k == 0)
        fprintf(fs, "\"codes\": true}");
      else
        fprintf(fs, "\"lsb\": %.17g, \"offset\": %.17g, \"unit\": \"%s\"}",
                ADC[a].lsb, ADC[a].offset, ADC[a].unit);
      fprintf(fs, "%s\n", a + 1 < NADC ? "," : "");
    }
    fprintf(fs, "]}\n");
    fclose(fs);
  }
}

/* bsq train on dir/DATA.csv with dir/SPEC.json into dir/OUT; returns the
 * model file's path. */
static char *train_cli(const char *dir, const char *data, const char *spec,
                       const char *out, const char *more) {
  char args[2048], *o = NULL, *e = NULL;
  snprintf(args, sizeof args,
           "train --data '%s/%s.csv' --sensor '%s/%s.json' --bits 3 "
           "--epochs 25 --hidden 2x16 --seed 3 -q -o '%s/%s' %s",
           dir, data, dir, spec, dir, out, more);
  int rc = tu_bsq(args, &o, &e);
  ck_assert_msg(rc == 0, "%s: exit %d\n%s%s", args, rc, o ? o : "", e ? e : "");
  ck_assert_ptr_nonnull(strstr(o, "fitted     "));
  free(o);
  free(e);
  size_t n = strlen(dir) + strlen(out) + 2;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s", dir, out);
  return p;
}

static void load(bsq_model *m, const char *path) {
  bsq_diag d = {{0}};
  ck_assert_msg(bsq_model_load(m, path, &d) == 0, "%s", d.msg);
}

/* ---------------------------------------------------------------------- */
/* Core                                                                    */

START_TEST(test_sensor_parses_the_spec) {
  static const char spec[] =
      "{\"features\": [\n"
      "  {\"name\": \"temp\", \"width\": 16, \"signed\": true,\n"
      "   \"lsb\": 0.0078125, \"offset\": 0.0, \"unit\": \"degC\"},\n"
      "  {\"name\": \"light\", \"width\": 10, \"signed\": false, \"codes\": "
      "true}\n]}\n";
  bsq_sensor s;
  bsq_diag d = {{0}};
  ck_assert_msg(bsq_sensor_parse(&s, spec, strlen(spec), "s.json", &d) == 0,
                "%s", d.msg);
  ck_assert_int_eq(s.n, 2);
  ck_assert_str_eq(s.feat[0].name, "temp");
  ck_assert_int_eq(s.feat[0].fmt.width, 16);
  ck_assert_int_eq(s.feat[0].fmt.is_signed, 1);
  ck_assert_double_eq(s.feat[0].fmt.scale, 0.0078125);
  ck_assert_double_eq(s.feat[0].fmt.offset, 0.0);
  ck_assert_int_eq(s.feat[0].from, BSQ_FMT_SENSOR);
  ck_assert_str_eq(s.feat[0].unit, "degC");
  ck_assert_int_eq(s.feat[1].from, BSQ_FMT_CODES);
  ck_assert_int_eq(s.feat[1].fmt.width, 10);
  ck_assert_int_eq(s.feat[1].fmt.is_signed, 0);
  ck_assert_double_eq(s.feat[1].fmt.scale, 1.0);
  ck_assert_double_eq(s.feat[1].fmt.offset, 0.0);
  ck_assert_str_eq(s.feat[1].unit, "");
  ck_assert_int_eq(bsq_sensor_find(&s, "light"), 1);
  ck_assert_int_eq(bsq_sensor_find(&s, "x"), -1);
  bsq_sensor_free(&s);
}
END_TEST

/* Raw codes and physical values with the matching spec are the same
 * model: the same formats' widths and code ranges, the same integer
 * thresholds up to float rounding, and mse_hw within noise. An unnamed
 * feature keeps the fitted format and the report names it. */
START_TEST(test_sensor_codes_and_physical_values_agree) {
  char *dir = tu_tmpdir("sensor_agree");
  make_data(dir, 3000, 11);
  char *mc = train_cli(dir, "codes", "codes", "mc.json", "");
  char *mp = train_cli(dir, "phys", "phys", "mp.json", "");
  bsq_model a, b;
  load(&a, mc);
  load(&b, mp);
  int same = 0, all = 0;
  for (int f = 0; f < NADC; f++) {
    ck_assert_int_eq(a.fmt_from[f], BSQ_FMT_CODES);
    ck_assert_int_eq(b.fmt_from[f], BSQ_FMT_SENSOR);
    ck_assert_int_eq(a.enc.fmt[f].width, ADC[f].width);
    ck_assert_int_eq(b.enc.fmt[f].width, ADC[f].width);
    ck_assert_int_eq(a.enc.fmt[f].is_signed, ADC[f].sgn);
    ck_assert_double_eq(b.enc.fmt[f].scale, ADC[f].lsb);
    ck_assert_double_eq(b.enc.fmt[f].offset, ADC[f].offset);
    ck_assert_str_eq(b.unit[f], ADC[f].unit);
    for (int d = a.enc.toff[f]; d < a.enc.toff[f + 1]; d++, all++)
      same += a.enc.T[d] == b.enc.T[d];
  }
  ck_assert_int_ge(same, all - 2);
  double hi = fmax(a.mse_test_hw, b.mse_test_hw);
  ck_assert_msg(fabs(a.mse_test_hw - b.mse_test_hw) <= 0.05 * hi,
                "mse_hw codes %g, physical %g", a.mse_test_hw, b.mse_test_hw);
  printf("sensor: mse_hw raw codes %.6f, physical values %.6f\n",
         a.mse_test_hw, b.mse_test_hw);

  /* a spec without "press": it is fitted, at the --input-width given */
  char path[1024];
  snprintf(path, sizeof path, "%s/two.json", dir);
  FILE *fs = fopen(path, "w");
  fprintf(fs, "{\"features\": [{\"name\": \"temp\", \"width\": 12, \"signed\":"
              " true, \"codes\": true}, {\"name\": \"light\", \"width\": 10, "
              "\"signed\": false, \"codes\": true}]}\n");
  fclose(fs);
  char args[2048], *o = NULL, *e = NULL;
  snprintf(args, sizeof args,
           "train --data '%s/codes.csv' --sensor '%s' --bits 2 --epochs 2 "
           "--hidden 1x4 --input-width 10,12,9 -q -o '%s/two_model.json'",
           dir, path, dir);
  ck_assert_int_eq(tu_bsq(args, &o, &e), 0);
  ck_assert_ptr_nonnull(strstr(o, "\nfitted     press\n"));
  free(o);
  free(e);
  bsq_model c;
  snprintf(path, sizeof path, "%s/two_model.json", dir);
  load(&c, path);
  ck_assert_int_eq(c.fmt_from[2], BSQ_FMT_FIT);
  ck_assert_int_eq(c.enc.fmt[2].width, 9);
  ck_assert_int_eq(c.cfg.ninput_widths, 3);
  bsq_model_free(&c);
  /* a per-feature width that contradicts the spec */
  snprintf(args, sizeof args,
           "train --data '%s/codes.csv' --sensor '%s/two.json' --bits 2 "
           "--epochs 1 --hidden 1x4 --input-width 10,11,9 -q -o '%s/x.json'",
           dir, dir, dir);
  ck_assert_int_eq(tu_bsq(args, &o, &e), 1);
  ck_assert_ptr_nonnull(strstr(e, "but its sensor spec"));
  free(o);
  free(e);
  bsq_model_free(&a);
  bsq_model_free(&b);
  free(mc);
  free(mp);
  free(dir);
}
END_TEST

/* The format's origin and unit survive the model file, enter its hash,
 * and are validated on load; a file without them is fitted. */
START_TEST(test_sensor_model_file_keeps_format_origin) {
  char *dir = tu_tmpdir("sensor_file");
  make_data(dir, 400, 5);
  char *mp = train_cli(dir, "phys", "phys", "mp.json", "");
  bsq_model m;
  load(&m, mp);
  char *s = bsq_model_to_json(&m);
  ck_assert_ptr_nonnull(strstr(s, "\"format_from\":\t\"sensor\""));
  ck_assert_ptr_nonnull(strstr(s, "\"unit\":\t\"degC\""));
  uint64_t h = bsq_model_hash(&m);
  snprintf(m.unit[1], sizeof m.unit[1], "K");
  ck_assert_uint_ne(bsq_model_hash(&m), h);
  m.fmt_from[1] = BSQ_FMT_FIT;
  m.unit[1][0] = '\0';
  uint64_t hf = bsq_model_hash(&m);
  ck_assert_uint_ne(hf, h);
  free(s);
  /* as a fitted feature it writes neither field */
  s = bsq_model_to_json(&m);
  bsq_model l;
  bsq_diag d = {{0}};
  ck_assert_int_eq(bsq_model_from_json(&l, s, strlen(s), "m.json", &d), 0);
  ck_assert_int_eq(l.fmt_from[1], BSQ_FMT_FIT);
  ck_assert_uint_eq(bsq_model_hash(&l), hf);
  bsq_model_free(&l);
  free(s);
  bsq_model_free(&m);

  /* the reference model of the catalogue predates the fields */
  ck_assert_int_eq(
      bsq_model_load(&m, BSQ_SOURCE_DIR "/tests/bad/ref_model.json", &d), 0);
  for (int f = 0; f < m.F; f++) {
    ck_assert_int_eq(m.fmt_from[f], BSQ_FMT_FIT);
    ck_assert_str_eq(m.unit[f], "");
  }
  bsq_model_free(&m);

  /* bad values of the fields, each named */
  static const struct {
    const char *from, *to, *msg;
  } bad[] = {
      {"\"format_from\":\t\"sensor\"", "\"format_from\":\t\"adc\"",
       "m.json: features[0].format_from: \"adc\" is not fit, sensor or codes"},
      {"\"format_from\":\t\"sensor\"", "\"format_from\":\t\"codes\"",
       "m.json: features[0].scale: must be 1 for raw codes (format_from "
       "\"codes\")"},
      {"\"unit\":\t\"lux\"", "\"unit\":\t\"l*/x\"",
       "m.json: features[0].unit: contains a comment delimiter (/*, */ or //)"},
  };
  load(&m, mp);
  s = bsq_model_to_json(&m);
  bsq_model_free(&m);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *at = strstr(s, bad[i].from);
    ck_assert_ptr_nonnull(at);
    size_t n = strlen(s) + 64;
    char *t = malloc(n);
    snprintf(t, n, "%.*s%s%s", (int)(at - s), s, bad[i].to,
             at + strlen(bad[i].from));
    ck_assert_int_eq(bsq_model_from_json(&l, t, strlen(t), "m.json", &d),
                     BSQ_EFORMAT);
    ck_assert_str_eq(d.msg, bad[i].msg);
    free(t);
  }
  free(s);
  free(mp);
  free(dir);
}
END_TEST

/* Physical values beyond the ADC's span saturate and are counted; raw
 * codes the ADC cannot produce are errors in eval and encode too. */
START_TEST(test_sensor_saturation_counted_codes_refused) {
  char *dir = tu_tmpdir("sensor_sat");
  make_data(dir, 400, 6);
  char *mp = train_cli(dir, "phys", "phys", "mp.json", "");
  char *mc = train_cli(dir, "codes", "codes", "mc.json", "");
  bsq_model m;
  load(&m, mp);
  /* light spans 0..511.5 lux, temp -21..10.99 degC, press 300..955.35 */
  static const char csv[] = "light,temp,press,y\n"
                            "600,0,400,1\n"     /* light above */
                            "-1,-30,400,2\n"    /* light, temp below */
                            "10,0,1000,3\n"     /* press above */
                            "511.5,-21,300,4\n" /* the end codes: in range */
                            "511.7,10.99,955.35,5\n"; /* rounds to hi */
  bsq_dataset d;
  bsq_diag g = {{0}};
  ck_assert_int_eq(bsq_dataset_load_csv_mem(&d, csv, strlen(csv), "s.csv",
                                            NULL, &g), 0);
  long long total = -1, per[NADC];
  ck_assert_int_eq(bsq_codec_check_rows(&m, &d, NULL, 0, &total, per, &g), 0);
  long long want[NADC] = {0, 0, 0};
  for (int r = 0; r < d.rows; r++)
    for (int f = 0; f < NADC; f++) {
      double c = floor((d.x[r * NADC + f] - ADC[f].offset) / ADC[f].lsb + 0.5);
      bsq_format fm = {ADC[f].width, ADC[f].sgn, 0, 1};
      want[f] += c < (double)bsq_format_lo(&fm) || c > (double)bsq_format_hi(&fm);
    }
  ck_assert_int_eq(per[0], want[0]);
  ck_assert_int_eq(per[1], want[1]);
  ck_assert_int_eq(per[2], want[2]);
  ck_assert_int_eq(total, want[0] + want[1] + want[2]);
  ck_assert_int_eq(total, 4);
  bsq_dataset_free(&d);
  bsq_model_free(&m);

  /* encode reports the count; a codes model refuses a code beyond 10 bits */
  char *p = tu_write(dir, "sat.csv", csv);
  char args[2048], *o = NULL, *e = NULL;
  snprintf(args, sizeof args, "encode '%s' --data '%s' -o '%s/s.bin'", mp, p,
           dir);
  ck_assert_int_eq(tu_bsq(args, &o, &e), 0);
  ck_assert_ptr_nonnull(strstr(e, "saturated: 4 of 15 values beyond their "
                                  "format's code range (light 2, temp 1, "
                                  "press 1)\n"));
  free(o);
  free(e);
  static const char codes[] = "light,temp,press,y\n"
                              "5,0,400,1\n"
                              "1024,0,400,2\n";
  char *pc = tu_write(dir, "bad_codes.csv", codes);
  snprintf(args, sizeof args, "encode '%s' --data '%s' -o '%s/c.bin'", mc, pc,
           dir);
  ck_assert_int_eq(tu_bsq(args, &o, &e), 2);
  char want_msg[2048];
  snprintf(want_msg, sizeof want_msg,
           "bsq encode: %s:3:1: column \"light\": 1024 is outside the 10-bit "
           "unsigned code range 0..1023 (raw codes are not saturated)\n",
           pc);
  ck_assert_str_eq(e, want_msg);
  snprintf(args, sizeof args, "%s/c.bin", dir);
  ck_assert(!tu_exists(args));
  free(o);
  free(e);
  /* eval on its own data counts nothing for the codes model */
  snprintf(args, sizeof args, "eval '%s' --json", mc);
  ck_assert_int_eq(tu_bsq(args, &o, &e), 0);
  ck_assert_ptr_nonnull(strstr(o, "\"saturated\": 0,"));
  free(o);
  free(e);
  free(p);
  free(pc);
  free(mc);
  free(mp);
  free(dir);
}
END_TEST

/* The generated C header, given raw codes, gives the C model's level for
 * every code of every feature; its comments give each threshold in
 * physical units, offset + T * lsb, with the unit. */
START_TEST(test_sensor_c_header_takes_raw_codes) {
  char *dir = tu_tmpdir("sensor_header");
  make_data(dir, 600, 8);
  char *mp = train_cli(dir, "phys", "phys", "mp.json", "");
  bsq_model m;
  load(&m, mp);
  bsq_gen_opts go;
  bsq_gen_opts_default(&go);
  snprintf(go.name, sizeof go.name, "adc");
  bsq_design des;
  bsq_diag g = {{0}};
  ck_assert_int_eq(bsq_design_build(&des, &m, &go, &g), 0);
  char *h = bsq_emit_c_header(&des);
  ck_assert_ptr_nonnull(h);
  char *hp = tu_write(dir, "adc_encoder.h", h);

  /* every threshold comment: code > T, value > offset + T * lsb UNIT */
  int seen = 0;
  for (const char *q = strstr(h, "/* feature "); q; q = strstr(q + 1, "/* feature ")) {
    int f, j, tr;
    long long T;
    double v;
    char unit[32];
    if (sscanf(q, "/* feature %d \"%*[^\"]\" t%d (trained %d): code > %lld, "
                  "value > %lf %31s",
               &f, &j, &tr, &T, &v, unit) != 6)
      continue;
    ck_assert_int_eq(T, m.enc.T[m.enc.toff[f] + j]);
    double want = ADC[f].offset + (double)T * ADC[f].lsb;
    ck_assert_msg(fabs(v - want) <= 1e-9 * fmax(1.0, fabs(want)),
                  "feature %d t%d: %.12g, offset + T * lsb = %.12g", f, j, v,
                  want);
    ck_assert_str_eq(unit, ADC[f].unit);
    seen++;
  }
  ck_assert_int_eq(seen, m.enc.D);
  ck_assert_ptr_nonnull(strstr(h, "feature 2 \"press\" [37:22]: 16-bit unsigned, "
                                  "0..65535, value = 300 + code * 0.01 hPa"));

  /* every code of every feature through the header, against bsq_level */
  char *mainc = tu_write(dir, "main.c",
                         "#include <stdio.h>\n#include \"adc_encoder.h\"\n"
                         "int main(void) {\n  unsigned f;\n"
                         "  for (f = 0; f < ADC_ENC_FEATURES; f++) {\n"
                         "    adc_enc_code_t c;\n"
                         "    for (c = adc_enc_lo[f]; c <= adc_enc_hi[f]; c++)\n"
                         "      printf(\"%u %ld %u\\n\", f, (long)c, "
                         "adc_enc_level(f, c));\n  }\n  return 0;\n}\n");
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "cd '%s' && cc -std=c99 -pedantic -Wall -Wextra -Wconversion "
           "-Wshadow -Werror -o main main.c && ./main",
           dir);
  FILE *pp = popen(cmd, "r");
  ck_assert_ptr_nonnull(pp);
  unsigned f, lv;
  long c;
  long long n = 0, bad = 0, expect = 0;
  while (fscanf(pp, "%u %ld %u", &f, &c, &lv) == 3) {
    ck_assert_uint_lt(f, (unsigned)m.F);
    if ((int)lv != bsq_level(&m.enc, (int)f, c)) bad++;
    n++;
  }
  ck_assert_int_eq(pclose(pp), 0);
  for (int k = 0; k < m.F; k++)
    expect += bsq_format_hi(&m.enc.fmt[k]) - bsq_format_lo(&m.enc.fmt[k]) + 1;
  ck_assert_int_eq(n, expect); /* 1024 + 4096 + 65536 */
  ck_assert_int_eq(bad, 0);
  free(mainc);
  free(hp);
  free(h);
  bsq_design_free(&des);
  bsq_model_free(&m);
  free(mp);
  free(dir);
}
END_TEST

/* Raw codes of three ADCs end to end: train -> gen -> sim over every code
 * of every feature, with back-pressure, both architectures. */
START_TEST(test_sensor_mixed_adc_cosim) {
  static const char *const arch[2] = {"flash", "search"};
  char *dir = tu_tmpdir("sensor_cosim");
  make_data(dir, 1500, 9);
  char *mc = train_cli(dir, "codes", "codes", "mc.json", "");
  for (int k = 0; k < 2; k++) {
    char args[2048], *o = NULL, *e = NULL;
    snprintf(args, sizeof args,
             "gen '%s' --arch %s -o '%s/rtl_%s'", mc, arch[k], dir, arch[k]);
    ck_assert_int_eq(tu_bsq(args, &o, &e), 0);
    free(o);
    free(e);
    snprintf(args, sizeof args, "%s/rtl_%s/bsq_encoder.v", dir, arch[k]);
    char *v = tu_read(args, NULL);
    ck_assert_ptr_nonnull(v);
    /* 10 + 12 + 16 input bits, feature 0 from bit 0 */
    ck_assert_ptr_nonnull(strstr(v, "input  wire [37:0] s_axis_tdata"));
    free(v);
    snprintf(args, sizeof args,
             "sim '%s' --arch %s --backpressure 0.4 --frames 1000 --seed %d "
             "--json",
             mc, arch[k], k + 1);
    int rc = tu_bsq(args, &o, &e);
    ck_assert_msg(rc == 0, "%s: exit %d\n%s%s", arch[k], rc, o, e);
    cJSON *j = cJSON_Parse(o);
    ck_assert_ptr_nonnull(j);
    const cJSON *st = tu_json_field(j, "stimulus");
    ck_assert_int_eq((int)tu_json_num(st, "sweep"), 1 << 16); /* longest */
    ck_assert_int_eq((int)tu_json_num(j, "mismatches"), 0);
    ck_assert(cJSON_IsTrue(tu_json_field(j, "pass")));
    printf("sensor: mixed-ADC cosim %s: %.0f frames, %.0f mismatches\n",
           arch[k], tu_json_num(j, "frames"), tu_json_num(j, "mismatches"));
    cJSON_Delete(j);
    free(o);
    free(e);
  }
  free(mc);
  free(dir);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */

static const struct {
  const char *json, *msg;
} BAD_SPECS[] = {
    {"[1]", "s.json: not a sensor spec (an object with \"features\")"},
    {"{\"features\": []}", "s.json: features: empty"},
    {"{\"feature\": []}", "s.json: unknown field \"feature\" (only \"features\")"},
    {"{\"features\": [{\"width\": 8, \"signed\": false, \"codes\": true}]}",
     "s.json: features[0].name: missing (the CSV column it describes)"},
    {"{\"features\": [{\"name\": \"a\", \"signed\": false, \"codes\": true}]}",
     "s.json: features[0].width: missing (the ADC's code width, 1..32)"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 0, \"signed\": false, "
     "\"codes\": true}]}",
     "s.json: features[0].width: 0 is outside 1..32"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 33, \"signed\": false, "
     "\"codes\": true}]}",
     "s.json: features[0].width: 33 is outside 1..32"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8.5, \"signed\": false, "
     "\"codes\": true}]}",
     "s.json: features[0].width: not an integer"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"codes\": true}]}",
     "s.json: features[0].signed: missing (true for two's complement codes)"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"signed\": false}]}",
     "s.json: features[0].lsb: missing (the physical value of one code step; "
     "or \"codes\": true for raw codes)"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"signed\": false, "
     "\"lsb\": 0, \"offset\": 0}]}",
     "s.json: features[0].lsb: 0 is not a finite number > 0"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"signed\": false, "
     "\"lsb\": -0.5, \"offset\": 0}]}",
     "s.json: features[0].lsb: -0.5 is not a finite number > 0"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"signed\": false, "
     "\"lsb\": 1e999, \"offset\": 0}]}",
     "s.json: features[0].lsb: inf is not a finite number > 0"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"signed\": false, "
     "\"lsb\": 0.5}]}",
     "s.json: features[0].offset: missing (the physical value of code 0)"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"signed\": false, "
     "\"codes\": true, \"lsb\": 0.5}]}",
     "s.json: features[0].lsb: not allowed with \"codes\": true (the column "
     "holds raw codes)"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"signed\": false, "
     "\"codes\": true, \"unit\": \"V\"}]}",
     "s.json: features[0].unit: not allowed with \"codes\": true (the column "
     "holds raw codes)"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"signed\": false, "
     "\"lsb\": 0.5, \"offset\": 0, \"unit\": \"\"}]}",
     "s.json: features[0].unit: empty (leave the field out instead)"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"signed\": false, "
     "\"codes\": true}, {\"name\": \"a\", \"width\": 4, \"signed\": true, "
     "\"codes\": true}]}",
     "s.json: features[1].name: \"a\" is already features[0]"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8, \"signed\": false, "
     "\"codes\": true, \"lbs\": 1}]}",
     "s.json: features[0]: unknown field \"lbs\" (name, width, signed, lsb, "
     "offset, unit, codes)"},
    {"{\"features\": [{\"name\": \"a\", \"width\": 8,", 
     "s.json:1:39: not valid JSON (byte 38)"},
};
#define NBAD ((int)(sizeof BAD_SPECS / sizeof *BAD_SPECS))

START_TEST(test_sensor_rejects_bad_spec) {
  bsq_sensor s;
  bsq_diag d = {{0}};
  const char *j = BAD_SPECS[_i].json;
  int rc = bsq_sensor_parse(&s, j, strlen(j), "s.json", &d);
  ck_assert_int_ne(rc, 0);
  ck_assert_str_eq(d.msg, BAD_SPECS[_i].msg);
  ck_assert_int_eq(s.n, 0);
  ck_assert_ptr_null(s.feat);
}
END_TEST

/* The spec against the data: names, and the raw codes of "codes" columns,
 * with file, line (blank lines counted) and column. */
START_TEST(test_sensor_checks_data) {
  static const char spec[] =
      "{\"features\": [{\"name\": \"b\", \"width\": 4, \"signed\": true, "
      "\"codes\": true}]}";
  static const struct {
    const char *csv, *target, *msg;
  } cases[] = {
      {"a,b,y\n1,2,3\n\n4,-8,6\n7,7,8\n", NULL, NULL},
      {"a,b,y\n1,2,3\n\n4,-9,6\n", NULL, "d.csv:4:2: column \"b\": -9 is outside "
       "the 4-bit signed code range -8..7 (raw codes are not saturated)"},
      {"a,y,b\n1,2,3\n4,5,2.5\n", "y", "d.csv:3:3: column \"b\": 2.5 is not an "
       "integer code"},
      {"a,b,y\n1,8,3\n1,0,2\n", NULL, "d.csv:2:2: column \"b\": 8 is outside the 4-bit "
       "signed code range -8..7 (raw codes are not saturated)"},
      {"a,c,y\n1,2,3\n1,0,2\n", NULL, "s.json: features[0].name: \"b\" is not a column of "
       "d.csv"},
      {"a,c,b\n1,2,3\n1,0,2\n", NULL, "s.json: features[0].name: \"b\" is the target "
       "column, not a feature, of d.csv"},
  };
  bsq_sensor s;
  bsq_diag d = {{0}};
  ck_assert_int_eq(bsq_sensor_parse(&s, spec, strlen(spec), "s.json", &d), 0);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    bsq_dataset ds;
    const char *t = cases[i].csv;
    ck_assert_msg(bsq_dataset_load_csv_mem(&ds, t, strlen(t), "d.csv",
                                           cases[i].target, &d) == 0,
                  "%s", d.msg);
    int rc = bsq_sensor_check_data(&s, &ds, &d);
    if (!cases[i].msg) {
      ck_assert_msg(rc == 0, "%s", d.msg);
    } else {
      ck_assert_int_ne(rc, 0);
      ck_assert_str_eq(d.msg, cases[i].msg);
    }
    bsq_dataset_free(&ds);
  }
  bsq_sensor_free(&s);
}
END_TEST

static int have_verilator(void) {
  return system("command -v verilator >/dev/null 2>&1") == 0;
}

Suite *sensor_suite(void);
Suite *sensor_suite(void) {
  Suite *s = suite_create("sensor");
  TCase *tc = tcase_create("Core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_sensor_parses_the_spec);
  tcase_add_test(tc, test_sensor_codes_and_physical_values_agree);
  tcase_add_test(tc, test_sensor_model_file_keeps_format_origin);
  tcase_add_test(tc, test_sensor_saturation_counted_codes_refused);
  tcase_add_test(tc, test_sensor_c_header_takes_raw_codes);
  suite_add_tcase(s, tc);
  TCase *tv = tcase_create("Cosim");
  tcase_set_timeout(tv, 900);
  if (have_verilator())
    tcase_add_test(tv, test_sensor_mixed_adc_cosim);
  else
    printf("skipped: test_sensor_mixed_adc_cosim: verilator not found\n");
  suite_add_tcase(s, tv);
  TCase *te = tcase_create("Errors");
  tcase_add_loop_test(te, test_sensor_rejects_bad_spec, 0, NBAD);
  tcase_add_test(te, test_sensor_checks_data);
  suite_add_tcase(s, te);
  return s;
}
