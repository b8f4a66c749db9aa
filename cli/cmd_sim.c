/* bsq sim — bit-exact co-simulation of the generated encoder against the C
 * model: Verilator (sim/harness.cpp) and/or Icarus (sim/bsq_tb.v). Parses,
 * runs bsq_sim_run (see verify/sim.h), prints the result. */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gen.h"
#include "model.h"
#include "sim.h"
#include "tools.h"

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq sim MODEL.json [--arch flash|search] [--word-bits K]\n"
"               [--mode continuous|aligned] [--name NAME] [--rtl DIR]\n"
"               [--frames N] [--backpressure P] [--seed S] [--trace FILE]\n"
"               [--simulator verilator|icarus|both] [--json] [--keep DIR]\n"
"\n"
"Generates the encoder (or takes it from --rtl DIR), verilates it with the\n"
"harness in sim/ and checks every output word and tlast against the C\n"
"model's packer on exactly the frames the design accepted. Stimulus: every\n"
"code of every feature (W <= 16; otherwise lo, hi and T-1, T, T+1 of each\n"
"threshold), N random frames, up to N frames of the model's own data set,\n"
"random stalls of s_axis_tvalid and m_axis_tready with probability P, and a\n"
"reset in the middle of the stream. Exit 0 only if no word differed and\n"
"every frame is accounted for; 3 otherwise.\n"
"\n"
"  --arch, --word-bits, --mode, --name   as for `bsq gen` (defaults flash,\n"
"                       32, aligned, bsq)\n"
"  --rtl DIR            simulate the design in DIR (written by `bsq gen`,\n"
"                       possibly edited) instead of generating one\n"
"  --frames N           random frames, and at most N data set frames\n"
"                       (default 10000)\n"
"  --no-sweep           leave out the per-feature code sweep\n"
"  --no-reset           no reset in the middle of the stream\n"
"  --backpressure P     probability in [0, 1) that a valid or ready drops in\n"
"                       a cycle (default 0)\n"
"  --seed S             stimulus and stall seed (default 1)\n"
"  --trace FILE         waveform (FILE.fst: FST, otherwise VCD)\n"
"  --simulator S        verilator (default), icarus, or both on the same\n"
"                       vectors (reports the speed ratio)\n"
"  --drop-word N        fault injection for testing the checker: output\n"
"                       word N never reaches the comparison\n"
"  --json               one JSON object on stdout\n"
"  --keep DIR           build and run in DIR and keep it (default: a\n"
"                       temporary directory, removed)\n");
}

static void print_json_result(const char *key, const bsq_sim_result *r) {
  printf("\"%s\": {\"frames\": %" PRIu64 ", \"words\": %" PRIu64
         ", \"mismatches\": %" PRIu64 ", \"accepted\": %" PRIu64
         ", \"total\": %" PRIu64 ", \"discarded_by_reset\": %" PRIu64
         ", \"in_partial_word\": %" PRIu64 ", \"cycles\": %" PRIu64
         ", \"seconds\": %.6f, \"frames_per_s\": %.1f, \"pass\": %s}",
         key, r->frames, r->words, r->mismatches, r->accepted, r->total,
         r->discarded, r->partial, r->cycles, r->seconds, bsq_sim_fps(r),
         r->ok ? "true" : "false");
}

