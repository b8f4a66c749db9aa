/* bsq — lint of a generated design (see lint.h). */
#define _POSIX_C_SOURCE 200809L
#include "lint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "run.h"
#include "util.h"

/* Reads "Number of cells: N" from a yosys stat report; -1 if absent. */
static long read_cells(const char *path) {
  FILE *fp = fopen(path, "r");
  if (!fp) return -1;
  char line[512];
  long cells = -1;
  while (fgets(line, sizeof line, fp)) {
    const char *p = strstr(line, "Number of cells:");
    if (p) cells = strtol(p + strlen("Number of cells:"), NULL, 10);
  }
  fclose(fp);
  return cells;
}

int bsq_lint(const char *dir, const char *work, bsq_lint_result *r,
             bsq_diag *diag) {
  memset(r, 0, sizeof *r);
  r->cells = -1;
  bsq_gen_opts o;
  int rc = bsq_gen_read_params(dir, &o, NULL, diag);
  if (rc) return rc;
  char ftop[4096], fquant[4096], fpk[4096], ffr[4096], qtop[128], stat[4096];
  char script[16384];
  bsq_pathf(r->top, sizeof r->top, "%s_encoder", o.name);
  bsq_pathf(ftop, sizeof ftop, "%s/%s_encoder.v", dir, o.name);
  bsq_pathf(fquant, sizeof fquant, "%s/%s_quant.v", dir, o.name);
  bsq_pathf(fpk, sizeof fpk, "%s/bsq_packer.v", dir);
  bsq_pathf(ffr, sizeof ffr, "%s/bsq_framer.v", dir);
  bsq_pathf(qtop, sizeof qtop, "%s_quant", o.name);
  bsq_pathf(r->log, sizeof r->log, "%s/lint.log", work);
  bsq_pathf(stat, sizeof stat, "%s/stat.txt", work);
  remove(r->log);
  /* with frame sync (sync= on the marker line) the framer too */
  char *v_all[] = {"verilator", "--lint-only", "-Wall", "--top-module", r->top,
                   ftop, fquant, fpk, o.sync ? ffr : NULL, NULL};
  char *v_fr[] = {"verilator", "--lint-only", "-Wall", ffr, NULL};
  char *v_quant[] = {"verilator", "--lint-only", "-Wall", "--top-module", qtop,
                     fquant, NULL};
  char *v_pk[] = {"verilator", "--lint-only", "-Wall", fpk, NULL};
  /* the design, then each module on its own */
  int v1 = bsq_run(v_all, NULL, r->log, r->log);
  int v2 = v1 == 0 ? bsq_run(v_quant, NULL, r->log, r->log) : v1;
  if (v2 == 0) v2 = bsq_run(v_pk, NULL, r->log, r->log);
  if (v2 == 0 && o.sync) v2 = bsq_run(v_fr, NULL, r->log, r->log);
  bsq_pathf(script, sizeof script,
            "read_verilog %s %s %s%s%s; hierarchy -check -top %s; "
            "synth -flatten -top %s; check -assert; tee -q -o %s stat",
            ftop, fquant, fpk, o.sync ? " " : "", o.sync ? ffr : "", r->top,
            r->top, stat);
  char *y_argv[] = {"yosys", "-q", "-p", script, NULL};
  int y = bsq_run(y_argv, NULL, r->log, r->log);
  r->cells = y == 0 ? read_cells(stat) : -1;
  r->verilator_ok = v1 == 0 && v2 == 0;
  r->yosys_ok = y == 0 && r->cells >= 0;
  if (v1 == 127) return bsq_tool_missing(diag, "verilator");
  if (y == 127) return bsq_tool_missing(diag, "yosys");
  if (!r->verilator_ok || !r->yosys_ok)
    return bsq_diag_set(diag, BSQ_EMISMATCH, "%s: %s failed; log:", dir,
                        !r->verilator_ok ? "verilator --lint-only -Wall"
                                         : "yosys synth");
  return BSQ_OK;
}

char *bsq_lint_result_json(const char *dir, const bsq_lint_result *r) {
  bsq_buf b;
  bsq_buf_init(&b);
  bsq_buf_puts(&b, "{\"dir\": \"");
  for (const char *s = dir; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') bsq_buf_printf(&b, "\\%c", c);
    else if (c < 0x20) bsq_buf_printf(&b, "\\u%04x", c);
    else bsq_buf_append(&b, s, 1);
  }
  bsq_buf_printf(&b,
                 "\", \"top\": \"%s\", \"verilator\": %s, \"yosys\": %s, "
                 "\"cells\": %ld}\n",
                 r->top, r->verilator_ok ? "true" : "false",
                 r->yosys_ok ? "true" : "false", r->cells);
  return bsq_buf_finish(&b);
}
