/* Check suite for `bsq synth --target asic` (verify/asic.c, the asic part
 * of verify/synth_run.c): the report's fields and their consistency, the
 * gate-level check failing on a netlist with one gate swapped, energy
 * reacting to the data, and missing tools or libraries. Skipped when sta
 * (opensta), the OSU 0.18 library (qflow-tech-osu018), yosys or iverilog
 * are absent. Models are small so that the suite stays fast. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "quant.h"
#include "rng.h"
#include "synth.h"
#include "testutil.h"

/* F features cycling through bits and width, unsigned, thresholds in
 * [-1, 1], saved to dir. No data set: the flow falls back to random
 * frames. */
static char *make_model(const char *dir, int F, const int *bits, int nb,
                        const int *width, int nw, uint64_t seed) {
  tu_model_spec s = {F, bits, nb, width, nw, NULL, 0, 1.0, seed};
  return tu_random_model(&s, dir, NULL);
}

static double pos(const cJSON *o, const char *key) {
  double v = tu_json_num(o, key);
  ck_assert_msg(v > 0, "field \"%s\" = %g, not positive", key, v);
  return v;
}

static const int BITS[3] = {2, 3, 4}, WIDTH[3] = {6, 8, 7};

START_TEST(test_asic_report_fields_and_energy_consistent) {
  char *dir = tu_tmpdir("asic-fields");
  char *model = make_model(dir, 3, BITS, 3, WIDTH, 3, 5);
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "synth '%s' --target asic --frames 200 --frame-rate 2e6 --json "
           "--keep '%s/k' -o '%s/report.md'",
           model, dir, dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  cJSON *j = cJSON_Parse(out);
  ck_assert_msg(j != NULL, "not JSON:\n%s", out);
  ck_assert_ptr_nonnull(strstr(cJSON_GetStringValue(tu_json_field(j, "liberty")),
                               "osu018_stdcells.lib"));
  ck_assert_str_eq(cJSON_GetStringValue(tu_json_field(j, "area_unit")), "um^2");
  double rate = tu_json_num(j, "frame_rate_hz");
  ck_assert_double_eq(rate, 2e6);
  /* the default clock is the one the frame rate needs */
  ck_assert_double_eq_tol(tu_json_num(j, "clock_mhz"), 2.0, 1e-9);
  ck_assert_double_eq(tu_json_num(j, "input_delay_ns"), 0);
  ck_assert_double_eq(tu_json_num(j, "output_delay_ns"), 0);
  /* no data set behind this model: random frames, said in a note */
  ck_assert_ptr_nonnull(strstr(out, "random frames"));
  const char *archs[3] = {"flash", "search", "naive"};
  for (int a = 0; a < 3; a++) {
    const cJSON *o = tu_json_field(tu_json_field(j, archs[a]), "asic");
    pos(o, "area");
    double cells = pos(o, "cells"), dffs = pos(o, "dffs");
    double sum = 0, dsum = 0;
    for (const cJSON *c = tu_json_field(o, "cells_by_type")->child; c; c = c->next)
      sum += c->valuedouble;
    for (const cJSON *c = tu_json_field(o, "dffs_by_type")->child; c; c = c->next)
      dsum += c->valuedouble;
    ck_assert_double_eq(sum, cells);
    ck_assert_double_eq(dsum, dffs);
    double crit = pos(o, "critical_path_ns");
    ck_assert_double_eq_tol(pos(o, "fmax_mhz_sta"), 1000.0 / crit, 0.5);
    ck_assert(cJSON_IsTrue(tu_json_field(o, "critical_path_reg2reg")));
    ck_assert_int_gt((int)strlen(cJSON_GetStringValue(tu_json_field(o, "critical_path_from"))), 0);
    ck_assert_int_gt((int)strlen(cJSON_GetStringValue(tu_json_field(o, "critical_path_to"))), 0);
    /* the slack at 2 MHz: 500 ns minus the path */
    ck_assert_double_eq_tol(tu_json_num(o, "slack_ns"), 500.0 - crit, 0.01);
    const cJSON *pw = tu_json_field(o, "power_uw");
    double p = pos(pw, "internal") + pos(pw, "switching") + pos(pw, "leakage");
    ck_assert_double_eq_tol(tu_json_num(pw, "total"), p, 1e-9 * p);
    /* uW / (frames/s) = 1e6 pJ per frame */
    ck_assert_double_eq_tol(pos(o, "energy_pj_per_frame"), p * 1e6 / rate,
                            1e-9 * p);
    ck_assert_double_eq_tol(pos(o, "leakage_pj_per_frame"),
                            tu_json_num(pw, "leakage") * 1e6 / rate, 1e-12);
    ck_assert(cJSON_IsTrue(tu_json_field(o, "gate_level_check")));
    ck_assert_int_eq((int)tu_json_num(o, "gate_level_frames"), 200);
    if (a < 2) {
      const cJSON *nv = tu_json_field(tu_json_field(j, "naive"), "asic");
      const cJSON *r = tu_json_field(o, "ratio_to_naive");
      ck_assert_double_eq_tol(tu_json_num(r, "area"), tu_json_num(o, "area") / tu_json_num(nv, "area"),
                              1e-3);
      ck_assert_double_eq_tol(tu_json_num(r, "energy_pj_per_frame"),
                              tu_json_num(o, "energy_pj_per_frame") /
                                  tu_json_num(nv, "energy_pj_per_frame"),
                              1e-3);
    }
  }
  char path[2048];
  snprintf(path, sizeof path, "%s/report.md", dir);
  char *md = tu_read(path, NULL);
  ck_assert_ptr_nonnull(md);
  ck_assert_ptr_nonnull(strstr(md, "| energy per frame, pJ"));
  ck_assert_ptr_nonnull(strstr(md, "| gate-level check               |       pass |"));
  cJSON_Delete(j);
  free(md);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* The ASIC RTL choices: flash without the thermometer register and no
 * datapath reset is one stage shorter, uses only flops without reset
 * outside the valid chain (none: the bank ties valid high, so it goes),
 * is proven equal to the others and passes the gate-level check. */
START_TEST(test_asic_rtl_choices_proven_and_checked) {
  char *dir = tu_tmpdir("asic-choices");
  char *model = make_model(dir, 3, BITS, 3, WIDTH, 3, 7);
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "synth '%s' --target asic --frames 100 --prove --pipeline 0 "
           "--datapath-reset off --json --keep '%s/k'",
           model, dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  cJSON *j = cJSON_Parse(out);
  ck_assert_ptr_nonnull(j);
  ck_assert(cJSON_IsTrue(tu_json_field(j, "equivalent")));
  const cJSON *ch = tu_json_field(j, "rtl_choices");
  ck_assert_int_eq((int)tu_json_num(ch, "pipeline"), 0);
  ck_assert(cJSON_IsFalse(tu_json_field(ch, "datapath_reset")));
  ck_assert_int_eq((int)tu_json_num(tu_json_field(j, "flash"), "latency_cycles"), 2);
  const char *archs[2] = {"flash", "search"};
  for (int a = 0; a < 2; a++) {
    const cJSON *o = tu_json_field(tu_json_field(j, archs[a]), "asic");
    ck_assert(cJSON_IsTrue(tu_json_field(o, "gate_level_check")));
    /* no reset flop left in the datapath */
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(tu_json_field(o, "dffs_by_type"),
                                                        "DFFSR"));
  }
  /* the naive reference keeps its resets */
  ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(
      tu_json_field(tu_json_field(tu_json_field(j, "naive"), "asic"), "dffs_by_type"), "DFFSR"));
  cJSON_Delete(j);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* Generates the designs of a small model into dir/k, and n frames of codes
 * (random, or all zero) with the C model's levels. */
