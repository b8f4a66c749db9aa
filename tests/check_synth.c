/* Check suite for `bsq synth` (codegen/synth.c, cli/cmd_synth.c): the
 * report's fields, the latency cross-check in simulation, the equivalence
 * proof on real designs and on designs with one threshold altered, the
 * behaviour without nextpnr or yosys, and usage errors. Designs are small
 * so that the suite stays fast; place and route runs on one tiny design. */
#define _GNU_SOURCE /* setenv, strndup */
#include <cjson/cJSON.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "model.h"
#include "rng.h"
#include "testutil.h"

/* F features cycling through bits, width and sgn, thresholds in
 * [-1.2, 1.2] (some fold), saved to dir (tu_random_model). */
static char *make_model(const char *dir, int F, const int *bits, int nb,
                        const int *width, int nw, const int *sgn, int ns,
                        uint64_t seed) {
  tu_model_spec s = {F, bits, nb, width, nw, sgn, ns, 1.2, seed};
  return tu_random_model(&s, dir, NULL);
}

/* Quantizer register stages the generator builds for arch a of model. */
static int gen_stages(const char *model, bsq_arch a) {
  bsq_model m;
  bsq_diag diag;
  ck_assert_int_eq(bsq_model_load(&m, model, &diag), 0);
  bsq_gen_opts o;
  bsq_gen_opts_default(&o);
  o.arch = a;
  bsq_design d;
  ck_assert_int_eq(bsq_design_build(&d, &m, &o, &diag), 0);
  int s = d.stages;
  bsq_design_free(&d);
  bsq_model_free(&m);
  return s;
}

/* Adds 1 to the magnitude of the first decimal literal (N'dV or N'sdV) on
 * the first line containing `pattern` that has one (e.g. "assign
 * f1_therm[" in a flash file); 0 if one was changed. */
static int alter_literal(const char *path, const char *pattern) {
  size_t len;
  char *text = tu_read(path, &len);
  if (!text) return -1;
  for (char *p = strstr(text, pattern); p; p = strstr(p + 1, pattern)) {
    char *eol = strchr(p, '\n');
    for (char *q = strchr(p, '\''); q && (!eol || q < eol); q = strchr(q + 1, '\'')) {
      char *d = q + 1 + (q[1] == 's');
      if (*d != 'd' || !strchr("0123456789", d[1]) || !d[1]) continue;
      char *num_at = d + 1;
      long v = strtol(num_at, NULL, 10);
      char *end = num_at + strspn(num_at, "0123456789");
      FILE *fp = fopen(path, "wb");
      ck_assert_ptr_nonnull(fp);
      fprintf(fp, "%.*s%ld%s", (int)(num_at - text), text, v + 1, end);
      fclose(fp);
      free(text);
      return 0;
    }
  }
  free(text);
  return -1;
}

/* ---- Core ------------------------------------------------------------------ */

/* Generic target and proof on a mixed design (a 5-bit feature: its search
 * stage 4 threshold case becomes a ROM for Yosys): every architecture object
 * carries the documented fields, the latency the generator built in is
 * what simulation measures, the proof holds, and the Markdown and JSON
 * files are written. */
