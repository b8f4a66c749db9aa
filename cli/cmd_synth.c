/* bsq synth — hardware report with Yosys and nextpnr-ice40 for the flash,
 * search and naive quantizer banks, latency cross-checked in simulation,
 * and a formal equivalence proof: parses, runs bsq_synth_run (see
 * verify/synth.h), prints the report. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "cli.h"
#include "gen.h"
#include "model.h"
#include "synth.h"
#include "tools.h"

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq synth MODEL.json|DIR [--arch flash|search|both]\n"
"                 [--target generic|ice40|cmos|all|none] [--prove]\n"
"                 [--seeds N] [--json] [-o REPORT.md] [--keep DIR]\n"
"                 [--name NAME]\n"
"\n"
"Synthesizes the quantizer bank of each architecture (all feature codes\n"
"registered -> quantizers -> levels registered; the packer is not\n"
"included) with open tools, next to a naive reference generated from the\n"
"same thresholds (level = sum of x > T terms, registered in and out), and\n"
"reports every figure with its ratio to the naive one:\n"
"  generic  yosys synth: cells by type\n"
"  ice40    yosys synth_ice40, nextpnr-ice40 --hx8k --package ct256:\n"
"           logic cells, carry cells, flip-flops, Fmax (median over seeds\n"
"           1..N); skipped with a note when nextpnr-ice40 is absent\n"
"  cmos     yosys abc -g cmos2, stat -tech cmos: transistor estimate\n"
"Latency (register stages from codes in to levels out) comes from the\n"
"generator and is cross-checked by simulating each bank with Icarus\n"
"against the C model; throughput is one frame per clock.\n"
"\n"
"MODEL.json: the designs are generated (into --keep DIR, or a temporary\n"
"directory). DIR: a directory written by an earlier `--keep DIR` run; its\n"
"files (model.json, NAME_<arch>_quant.v, NAME_<arch>_bank.v) are used as\n"
"they are, edited or not.\n"
"\n"
"  --arch A       flash, search or both (default both); naive always\n"
"  --target T     generic, ice40, cmos, all (default) or none\n"
"  --prove        prove with Yosys (sat) that for every feature the search\n"
"                 and naive quantizers compute flash's level for every\n"
"                 input code; exit 3 naming the features that differ\n"
"                 (needs --arch both)\n"
"  --seeds N      nextpnr seeds, 1..%d (default 3)\n"
"  --json         print the JSON report instead of the Markdown table\n"
"  -o FILE        write the Markdown report to FILE and the JSON report\n"
"                 beside it (FILE with .json for .md)\n"
"  --keep DIR     write the designs, scripts and tool logs into DIR\n"
"  --name NAME    module prefix (default bsq)\n"
"\n"
"Exit 0 ok, 1 usage, 2 bad input or a missing tool, 3 the proof or the\n"
"latency cross-check failed.\n",
          BSQ_SYNTH_MAX_SEEDS);
}

/* Progress on a terminal; failed checks as errors. */
static void on_log(void *user, bsq_log_kind kind, const char *msg) {
  (void)user;
  if (kind == BSQ_LOG_ERROR) cli_error("synth", "%s", msg);
  else if (kind == BSQ_LOG_PROGRESS && cli_isatty_stderr())
    fprintf(stderr, "bsq synth: %s\n", msg);
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_synth(int argc, char **argv) {
  enum { O_KEEP = 256, O_PROVE, O_SEEDS, O_NAME };
  static const struct option opts[] = {
      {"arch", required_argument, 0, 'a'},
      {"target", required_argument, 0, 't'},
      {"json", no_argument, 0, 'j'},
      {"out", required_argument, 0, 'o'},
      {"prove", no_argument, 0, O_PROVE},
      {"seeds", required_argument, 0, O_SEEDS},
      {"keep", required_argument, 0, O_KEEP},
      {"name", required_argument, 0, O_NAME},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bsq_synth_cfg j;
  bsq_synth_cfg_default(&j);
  const char *out_md = NULL, *keep = NULL;
  int json = 0, c;
  long v;
  cli_parser p = CLI_PARSER("synth", argc, argv, "ho:", opts, usage);
  while ((c = cli_next(&p)) != -1) {
    switch (c) {
    case 'a':
      if (!strcmp(optarg, "flash") || !strcmp(optarg, "search") ||
          !strcmp(optarg, "both")) {
        j.want[BSQ_SYN_FLASH] = strcmp(optarg, "search") != 0;
        j.want[BSQ_SYN_SEARCH] = strcmp(optarg, "flash") != 0;
      } else {
        cli_error("synth", "--arch must be flash, search or both, not '%s'",
                  optarg);
        return BSQ_EXIT_USAGE;
      }
      break;
    case 't': {
      const char *t = optarg;
      int all = !strcmp(t, "all"), none = !strcmp(t, "none");
      if (!all && !none && strcmp(t, "generic") && strcmp(t, "ice40") &&
          strcmp(t, "cmos")) {
        cli_error("synth", "--target must be generic, ice40, cmos, all or "
                           "none, not '%s'", t);
        return BSQ_EXIT_USAGE;
      }
      j.t_generic = all || !strcmp(t, "generic");
      j.t_ice40 = all || !strcmp(t, "ice40");
      j.t_cmos = all || !strcmp(t, "cmos");
      break;
    }
    case 'j': json = 1; break;
    case 'o': out_md = optarg; break;
    case O_PROVE: j.prove = 1; break;
    case O_SEEDS:
      if (cli_parse_int(optarg, 1, BSQ_SYNTH_MAX_SEEDS, &v)) {
        cli_error("synth", "--seeds must be 1..%d, not '%s'",
                  BSQ_SYNTH_MAX_SEEDS, optarg);
        return BSQ_EXIT_USAGE;
      }
      j.seeds = (int)v;
      break;
    case O_KEEP: keep = optarg; break;
    case O_NAME:
      if (bsq_gen_name_check(optarg)) {
        cli_error("synth", "--name must be an identifier [A-Za-z][A-Za-z0-9_]* "
                           "of at most %d characters, not '%s'",
                  BSQ_GEN_NAME_MAX - 7, optarg);
        return BSQ_EXIT_USAGE;
      }
      j.name = optarg;
      break;
    }
  }
  if (p.exit >= 0) return p.exit;
  if (cli_one_arg(&p, "MODEL.json or DIR")) return BSQ_EXIT_USAGE;
  if (strlen(j.name) > BSQ_GEN_NAME_MAX - 7) {
    cli_error("synth", "--name '%s' is too long (at most %d characters)", j.name,
              BSQ_GEN_NAME_MAX - 7);
    return BSQ_EXIT_USAGE;
  }
  if (j.prove && !(j.want[BSQ_SYN_FLASH] && j.want[BSQ_SYN_SEARCH])) {
    cli_error("synth", "--prove compares flash and search: it needs --arch "
                       "both");
    return BSQ_EXIT_USAGE;
  }
  const char *input = cli_arg(&p, 0);
  int from_dir = is_dir(input);
  char model_path[4096];
  snprintf(model_path, sizeof model_path, from_dir ? "%s/model.json" : "%s",
           input);
  struct stat mst;
  if (from_dir && stat(model_path, &mst) != 0) {
    cli_error("synth", "%s: no model.json: not a directory written by `bsq "
                       "synth MODEL.json --keep DIR`", input);
    return BSQ_EXIT_INPUT;
  }
  bsq_model m;
  bsq_diag diag = {{0}};
  int rc = cli_model_load("synth", model_path, &m);
  if (rc) return cli_exit_for(rc);
  char *work = cli_work_dir("synth", keep, "synth"), *text = NULL;
  bsq_synth_report r;
  if (!work) {
    rc = BSQ_EIO;
    goto done;
  }
  j.work = work;
  j.rtl_dir = from_dir ? input : NULL;
  j.log = on_log;
  rc = bsq_synth_run(&j, &m, &r, &diag);
  if (rc && rc != BSQ_EMISMATCH) {
    cli_error("synth", "%s", diag.msg);
    goto done;
  }
  int wr = out_md ? bsq_synth_report_write(&r, out_md, &diag) : BSQ_OK;
  text = json ? bsq_synth_report_json(&r) : bsq_synth_report_md(&r);
  if (wr || !text) {
    rc = wr ? wr : BSQ_ENOMEM;
    cli_error("synth", "%s", wr ? diag.msg : "out of memory");
    goto done;
  }
  if (json) printf("%s\n", text);
  else fputs(text, stdout);
done:
  if (work && !keep) bsq_rmtree(work);
  free(work);
  free(text);
  bsq_model_free(&m);
  return cli_exit_for(rc);
}
