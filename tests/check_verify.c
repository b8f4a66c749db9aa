/* verify/: the co-simulation, lint and synthesis flows called through the
 * library, without the CLI: results filled in, mismatches reported with
 * their first failing frame, missing tools named with their package. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "lint.h"
#include "model.h"
#include "rng.h"
#include "run.h"
#include "sim.h"
#include "synth.h"
#include "testutil.h"
#include "util.h"

static const bsq_tool_paths PATHS = {BSQ_RTL_DIR, BSQ_SIM_DIR, BSQ_INCLUDE_DIR,
                                     BSQ_MODEL_LIB, BSQ_SAN_FLAGS};

/* F features of `bits` bits on `width`-bit unsigned codes fitted to
 * [-1, 1], random thresholds; saved to dir/model.json (*path, malloc'ed). */
static void make_model(bsq_model *m, int F, int bits, int width,
                       const char *dir, char **path) {
  tu_model_spec s = {F, &bits, 1, &width, 1, NULL, 0, 0.9, 11};
  *path = tu_random_model(&s, dir, m);
}

/* Collects what a flow logs. */
typedef struct {
  int tool_lines, errors;
  char first_tool[512];
} logbook;

static void on_log(void *user, bsq_log_kind kind, const char *msg) {
  logbook *lb = user;
  if (kind == BSQ_LOG_TOOL && !lb->tool_lines++)
    snprintf(lb->first_tool, sizeof lb->first_tool, "%s", msg);
  if (kind == BSQ_LOG_ERROR) lb->errors++;
}

static void sim_cfg(bsq_sim_cfg *c, const char *work, const char *model,
                    logbook *lb) {
  bsq_sim_cfg_default(c);
  c->paths = &PATHS;
  c->work = work;
  c->model_path = model;
  c->frames = 200;
  c->opt.word_bits = 8;
  c->log = on_log;
  c->log_user = lb;
}

START_TEST(test_verify_sim_run_fills_result) {
  char *dir = tu_tmpdir("verify-sim"), *model;
  bsq_model m;
  make_model(&m, 3, 3, 8, dir, &model);
  logbook lb = {0};
  bsq_sim_cfg c;
  sim_cfg(&c, dir, model, &lb);
  c.reset = 0; /* so that every frame's words are checked */
  bsq_sim_report r;
  bsq_diag diag = {{0}};
  int rc = bsq_sim_run(&c, &m, &r, &diag);
  ck_assert_msg(rc == BSQ_OK, "%d: %s", rc, diag.msg);
  const bsq_sim_result *v = &r.verilator;
  ck_assert_int_eq(v->ran, 1);
  ck_assert_int_eq(v->ok, 1);
  ck_assert_int_eq(r.icarus.ran, 0);
  /* every stimulus frame accepted and checked (aligned: no partial word) */
  uint64_t n = r.n_sweep + r.n_random + r.n_data;
  ck_assert_uint_eq(r.n_sweep, 256); /* 8-bit codes: the whole range */
  ck_assert_uint_eq(r.n_random, 200);
  ck_assert_uint_eq(v->total, n);
  ck_assert_uint_eq(v->accepted, n);
  ck_assert_uint_eq(v->frames, n);
  ck_assert_uint_eq(v->discarded + v->partial, 0);
  ck_assert_uint_eq(v->mismatches, 0);
  /* 9-bit frames in 8-bit aligned words: two words per frame checked */
  ck_assert_uint_eq(v->words, 2 * v->frames);
  ck_assert_uint_gt(v->cycles, n);
  ck_assert_int_eq((int)v->first_frame, -1);
  ck_assert_str_eq(v->first, "");
  ck_assert_int_eq(r.opt.word_bits, 8);
  ck_assert_int_eq(r.B, 9);
  ck_assert_int_eq(lb.errors, 0);
  bsq_model_free(&m);
  free(model);
  free(dir);
}
END_TEST

START_TEST(test_verify_sim_mismatch_names_first_frame) {
  char *dir = tu_tmpdir("verify-neg"), *model, rtl[1024], path[1100];
  bsq_model m;
  make_model(&m, 3, 3, 8, dir, &model);
  bsq_design d;
  bsq_gen_opts o;
  bsq_gen_opts_default(&o);
  o.word_bits = 8;
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_design_build(&d, &m, &o, &diag), 0);
  snprintf(rtl, sizeof rtl, "%s/rtl", dir);
  ck_assert_msg(bsq_gen_write(&d, PATHS.rtl_dir, rtl, NULL, &diag) == 0, "%s",
                diag.msg);
  bsq_design_free(&d);
  snprintf(path, sizeof path, "%s/bsq_quant.v", rtl);
  long T;
  tu_alter_threshold(path, 1, &T);
  logbook lb = {0};
  bsq_sim_cfg c;
  sim_cfg(&c, dir, model, &lb);
  c.rtl_dir = rtl;
  c.reset = 0;
  bsq_sim_report r;
  int rc = bsq_sim_run(&c, &m, &r, &diag);
  ck_assert_int_eq(rc, BSQ_EMISMATCH);
  const bsq_sim_result *v = &r.verilator;
  ck_assert_int_eq(v->ran, 1);
  ck_assert_int_eq(v->ok, 0);
  ck_assert_uint_gt(v->mismatches, 0);
  /* the one code the altered comparator gets wrong: x = T + 1 */
  ck_assert_int_eq(v->first_feature, 1);
  ck_assert_int_eq((int)v->first_code, (int)(T + 1));
  ck_assert_int_eq(v->first_exp_level, bsq_level(&m.enc, 1, T + 1));
  ck_assert_int_eq(v->first_got_level, v->first_exp_level - 1);
  ck_assert_int_ge((int)v->first_frame, 0);
  ck_assert_int_ge((int)v->first_cycle, 0);
  ck_assert_ptr_nonnull(strstr(v->first, "%Error"));
  ck_assert_ptr_nonnull(strstr(diag.msg, "mismatches"));
  ck_assert_int_gt(lb.tool_lines, 0);
  ck_assert_ptr_nonnull(strstr(lb.first_tool, "feature=1 \"x2\""));
  bsq_model_free(&m);
  free(model);
  free(dir);
}
END_TEST