START_TEST(test_synth_report_fields_and_proof) {
  int bits[3] = {2, 3, 5}, width[3] = {6, 8, 7}, sgn[2] = {0, 1};
  char *dir = tu_tmpdir("synth-fields");
  char *model = make_model(dir, 3, bits, 3, width, 3, sgn, 2, 11);
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "synth '%s' --target generic --prove --json --keep '%s/k' "
           "-o '%s/report.md'",
           model, dir, dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  cJSON *j = cJSON_Parse(out);
  ck_assert_msg(j != NULL, "not JSON:\n%s", out);
  ck_assert(cJSON_IsTrue(tu_json_field(j, "equivalent")));
  ck_assert(cJSON_IsFalse(tu_json_field(j, "packer_included")));
  ck_assert_int_eq((int)tu_json_num(j, "features"), 3);
  ck_assert_int_eq((int)tu_json_num(j, "frame_bits"), 10);
  const char *archs[3] = {"flash", "search", "naive"};
  int expect_lat[3] = {gen_stages(model, BSQ_ARCH_FLASH) + 1,
                       gen_stages(model, BSQ_ARCH_SEARCH) + 1, 2};
  for (int a = 0; a < 3; a++) {
    const cJSON *o = tu_json_field(j, archs[a]);
    /* not run for this target: present, null */
    const char *null_keys[5] = {"logic_cells", "carry_cells", "dffs",
                                "fmax_mhz", "transistors"};
    for (int k = 0; k < 5; k++) ck_assert(cJSON_IsNull(tu_json_field(o, null_keys[k])));
    ck_assert_double_gt(tu_json_num(o, "cells_generic"), 0);
    ck_assert_int_eq((int)tu_json_num(o, "latency_cycles"), expect_lat[a]);
    ck_assert_int_eq((int)tu_json_num(o, "latency_cycles_sim"), expect_lat[a]);
    ck_assert_int_eq((int)tu_json_num(o, "frames_per_clock"), 1);
    ck_assert(cJSON_IsTrue(tu_json_field(o, "equivalent")));
    /* the cell types add up to the cell count */
    const cJSON *by = tu_json_field(o, "cells_by_type");
    double sum = 0;
    for (const cJSON *c = by->child; c; c = c->next) sum += c->valuedouble;
    ck_assert_double_eq(sum, tu_json_num(o, "cells_generic"));
    if (a < 2) {
      const cJSON *r = tu_json_field(o, "ratio_to_naive");
      ck_assert_double_eq_tol(tu_json_num(r, "cells_generic"),
                              tu_json_num(o, "cells_generic") /
                                  tu_json_num(tu_json_field(j, "naive"), "cells_generic"),
                              1e-3);
    }
  }
  /* the files: Markdown table and JSON beside it */
  char path[2048];
  snprintf(path, sizeof path, "%s/report.md", dir);
  char *md = tu_read(path, NULL);
  ck_assert_ptr_nonnull(md);
  ck_assert_ptr_nonnull(strstr(md, "| flash / naive |"));
  ck_assert_ptr_nonnull(strstr(md, "| latency, cycles"));
  ck_assert_ptr_nonnull(strstr(md, "packer is not included"));
  snprintf(path, sizeof path, "%s/report.json", dir);
  char *js = tu_read(path, NULL);
  ck_assert_ptr_nonnull(js);
  cJSON *j2 = cJSON_Parse(js);
  ck_assert_ptr_nonnull(j2);
  ck_assert(cJSON_IsTrue(tu_json_field(j2, "equivalent")));
  /* the generated banks and the naive reference are lint-clean */
  for (int a = 0; a < 3; a++) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s/k' && verilator --lint-only -Wall --top-module "
             "bsq_%s_bank bsq_%s_bank.v bsq_%s_quant.v >lint_%s.log 2>&1",
             dir, archs[a], archs[a], archs[a], archs[a]);
    ck_assert_msg(system(cmd) == 0, "%s bank: verilator -Wall (see %s/k)",
                  archs[a], dir);
  }
  /* the kept directory can be synthesized again as it is */
  free(out);
  free(err);
  snprintf(args, sizeof args, "synth '%s/k' --target none --prove --json", dir);
  rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  ck_assert_ptr_nonnull(strstr(out, "\"equivalent\":\ttrue"));
  cJSON_Delete(j);
  cJSON_Delete(j2);
  free(md);
  free(js);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

#if !defined(__SANITIZE_ADDRESS__) /* see synth_suite() */
/* All targets with place and route (one seed) on a tiny design: the iCE40
 * figures are there and consistent with the design's registers. */
