/* The AXI4-Stream rule checks of `bsq sim` (sim/harness_common.h, and
 * sim/bsq_tb.v on Icarus) against hand-made faults. A small generated design
 * is edited by hand: its top is renamed bsq_encoder_core and wrapped in a
 * bsq_encoder that can break the handshake or the payload on the way out,
 * and its quantizer can decode or stall wrongly; a number in a file, read
 * at time 0, picks the fault, so one build serves them all. Every fault must make `bsq sim` exit 3 at
 * the default back-pressure with a message naming the rule and the cycle;
 * the wrapper without a fault must pass (so that it is the fault that
 * fails). Few frames, and the build cache of the test tree. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "testutil.h"

/* The design: 3 features x 3 bits (9-bit frames, 6-bit codes: 18 input
 * bits) into 4-bit aligned words, so a frame spans three words. */
enum { IN_BITS = 18, WORD_BITS = 4 };

/* The faults, chosen at run time by the number in the file FAULT_SEL
 * (read by $fscanf at time 0, in the wrapper and in the quantizer): one
 * build of the design serves them all. 0 is none. */
typedef struct {
  const char *name;
  const char *expect; /* in stderr: the rule (or mismatch) it must raise */
  int icarus;         /* the Icarus testbench checks this rule too */
} fault;

static const fault FAULTS[] = {
    {"none", NULL, 1},
    /* 1: m_axis_tvalid made to wait on m_axis_tready (combinational AND) */
    {"tvalid-and-tready", "rule=no-comb-valid", 1},
    /* 2: ... and through a flop: tvalid only after a cycle of tready */
    {"tvalid-after-tready", "rule=tvalid-no-wait", 1},
    /* 3: m_axis_tdata changing while tvalid && !tready */
    {"tdata-unstable", "rule=tdata-stable", 1},
    /* 4: one frame too many accepted under stall (the core never sees it) */
    {"extra-frame", " word=", 0},
    /* 5: two bits of each word swapped */
    {"bit-swap", " feature=", 0},
    /* 6: tlast on the first word of each frame, not the last */
    {"tlast-first-word", "(tlast only)", 0},
    /* 7: a thermometer decode error: level bit 1 of feature 1 from the
     * wrong thermometer bit */
    {"thermometer-decode", " feature=1 ", 0},
    /* 8: the last quantizer stage ignoring the stall */
    {"quantizer-ignores-stall", " word=", 0},
};
#define NFAULTS ((int)(sizeof FAULTS / sizeof FAULTS[0]))

/* Icarus Verilog is there: the faults it should see are run on it too. */
static int have_icarus;
/* The design (made once per run of the suite) and its fault selector. */
static char *design_dir, *model_path, sel_path[1200];

/* Reads fault_q from sel_path at time 0 (a missing file: no fault). */
static void fault_reader(char *out, size_t cap) {
  snprintf(out, cap,
           "  reg [31:0] fault_q;\n"
           "  integer fault_fd, fault_n;\n"
           "  initial begin\n"
           "    fault_q = 32'd0;\n"
           "    fault_fd = $fopen(\"%s\", \"r\");\n"
           "    if (fault_fd != 0) begin\n"
           "      fault_n = $fscanf(fault_fd, \"%%d\", fault_q);\n"
           "      $fclose(fault_fd);\n"
           "    end\n"
           "  end\n",
           sel_path);
}

/* Replaces the first `from` in the file with `to`; fails the test when
 * there is none. */