START_TEST(test_verify_missing_tool_names_package) {
  char *dir = tu_tmpdir("verify-tools"), *model, empty[1024];
  bsq_model m;
  make_model(&m, 2, 2, 4, dir, &model);
  snprintf(empty, sizeof empty, "%s/bin", dir);
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_mkdir_p(empty, &diag), 0);
  char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
  setenv("PATH", empty, 1);
  logbook lb = {0};
  bsq_sim_cfg c;
  sim_cfg(&c, dir, model, &lb);
  bsq_sim_report r;
  int rc_v = bsq_sim_run(&c, &m, &r, &diag);
  char msg_v[512];
  snprintf(msg_v, sizeof msg_v, "%s", diag.msg);
  c.verilator = 0;
  c.icarus = 1;
  int rc_i = bsq_sim_run(&c, &m, &r, &diag);
  char msg_i[512];
  snprintf(msg_i, sizeof msg_i, "%s", diag.msg);
  bsq_synth_cfg sc;
  bsq_synth_cfg_default(&sc);
  sc.work = dir;
  bsq_synth_report sr;
  int rc_s = bsq_synth_run(&sc, &m, &sr, &diag);
  char msg_s[512];
  snprintf(msg_s, sizeof msg_s, "%s", diag.msg);
  if (old) setenv("PATH", old, 1);
  free(old);
  ck_assert_int_eq(rc_v, BSQ_ETOOL);
  ck_assert_str_eq(msg_v,
                   "verilator: not found (install the Debian package verilator)");
  ck_assert_int_eq(rc_i, BSQ_ETOOL);
  ck_assert_str_eq(msg_i,
                   "iverilog: not found (install the Debian package iverilog)");
  ck_assert_int_eq(rc_s, BSQ_ETOOL);
  ck_assert_str_eq(msg_s, "yosys: not found (install the Debian package yosys)");
  ck_assert_str_eq(bsq_tool_package("vvp"), "iverilog");
  ck_assert_str_eq(bsq_tool_package("icepack"), "fpga-icestorm");
  ck_assert_ptr_null(bsq_tool_package("no-such-tool"));
  bsq_model_free(&m);
  free(model);
  free(dir);
}
END_TEST

/* The pipeline without synthesis targets: the latency of every bank is
 * measured in simulation, and the report says so in both forms. */
START_TEST(test_verify_synth_run_latency_only) {
  char *dir = tu_tmpdir("verify-synth"), *model;
  bsq_model m;
  make_model(&m, 2, 3, 6, dir, &model);
  bsq_synth_cfg c;
  bsq_synth_cfg_default(&c);
  c.work = dir;
  c.t_generic = c.t_ice40 = c.t_cmos = 0;
  logbook lb = {0};
  c.log = on_log;
  c.log_user = &lb;
  bsq_synth_report r;
  bsq_diag diag = {{0}};
  int rc = bsq_synth_run(&c, &m, &r, &diag);
  ck_assert_msg(rc == BSQ_OK, "%d: %s", rc, diag.msg);
  for (int a = 0; a < BSQ_SYN_NARCH; a++) {
    ck_assert_int_eq(r.r[a].present, 1);
    ck_assert_int_ge(r.r[a].latency, 2);
    ck_assert_int_eq(r.r[a].latency_sim, r.r[a].latency);
    ck_assert_int_eq((int)r.r[a].cells_generic, -1);
  }
  ck_assert_int_eq(r.F, 2);
  ck_assert_int_eq(r.B, 6);
  ck_assert_int_eq(r.in_bits, 12);
  char *js = bsq_synth_report_json(&r), *md = bsq_synth_report_md(&r);
  ck_assert_ptr_nonnull(js);
  ck_assert_ptr_nonnull(md);
  cJSON *j = cJSON_Parse(js);
  ck_assert_ptr_nonnull(j);
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "model");
  ck_assert(cJSON_IsString(h));
  ck_assert_str_eq(h->valuestring, r.model_hash);
  const cJSON *fl = cJSON_GetObjectItemCaseSensitive(j, "flash");
  const cJSON *ls = cJSON_GetObjectItemCaseSensitive(fl, "latency_cycles_sim");
  ck_assert(cJSON_IsNumber(ls));
  ck_assert_int_eq((int)ls->valuedouble, r.r[BSQ_SYN_FLASH].latency);
  cJSON_Delete(j);
  char head[64];
  snprintf(head, sizeof head, "# bsq synth: model %s\n", r.model_hash);
  ck_assert_ptr_eq(strstr(md, head), md);
  ck_assert_ptr_nonnull(strstr(md, "confirmed by simulating each bank"));
  /* written beside each other */
  char mdp[1024], jsp[1024];
  snprintf(mdp, sizeof mdp, "%s/report.md", dir);
  snprintf(jsp, sizeof jsp, "%s/report.json", dir);
  ck_assert_int_eq(bsq_synth_report_write(&r, mdp, &diag), 0);
  char *md2 = tu_read(mdp, NULL), *js2 = tu_read(jsp, NULL);
  ck_assert_str_eq(md2, md);
  ck_assert_int_eq(strncmp(js2, js, strlen(js)), 0);
  ck_assert_str_eq(js2 + strlen(js), "\n");
  free(md2);
  free(js2);
  free(js);
  free(md);
  bsq_model_free(&m);
  free(model);
  free(dir);
}
END_TEST