START_TEST(test_synth_all_targets_tiny_design) {
  int bits[1] = {2}, width[1] = {4}, sgn[1] = {0};
  char *dir = tu_tmpdir("synth-ice40");
  char *model = make_model(dir, 2, bits, 1, width, 1, sgn, 1, 3);
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "synth '%s' --target all --seeds 1 --json",
           model);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  cJSON *j = cJSON_Parse(out);
  ck_assert_ptr_nonnull(j);
  const char *archs[3] = {"flash", "search", "naive"};
  for (int a = 0; a < 3; a++) {
    const cJSON *o = tu_json_field(j, archs[a]);
    double lc = tu_json_num(o, "logic_cells"), ff = tu_json_num(o, "dffs");
    /* every flip-flop takes a logic cell */
    ck_assert_double_gt(ff, 0);
    ck_assert_double_ge(lc, ff);
    ck_assert_double_ge(tu_json_num(o, "carry_cells"), 0);
    ck_assert_double_gt(tu_json_num(o, "fmax_mhz"), 1.0);
    ck_assert_double_gt(tu_json_num(o, "transistors"), 0);
    ck_assert_double_gt(tu_json_num(o, "cells_generic"), 0);
    ck_assert_ptr_null(cJSON_GetObjectItem(o, "equivalent")); /* no --prove */
    const cJSON *seeds = tu_json_field(o, "fmax_mhz_seeds");
    ck_assert_int_eq(cJSON_GetArraySize(seeds), 1);
  }
  ck_assert_ptr_null(cJSON_GetObjectItem(j, "equivalent")); /* no --prove */
  /* the whole encoders beside the banks: they hold the bank's quantizers
   * and registers plus the packer's, on every target; nextpnr aimed at
   * the default clock and the slack is measured against it */
  const cJSON *eu = tu_json_field(j, "encoder_unit");
  ck_assert_int_eq((int)tu_json_num(eu, "word_bits"), 32);
  ck_assert(cJSON_IsFalse(tu_json_field(eu, "io_wrapper")));
  for (int a = 0; a < 2; a++) {
    const cJSON *o = tu_json_field(j, archs[a]);
    const cJSON *e = tu_json_field(o, "encoder");
    ck_assert_double_gt(tu_json_num(e, "dffs"), tu_json_num(o, "dffs"));
    ck_assert_double_ge(tu_json_num(e, "logic_cells"), tu_json_num(e, "dffs"));
    ck_assert_double_gt(tu_json_num(e, "cells_generic"),
                        tu_json_num(o, "cells_generic"));
    ck_assert_double_gt(tu_json_num(e, "transistors"),
                        tu_json_num(o, "transistors"));
    double fmax = tu_json_num(e, "fmax_mhz");
    ck_assert_double_gt(fmax, 1.0);
    ck_assert_double_eq(tu_json_num(e, "freq_mhz"), 100.0);
    ck_assert_double_eq_tol(tu_json_num(e, "slack_ns"), 10.0 - 1000.0 / fmax,
                            1e-3);
    ck_assert_double_eq(tu_json_num(o, "freq_mhz"), 100.0);
    ck_assert(cJSON_IsFalse(tu_json_field(e, "io_wrapped")));
    ck_assert_double_eq_tol(
        tu_json_num(tu_json_field(e, "ratio_to_bank"), "logic_cells"),
        tu_json_num(e, "logic_cells") / tu_json_num(o, "logic_cells"), 1e-3);
  }
  ck_assert_ptr_null(cJSON_GetObjectItem(tu_json_field(j, "naive"), "encoder"));
  cJSON_Delete(j);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* An encoder with more ports than the iCE40 has pins (7 x 32-bit codes):
 * placed and routed inside its I/O wrapper, whose shift registers add a
 * flip-flop, so a logic cell, per input and output bit; nextpnr aims at
 * --clock-mhz. */
