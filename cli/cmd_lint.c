/* bsq lint — Verilator -Wall and Yosys synthesis of a generated design:
 * parses, runs bsq_lint (see verify/lint.h), prints. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bsq_help.h"
#include "cli.h"
#include "gen.h"
#include "lint.h"
#include "run.h"
#include "tools.h"


int cmd_lint(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_FLAG("json", 'j'), CLI_END};
  cli_parser p = CLI_PARSER_TEXT("lint", argc, argv, "h", opts, BSQ_HELP_LINT);
  int json = 0, c;
  while ((c = cli_next(&p)) != -1)
    if (c == 'j') json = 1;
  if (p.exit >= 0) return p.exit;
  if (cli_one_arg(&p, "DIR")) return BSQ_EXIT_USAGE;
  const char *dir = cli_arg(&p, 0);
  char *work = bsq_mkdtemp(getenv("TMPDIR"), "lint");
  if (!work) {
    cli_error("lint", "cannot create a work directory");
    return BSQ_EXIT_INPUT;
  }
  bsq_lint_result r;
  bsq_diag diag = {{0}};
  int rc = bsq_lint(dir, work, &r, &diag);
  if (rc) cli_error("lint", "%s", diag.msg);
  if (rc == BSQ_EMISMATCH) cli_print_tail(r.log, 40);
  if (rc == BSQ_EFORMAT) {
    /* no design: nothing ran */
  } else if (json) {
    char *text = bsq_lint_result_json(dir, &r);
    if (text) fputs(text, stdout);
    else rc = BSQ_ENOMEM;
    free(text);
  } else if (rc == BSQ_OK) {
    printf("%s: %s: verilator -Wall clean, yosys synth ok (%ld cells)\n", dir,
           r.top, r.cells);
  }
  bsq_rmtree(work);
  free(work);
  return cli_exit_for(rc);
}