START_TEST(test_verify_lint_reports_no_design) {
  char *dir = tu_tmpdir("verify-lint");
  bsq_lint_result r;
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_lint(dir, dir, &r, &diag), BSQ_EFORMAT);
  ck_assert_ptr_nonnull(strstr(diag.msg, "_encoder.v"));
  free(dir);
}
END_TEST

START_TEST(test_verify_file_tail) {
  char *dir = tu_tmpdir("verify-tail");
  char *p = tu_write(dir, "log.txt", "one\ntwo\nthree\nfour\n");
  const struct {
    int lines;
    const char *want;
  } cases[] = {{1, "four\n"}, {2, "three\nfour\n"},
               {4, "one\ntwo\nthree\nfour\n"}, {9, "one\ntwo\nthree\nfour\n"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *t = bsq_file_tail(p, cases[i].lines);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, cases[i].want);
    free(t);
  }
  char missing[1024];
  snprintf(missing, sizeof missing, "%s/none.txt", dir);
  ck_assert_ptr_null(bsq_file_tail(missing, 3));
  free(p);
  free(dir);
}
END_TEST

START_TEST(test_verify_sim_report_json_and_text) {
  bsq_sim_cfg c;
  bsq_sim_cfg_default(&c);
  c.icarus = 1; /* both simulators */
  bsq_sim_report r;
  memset(&r, 0, sizeof r);
  bsq_gen_opts_default(&r.opt);
  snprintf(r.model_hash, sizeof r.model_hash, "0123456789abcdef");
  r.F = 3;
  r.B = 9;
  r.n_random = 10;
  r.verilator.frames = r.verilator.total = r.verilator.accepted = 10;
  r.verilator.ok = r.icarus.ok = 1;
  r.verilator.seconds = 0.5;
  r.icarus.frames = r.icarus.accepted = 10;
  r.icarus.seconds = 1.0;
  char *j = bsq_sim_report_json(&c, &r, 1);
  ck_assert_ptr_nonnull(j);
  cJSON *o = cJSON_Parse(j);
  ck_assert_ptr_nonnull(o);
  ck_assert_str_eq(cJSON_GetObjectItem(o, "simulator")->valuestring, "both");
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "pass")));
  ck_assert_ptr_nonnull(cJSON_GetObjectItem(o, "icarus"));
  ck_assert_double_eq_tol(cJSON_GetObjectItem(o, "speed_ratio")->valuedouble,
                          2.0, 1e-9);
  cJSON_Delete(o);
  free(j);
  char *t = bsq_sim_report_text(&c, &r);
  ck_assert_ptr_nonnull(t);
  ck_assert(!strncmp(t, "bsq_encoder (flash, 3 features, 9-bit frames", 44));
  ck_assert_ptr_nonnull(strstr(t, "speed ratio verilator/icarus: 2.0x\n"));
  free(t);
}
END_TEST

Suite *verify_suite(void); /* called by check_main.c */

Suite *verify_suite(void) {
  Suite *s = suite_create("verify");
  TCase *tc = tcase_create("Core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_verify_sim_run_fills_result);
  tcase_add_test(tc, test_verify_synth_run_latency_only);
  tcase_add_test(tc, test_verify_file_tail);
  tcase_add_test(tc, test_verify_sim_report_json_and_text);
  suite_add_tcase(s, tc);
  TCase *te = tcase_create("Errors");
  tcase_set_timeout(te, 600);
  tcase_add_test(te, test_verify_sim_mismatch_names_first_frame);
  tcase_add_test(te, test_verify_missing_tool_names_package);
  tcase_add_test(te, test_verify_lint_reports_no_design);
  suite_add_tcase(s, te);
  return s;
}
