/* bsq compare — every method at every bit width over several seeds, as the
 * paper's comparison (Schrödter et al., CPAL 2026, Table 2 and Figure 4):
 * a Markdown table, a JSON report and an SVG plot. The work is the
 * library's (flow/compare.h); this file parses, calls and prints. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
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
"  --sensor SPEC.json  the ADC format of each feature it names (see bsq\n"
"                      train --help); the others keep the fitted format\n"
"  --input-width W|LIST  code width of the fitted formats: one value or one\n"
"                      per feature (default 16)\n"
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
      CLI_DATA_OPTIONS, CLI_TRAIN_OPTIONS, CLI_TUNE_OPTIONS, CLI_SWEEP_OPTIONS,
      CLI_ARG("seeds", 'n'), CLI_FLAG("tune", 'U'), CLI_ARG("plot", 'P'),
      CLI_ARG("from", 'F'), CLI_END};
  cli_parser p = CLI_PARSER("compare", argc, argv, "o:qh", opts, usage);
  const char *out_plot = NULL, *from = NULL;
  long nseeds = 5;
  int tune = 0, c;
  cli_sweep_opts so;
  cli_sweep_opts_default(&so);
  while ((c = cli_next(&p)) != -1) {
    const char *bad = NULL;
    char list[160];
    if (cli_sweep_option(c, optarg, &so, &bad)) c = 0;
    switch (c) {
    case 'n':
      if (cli_parse_int(optarg, 1, 1000, &nseeds)) bad = "--seeds";
      break;
    case 'U': tune = 1; break;
    case 'P': out_plot = optarg; break;
    case 'F': from = optarg; break;
    }
    if (bad && !strcmp(bad, "--methods"))
      return cli_usage_fail("compare", "--methods: unknown method '%s' (all, "
                            "or a list of %s)", so.badname,
                            bsq_method_list(list, sizeof list, ", ", 1));
    if (bad)
      return cli_usage_fail("compare", "%s: invalid value '%s'", bad, optarg);
  }
  if (p.exit >= 0) return p.exit;
  if (cli_no_args(&p)) return BSQ_EXIT_USAGE;
  if (from) { /* re-render an earlier report, no training */
    if (so.data.data)
      return cli_usage_fail("compare", "--from and --data exclude each other");
    bsq_report R;
    bsq_diag diag = {{0}};
    int rc = bsq_report_load_json(&R, from, &diag);
    if (rc) cli_error("compare", "%s", diag.msg);
    else rc = write_outputs(&R, so.out_md, so.out_json, out_plot);
    bsq_report_free(&R);
    return cli_exit_for(rc);
  }
  if (!so.data.data) return cli_usage_error(&p, "--data is required");
  for (int i = 0; i < so.nbits; i++)
    for (int j = 0; j < i; j++)
      if (so.bits[i] == so.bits[j])
        return cli_usage_fail("compare", "--bits: %d is listed twice",
                              so.bits[i]);

  bsq_dataset d;
  int rc = cli_load_data_opts("compare", &so.data, &d);
  if (rc) return cli_exit_for(rc);
  if (so.cfg.ninput_widths && so.cfg.ninput_widths != d.F) {
    cli_error("compare", "--input-width: %d values given for %d features",
              so.cfg.ninput_widths, d.F);
    bsq_dataset_free(&d);
    return BSQ_EXIT_USAGE;
  }
  bsq_sensor sensor;
  if ((rc = cli_load_sensor_opts("compare", &so.data, &d, &sensor, &so.cfg))) {
    bsq_dataset_free(&d);
    return cli_exit_for(rc);
  }
  if (so.cfg.sensor && !so.quiet)
    cli_print_fitted(stderr, "bsq compare: formats fitted to the data (not in "
                     "the sensor spec): ", &sensor, &d);
  int progress = !so.quiet && cli_isatty_stderr();
  bsq_compare_opts co = {so.want, so.bits, so.nbits, (int)nseeds,
                         (uint64_t)so.seed, &so.cfg, NULL, (int)so.jobs,
                         bsq_now(), progress ? cli_log_stderr : NULL, NULL};
  bsq_tuning tuned = {0};
  bsq_report R;
  bsq_report_init(&R);
  bsq_diag diag = {{0}};
  if (tune) {
    so.tune.jobs = (int)so.jobs;
    so.tune.log = co.log;
    if (cli_check_folds("compare", "--tune: ", d.rows, so.tune.folds)) {
      rc = BSQ_EINVAL;
      goto done;
    }
    if ((rc = bsq_tune_run(&tuned, &d, &so.cfg, so.want, so.bits, so.nbits,
                           (uint64_t)so.seed, &so.tune, &diag))) {
      cli_error("compare", "--tune: %s", diag.msg);
      goto done;
    }
    co.tuned = &tuned;
  }
  if (progress)
    fprintf(stderr, "bsq compare: %d trainings on %ld threads\n",
            bsq_compare_trainings(&co, d.F), so.jobs);
  if ((rc = bsq_compare_run(&R, &d, &co, &diag))) {
    cli_error("compare", "%s", diag.msg);
    goto done;
  }
  char *table = bsq_report_to_text(&R);
  if (table) fputs(table, stdout);
  free(table);
  rc = write_outputs(&R, so.out_md, so.out_json, out_plot);
done:
  bsq_report_free(&R);
  bsq_tuning_free(&tuned);
  bsq_sensor_free(&sensor);
  bsq_dataset_free(&d);
  return cli_exit_for(rc);
}