typedef struct {
  bsq_model m;
  int64_t *codes; /* (n, F) */
  uint8_t *lv;    /* (n, F) */
  int width[3];
  char work[1024];
} fixture;

static void fixture_init(fixture *x, const char *dir, int n, int zero) {
  char *model = make_model(dir, 3, BITS, 3, WIDTH, 3, 9);
  bsq_diag d;
  ck_assert_int_eq(bsq_model_load(&x->m, model, &d), 0);
  free(model);
  snprintf(x->work, sizeof x->work, "%s/k", dir);
  int want[BSQ_SYN_NARCH] = {1, 1, 1, 1}; /* serial too */
  ck_assert_msg(bsq_synth_write_rtl(&x->m, "bsq", want, NULL, dir, &d) == 0, "%s",
                d.msg);
  x->codes = calloc((size_t)n * 3, sizeof *x->codes);
  x->lv = calloc((size_t)n * 3, 1);
  ck_assert(x->codes && x->lv);
  bsq_rng r;
  bsq_rng_seed(&r, 3);
  for (int i = 0; i < n; i++) {
    for (int f = 0; f < 3; f++) {
      const bsq_format *fm = &x->m.enc.fmt[f];
      int64_t lo = bsq_format_lo(fm), hi = bsq_format_hi(fm);
      x->codes[i * 3 + f] =
          zero ? 0 : lo + (int64_t)(bsq_rng_uniform(&r) * (double)(hi - lo + 1));
      if (x->codes[i * 3 + f] > hi) x->codes[i * 3 + f] = hi;
    }
    bsq_encoder_levels(&x->m.enc, x->codes + i * 3, x->lv + i * 3);
  }
  for (int f = 0; f < 3; f++) x->width[f] = x->m.enc.fmt[f].width;
}

