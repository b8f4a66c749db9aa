/* bsq — the serial bank's latency and throughput in simulation (see
 * synth.h, bsq_synth_latency_sim): one code per clock, F per frame.
 *
 * Legend: F features (channels), N frames, NS = N F codes, TW the code
 * width (widest W_f), B level bits, L latency in register stages from a
 * frame's last code to levels_o. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "serial.h"
#include "stim.h"
#include "synth.h"
#include "util.h"

/* Parses "V HEX" (valid bit, levels) into *v and the frame bits. */
static int parse_line(const char *s, int *v, uint8_t *buf, int bits) {
  if ((s[0] != '0' && s[0] != '1') || s[1] != ' ') return -1;
  *v = s[0] == '1';
  const char *h = s + 2;
  size_t len = strcspn(h, "\r\n");
  memset(buf, 0, (size_t)(bits + 7) / 8);
  for (size_t k = 0; k < len; k++) {
    char c = h[len - 1 - k];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0) return -1;
    for (int i = 0; i < 4; i++) {
      int at = 4 * (int)k + i;
      if (at < bits && ((d >> i) & 1))
        buf[at >> 3] = (uint8_t)(buf[at >> 3] | (1u << (at & 7)));
    }
  }
  return 0;
}

int bsq_synth_latency_sim_serial(const bsq_model *m, const char *dir,
                                 const char *work, const char *name,
                                 int *latency, bsq_diag *diag) {
  enum { NFRAMES = 64, EXTRA = 24 };
  const bsq_encoder *e = &m->enc;
  int F = e->F, B = e->B, TW = bsq_serial_tdata_bits(e);
  bsq_stim stim;
  bsq_stim_opts so = {NFRAMES, 0, 7, 0};
  int rc = bsq_stim_build(&stim, m, &so, diag);
  if (rc) return rc;
  uint64_t n = stim.n, ns = n * (uint64_t)F, nl = ns + EXTRA;
  char sim[4096], hex[4096], tb[4096], vvp[4096], out[4096], log[4096];
  bsq_pathf(sim, sizeof sim, "%s/serial_sim", work);
  mkdir(sim, 0777);
  bsq_pathf(hex, sizeof hex, "%s/codes.hex", sim);
  bsq_pathf(tb, sizeof tb, "%s/tb.v", sim);
  bsq_pathf(vvp, sizeof vvp, "%s/tb.vvp", sim);
  bsq_pathf(out, sizeof out, "%s/levels.txt", sim);
  bsq_pathf(log, sizeof log, "%s/iverilog.log", sim);
  uint8_t *bits = calloc((size_t)(TW > B ? TW : B) / 8 + 9, 1);
  uint8_t *lv = calloc(n * (size_t)F, 1);      /* (n, F) expected */
  uint8_t *got = calloc(nl * (size_t)F, 1);    /* (nl, F) */
  int *vld = calloc(nl, sizeof *vld);          /* (nl) valid_o, -1 unread */
  bsq_atomic_file af;
  if (!bits || !lv || !got || !vld) {
    rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    goto done;
  }
  if ((rc = bsq_atomic_open(&af, hex, diag))) goto done;
  for (uint64_t i = 0; i < n; i++) {
    const int64_t *c = stim.codes + i * (uint64_t)F;
    for (int f = 0; f < F; f++) {
      uint64_t t = bsq_serial_tdata(e, f, c[f]);
      for (int k = 0; k < 8; k++) bits[k] = (uint8_t)(t >> (8 * k));
      bsq_stim_put_hex(af.fp, bits, TW);
    }
    bsq_encoder_levels(e, c, lv + i * (uint64_t)F);
  }
  if ((rc = bsq_atomic_close(&af, 1, diag))) goto done;
  if ((rc = bsq_atomic_open(&af, tb, diag))) goto done;
  /* codes change while clk is low; line j: valid_o and levels_o after
   * rising edge j, code j entered at edge j */
  fprintf(af.fp,
          "`timescale 1ns/1ps\nmodule bsq_latency_tb;\n"
          "  reg clk = 1'b0, rst_n = 1'b0;\n  reg [%d:0] codes = %d'd0;\n"
          "  reg [%d:0] mem [0:%" PRIu64 "];\n  wire [%d:0] levels;\n"
          "  wire valid;\n  integer i, fd;\n"
          "  %s_serial_bank dut (.clk(clk), .rst_n(rst_n), .codes_i(codes), "
          ".valid_o(valid), .levels_o(levels));\n"
          "  initial begin\n    $readmemh(\"%s\", mem);\n"
          "    fd = $fopen(\"%s\", \"w\");\n    #3 rst_n = 1'b1;\n"
          "    for (i = 0; i < %" PRIu64 "; i = i + 1) begin\n"
          "      codes = mem[i < %" PRIu64 " ? i : %" PRIu64 "];\n"
          "      #5 clk = 1'b1;\n      #1 $fdisplay(fd, \"%%b %%h\", valid, "
          "levels);\n      #4 clk = 1'b0;\n    end\n    $fclose(fd);\n"
          "    $finish;\n  end\nendmodule\n",
          TW - 1, TW, TW - 1, ns - 1, B - 1, name, hex, out, nl, ns, ns - 1);
  if ((rc = bsq_atomic_close(&af, 1, diag))) goto done;
  char fq[4096], fb[4096];
  bsq_pathf(fq, sizeof fq, "%s/%s_serial_quant.v", dir, name);
  bsq_pathf(fb, sizeof fb, "%s/%s_serial_bank.v", dir, name);
  char *iargv[] = {"iverilog", "-g2001", "-o", vvp, "-s", "bsq_latency_tb",
                   tb, fq, fb, NULL};
  remove(log);
  int st = bsq_run(iargv, NULL, log, log);
  const char *tool = "iverilog";
  if (st == 0) {
    char *vargv[] = {"vvp", "-n", vvp, NULL};
    tool = "vvp";
    st = bsq_run(vargv, NULL, log, log);
  }
  if (st != 0) {
    rc = st == 127 ? bsq_tool_missing(diag, tool)
                   : bsq_diag_set(diag, BSQ_ETOOL,
                                  "icarus failed on the serial bank; log %s",
                                  log);
    goto done;
  }
  FILE *fp = fopen(out, "r");
  uint64_t lines = 0;
  if (fp) {
    char line[1024];
    while (lines < nl && fgets(line, sizeof line, fp)) {
      vld[lines] = -1;
      if (parse_line(line, &vld[lines], bits, B) == 0)
        bsq_frame_unpack(e, bits, got + lines * (uint64_t)F);
      lines++;
    }
    fclose(fp);
  }
  if (lines != nl) {
    rc = bsq_diag_set(diag, BSQ_ETOOL, "%s: %" PRIu64 " lines, expected %"
                      PRIu64 " (simulation in %s)", out, lines, nl, sim);
    goto done;
  }
  /* smallest L: frame k's levels with valid_o on line kF + F - 2 + L, and
   * valid_o low on every other line up to the last frame's */
  int found = -1, best = 1;
  uint64_t best_fit = 0;
  for (int L = 1; L <= EXTRA && found < 0; L++) {
    uint64_t fit = 0, last = ns - 2 + (uint64_t)L;
    int quiet = 1;
    for (uint64_t k = 0; k < n; k++) {
      uint64_t j = k * (uint64_t)F + (uint64_t)F - 2 + (uint64_t)L;
      fit += vld[j] == 1 && !memcmp(got + j * (uint64_t)F,
                                    lv + k * (uint64_t)F, (size_t)F);
    }
    uint64_t first = (uint64_t)F - 2 + (uint64_t)L; /* frame 0's line */
    for (uint64_t j = 0; j <= last && quiet; j++) {
      int frame_line = j >= first && (j - first) % (uint64_t)F == 0;
      if (!frame_line) quiet = vld[j] == 0;
    }
    if (fit == n && quiet) found = L;
    if (fit > best_fit) best_fit = fit, best = L;
  }
  if (found >= 0) {
    *latency = found;
  } else {
    char where[256] = "";
    for (uint64_t k = 0; k < n && !where[0]; k++) {
      uint64_t j = k * (uint64_t)F + (uint64_t)F - 2 + (uint64_t)best;
      for (int f = 0; f < F && !where[0]; f++)
        if (vld[j] != 1 || got[j * (uint64_t)F + (uint64_t)f] !=
                               lv[k * (uint64_t)F + (uint64_t)f])
          snprintf(where, sizeof where,
                   "; at latency %d, frame %" PRIu64 " feature %d \"%s\" "
                   "code %" PRId64 ": expected level %d, got %d%s",
                   best, k, f, m->names ? m->names[f] : "",
                   stim.codes[k * (uint64_t)F + (uint64_t)f],
                   lv[k * (uint64_t)F + (uint64_t)f],
                   got[j * (uint64_t)F + (uint64_t)f],
                   vld[j] != 1 ? " (valid_o low)" : "");
    }
    rc = bsq_diag_set(diag, BSQ_EMISMATCH,
                      "serial bank: no latency of 1..%d cycles gives the C "
                      "model's levels of all %" PRIu64 " frames, one frame "
                      "every %d clocks%s",
                      EXTRA, n, F, where[0] ? where : " (valid_o between frames)");
  }
done:
  free(bits);
  free(lv);
  free(got);
  free(vld);
  bsq_stim_free(&stim);
  return rc;
}