START_TEST(test_synth_encoder_io_wrapper) {
  int bits[1] = {1}, width[1] = {32}, sgn[1] = {0};
  char *dir = tu_tmpdir("synth-io");
  char *model = make_model(dir, 7, bits, 1, width, 1, sgn, 1, 5);
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "synth '%s' --arch flash --target ice40 --seeds 1 --clock-mhz 80 "
           "--json", model);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  cJSON *j = cJSON_Parse(out);
  ck_assert_ptr_nonnull(j);
  const cJSON *eu = tu_json_field(j, "encoder_unit");
  ck_assert_int_eq((int)tu_json_num(eu, "ports"), 7 * 32 + 32 + 7);
  ck_assert(cJSON_IsTrue(tu_json_field(eu, "io_wrapper")));
  const cJSON *e = tu_json_field(tu_json_field(j, "flash"), "encoder");
  ck_assert(cJSON_IsTrue(tu_json_field(e, "io_wrapped")));
  ck_assert_double_ge(tu_json_num(e, "logic_cells"),
                      tu_json_num(e, "dffs") + 7 * 32 + 32);
  ck_assert_double_eq(tu_json_num(e, "freq_mhz"), 80.0);
  ck_assert_double_eq_tol(tu_json_num(e, "slack_ns"),
                          12.5 - 1000.0 / tu_json_num(e, "fmax_mhz"), 1e-3);
  cJSON_Delete(j);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* --sync N: the whole encoders with the framer (copied next to the
 * packer, instantiated in the top), measured on ice40 beside the bank; the
 * bank is the same as without it and the encoder has more flip-flops (the
 * framer's state and the flush flag's chain): the framer's cost. */
START_TEST(test_synth_encoder_with_sync) {
  int bits[1] = {2}, width[1] = {4}, sgn[1] = {0};
  char *dir = tu_tmpdir("synth-sync");
  char *model = make_model(dir, 2, bits, 1, width, 1, sgn, 1, 3);
  double enc_ff[2], bank_ff[2];
  for (int s = 0; s < 2; s++) {
    char args[2048], *out = NULL, *err = NULL;
    snprintf(args, sizeof args,
             "synth '%s' --arch flash --target ice40 --seeds 1 %s --keep "
             "'%s/k%d' --json",
             model, s ? "--sync 4" : "", dir, s);
    int rc = tu_bsq(args, &out, &err);
    ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq((int)tu_json_num(tu_json_field(j, "rtl_choices"), "sync"),
                     s ? 4 : 0);
    const cJSON *o = tu_json_field(j, "flash");
    const cJSON *e = tu_json_field(o, "encoder");
    bank_ff[s] = tu_json_num(o, "dffs");
    enc_ff[s] = tu_json_num(e, "dffs");
    ck_assert_double_ge(tu_json_num(e, "logic_cells"), enc_ff[s]);
    ck_assert_double_gt(tu_json_num(e, "fmax_mhz"), 1.0);
    /* the framer is there with sync only */
    char path[1200];
    snprintf(path, sizeof path, "%s/k%d/bsq_framer.v", dir, s);
    ck_assert_int_eq(access(path, R_OK) == 0, s);
    snprintf(path, sizeof path, "%s/k%d/bsq_flash_encoder.v", dir, s);
    char *top = tu_read(path, NULL);
    ck_assert_ptr_nonnull(top);
    ck_assert_int_eq(strstr(top, "bsq_framer #(") != NULL, s);
    free(top);
    cJSON_Delete(j);
    free(out);
    free(err);
  }
  ck_assert_double_eq(bank_ff[1], bank_ff[0]);
  ck_assert_double_gt(enc_ff[1], enc_ff[0]);
  free(model);
  free(dir);
}
END_TEST
#endif

/* ---- Errors ---------------------------------------------------------------- */

/* One threshold literal of feature 1 altered in the generated flash file:
 * the proof fails, names feature 1 (and only it), and so does the
 * simulation cross-check; JSON says equivalent false. */