static void fixture_free(fixture *x) {
  bsq_model_free(&x->m);
  free(x->codes);
  free(x->lv);
}

START_TEST(test_asic_gate_check_fails_on_swapped_gate) {
  char *dir = tu_tmpdir("asic-swap");
  fixture x;
  fixture_init(&x, dir, 100, 0);
  for (int a = 0; a < BSQ_SYN_NARCH; a++) {
    bsq_asic_opts o;
    bsq_asic_opts_default(&o);
    bsq_synth_asic_result r;
    bsq_diag d = {{0}};
    ck_assert_msg(bsq_synth_asic(dir, x.work, "bsq", a, &o, &r, &d) == 0, "%s",
                  d.msg);
    /* the netlist as mapped passes ... */
    ck_assert_msg(bsq_asic_gate_check_and_power(x.work, "bsq", a, &o, 3,
                                                x.width, x.m.enc.bits, 100,
                                                x.codes, x.lv, &r, &d) == 0,
                  "%s", d.msg);
    ck_assert_int_eq(r.gate_level_check, 1);
    /* ... a copy with one gate swapped for its complement does not */
    o.swap_gate = 1;
    int rc = bsq_asic_gate_check_and_power(x.work, "bsq", a, &o, 3, x.width,
                                           x.m.enc.bits, 100, x.codes, x.lv,
                                           &r, &d);
    ck_assert_msg(rc == BSQ_EMISMATCH, "%s: rc %d: %s", bsq_synth_arch_name(a),
                  rc, d.msg);
    ck_assert_int_eq(r.gate_level_check, 0);
    ck_assert_int_ge(r.mismatch_frame, 0);
    ck_assert_int_ge(r.mismatch_feature, 0);
    ck_assert_ptr_nonnull(strstr(d.msg, bsq_synth_arch_name(a)));
    ck_assert_ptr_nonnull(strstr(d.msg, "frame"));
    ck_assert_ptr_nonnull(strstr(d.msg, "feature"));
  }
  fixture_free(&x);
  free(dir);
}
END_TEST

/* The whole encoder on the liberty: mapped with ABC's buffering for the
 * library's smallest inverter, the bank's logic and the packer's on top
 * (more area and flip-flops than the bank), timed by OpenSTA. */
