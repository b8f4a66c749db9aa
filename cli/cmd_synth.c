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
"usage: bsq synth MODEL.json|DIR [--arch flash|search|serial|both|all|auto]\n"
"                 [--target generic|ice40|cmos|asic|all|none] [--prove]\n"
"                 [--seeds N] [--jobs N] [--json] [-o REPORT.md]\n"
"                 [--keep DIR]\n"
"                 [--name NAME] [--liberty FILE.lib] [--cell-models FILE.v]\n"
"                 [--clock-mhz F] [--frame-rate HZ] [--frames N]\n"
"                 [--input-delay NS] [--output-delay NS]\n"
"                 [--pipeline 0|1] [--datapath-reset on|off] [--sync N]\n"
"\n"
"Synthesizes the quantizer bank of each architecture (all feature codes\n"
"registered -> quantizers -> levels registered; the packer is not\n"
"included) with open tools, next to a naive reference generated from the\n"
"same thresholds (level = sum of x > T terms, registered in and out), and\n"
"reports every figure with its ratio to the naive one. Beside each flash\n"
"and search bank it measures the whole encoder (NAME_<arch>_encoder as\n"
"`bsq gen` writes it: input register, quantizers, packer, handshake;\n"
"32-bit words, aligned) on every target (asic: with its own gate-level\n"
"check, every word against the C model, and energy per frame), with its\n"
"ratio to the bank:\n"
"  generic  yosys synth: cells by type\n"
"  ice40    yosys synth_ice40, nextpnr-ice40 --hx8k --package ct256\n"
"           --freq (--clock-mhz, default 100): logic cells, carry cells,\n"
"           flip-flops, Fmax (median over seeds 1..N) and the slack at\n"
"           --freq; an encoder with more ports than the device's 206 pins\n"
"           is placed inside a wrapper that shifts its codes in and its\n"
"           words out on one pin each; skipped with a note when\n"
"           nextpnr-ice40 is absent\n"
"  cmos     yosys abc -g cmos2, stat -tech cmos: transistor estimate\n"
"  asic     yosys dfflibmap + abc -liberty, buffered and sized for the\n"
"           library's smallest inverter driving each input and 10 fF on\n"
"           each output: area, cells and flip-flops by\n"
"           type; OpenSTA: critical path, Fmax, slack; Icarus gate-level\n"
"           simulation of the model's frames with the library's cell models:\n"
"           levels checked against the C model, energy per frame from the\n"
"           measured toggles. Default library OSU 0.18 um (Debian package\n"
"           qflow-tech-osu018), sta from opensta; in `all` the target is\n"
"           skipped with a note when either is missing\n"
"Latency (register stages from codes in to levels out) comes from the\n"
"generator and is cross-checked by simulating each bank with Icarus\n"
"against the C model; throughput is one frame per clock (serial: one per\n"
"F clocks, checked in the same simulation). The frame-rate rows give the\n"
"clock each needs per MS/s of frames and the frame rate at its Fmax.\n"
"\n"
"MODEL.json: the designs are generated (into --keep DIR, or a temporary\n"
"directory). DIR: a directory written by an earlier `--keep DIR` run; its\n"
"files (model.json, NAME_<arch>_quant.v, NAME_<arch>_bank.v) are used as\n"
"they are, edited or not.\n"
"\n"
"  --arch A       flash, search, serial, both (flash and search), all\n"
"                 (default) or auto; naive always. serial: one code per\n"
"                 clock -> shared quantizer -> frame register, one frame per\n"
"                 F clocks, checked by simulation (not by --prove)\n"
"                 auto: all of them, then picks the smallest (asic area,\n"
"                 else iCE40 logic cells, else transistors, else cells) that\n"
"                 meets --frame-rate at --clock-mhz (or at its Fmax: asic\n"
"                 STA, else nextpnr); the report and stderr say which and\n"
"                 why; exit 3 when none does\n"
"  --target T     generic, ice40, cmos, asic, all (default) or none\n"
"  --prove        prove with Yosys (sat) that for every feature the search\n"
"                 and naive quantizers compute flash's level for every\n"
"                 input code; exit 3 naming the features that differ\n"
"                 (needs --arch both)\n"
"  --seeds N      nextpnr seeds, 1..%d (default 3)\n"
"  --jobs N       tool runs side by side, 1..256 (default: one per core);\n"
"                 the report is the same for any N\n"
"  --json         print the JSON report instead of the Markdown table\n"
"  -o FILE        write the Markdown report to FILE and the JSON report\n"
"                 beside it (FILE with .json for .md)\n"
"  --keep DIR     write the designs, scripts and tool logs into DIR\n"
"  --name NAME    module prefix (default bsq)\n"
"  --liberty FILE asic: the standard-cell liberty (default\n"
"                 %s)\n"
"  --cell-models FILE  asic: Verilog models of its cells for the\n"
"                 gate-level check (needed with --liberty)\n"
"  --clock-mhz F  asic: the clock the slack is reported at (default: one\n"
"                 frame per clock at --frame-rate, serial F clocks per\n"
"                 frame); ice40: nextpnr's --freq (default 100); auto:\n"
"                 the clock the design runs at\n"
"  --frame-rate HZ  asic: frames per second for power and energy (default\n"
"                 1e6); auto: the rate the encoder must meet (required)\n"
"  --frames N     asic: frames simulated at gate level (default 1000)\n"
"  --input-delay NS, --output-delay NS\n"
"                 asic: I/O delays against clk for timing (default 0)\n"
"  --pipeline P   1 (default): flash registers its thermometers, search\n"
"                 each search step; 0: comparators straight to the level\n"
"                 register (as `bsq gen`); when the designs are generated\n"
"  --datapath-reset R  on (default): every register of flash, search and\n"
"                 their input register resets; off: only the valid chain\n"
"                 does (the naive reference keeps its resets)\n"
"  --sync N       the whole encoders with frame sync, a marker every N\n"
"                 frames (as `bsq gen`; default 0, off); the banks are\n"
"                 unchanged, so the ratio is the framer's cost\n"
"\n"
"Exit 0 ok, 1 usage, 2 bad input or a missing tool, 3 the proof, the\n"
"latency cross-check or the gate-level check failed.\n",
          BSQ_SYNTH_MAX_SEEDS, BSQ_ASIC_DEFAULT_LIBERTY);
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
  enum { O_KEEP = 256, O_PROVE, O_SEEDS, O_NAME, O_LIB, O_CELLS, O_CLOCK,
         O_RATE, O_FRAMES, O_IDELAY, O_ODELAY, O_PIPE, O_DRST, O_JOBS,
         O_SYNC };
  static const struct option opts[] = {
      CLI_ARG("arch", 'a'), CLI_ARG("target", 't'), CLI_FLAG("json", 'j'),
      CLI_ARG("out", 'o'), CLI_FLAG("prove", O_PROVE),
      CLI_ARG("seeds", O_SEEDS), CLI_ARG("keep", O_KEEP),
      CLI_ARG("name", O_NAME), CLI_ARG("liberty", O_LIB),
      CLI_ARG("cell-models", O_CELLS), CLI_ARG("clock-mhz", O_CLOCK),
      CLI_ARG("frame-rate", O_RATE), CLI_ARG("frames", O_FRAMES),
      CLI_ARG("input-delay", O_IDELAY), CLI_ARG("output-delay", O_ODELAY),
      CLI_ARG("pipeline", O_PIPE), CLI_ARG("datapath-reset", O_DRST),
      CLI_ARG("jobs", O_JOBS), CLI_ARG("sync", O_SYNC), CLI_END};
  bsq_synth_cfg j;
  bsq_synth_cfg_default(&j);
  const char *out_md = NULL, *keep = NULL;
  int json = 0, c, rate_given = 0;
  long v;
  double dv;
  cli_parser p = CLI_PARSER("synth", argc, argv, "ho:", opts, usage);
  while ((c = cli_next(&p)) != -1) {
    switch (c) {
    case 'a': {
      const char *a = optarg;
      int all = !strcmp(a, "all") || !strcmp(a, "auto");
      if (!all && strcmp(a, "flash") && strcmp(a, "search") &&
          strcmp(a, "serial") && strcmp(a, "both")) {
        cli_error("synth", "--arch must be flash, search, serial, both, all "
                           "or auto, not '%s'", a);
        return BSQ_EXIT_USAGE;
      }
      j.want[BSQ_SYN_FLASH] = all || !strcmp(a, "flash") || !strcmp(a, "both");
      j.want[BSQ_SYN_SEARCH] = all || !strcmp(a, "search") || !strcmp(a, "both");
      j.want[BSQ_SYN_SERIAL] = all || !strcmp(a, "serial");
      j.pick = !strcmp(a, "auto");
      break;
    }
    case 't': {
      const char *t = optarg;
      int all = !strcmp(t, "all"), none = !strcmp(t, "none");
      if (!all && !none && strcmp(t, "generic") && strcmp(t, "ice40") &&
          strcmp(t, "cmos") && strcmp(t, "asic")) {
        cli_error("synth", "--target must be generic, ice40, cmos, asic, all "
                           "or none, not '%s'", t);
        return BSQ_EXIT_USAGE;
      }
      j.t_generic = all || !strcmp(t, "generic");
      j.t_ice40 = all || !strcmp(t, "ice40");
      j.t_cmos = all || !strcmp(t, "cmos");
      j.t_asic = all ? 2 : !strcmp(t, "asic");
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
    case O_JOBS:
      if (cli_parse_int(optarg, 1, 256, &v)) {
        cli_error("synth", "--jobs must be 1..256, not '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      j.jobs = (int)v;
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
    case O_LIB: j.asic.liberty = optarg; break;
    case O_CELLS: j.asic.cell_models = optarg; break;
    case O_CLOCK:
    case O_RATE:
    case O_IDELAY:
    case O_ODELAY:
      if (cli_parse_double(optarg, &dv) || !(dv > 0 || (dv == 0 && c >= O_IDELAY))) {
        cli_error("synth", "%s must be a %s number, not '%s'",
                  argv[optind - 1], c >= O_IDELAY ? "non-negative" : "positive",
                  optarg);
        return BSQ_EXIT_USAGE;
      }
      if (c == O_CLOCK) j.asic.clock_mhz = dv;
      else if (c == O_RATE) j.asic.frame_rate_hz = dv, rate_given = 1;
      else if (c == O_IDELAY) j.asic.in_delay_ns = dv;
      else j.asic.out_delay_ns = dv;
      break;
    case O_FRAMES:
      if (cli_parse_int(optarg, 16, 1000000, &v)) {
        cli_error("synth", "--frames must be 16..1000000, not '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      j.asic_frames = (int)v;
      break;
    case O_PIPE:
    case O_DRST:
    case O_SYNC: {
      bsq_diag od;
      if (bsq_gen_opts_set(&j.choices, opts[p.longindex].name, optarg, &od)) {
        cli_error("synth", "--%s", od.msg);
        return BSQ_EXIT_USAGE;
      }
      break;
    }
    }
  }
  if (p.exit >= 0) return p.exit;
  if (cli_one_arg(&p, "MODEL.json or DIR")) return BSQ_EXIT_USAGE;
  if (strlen(j.name) > BSQ_GEN_NAME_MAX - 7) {
    cli_error("synth", "--name '%s' is too long (at most %d characters)", j.name,
              BSQ_GEN_NAME_MAX - 7);
    return BSQ_EXIT_USAGE;
  }
  if (j.asic.liberty && !j.asic.cell_models && j.t_asic) {
    cli_error("synth", "--liberty needs --cell-models FILE.v: the gate-level "
                       "check simulates the library's cells");
    return BSQ_EXIT_USAGE;
  }
  if (j.prove && !(j.want[BSQ_SYN_FLASH] && j.want[BSQ_SYN_SEARCH])) {
    cli_error("synth", "--prove compares flash and search: it needs --arch "
                       "both, all or auto");
    return BSQ_EXIT_USAGE;
  }
  if (j.pick && !(j.t_generic || j.t_ice40 || j.t_cmos || j.t_asic)) {
    cli_error("synth", "--arch auto compares areas: it needs a --target");
    return BSQ_EXIT_USAGE;
  }
  if (j.pick && !rate_given) {
    cli_error("synth", "--arch auto needs --frame-rate HZ: the frames per "
                       "second the encoder must take");
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
  /* the packer RTL, for the whole encoders (generated ones only: a kept
   * directory has its own copy) */
  bsq_tool_paths paths;
  char packer_v[4200];
  if (!from_dir) {
    int prc = cli_tool_paths("synth", CLI_NEED_RTL, &paths);
    if (prc) return prc;
    snprintf(packer_v, sizeof packer_v, "%s/bsq_packer.v", paths.rtl_dir);
    j.packer_v = packer_v;
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
  if (r.pick_why[0]) fprintf(stderr, "bsq synth: %s\n", r.pick_why);
  if (j.pick && r.picked < 0 && rc == BSQ_OK) rc = BSQ_EMISMATCH;
done:
  if (work && !keep) bsq_rmtree(work);
  free(work);
  free(text);
  bsq_model_free(&m);
  return cli_exit_for(rc);
}
