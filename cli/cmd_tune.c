/* bsq tune — random search with k-fold cross-validation per method and
 * bit width (flow/tune.h does the work; this file parses, calls and
 * prints). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "options.h"
#include "report.h"
#include "tune.h"

static const char USAGE[] =
"usage: bsq tune --data friedman1|FILE.csv [--target NAME] [--bits 2,3,4,6]\n"
"                [--methods all|LIST] [--trials N] [--time-budget S]\n"
"                [--folds K] [-o REPORT.md] [--json REPORT.json]\n"
"\n"
"Random search per method and bit width over learning rate {3e-3, 1e-3,\n"
"3e-4, 1e-4}, depth 1..5, width {16, 32, 64, 128}, epochs {E/2, E, 2E},\n"
"tau decay {1e-3, 1e-4} and dropout {0, 0.1, 0.2}, scored by the k-fold\n"
"cross-validated hardware-true MSE on the development rows (the test rows\n"
"of the seed's split are not used). Po-MQ/Po-QQ use FP's setting.\n"
"Trainings run in parallel; those not started within the time budget are\n"
"skipped (a trial counts only when all its folds ran).\n"
"\n"
"  --data, --target, --rows, --data-seed   as in bsq train\n"
"  --bits LIST         (default 2,3,4,6)\n"
"  --methods all|LIST  (default all)\n"
"  --trials N          settings per method and width (default 12)\n"
"  --time-budget S     seconds (default 1800)\n"
"  --folds K           (default 3)\n"
"  --epochs E          centre of the epoch range (default 100)\n"
"  --seed S            split seed (default 1)\n"
"  --jobs N            parallel trainings (default: the cores)\n"
"  -o FILE, --json FILE  reports (Markdown, JSON with a \"tuning\" object)\n"
"  -q, --quiet\n";

int cmd_tune(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_DATA_OPTIONS, CLI_TUNE_OPTIONS, CLI_SWEEP_OPTIONS,
      CLI_ARG("epochs", 'e'), CLI_END};
  cli_parser p = CLI_PARSER_TEXT("tune", argc, argv, "o:qh", opts, USAGE);
  cli_sweep_opts so;
  cli_sweep_opts_default(&so);
  int c;
  while ((c = cli_next(&p)) != -1) {
    const char *bad = NULL;
    cli_sweep_option(c, optarg, &so, &bad);
    if (bad && !strcmp(bad, "--methods"))
      return cli_usage_fail("tune", "--methods: unknown method '%s'",
                            so.badname);
    if (bad)
      return cli_usage_fail("tune", "%s: invalid value '%s'", bad, optarg);
  }
  if (p.exit >= 0) return p.exit;
  if (cli_no_args(&p)) return BSQ_EXIT_USAGE;
  if (!so.data.data) return cli_usage_error(&p, "--data is required");
  bsq_dataset d;
  int rc = cli_load_data_opts("tune", &so.data, &d);
  if (rc) return cli_exit_for(rc);
  if (cli_check_folds("tune", NULL, d.rows, so.tune.folds)) {
    bsq_dataset_free(&d);
    return cli_exit_for(BSQ_EINVAL);
  }
  so.tune.jobs = (int)so.jobs;
  so.tune.log = !so.quiet && cli_isatty_stderr() ? cli_log_stderr : NULL;
  bsq_tuning t;
  bsq_diag diag = {{0}};
  rc = bsq_tune_run(&t, &d, &so.cfg, so.want, so.bits, so.nbits,
                    (uint64_t)so.seed, &so.tune, &diag);
  if (rc) {
    cli_error("tune", "%s", diag.msg);
    bsq_dataset_free(&d);
    return cli_exit_for(rc);
  }
  char *md = bsq_tuning_to_markdown(&t);
  if (md) fputs(md, stdout);
  free(md);
  if (so.out_md) rc = bsq_tuning_save_markdown(&t, d.source, so.out_md, &diag);
  if (rc == BSQ_OK && so.out_json)
    rc = bsq_tuning_save_json(&t, d.source, so.out_json, &diag);
  if (rc) cli_error("tune", "%s", diag.msg);
  bsq_tuning_free(&t);
  bsq_dataset_free(&d);
  return cli_exit_for(rc);
}
