/* bsq compare — every method at every bit width over several seeds, as the
 * paper's comparison (Schrödter et al., CPAL 2026, Table 2 and Figure 4):
 * a Markdown table, a JSON report and an SVG plot. The work is the
 * library's (flow/compare.h); this file parses, calls and prints. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "options.h"
#include "plot.h"
#include "pool.h"
#include "report.h"
#include "tune.h"
#include "util.h"

static void usage(FILE *f) {
  char list[160];
  fprintf(f,
"usage: bsq compare --data friedman1|FILE.csv [--target NAME]\n"
"                   [--bits 2,3,4,6] [--methods all|LIST] [--seeds N]\n"
"                   [--hidden SPEC] [--epochs N] [-o REPORT.md]\n"
"                   [--json REPORT.json] [--plot PLOT.svg] [options]\n"
"\n"
"Trains every method at every bit width over N seeds (each seed its own\n"
"split, initialization and batch order) and reports the hardware-true test\n"
"MSE (standardized target) as mean and 95%% t-interval, bits per frame,\n"
"compression against float32 and training time; the best method of each\n"
"bit width is marked. FP (full precision) is trained once per seed and\n"
"shown as a reference band; Po-MQ/Po-QQ quantize that FP network.\n"
"\n"
"  --data SRC          friedman1 (built in) or a CSV file with a header row\n"
"  --target NAME       target column (default: the last one)\n"
"  --rows N            friedman1 rows (default %d)\n"
"  --data-seed N       friedman1 generator seed (default 0)\n"
"  --bits LIST         bits per feature to compare (default 2,3,4,6)\n"
"  --methods all|LIST  %s\n"
"                      (default all)\n"
"  --seeds N           repetitions, seeds S..S+N-1 (default 5)\n"
"  --seed S            first seed (default 1)\n"
"  --hidden SPEC       hidden layers: 5x32 or 64,32,16 (default 5x32)\n"
"  --epochs N          (default 100)\n"
"  --batch N           (default 512)\n"
"  --lr X              Adam learning rate (default 1e-3)\n"
"  --tau-decay X       (default 1e-3)\n"
"  --dropout X         (default 0)\n"
"  --input-width W     input code width (default 16)\n"
"  --jobs N            parallel trainings (default: the cores, %d here)\n"
"  --tune              tune each method first (bsq tune; see its --help for\n"
"                      --trials, --time-budget, --folds) and compare the\n"
"                      chosen settings\n"
"  --trials N, --time-budget S, --folds K   passed to the tuner\n"
"  -o, --output FILE   Markdown report\n"
"  --json FILE         JSON report (rows: method, bits, mse_mean, mse_ci95,\n"
"                      seeds, bits_per_frame, train_seconds, ...)\n"
"  --plot FILE         SVG plot (gnuplot): MSE against bits per feature,\n"
"                      one line per method, FP as a band\n"
"  --from REPORT.json  no training: re-render -o/--plot/--json from the JSON\n"
"                      report of an earlier run\n"
"  -q, --quiet         no progress even on a terminal\n",
          BSQ_FRIEDMAN1_ROWS, bsq_method_list(list, sizeof list, ",", 1),
          bsq_pool_default_threads());
}

/* -o, --json and --plot of a report, in that order; stops at the first
 * failure, having printed it. */
static int write_outputs(const bsq_report *R, const char *md,
                         const char *json, const char *plot) {
  bsq_diag diag = {{0}};
  int rc = BSQ_OK;
  if (md) rc = bsq_report_save_markdown(R, md, &diag);
  if (rc == BSQ_OK && json) rc = bsq_report_save_json(R, json, &diag);
  if (rc == BSQ_OK && plot) rc = bsq_plot_write(R, plot, NULL, &diag);
  if (rc) cli_error("compare", "%s", diag.msg);
  return rc;
}