START_TEST(test_asic_whole_encoder_maps_and_times) {
  char *dir = tu_tmpdir("asic-enc");
  fixture x;
  fixture_init(&x, dir, 20, 0);
  bsq_diag d = {{0}};
  int want[BSQ_SYN_NARCH] = {1, 0, 0, 0};
  ck_assert_msg(bsq_synth_write_encoders(&x.m, "bsq", want, NULL,
                                         BSQ_SOURCE_DIR "/rtl/bsq_packer.v", dir,
                                         &d) == 0,
                "%s", d.msg);
  bsq_asic_opts o;
  bsq_asic_opts_default(&o);
  bsq_synth_asic_result bank, enc;
  ck_assert_msg(bsq_synth_asic(dir, x.work, "bsq", BSQ_SYN_FLASH, &o, &bank,
                               &d) == 0, "%s", d.msg);
  ck_assert_msg(bsq_synth_asic_unit(dir, x.work, "bsq", BSQ_SYN_FLASH,
                                    BSQ_UNIT_ENC, &o, &enc, &d) == 0,
                "%s", d.msg);
  for (int i = 0; i < 2; i++) {
    const bsq_synth_asic_result *r = i ? &enc : &bank;
    ck_assert_int_eq(r->buffered, 1);
    ck_assert_str_eq(r->drive_cell, "INVX1"); /* OSU 0.18's smallest */
    ck_assert_double_eq_tol(r->load, 0.01, 1e-12); /* 10 fF in pF */
    ck_assert_double_gt(r->fmax_mhz_sta, 0);
  }
  ck_assert_double_gt(enc.area, bank.area);
  ck_assert_int_gt(enc.dffs, bank.dffs);
  ck_assert_int_eq(enc.gate_level_check, -1); /* not simulated yet */
  /* the netlist against the C model's words, 32-bit aligned (gen's
   * default), then the same with one expected word wrong */
  const bsq_encoder *e = &x.m.enc;
  int n = 20, tb = bsq_tdata_bytes(e), K = 32;
  int maxw = bsq_packer_max_words(e->B, K), nw = 0;
  uint8_t *td = calloc((size_t)n, (size_t)tb), lv[3], fr[8], tl[16];
  uint64_t *w = malloc(sizeof *w * (size_t)(n * maxw));
  bsq_packer pk;
  bsq_packer_init(&pk, e->B, K, BSQ_MODE_ALIGNED);
  for (int i = 0; i < n; i++) {
    bsq_tdata_pack(e, x.codes + i * 3, td + (size_t)i * (size_t)tb);
    nw += bsq_encode_push(e, &pk, x.codes + i * 3, lv, fr, w + nw, tl);
  }
  ck_assert_msg(bsq_asic_encoder_check_and_power(x.work, "bsq", BSQ_SYN_FLASH,
                                                 &o, bsq_tdata_bits(e), K, 0, n,
                                                 td, nw, w, &enc, &d) == 0,
                "%s", d.msg);
  ck_assert_int_eq(enc.gate_level_check, 1);
  ck_assert_double_gt(enc.energy_pj_per_frame, 0);
  /* one word per frame at most here (B <= 32): a frame per clock */
  ck_assert_double_eq_tol(enc.cycles_per_frame, 1.0, 1e-9);
  w[nw / 2] ^= 1u;
  ck_assert_int_eq(bsq_asic_encoder_check_and_power(x.work, "bsq", BSQ_SYN_FLASH,
                                                    &o, bsq_tdata_bits(e), K, 0, n,
                                                    td, nw, w, &enc, &d),
                   BSQ_EMISMATCH);
  ck_assert_int_eq(enc.gate_level_check, 0);
  ck_assert_int_eq(enc.mismatch_frame, nw / 2);
  ck_assert_msg(strstr(d.msg, "encoder") && strstr(d.msg, "word"), "%s", d.msg);
  free(td);
  free(w);
  char ys[4096];
  snprintf(ys, sizeof ys, "%s/flash_enc/synth.ys", x.work);
  char *t = tu_read(ys, NULL);
  ck_assert_ptr_nonnull(t);
  ck_assert_ptr_nonnull(strstr(t, "bsq_flash_encoder.v"));
  ck_assert_ptr_nonnull(strstr(t, "bsq_packer.v"));
  ck_assert_ptr_nonnull(strstr(t, "-constr"));
  free(t);
  fixture_free(&x);
  free(dir);
}
END_TEST

/* The energy comes from the measured toggles: all-zero codes cost less
 * than random ones, and both at least the clock floor (internal > 0). */
