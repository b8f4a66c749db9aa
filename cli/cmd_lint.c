/* bsq lint — Verilator -Wall and Yosys synthesis of a generated design. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gen.h"
#include "run.h"

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq lint DIR [--json]\n"
"\n"
"Checks a directory written by `bsq gen`: `verilator --lint-only -Wall` on\n"
"the whole design and on each module alone must be clean, and Yosys must\n"
"read and synthesize it (synth -flatten; check -assert). Exit 0 clean,\n"
"2 no design in DIR or a tool is missing, 3 a check failed.\n"
"\n"
"  --json   one JSON object on stdout\n");
}

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

/* Prints s as a JSON string. */
static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

int cmd_lint(int argc, char **argv) {
  static const struct option opts[] = {{"json", no_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  int json = 0, c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'j': json = 1; break;
    case 'h': usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("lint", "unknown or incomplete option '%s'", argv[optind - 1]);
      usage(stderr);
      return BSQ_EXIT_USAGE;
    }
  }
  if (optind != argc - 1) {
    cli_error("lint", optind == argc ? "missing DIR" : "too many arguments");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  const char *dir = argv[optind];
  bsq_gen_opts o;
  bsq_diag diag = {{0}};
  if (bsq_gen_read_params(dir, &o, NULL, &diag)) {
    cli_error("lint", "%s", diag.msg);
    return BSQ_EXIT_INPUT;
  }
  char top[128], ftop[4096], fquant[4096], fpk[4096];
  bsq_pathf(top, sizeof top, "%s_encoder", o.name);
  bsq_pathf(ftop, sizeof ftop, "%s/%s_encoder.v", dir, o.name);
  bsq_pathf(fquant, sizeof fquant, "%s/%s_quant.v", dir, o.name);
  bsq_pathf(fpk, sizeof fpk, "%s/bsq_packer.v", dir);
  char *work = bsq_mkdtemp("lint");
  if (!work) {
    cli_error("lint", "cannot create a work directory");
    return BSQ_EXIT_INPUT;
  }
  char log[4096], stat[4096], script[16384];
  bsq_pathf(log, sizeof log, "%s/lint.log", work);
  bsq_pathf(stat, sizeof stat, "%s/stat.txt", work);

  char *v_all[] = {"verilator", "--lint-only", "-Wall", "--top-module", top,
                   ftop, fquant, fpk, NULL};
  char qtop[128];
  bsq_pathf(qtop, sizeof qtop, "%s_quant", o.name);
  char *v_quant[] = {"verilator", "--lint-only", "-Wall", "--top-module", qtop,
                     fquant, NULL};
  char *v_pk[] = {"verilator", "--lint-only", "-Wall", fpk, NULL};
  /* the design, then each module on its own */
  int v1 = bsq_run(v_all, NULL, log, log);
  int v2 = v1 == 0 ? bsq_run(v_quant, NULL, log, log) : v1;
  if (v2 == 0) v2 = bsq_run(v_pk, NULL, log, log);
  bsq_pathf(script, sizeof script,
           "read_verilog %s %s %s; hierarchy -check -top %s; "
           "synth -flatten -top %s; check -assert; tee -q -o %s stat",
           ftop, fquant, fpk, top, top, stat);
  char *y_argv[] = {"yosys", "-q", "-p", script, NULL};
  int y = bsq_run(y_argv, NULL, log, log);
  long cells = y == 0 ? read_cells(stat) : -1;
  int verilator_ok = v1 == 0 && v2 == 0, yosys_ok = y == 0 && cells >= 0;
  int rc = BSQ_EXIT_OK;
  if (v1 == 127 || y == 127) {
    cli_error("lint", "%s not found in PATH", v1 == 127 ? "verilator" : "yosys");
    rc = BSQ_EXIT_INPUT;
  } else if (!verilator_ok || !yosys_ok) {
    cli_error("lint", "%s: %s failed; log:", dir,
              !verilator_ok ? "verilator --lint-only -Wall" : "yosys synth");
    bsq_print_tail(log, 40);
    rc = BSQ_EXIT_MISMATCH;
  }
  if (json) {
    printf("{\"dir\": ");
    json_str(dir);
    printf(", \"top\": \"%s\", \"verilator\": %s, \"yosys\": %s, "
           "\"cells\": %ld}\n",
           top, verilator_ok ? "true" : "false", yosys_ok ? "true" : "false",
           cells);
  }
  else if (rc == BSQ_EXIT_OK)
    printf("%s: %s: verilator -Wall clean, yosys synth ok (%ld cells)\n", dir,
           top, cells);
  bsq_rmtree(work);
  free(work);
  return rc;
}