static void edit_file(const char *path, const char *from, const char *to) {
  size_t len;
  char *text = tu_read(path, &len);
  ck_assert_ptr_nonnull(text);
  char *p = strstr(text, from);
  ck_assert_msg(p != NULL, "%s: no '%s'", path, from);
  size_t n = len + strlen(to) + 1;
  char *out = malloc(n);
  ck_assert_ptr_nonnull(out);
  snprintf(out, n, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
  FILE *fp = fopen(path, "wb");
  ck_assert_ptr_nonnull(fp);
  fputs(out, fp);
  ck_assert_int_eq(fclose(fp), 0);
  free(out);
  free(text);
}

/* The top renamed bsq_encoder_core and wrapped in a bsq_encoder that
 * breaks the handshake or the payload on the way out as fault_q says. */
static void wrap_top(const char *rtl) {
  char path[1200], reader[2048];
  snprintf(path, sizeof path, "%s/bsq_encoder.v", rtl);
  edit_file(path, "module bsq_encoder (", "module bsq_encoder_core (");
  fault_reader(reader, sizeof reader);
  char wrapper[8192];
  snprintf(wrapper, sizeof wrapper,
           "\n`default_nettype none\n\n"
           "module bsq_encoder (\n"
           "  input  wire        clk,\n"
           "  input  wire        rst_n,\n"
           "  input  wire [%d:0] s_axis_tdata,\n"
           "  input  wire        s_axis_tvalid,\n"
           "  output wire        s_axis_tready,\n"
           "  output wire [%d:0]  m_axis_tdata,\n"
           "  output wire        m_axis_tvalid,\n"
           "  input  wire        m_axis_tready,\n"
           "  output wire        m_axis_tlast\n"
           ");\n"
           "%s"
           "  wire c_sready, c_mvalid, c_mlast, c_mready;\n"
           "  wire [%d:0] c_mdata;\n"
           "  bsq_encoder_core u_core (\n"
           "    .clk(clk), .rst_n(rst_n), .s_axis_tdata(s_axis_tdata),\n"
           "    .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(c_sready),\n"
           "    .m_axis_tdata(c_mdata), .m_axis_tvalid(c_mvalid),\n"
           "    .m_axis_tready(c_mready), .m_axis_tlast(c_mlast));\n"
           "  reg toggle_q, stall_q, first_q, extra_q, rdy_q;\n"
           "  always @(posedge clk or negedge rst_n) begin\n"
           "    if (!rst_n) begin\n"
           "      toggle_q <= 1'b0; stall_q <= 1'b0; first_q <= 1'b1;\n"
           "      extra_q <= 1'b0; rdy_q <= 1'b0;\n"
           "    end else begin\n"
           "      toggle_q <= ~toggle_q;\n"
           "      stall_q  <= m_axis_tvalid & ~m_axis_tready;\n"
           "      rdy_q    <= m_axis_tready;\n"
           "      if (m_axis_tvalid & m_axis_tready) first_q <= c_mlast;\n"
           "      extra_q  <= ~extra_q & ~c_sready & m_axis_tvalid & "
           "~m_axis_tready;\n"
           "    end\n"
           "  end\n"
           "  assign s_axis_tready = c_sready | (fault_q == 32'd4 & extra_q);\n"
           "  assign m_axis_tdata  = fault_q == 32'd3 ? c_mdata ^ {3'b000, "
           "stall_q & toggle_q}\n"
           "                       : fault_q == 32'd5 ? {c_mdata[3:2], "
           "c_mdata[0], c_mdata[1]}\n"
           "                       : c_mdata;\n"
           "  assign m_axis_tvalid = fault_q == 32'd1 ? c_mvalid & m_axis_tready\n"
           "                       : fault_q == 32'd2 ? c_mvalid & rdy_q\n"
           "                       : c_mvalid;\n"
           "  assign m_axis_tlast  = fault_q == 32'd6 ? first_q : c_mlast;\n"
           "  assign c_mready      = fault_q == 32'd2 ? m_axis_tready & rdy_q\n"
           "                       : m_axis_tready;\n"
           "endmodule\n\n`default_nettype wire\n",
           IN_BITS - 1, WORD_BITS - 1, reader, WORD_BITS - 1);
  /* after the core, at the end of the file */
  const char *tail = "endmodule\n\n`default_nettype wire\n";
  char with[8400];
  snprintf(with, sizeof with, "%s%s", tail, wrapper);
  edit_file(path, tail, with);
}

/* The quantizer's faults 7 and 8, behind fault_q. */
static void fault_quant(const char *rtl) {
  char path[1200], reader[2048];
  snprintf(path, sizeof path, "%s/bsq_quant.v", rtl);
  fault_reader(reader, sizeof reader);
  char *text = tu_read(path, NULL);
  ck_assert_ptr_nonnull(text);
  const char *m = strstr(text, "module bsq_quant (");
  ck_assert_ptr_nonnull(m);
  const char *ports_end = strstr(m, ");\n");
  ck_assert_ptr_nonnull(ports_end);
  char anchor[256];
  snprintf(anchor, sizeof anchor, "%.*s", (int)(ports_end + 3 - m), m);
  free(text);
  char with[2400];
  snprintf(with, sizeof with, "%s%s", anchor, reader);
  edit_file(path, anchor, with);
  edit_file(path, "assign f1_level[1] = f1_therm_q[1]",
            "assign f1_level[1] = (fault_q == 32'd7 ? f1_therm_q[0] : "
            "f1_therm_q[1])");
  edit_file(path, "assign levels_d = en ? levels : levels_q;",
            "assign levels_d = (en | fault_q == 32'd8) ? levels : levels_q;");
}

/* The design, every fault behind its selector, in a directory of its own
 * (so that its path, in the Verilog, is this run's). */
static void make_design(void) {
  design_dir = tu_tmpdir("axi");
  snprintf(sel_path, sizeof sel_path, "%s/fault.sel", design_dir);
  int bits = 3, width = 6;
  tu_model_spec s = {3, &bits, 1, &width, 1, NULL, 0, 0.9, 11};
  model_path = tu_random_model(&s, design_dir, NULL);
  char args[2048];
  snprintf(args, sizeof args, "gen '%s' -o '%s/rtl' --word-bits %d",
           model_path, design_dir, WORD_BITS);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  char rtl[1100];
  snprintf(rtl, sizeof rtl, "%s/rtl", design_dir);
  wrap_top(rtl);
  fault_quant(rtl);
}

/* `bsq sim` of the design with fault k selected; the exit code. */
static int sim_fault(int k, const char *extra, char **out, char **err) {
  char sel[16];
  snprintf(sel, sizeof sel, "%d\n", k);
  free(tu_write(design_dir, "fault.sel", sel));
  char args[2048];
  snprintf(args, sizeof args, "sim '%s' --rtl '%s/rtl' --frames 200 --json %s",
           model_path, design_dir, extra);
  return tu_bsq(args, out, err);
}

START_TEST(test_axi_fault) {
  const fault *f = &FAULTS[_i];
  char *out = NULL, *err = NULL;
  /* the default back-pressure, and Icarus on the same vectors where its
   * testbench checks the rule too */
  int rc = sim_fault(_i, f->icarus && have_icarus ? "--simulator both" : "",
                     &out, &err);
  if (!f->expect) {
    ck_assert_msg(rc == 0, "%s: exit %d\n%s%s", f->name, rc, out, err);
    ck_assert_ptr_nonnull(strstr(out, "\"axi_violations\": 0"));
  } else {
    ck_assert_msg(rc == 3, "%s: exit %d\n%s%s", f->name, rc, out, err);
    /* the rule (or the mismatch), and the cycle on its line */
    const char *e = strstr(err, f->expect);
    ck_assert_msg(e != NULL, "%s: no '%s' in\n%s", f->name, f->expect, err);
    const char *bol = e;
    while (bol > err && bol[-1] != '\n') bol--;
    const char *cyc = strstr(bol, "cycle=");
    const char *eol = strchr(bol, '\n');
    ck_assert_msg(cyc && (!eol || cyc < eol),
                  "%s: no cycle on the line of '%s':\n%s", f->name, f->expect,
                  err);
    ck_assert_ptr_nonnull(strstr(out, "\"pass\": false"));
    if (f->icarus && have_icarus) {
      /* Icarus's testbench names the same rule */
      const char *ic = strstr(err, "icarus: %Error: axi: cycle=");
      ck_assert_msg(ic != NULL, "%s: Icarus saw no rule:\n%s", f->name, err);
      int found = 0;
      for (; ic && !found; ic = strstr(ic + 1, "icarus: %Error: axi: cycle=")) {
        const char *end = strchr(ic, '\n');
        const char *rule = strstr(ic, f->expect);
        found = rule && (!end || rule < end);
      }
      ck_assert_msg(found, "%s: Icarus named another rule:\n%s", f->name, err);
    }
  }
  free(out);
  free(err);
}
END_TEST

/* --backpressure 0 is still possible: no stalls, so a payload that changes
 * only under stall passes (the reason the default is not 0). */
START_TEST(test_axi_backpressure_zero_sees_no_stall) {
  ck_assert_str_eq(FAULTS[3].name, "tdata-unstable");
  char *out = NULL, *err = NULL;
  int rc = sim_fault(3, "--backpressure 0", &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  ck_assert_ptr_nonnull(strstr(out, "\"backpressure\": 0,"));
  free(out);
  free(err);
}
END_TEST

Suite *axi_suite(void); /* called by check_main.c */

Suite *axi_suite(void) {
  char *vv[] = {"verilator", "--version", NULL};
  char *v = bsq_run_capture(vv);
  if (!v) {
    printf("skipped: verilator not found\n");
    return NULL;
  }
  free(v);
  char *iv[] = {"iverilog", "-V", NULL};
  char *i = bsq_run_capture(iv);
  have_icarus = i != NULL;
  if (!have_icarus) printf("note: iverilog not found: Verilator only\n");
  free(i);
  Suite *s = suite_create("axi");
  TCase *tc = tcase_create("Faults");
  tcase_set_timeout(tc, 600);
  tcase_add_unchecked_fixture(tc, make_design, NULL);
  tcase_add_loop_test(tc, test_axi_fault, 0, NFAULTS);
  tcase_add_test(tc, test_axi_backpressure_zero_sees_no_stall);
  suite_add_tcase(s, tc);
  return s;
}