START_TEST(test_asic_energy_rises_with_data) {
  double e[2];
  for (int zero = 0; zero < 2; zero++) {
    char *dir = tu_tmpdir(zero ? "asic-zero" : "asic-data");
    fixture x;
    fixture_init(&x, dir, 100, zero);
    bsq_asic_opts o;
    bsq_asic_opts_default(&o);
    bsq_synth_asic_result r;
    bsq_diag d = {{0}};
    ck_assert_msg(bsq_synth_asic(dir, x.work, "bsq", BSQ_SYN_FLASH, &o, &r,
                                 &d) == 0,
                  "%s", d.msg);
    ck_assert_msg(bsq_asic_gate_check_and_power(x.work, "bsq", BSQ_SYN_FLASH,
                                                &o, 3, x.width, x.m.enc.bits,
                                                100, x.codes, x.lv, &r,
                                                &d) == 0,
                  "%s", d.msg);
    ck_assert_double_gt(r.p_internal_uw, 0);
    e[zero] = r.energy_pj_per_frame;
    fixture_free(&x);
    free(dir);
  }
  ck_assert_msg(e[1] < 0.9 * e[0], "zero codes %g pJ, random %g pJ", e[1],
                e[0]);
}
END_TEST

START_TEST(test_asic_missing_tools_and_library) {
  bsq_asic_opts o;
  bsq_asic_opts_default(&o);
  o.sta = "bsq-no-such-sta";
  bsq_diag d = {{0}};
  char ver[64];
  ck_assert_int_eq(bsq_asic_check_tools(&o, ver, sizeof ver, &d), BSQ_ETOOL);
  ck_assert_ptr_nonnull(strstr(d.msg, "bsq-no-such-sta: not found"));
  /* the message for the real names says what to install */
  ck_assert_str_eq(bsq_tool_package("sta"), "opensta");
  ck_assert_str_eq(bsq_tool_package(BSQ_ASIC_DEFAULT_LIBERTY),
                   "qflow-tech-osu018");
  ck_assert_str_eq(bsq_tool_package(BSQ_ASIC_DEFAULT_CELLS),
                   "qflow-tech-osu018");
  bsq_asic_opts_default(&o);
  o.liberty = "/nonexistent/lib.lib";
  o.cell_models = "/nonexistent/cells.v";
  ck_assert_int_eq(bsq_asic_check_tools(&o, ver, sizeof ver, &d), BSQ_EIO);
  /* the CLI: a user library needs its cell models; a missing one is exit 2 */
  char *dir = tu_tmpdir("asic-missing");
  char *model = make_model(dir, 2, BITS, 3, WIDTH, 3, 1);
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "synth '%s' --target asic --liberty x.lib",
           model);
  ck_assert_int_eq(tu_bsq(args, &out, &err), 1);
  ck_assert_ptr_nonnull(strstr(err, "--cell-models"));
  free(out);
  free(err);
  snprintf(args, sizeof args,
           "synth '%s' --target asic --liberty /nonexistent/lib.lib "
           "--cell-models /nonexistent/cells.v",
           model);
  ck_assert_int_eq(tu_bsq(args, &out, &err), 2);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/lib.lib"));
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

Suite *asic_suite(void); /* called by check_main.c */

Suite *asic_suite(void) {
  bsq_asic_opts o;
  bsq_asic_opts_default(&o);
  bsq_diag d = {{0}};
  char ver[64];
  if (bsq_asic_check_tools(&o, ver, sizeof ver, &d)) {
    printf("skipped: %s\n", d.msg);
    return NULL;
  }
  if (system("yosys -V >/dev/null 2>&1") != 0 ||
      system("iverilog -V >/dev/null 2>&1") != 0) {
    printf("skipped: yosys or iverilog not found\n");
    return NULL;
  }
  Suite *s = suite_create("asic");
  TCase *tc = tcase_create("Core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_asic_report_fields_and_energy_consistent);
  tcase_add_test(tc, test_asic_rtl_choices_proven_and_checked);
  suite_add_tcase(s, tc);
  TCase *tn = tcase_create("Numerics");
  tcase_set_timeout(tn, 300);
  tcase_add_test(tn, test_asic_energy_rises_with_data);
  tcase_add_test(tn, test_asic_whole_encoder_maps_and_times);
  suite_add_tcase(s, tn);
  TCase *te = tcase_create("Errors");
  tcase_set_timeout(te, 300);
  tcase_add_test(te, test_asic_gate_check_fails_on_swapped_gate);
  tcase_add_test(te, test_asic_missing_tools_and_library);
  suite_add_tcase(s, te);
  return s;
}
