/* bsq sim — bit-exact co-simulation of the generated encoder against the C
 * model: Verilator (sim/harness.cpp) and/or Icarus (sim/bsq_tb.v). Parses,
 * runs bsq_sim_run (see verify/sim.h), prints the result. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bsq_help.h"
#include "cli.h"
#include "gen.h"
#include "model.h"
#include "paths.h"
#include "sim.h"
#include "tools.h"


typedef struct {
  int json;
} sim_ui;

static void on_log(void *user, bsq_log_kind kind, const char *msg) {
  const sim_ui *ui = user;
  if (kind == BSQ_LOG_TOOL) fprintf(stderr, "%s\n", msg);
  else if (kind == BSQ_LOG_ERROR) cli_error("sim", "%s", msg);
  else if (kind == BSQ_LOG_WARN || (kind == BSQ_LOG_NOTE && !ui->json))
    fprintf(stderr, "bsq sim: %s\n", msg);
}

int cmd_sim(int argc, char **argv) {
  enum {
    O_NOSWEEP = 256, O_NORESET, O_DROP, O_SIM, O_RTL, O_KEEP, O_TRACE,
    O_PIPE, O_DRST, O_NOCACHE, O_RSYNC, O_SYNC, O_BYTE
  };
  static const struct option opts[] = {
      CLI_ARG("arch", 'a'), CLI_ARG("word-bits", 'k'), CLI_ARG("mode", 'm'),
      CLI_ARG("name", 'n'), CLI_ARG("frames", 'f'),
      CLI_ARG("backpressure", 'p'), CLI_ARG("seed", 's'),
      CLI_ARG("trace", O_TRACE), CLI_FLAG("json", 'j'), CLI_ARG("keep", O_KEEP),
      CLI_ARG("rtl", O_RTL), CLI_ARG("simulator", O_SIM),
      CLI_FLAG("no-sweep", O_NOSWEEP), CLI_FLAG("no-reset", O_NORESET),
      CLI_ARG("drop-word", O_DROP), CLI_ARG("pipeline", O_PIPE),
      CLI_ARG("datapath-reset", O_DRST), CLI_FLAG("no-cache", O_NOCACHE),
      CLI_ARG("reset-sync", O_RSYNC), CLI_ARG("sync", O_SYNC),
      CLI_ARG("byte-tdata", O_BYTE), CLI_END};
  bsq_sim_cfg sc;
  bsq_sim_cfg_default(&sc);
  const char *keep = NULL;
  sim_ui ui = {0};
  int use_cache = 1;
  cli_parser p = CLI_PARSER_TEXT("sim", argc, argv, "h", opts, BSQ_HELP_SIM);
  int c, design_opts = 0;
  while ((c = cli_next(&p)) != -1) {
    long v;
    switch (c) {
    case 'a': case 'k': case 'm': case 'n': case O_PIPE: case O_DRST:
    case O_RSYNC: case O_SYNC: case O_BYTE: {
      bsq_diag od;
      if (bsq_gen_opts_set(&sc.opt, opts[p.longindex].name, optarg, &od))
        return cli_usage_fail("sim", "--%s", od.msg);
      design_opts = 1;
      break;
    }
    case 'f':
      if (cli_parse_int(optarg, 0, 100000000, &v))
        return cli_usage_fail("sim", "--frames must be 0..100000000, not '%s'",
                              optarg);
      sc.frames = (uint64_t)v;
      break;
    case 'p':
      if (cli_parse_double(optarg, &sc.backpressure) ||
          sc.backpressure < 0.0 || sc.backpressure >= 1.0)
        return cli_usage_fail("sim",
                              "--backpressure must be in [0, 1), not '%s'",
                              optarg);
      break;
    case 's':
      if (cli_parse_int(optarg, 0, 0x7fffffffL, &v))
        return cli_usage_fail("sim", "--seed must be 0..2147483647, not '%s'",
                              optarg);
      sc.seed = (uint64_t)v;
      break;
    case O_DROP:
      if (cli_parse_int(optarg, 0, 0x7fffffffL, &v))
        return cli_usage_fail("sim",
                              "--drop-word must be a word index, not '%s'",
                              optarg);
      sc.drop_word = (uint64_t)v;
      break;
    case O_TRACE: sc.trace = optarg; break;
    case 'j': ui.json = 1; break;
    case O_KEEP: keep = optarg; break;
    case O_RTL: sc.rtl_dir = optarg; break;
    case O_NOSWEEP: sc.sweep = 0; break;
    case O_NORESET: sc.reset = 0; break;
    case O_NOCACHE: use_cache = 0; break;
    case O_SIM:
      if (!strcmp(optarg, "verilator")) sc.verilator = 1, sc.icarus = 0;
      else if (!strcmp(optarg, "icarus")) sc.verilator = 0, sc.icarus = 1;
      else if (!strcmp(optarg, "both")) sc.verilator = 1, sc.icarus = 1;
      else
        return cli_usage_fail("sim",
                              "--simulator must be verilator, icarus or both");
      break;
    }
  }
  if (p.exit >= 0) return p.exit;
  if (cli_one_arg(&p, "MODEL.json")) return BSQ_EXIT_USAGE;
  bsq_model m;
  bsq_diag diag = {{0}};
  int rc = cli_model_load("sim", cli_arg(&p, 0), &m);
  if (rc) return cli_exit_for(rc);
  if (sc.rtl_dir && design_opts)
    fprintf(stderr, "bsq sim: --rtl given: arch, word bits, mode and name "
                    "come from %s\n", sc.rtl_dir);
  if (sc.opt.byte_tdata && sc.icarus)
    return cli_usage_fail("sim", "--byte-tdata is co-simulated with Verilator "
                          "only (the Icarus testbench drives the unpadded "
                          "ports)");
  if (sc.trace && sc.icarus && !sc.verilator)
    fprintf(stderr, "bsq sim: --trace applies to Verilator only\n");
  bsq_tool_paths paths;
  unsigned need = CLI_NEED_RTL | (sc.verilator ? CLI_NEED_HARNESS : 0u) |
                  (sc.icarus ? CLI_NEED_TB : 0u);
  if ((rc = cli_tool_paths("sim", need, &paths))) {
    bsq_model_free(&m);
    return rc;
  }
  bsq_sim_report r;
  char *work = cli_work_dir("sim", keep, "sim");
  if (!work) {
    rc = BSQ_EIO;
    goto done;
  }
  char cache[CLI_PATH_MAX];
  if (use_cache && sc.verilator) {
    if (cli_cache_dir(cache, sizeof cache) == 0)
      sc.cache_dir = cache;
    else
      fprintf(stderr, "bsq sim: no build cache (neither XDG_CACHE_HOME nor "
                      "HOME is an absolute path)\n");
  }
  sc.paths = &paths;
  sc.work = work;
  sc.model_path = cli_arg(&p, 0);
  sc.log = on_log;
  sc.log_user = &ui;
  rc = bsq_sim_run(&sc, &m, &r, &diag);
  if (rc && rc != BSQ_EMISMATCH) {
    cli_error("sim", "%s", diag.msg);
    if (r.tail_log[0]) cli_print_tail(r.tail_log, 30);
    goto done;
  }
  char *text = ui.json ? bsq_sim_report_json(&sc, &r, rc == BSQ_OK)
                       : bsq_sim_report_text(&sc, &r);
  if (!text) {
    cli_error("sim", "out of memory");
    rc = BSQ_ENOMEM;
    goto done;
  }
  printf("%s%s", ui.json ? "" : "bsq sim: ", text);
  free(text);
done:
  if (work && !keep) bsq_rmtree(work);
  free(work);
  bsq_model_free(&m);
  return cli_exit_for(rc);
}