static void print_human_result(const char *sim, const bsq_sim_result *r) {
  printf("%s:\n", sim);
  printf("  frames checked  %" PRIu64 " of %" PRIu64, r->frames, r->total);
  if (r->discarded || r->partial)
    printf(" (+%" PRIu64 " discarded by the reset, %" PRIu64
           " in the final partial word)",
           r->discarded, r->partial);
  printf("\n  words checked   %" PRIu64 "\n", r->words);
  printf("  mismatches      %" PRIu64 "\n", r->mismatches);
  printf("  frames/s        %.0f (%" PRIu64 " cycles in %.3f s)\n", bsq_sim_fps(r),
         r->cycles, r->seconds);
  printf("  result          %s\n", r->ok ? "PASS" : "FAIL");
}

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
  enum { O_NOSWEEP = 256, O_NORESET, O_DROP, O_SIM, O_RTL, O_KEEP, O_TRACE };
  static const struct option opts[] = {
      {"arch", required_argument, 0, 'a'},
      {"word-bits", required_argument, 0, 'k'},
      {"mode", required_argument, 0, 'm'},
      {"name", required_argument, 0, 'n'},
      {"frames", required_argument, 0, 'f'},
      {"backpressure", required_argument, 0, 'p'},
      {"seed", required_argument, 0, 's'},
      {"trace", required_argument, 0, O_TRACE},
      {"json", no_argument, 0, 'j'},
      {"keep", required_argument, 0, O_KEEP},
      {"rtl", required_argument, 0, O_RTL},
      {"simulator", required_argument, 0, O_SIM},
      {"no-sweep", no_argument, 0, O_NOSWEEP},
      {"no-reset", no_argument, 0, O_NORESET},
      {"drop-word", required_argument, 0, O_DROP},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bsq_sim_cfg sc;
  bsq_sim_cfg_default(&sc);
  const char *keep = NULL;
  sim_ui ui = {0};
  int c, optidx = 0, design_opts = 0;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, &optidx)) != -1) {
    long v;
    switch (c) {
    case 'a': case 'k': case 'm': case 'n': {
      bsq_diag od;
      if (bsq_gen_opts_set(&sc.opt, opts[optidx].name, optarg, &od)) {
        cli_error("sim", "%s", od.msg);
        return BSQ_EXIT_USAGE;
      }
      design_opts = 1;
      break;
    }
    case 'f':
      if (cli_parse_int(optarg, 0, 100000000, &v)) {
        cli_error("sim", "--frames must be 0..100000000, not '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      sc.frames = (uint64_t)v;
      break;
    case 'p':
      if (cli_parse_double(optarg, &sc.backpressure) ||
          sc.backpressure < 0.0 || sc.backpressure >= 1.0) {
        cli_error("sim", "--backpressure must be in [0, 1), not '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      break;
    case 's':
      if (cli_parse_int(optarg, 0, 0x7fffffffL, &v)) {
        cli_error("sim", "--seed must be 0..2147483647, not '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      sc.seed = (uint64_t)v;
      break;
    case O_DROP:
      if (cli_parse_int(optarg, 0, 0x7fffffffL, &v)) {
        cli_error("sim", "--drop-word must be a word index, not '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      sc.drop_word = (uint64_t)v;
      break;
    case O_TRACE: sc.trace = optarg; break;
    case 'j': ui.json = 1; break;
    case O_KEEP: keep = optarg; break;
    case O_RTL: sc.rtl_dir = optarg; break;
    case O_NOSWEEP: sc.sweep = 0; break;
    case O_NORESET: sc.reset = 0; break;
    case O_SIM:
      if (!strcmp(optarg, "verilator")) sc.verilator = 1, sc.icarus = 0;
      else if (!strcmp(optarg, "icarus")) sc.verilator = 0, sc.icarus = 1;
      else if (!strcmp(optarg, "both")) sc.verilator = 1, sc.icarus = 1;
      else {
        cli_error("sim", "--simulator must be verilator, icarus or both");
        return BSQ_EXIT_USAGE;
      }
      break;
    case 'h': usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("sim", "unknown or incomplete option '%s'", argv[optind - 1]);
      usage(stderr);
      return BSQ_EXIT_USAGE;
    }
  }
  if (optind != argc - 1) {
    cli_error("sim", optind == argc ? "missing MODEL.json" : "too many arguments");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  bsq_model m;
  bsq_diag diag = {{0}};
  int rc = bsq_model_load(&m, argv[optind], &diag);
  if (rc) {
    cli_error("sim", "%s", diag.msg[0] ? diag.msg : bsq_strerror(rc));
    return cli_exit_for(rc);
  }
  if (sc.rtl_dir && design_opts)
    fprintf(stderr, "bsq sim: --rtl given: arch, word bits, mode and name "
                    "come from %s\n", sc.rtl_dir);
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
  sc.paths = &paths;
  sc.work = work;
  sc.model_path = argv[optind];
  sc.log = on_log;
  sc.log_user = &ui;
  rc = bsq_sim_run(&sc, &m, &r, &diag);
  if (rc && rc != BSQ_EMISMATCH) {
    cli_error("sim", "%s", diag.msg);
    if (r.tail_log[0]) cli_print_tail(r.tail_log, 30);
    goto done;
  }
  const bsq_sim_result *rv = &r.verilator, *ri = &r.icarus;
  const bsq_sim_result *main_r = sc.verilator ? rv : ri;
  const bsq_gen_opts *o = &r.opt;
  double ratio = sc.verilator && sc.icarus && bsq_sim_fps(ri) > 0
                     ? bsq_sim_fps(rv) / bsq_sim_fps(ri)
                     : 0.0;
  if (ui.json) {
    printf("{\"design\": \"%s_encoder\", \"arch\": \"%s\", \"word_bits\": %d, "
           "\"mode\": \"%s\", \"model\": \"%s\", \"simulator\": \"%s\", "
           "\"stimulus\": {\"sweep\": %" PRIu64 ", \"random\": %" PRIu64
           ", \"data\": %" PRIu64 ", \"backpressure\": %g, \"seed\": %" PRIu64
           "}, \"frames\": %" PRIu64 ", \"words\": %" PRIu64
           ", \"mismatches\": %" PRIu64 ", \"frames_per_s\": %.1f, ",
           o->name, bsq_arch_name(o->arch), o->word_bits, bsq_mode_name(o->mode),
           r.model_hash, sc.verilator && sc.icarus ? "both" : sc.verilator ? "verilator" : "icarus",
           r.n_sweep, r.n_random, r.n_data, sc.backpressure, sc.seed, main_r->frames,
           main_r->words, main_r->mismatches, bsq_sim_fps(main_r));
    if (sc.verilator) {
      print_json_result("verilator", rv);
      printf(", ");
    }
    if (sc.icarus) {
      print_json_result("icarus", ri);
      printf(", ");
    }
    if (ratio > 0) printf("\"speed_ratio\": %.1f, ", ratio);
    printf("\"pass\": %s}\n", rc == BSQ_OK ? "true" : "false");
  } else {
    printf("bsq sim: %s_encoder (%s, %d features, %d-bit frames, %d-bit words, "
           "%s), model %s\n",
           o->name, bsq_arch_name(o->arch), r.F, r.B, o->word_bits,
           bsq_mode_name(o->mode), r.model_hash);
    printf("stimulus: %" PRIu64 " sweep + %" PRIu64 " random + %" PRIu64
           " data set frames; backpressure %g, seed %" PRIu64 "%s\n",
           r.n_sweep, r.n_random, r.n_data, sc.backpressure, sc.seed,
           sc.reset ? ", reset mid-stream" : "");
    if (sc.verilator) print_human_result("verilator", rv);
    if (sc.icarus) print_human_result("icarus", ri);
    if (ratio > 0) printf("speed ratio verilator/icarus: %.1fx\n", ratio);
  }
done:
  if (work && !keep) bsq_rmtree(work);
  free(work);
  bsq_model_free(&m);
  return cli_exit_for(rc);
}
