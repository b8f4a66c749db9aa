/* bsq gen — Verilog encoder and C firmware header from a model file. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "bsq_help.h"
#include "cli.h"
#include "gen.h"
#include "model.h"
#include "tools.h"


int cmd_gen(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_ARG("out", 'o'), CLI_ARG("arch", 'a'), CLI_ARG("word-bits", 'k'),
      CLI_ARG("mode", 'm'), CLI_ARG("name", 'n'), CLI_ARG("pipeline", 'P'),
      CLI_ARG("datapath-reset", 'R'), CLI_ARG("reset-sync", 'S'),
      CLI_ARG("sync", 'Y'), CLI_ARG("byte-tdata", 'B'), CLI_END};
  bsq_gen_opts o;
  bsq_gen_opts_default(&o);
  const char *out = NULL;
  cli_parser p = CLI_PARSER_TEXT("gen", argc, argv, "ho:", opts, BSQ_HELP_GEN);
  int c, rc;
  while ((c = cli_next(&p)) != -1) {
    bsq_diag od;
    if (c == 'o') out = optarg;
    else if (bsq_gen_opts_set(&o, opts[p.longindex].name, optarg, &od))
      return cli_usage_fail("gen", "--%s", od.msg);
  }
  if (p.exit >= 0) return p.exit;
  if (cli_nargs(&p) > 0 && !out) return cli_usage_error(&p, "missing -o DIR");
  if (cli_one_arg(&p, "MODEL.json")) return BSQ_EXIT_USAGE;
  bsq_model m;
  bsq_diag diag = {{0}};
  if ((rc = cli_model_load("gen", cli_arg(&p, 0), &m))) return cli_exit_for(rc);
  bsq_tool_paths paths;
  if ((rc = cli_tool_paths("gen", CLI_NEED_RTL, &paths))) {
    bsq_model_free(&m);
    return rc;
  }
  bsq_design d;
  rc = bsq_design_build(&d, &m, &o, &diag);
  int written = 0;
  if (rc == BSQ_OK) {
    rc = bsq_gen_write(&d, paths.rtl_dir, out, &written, &diag);
    if (rc == BSQ_OK)
      printf("%s: %s_encoder (%s, %d features, %d-bit frames, %d-bit words, "
             "%s): %d file%s written, %d unchanged\n",
             out, o.name, bsq_arch_name(o.arch), d.F, d.B, d.K,
             bsq_mode_name(o.mode), written, written == 1 ? "" : "s",
             (o.sync ? 5 : 4) - written); /* with sync: bsq_framer.v */
    bsq_design_free(&d);
  }
  bsq_model_free(&m);
  if (rc) {
    cli_error("gen", "%s", diag.msg[0] ? diag.msg : bsq_strerror(rc));
    return cli_exit_for(rc);
  }
  return BSQ_EXIT_OK;
}