int cmd_compare(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_DATA_OPTIONS,
      CLI_TRAIN_OPTIONS,
      CLI_TUNE_OPTIONS,
      {"bits", required_argument, 0, 'b'},
      {"methods", required_argument, 0, 'm'},
      {"seeds", required_argument, 0, 'n'},
      {"seed", required_argument, 0, 's'},
      {"jobs", required_argument, 0, 'j'},
      {"tune", no_argument, 0, 'U'},
      {"output", required_argument, 0, 'o'},
      {"json", required_argument, 0, 'J'},
      {"plot", required_argument, 0, 'P'},
      {"from", required_argument, 0, 'F'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *out_md = NULL, *out_json = NULL, *out_plot = NULL, *from = NULL;
  long nseeds = 5, seed0 = 1, jobs = bsq_pool_default_threads();
  int bits[BSQ_MAX_BITS] = {2, 3, 4, 6}, nbits = 4, quiet = 0, tune = 0;
  int want[BSQ_METHOD_COUNT];
  cli_data_opts dopt;
  cli_data_opts_default(&dopt);
  bsq_tune_opts topt;
  bsq_tune_opts_default(&topt);
  bsq_train_cfg cfg;
  bsq_train_cfg_default(&cfg);
  bsq_method_parse_list("all", want, NULL, 0);
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
    const char *bad = NULL;
    char badname[64], list[160];
    if (cli_data_option(c, optarg, &dopt, &bad) ||
        cli_train_option(c, optarg, &cfg, &bad) ||
        cli_tune_option(c, optarg, &topt, &bad))
      c = 0;
    switch (c) {
    case 0: break;
    case 'b':
      nbits = cli_parse_int_list(optarg, 1, BSQ_MAX_BITS, bits, BSQ_MAX_BITS);
      if (nbits < 1) bad = "--bits";
      break;
    case 'm':
      if (bsq_method_parse_list(optarg, want, badname, sizeof badname)) {
        cli_error("compare", "--methods: unknown method '%s' (all, or a "
                  "list of %s)", badname,
                  bsq_method_list(list, sizeof list, ", ", 1));
        return BSQ_EXIT_USAGE;
      }
      break;
    case 'n': if (cli_parse_int(optarg, 1, 1000, &nseeds)) bad = "--seeds"; break;
    case 's': if (cli_parse_int(optarg, 0, (1L << 53), &seed0)) bad = "--seed"; break;
    case 'j': if (cli_parse_int(optarg, 1, 256, &jobs)) bad = "--jobs"; break;
    case 'U': tune = 1; break;
    case 'o': out_md = optarg; break;
    case 'J': out_json = optarg; break;
    case 'P': out_plot = optarg; break;
    case 'F': from = optarg; break;
    case 'q': quiet = 1; break;
    case 'h': usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("compare", "unknown or incomplete option '%s'",
                argv[optind - 1]);
      usage(stderr);
      return BSQ_EXIT_USAGE;
    }
    if (bad) {
      cli_error("compare", "%s: invalid value '%s'", bad, optarg);
      return BSQ_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    cli_error("compare", "unexpected argument '%s'", argv[optind]);
    return BSQ_EXIT_USAGE;
  }
  if (from) { /* re-render an earlier report, no training */
    if (dopt.data) {
      cli_error("compare", "--from and --data exclude each other");
      return BSQ_EXIT_USAGE;
    }
    bsq_report R;
    bsq_diag diag = {{0}};
    int rc = bsq_report_load_json(&R, from, &diag);
    if (rc) cli_error("compare", "%s", diag.msg);
    else rc = write_outputs(&R, out_md, out_json, out_plot);
    bsq_report_free(&R);
    return cli_exit_for(rc);
  }
  if (!dopt.data) {
    cli_error("compare", "--data is required");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  for (int i = 0; i < nbits; i++)
    for (int j = 0; j < i; j++)
      if (bits[i] == bits[j]) {
        cli_error("compare", "--bits: %d is listed twice", bits[i]);
        return BSQ_EXIT_USAGE;
      }

  bsq_dataset d;
  int rc = cli_load_data("compare", dopt.data, dopt.target, (int)dopt.rows,
                         (unsigned long long)dopt.data_seed, &d);
  if (rc) return cli_exit_for(rc);
  int progress = !quiet && cli_isatty_stderr();
  bsq_compare_opts co = {want, bits, nbits, (int)nseeds, (uint64_t)seed0,
                         &cfg, NULL, (int)jobs, bsq_now(),
                         progress ? cli_log_stderr : NULL, NULL};
  bsq_tuning tuned = {0};
  bsq_report R;
  bsq_report_init(&R);
  bsq_diag diag = {{0}};
  if (tune) {
    topt.jobs = (int)jobs;
    topt.log = co.log;
    if (cli_check_folds("compare", "--tune: ", d.rows, topt.folds)) {
      rc = BSQ_EINVAL;
      goto done;
    }
    if ((rc = bsq_tune_run(&tuned, &d, &cfg, want, bits, nbits,
                           (uint64_t)seed0, &topt, &diag))) {
      cli_error("compare", "--tune: %s", diag.msg);
      goto done;
    }
    co.tuned = &tuned;
  }
  if (progress)
    fprintf(stderr, "bsq compare: %d trainings on %ld threads\n",
            bsq_compare_trainings(&co, d.F), jobs);
  if ((rc = bsq_compare_run(&R, &d, &co, &diag))) {
    cli_error("compare", "%s", diag.msg);
    goto done;
  }
  char *table = bsq_report_to_text(&R);
  if (table) fputs(table, stdout);
  free(table);
  rc = write_outputs(&R, out_md, out_json, out_plot);
done:
  bsq_report_free(&R);
  bsq_tuning_free(&tuned);
  bsq_dataset_free(&d);
  return cli_exit_for(rc);
}