START_TEST(test_synth_proof_fails_on_altered_flash_threshold) {
  int bits[1] = {3}, width[1] = {7}, sgn[1] = {0};
  char *dir = tu_tmpdir("synth-neg");
  char *model = make_model(dir, 3, bits, 1, width, 1, sgn, 1, 5);
  char args[2048], path[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "synth '%s' --target none --keep '%s/k'", model,
           dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(path, sizeof path, "%s/k/bsq_flash_quant.v", dir);
  ck_assert_int_eq(alter_literal(path, "assign f1_therm["), 0);
  snprintf(args, sizeof args, "synth '%s/k' --target none --prove --json", dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3, "exit %d\n%s%s", rc, out, err);
  ck_assert_msg(strstr(err, "proof FAILED: feature 1 \"x2\": search") != NULL,
                "%s", err);
  ck_assert_ptr_null(strstr(err, "feature 0 \"x1\": search"));
  ck_assert_ptr_null(strstr(err, "feature 2 \"x3\": search"));
  ck_assert_msg(strstr(err, "feature 1 \"x2\" code") != NULL, "%s", err);
  cJSON *j = cJSON_Parse(out);
  ck_assert_ptr_nonnull(j);
  ck_assert(cJSON_IsFalse(tu_json_field(j, "equivalent")));
  ck_assert(cJSON_IsFalse(tu_json_field(tu_json_field(j, "search"), "equivalent")));
  cJSON_Delete(j);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* --jobs: the stages run side by side, the report and the errors logged
 * are those of the serial run, byte for byte, also when checks fail (an
 * altered flash threshold: the proof and the latency cross-check name it)
 * and notes are written. */
START_TEST(test_synth_jobs_give_the_serial_report) {
  int bits[1] = {2}, width[1] = {5}, sgn[1] = {0};
  char *dir = tu_tmpdir("synth-jobs");
  char *model = make_model(dir, 3, bits, 1, width, 1, sgn, 1, 9);
  char args[2048], path[2048];
  snprintf(args, sizeof args, "synth '%s' --target none --keep '%s/k'", model,
           dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(path, sizeof path, "%s/k/bsq_flash_quant.v", dir);
  ck_assert_int_eq(alter_literal(path, "assign f1_therm["), 0);
  char *out[2], *err[2];
  const int jobs[2] = {1, 4};
  for (int i = 0; i < 2; i++) {
    snprintf(args, sizeof args,
             "synth '%s/k' --target all --seeds 2 --prove --json --jobs %d "
             "--keep '%s/w'", /* one work directory: the logs named alike */
             dir, jobs[i], dir);
    int rc = tu_bsq(args, &out[i], &err[i]);
    ck_assert_msg(rc == 3, "--jobs %d: exit %d\n%s", jobs[i], rc, err[i]);
  }
  ck_assert_msg(strstr(err[0], "proof FAILED: feature 1") != NULL, "%s",
                err[0]);
  ck_assert_str_eq(out[1], out[0]);
  ck_assert_str_eq(err[1], err[0]);
  for (int i = 0; i < 2; i++) {
    free(out[i]);
    free(err[i]);
  }
  snprintf(args, sizeof args, "synth '%s/k' --jobs 0", dir);
  char *e = NULL;
  ck_assert_int_eq(tu_bsq(args, NULL, &e), 1);
  ck_assert_ptr_nonnull(strstr(e, "--jobs must be 1..256, not '0'"));
  free(e);
  free(model);
  free(dir);
}
END_TEST

/* The same in the search file: search is named, naive still proves equal
 * to flash. */
START_TEST(test_synth_proof_fails_on_altered_search_threshold) {
  int bits[1] = {3}, width[1] = {7}, sgn[1] = {1};
  char *dir = tu_tmpdir("synth-neg-s");
  char *model = make_model(dir, 2, bits, 1, width, 1, sgn, 1, 8);
  char args[2048], path[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "synth '%s' --target none --keep '%s/k'", model,
           dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(path, sizeof path, "%s/k/bsq_search_quant.v", dir);
  /* stage 2 of feature 0 picks among in-range literals */
  ck_assert_int_eq(alter_literal(path, "f0_thr_s2 = "), 0);
  snprintf(args, sizeof args, "synth '%s/k' --target none --prove --json", dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3, "exit %d\n%s%s", rc, out, err);
  ck_assert_msg(strstr(err, "feature 0 \"x1\": search") != NULL, "%s", err);
  ck_assert_ptr_null(strstr(err, "naive and flash"));
  cJSON *j = cJSON_Parse(out);
  ck_assert_ptr_nonnull(j);
  ck_assert(cJSON_IsFalse(tu_json_field(tu_json_field(j, "search"), "equivalent")));
  ck_assert(cJSON_IsTrue(tu_json_field(tu_json_field(j, "naive"), "equivalent")));
  cJSON_Delete(j);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* Serial beside the others: its bank's latency and one frame per F clocks
 * checked in simulation, the frame-rate fields, and --arch auto picking
 * the smallest architecture that meets the rate (generic target: no
 * timing, so every one meets it unless --clock-mhz is too slow for F
 * clocks per frame). */
START_TEST(test_synth_serial_and_auto) {
  int bits[3] = {3, 2, 4}, width[2] = {7, 10}, sgn[2] = {1, 0};
  char *dir = tu_tmpdir("synth-serial");
  char *model = make_model(dir, 3, bits, 3, width, 2, sgn, 2, 21);
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "synth '%s' --target generic --arch auto --frame-rate 2e6 --json "
           "--keep '%s/k'",
           model, dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  cJSON *root = cJSON_Parse(out);
  ck_assert_ptr_nonnull(root);
  const cJSON *se = tu_json_field(root, "serial");
  int lat = gen_stages(model, BSQ_ARCH_SERIAL) + 1;
  ck_assert_int_eq((int)tu_json_num(se, "latency_cycles"), lat);
  ck_assert_int_eq((int)tu_json_num(se, "latency_cycles_sim"), lat);
  ck_assert_int_eq((int)tu_json_num(se, "samples_per_frame"), 3);
  ck_assert_double_eq_tol(tu_json_num(se, "frames_per_clock"), 1.0 / 3, 1e-12);
  ck_assert_int_eq((int)tu_json_num(se, "clock_mhz_per_msps"), 3);
  ck_assert_int_eq((int)tu_json_num(tu_json_field(root, "flash"),
                                    "clock_mhz_per_msps"), 1);
  /* auto: the smallest generic cell count of the three */
  const char *names[3] = {"flash", "search", "serial"};
  const char *smallest = NULL;
  double best = 0;
  for (int a = 0; a < 3; a++) {
    double v = tu_json_num(tu_json_field(root, names[a]), "cells_generic");
    if (!smallest || v < best) smallest = names[a], best = v;
  }
  const cJSON *pk = tu_json_field(tu_json_field(root, "auto"), "arch");
  ck_assert_str_eq(pk->valuestring, smallest);
  ck_assert_ptr_nonnull(strstr(err, "auto: "));
  cJSON_Delete(root);
  free(out);
  free(err);
  /* at 5 MHz a 2 MS/s stream leaves serial (6 MHz needed) out */
  snprintf(args, sizeof args,
           "synth '%s/k' --target generic --arch auto --frame-rate 2e6 "
           "--clock-mhz 5 --json", dir);
  rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  root = cJSON_Parse(out);
  ck_assert_ptr_nonnull(root);
  pk = tu_json_field(tu_json_field(root, "auto"), "arch");
  ck_assert_str_ne(pk->valuestring, "serial");
  ck_assert_ptr_nonnull(strstr(err, "serial"));
  cJSON_Delete(root);
  free(out);
  free(err);
  /* nothing meets 2 MS/s at 1 MHz: exit 3, and says so */
  snprintf(args, sizeof args,
           "synth '%s/k' --target generic --arch auto --frame-rate 2e6 "
           "--clock-mhz 1", dir);
  rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3, "exit %d\n%s%s", rc, out, err);
  ck_assert_ptr_nonnull(strstr(err, "no architecture meets"));
  free(out);
  free(err);
  /* the serial bank's latency claim is checked in simulation too */
  char path[2048];
  snprintf(path, sizeof path, "%s/k/bsq_serial_bank.v", dir);
  char *text = tu_read(path, NULL);
  ck_assert_ptr_nonnull(text);
  char *at = strstr(text, "latency=");
  ck_assert_ptr_nonnull(at);
  FILE *fp = fopen(path, "wb");
  fprintf(fp, "%.*slatency=%d%s", (int)(at - text), text, lat + 1,
          at + 8 + strspn(at + 8, "0123456789"));
  fclose(fp);
  free(text);
  snprintf(args, sizeof args, "synth '%s/k' --arch serial --target none", dir);
  rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3, "exit %d\n%s%s", rc, out, err);
  char msg[128];
  snprintf(msg, sizeof msg, "design says latency %d, simulation measures %d",
           lat + 1, lat);
  ck_assert_msg(strstr(err, msg) != NULL, "%s", err);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* A bank whose marker claims one more cycle than it has: the simulation
 * cross-check catches it. */
START_TEST(test_synth_latency_claim_checked_in_simulation) {
  int bits[1] = {2}, width[1] = {5}, sgn[1] = {0};
  char *dir = tu_tmpdir("synth-lat");
  char *model = make_model(dir, 2, bits, 1, width, 1, sgn, 1, 4);
  char args[2048], path[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "synth '%s' --arch flash --target none --keep '%s/k'", model, dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(path, sizeof path, "%s/k/bsq_flash_bank.v", dir);
  char *text = tu_read(path, NULL);
  ck_assert_ptr_nonnull(text);
  char *at = strstr(text, "latency=");
  ck_assert_ptr_nonnull(at);
  int lat = atoi(at + 8);
  FILE *fp = fopen(path, "wb");
  fprintf(fp, "%.*slatency=%d%s", (int)(at - text), text, lat + 1,
          at + 8 + strspn(at + 8, "0123456789"));
  fclose(fp);
  free(text);
  snprintf(args, sizeof args, "synth '%s/k' --arch flash --target none", dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3, "exit %d\n%s%s", rc, out, err);
  char msg[128];
  snprintf(msg, sizeof msg, "design says latency %d, simulation measures %d",
           lat + 1, lat);
  ck_assert_msg(strstr(err, msg) != NULL, "%s", err);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* Without nextpnr-ice40 the ice40 target still reports Yosys's cells and a
 * note; without yosys the command stops with exit 2. PATH is narrowed to a
 * directory holding only the tools each case keeps. */
START_TEST(test_synth_missing_tools) {
  int bits[1] = {2}, width[1] = {4}, sgn[1] = {0};
  char *dir = tu_tmpdir("synth-tools");
  char *model = make_model(dir, 1, bits, 1, width, 1, sgn, 1, 2);
  char bin[1024], cmd[4096], args[2048], *out = NULL, *err = NULL;
  snprintf(bin, sizeof bin, "%s/bin", dir);
  snprintf(cmd, sizeof cmd,
           "mkdir -p '%s' && for t in yosys yosys-abc berkeley-abc iverilog vvp; do "
           "p=$(command -v $t) && ln -sf \"$p\" '%s/'$t; done; true",
           bin, bin);
  ck_assert_int_eq(system(cmd), 0);
  char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
  setenv("PATH", bin, 1);
  snprintf(args, sizeof args, "synth '%s' --target ice40 --json", model);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  ck_assert_ptr_nonnull(strstr(out, "nextpnr-ice40 not found"));
  cJSON *j = cJSON_Parse(out);
  ck_assert_ptr_nonnull(j);
  const cJSON *fl = tu_json_field(j, "flash");
  ck_assert(cJSON_IsNull(tu_json_field(fl, "logic_cells")));
  ck_assert(cJSON_IsNull(tu_json_field(fl, "fmax_mhz")));
  ck_assert_double_gt(tu_json_num(fl, "dffs"), 0);
  cJSON_Delete(j);
  free(out);
  free(err);
  /* no sta: the asic target names the package */
  snprintf(args, sizeof args, "synth '%s' --target asic", model);
  rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 2, "exit %d\n%s%s", rc, out, err);
  ck_assert_ptr_nonnull(strstr(err, "sta: not found (install the Debian package opensta)"));
  free(out);
  free(err);
  /* no yosys at all */
  snprintf(cmd, sizeof cmd, "%s/yosys", bin);
  ck_assert_int_eq(unlink(cmd), 0);
  snprintf(args, sizeof args, "synth '%s' --target generic", model);
  rc = tu_bsq(args, &out, &err);
  if (old) setenv("PATH", old, 1);
  free(old);
  ck_assert_msg(rc == 2, "exit %d\n%s%s", rc, out, err);
  ck_assert_ptr_nonnull(strstr(err, "yosys: not found (install the Debian package yosys)"));
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

START_TEST(test_synth_usage_and_input_errors) {
  int bits[1] = {2}, width[1] = {4}, sgn[1] = {0};
  char *dir = tu_tmpdir("synth-cli");
  char *model = make_model(dir, 1, bits, 1, width, 1, sgn, 1, 1);
  char args[2048], *err = NULL;
  ck_assert_int_eq(tu_bsq("synth --help", NULL, NULL), 0);
  ck_assert_int_eq(tu_bsq("synth", NULL, NULL), 1);
  const char *bad[] = {"--arch fast", "--target asik", "--seeds 0",
                       "--seeds 10", "--prove --arch flash", "--name 9x",
                       "--frobnicate", "--frames 3", "--clock-mhz 0",
                       "--frame-rate -1", "--input-delay x",
                       "--target asic --liberty my.lib", "--arch auto",
                       "--arch fastest", "--arch auto --frame-rate 1e6 --target none"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(args, sizeof args, "synth '%s' %s", model, bad[i]);
    ck_assert_msg(tu_bsq(args, NULL, NULL) == 1, "%s", bad[i]);
  }
  snprintf(args, sizeof args, "synth '%s/missing.json' --target none", dir);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_ptr_nonnull(strstr(err, "missing.json"));
  free(err);
  /* a directory without a kept design */
  snprintf(args, sizeof args, "synth '%s' --target none", dir);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_ptr_nonnull(strstr(err, "bsq_flash_bank.v"));
  free(err);
  free(model);
  free(dir);
}
END_TEST

Suite *synth_suite(void); /* called by check_main.c */

Suite *synth_suite(void) {
  Suite *s = suite_create("synth");
  TCase *tc = tcase_create("Core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_synth_report_fields_and_proof);
#if defined(__SANITIZE_ADDRESS__)
  /* Their time is nextpnr's and OpenSTA's, and the bsq code they run runs
   * here too: every target's report and the encoder beside the bank in
   * test_synth_jobs_give_the_serial_report's `--target all`, the I/O
   * wrapper in every synth run (written beside each encoder). */
  printf("skipped: test_synth_all_targets_tiny_design, "
         "test_synth_encoder_io_wrapper, test_synth_encoder_with_sync: place "
         "and route, run by the normal build\n");
#else
  tcase_add_test(tc, test_synth_all_targets_tiny_design);
  tcase_add_test(tc, test_synth_encoder_io_wrapper);
  tcase_add_test(tc, test_synth_encoder_with_sync);
#endif
  tcase_add_test(tc, test_synth_serial_and_auto);
  suite_add_tcase(s, tc);
  TCase *te = tcase_create("Errors");
  tcase_set_timeout(te, 300);
  tcase_add_test(te, test_synth_proof_fails_on_altered_flash_threshold);
  tcase_add_test(te, test_synth_jobs_give_the_serial_report);
  tcase_add_test(te, test_synth_proof_fails_on_altered_search_threshold);
  tcase_add_test(te, test_synth_latency_claim_checked_in_simulation);
  tcase_add_test(te, test_synth_missing_tools);
  tcase_add_test(te, test_synth_usage_and_input_errors);
  suite_add_tcase(s, te);
  return s;
}
