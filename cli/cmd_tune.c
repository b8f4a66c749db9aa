/* bsq tune — random search with k-fold cross-validation per method and
 * bit width (flow/tune.h does the work; this file parses, calls and
 * prints). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bsq_help.h"
#include "cli.h"
#include "options.h"
#include "report.h"
#include "tune.h"


int cmd_tune(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_DATA_OPTIONS, CLI_TUNE_OPTIONS, CLI_SWEEP_OPTIONS,
      CLI_ARG("epochs", 'e'), CLI_END};
  cli_parser p = CLI_PARSER_TEXT("tune", argc, argv, "o:qh", opts, BSQ_HELP_TUNE);
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
  cli_tune_finish(&so.tune);
  if (!so.data.data) return cli_usage_error(&p, "--data is required");
  bsq_dataset d;
  int rc = cli_load_data_opts("tune", &so.data, &d);
  if (rc) return cli_exit_for(rc);
  bsq_sensor sensor;
  if ((rc = cli_load_sensor_opts("tune", &so.data, &d, &sensor, &so.cfg))) {
    bsq_dataset_free(&d);
    return cli_exit_for(rc);
  }
  if (so.cfg.sensor && !so.quiet)
    cli_print_fitted(stderr, "bsq tune: formats fitted to the data (not in "
                     "the sensor spec): ", &sensor, &d);
  if (cli_check_folds("tune", NULL, d.rows, so.tune.folds)) {
    bsq_sensor_free(&sensor);
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
    bsq_sensor_free(&sensor);
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
  bsq_sensor_free(&sensor);
  bsq_dataset_free(&d);
  return cli_exit_for(rc);
}
