/* bsq alloc — bits per feature within a frame budget (flow/alloc.h does
 * the work; this file parses, calls and prints). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "args.h"
#include "bsq_help.h"
#include "cli.h"
#include "nn.h"
#include "options.h"

/* --frame-bits: an integer, else bad input (exit 2) with the reason; its
 * range needs the data (bsq_alloc_check). */
static int parse_budget(const char *s, long *v) {
  if (cli_parse_int(s, -(1L << 30), 1L << 30, v) == 0) return 0;
  cli_error("alloc", "--frame-bits '%s': not an integer", s);
  return -1;
}

int cmd_alloc(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_DATA_OPTIONS, CLI_TRAIN_OPTIONS,
      CLI_ARG("frame-bits", 'N'), CLI_ARG("max-bits", 'M'),
      CLI_ARG("folds", 'k'), CLI_ARG("search-rows", 'P'),
      CLI_ARG("search-epochs", 'E'), CLI_ARG("search-batch", 'b'),
      CLI_ARG("seeds", 'n'),
      CLI_ARG("seed", 's'), CLI_ARG("jobs", 'j'), CLI_ARG("output", 'o'),
      CLI_ARG("report", 'm'), CLI_ARG("json", 'J'), CLI_FLAG("quiet", 'q'),
      CLI_END};
  cli_parser p =
      CLI_PARSER_TEXT("alloc", argc, argv, "o:qh", opts, BSQ_HELP_ALLOC);
  cli_data_opts dopt;
  cli_data_opts_default(&dopt);
  bsq_train_cfg cfg;
  bsq_train_cfg_default(&cfg);
  bsq_alloc_opts ao;
  bsq_alloc_opts_default(&ao);
  const char *out = NULL, *report = NULL, *json = NULL, *budget = NULL;
  int quiet = 0, c;
  long budget_v = 0;
  while ((c = cli_next(&p)) != -1) {
    const char *bad = NULL;
    if (cli_data_option(c, optarg, &dopt, &bad) ||
        cli_train_option(c, optarg, &cfg, &bad) ||
        cli_alloc_option(c, optarg, &ao, &cfg, &bad))
      c = 0;
    switch (c) {
    case 'N': budget = optarg; break;
    case 'o': out = optarg; break;
    case 'm': report = optarg; break;
    case 'J': json = optarg; break;
    case 'q': quiet = 1; break;
    }
    if (bad)
      return cli_usage_fail("alloc", "%s: invalid value '%s'", bad, optarg);
  }
  if (p.exit >= 0) return p.exit;
  if (cli_no_args(&p)) return BSQ_EXIT_USAGE;
  if (!dopt.data || !out || !budget)
    return cli_usage_error(&p, "--data, --frame-bits and -o are required");
  if (parse_budget(budget, &budget_v)) return BSQ_EXIT_INPUT;
  bsq_dataset d;
  int rc = cli_load_data_opts("alloc", &dopt, &d);
  if (rc) return cli_exit_for(rc);
  bsq_diag diag = {{0}};
  if (bsq_alloc_check(d.F, (int)budget_v, ao.max_bits, "--frame-bits",
                      &diag)) {
    cli_error("alloc", "%s", diag.msg);
    bsq_dataset_free(&d);
    return BSQ_EXIT_INPUT;
  }
  if (cfg.ninput_widths && cfg.ninput_widths != d.F) {
    cli_error("alloc", "--input-width: %d values given for %d features",
              cfg.ninput_widths, d.F);
    bsq_dataset_free(&d);
    return BSQ_EXIT_USAGE;
  }
  if (cli_check_folds("alloc", NULL, d.rows, ao.folds)) {
    bsq_dataset_free(&d);
    return cli_exit_for(BSQ_EINVAL);
  }
  bsq_sensor sensor;
  if ((rc = cli_load_sensor_opts("alloc", &dopt, &d, &sensor, &cfg))) {
    bsq_dataset_free(&d);
    return cli_exit_for(rc);
  }
  /* the search tries every feature at up to --max-bits */
  if (cli_check_bit_widths("alloc", "--max-bits", &cfg, &d, &ao.max_bits, 1)) {
    bsq_sensor_free(&sensor);
    bsq_dataset_free(&d);
    return BSQ_EXIT_INPUT;
  }
  ao.frame_bits = (int)budget_v;
  ao.log = !quiet && cli_isatty_stderr() ? cli_log_stderr : NULL;
  bsq_allocation a;
  bsq_model m;
  rc = bsq_alloc_run(&a, &m, &d, &cfg, &ao, &diag);
  m.cfg.sensor = NULL; /* freed below; the model carries the formats */
  bsq_sensor_free(&sensor);
  if (rc) {
    cli_error("alloc", "%s", diag.msg);
    bsq_dataset_free(&d);
    return cli_exit_for(rc);
  }
  cli_warn_flat_features("alloc", &m);
  rc = bsq_model_save(&m, out, &diag);
  if (rc == BSQ_OK) rc = bsq_allocation_save(&a, d.source, report, json, &diag);
  if (rc) cli_error("alloc", "%s", diag.msg);
  if (rc == BSQ_OK) {
    char *md = bsq_allocation_to_markdown(&a, d.source);
    if (md) fputs(md, stdout);
    free(md);
    printf("\nmodel %s: %d bits per frame, test MSE %.6f (hardware-true)\n",
           out, m.enc.B, m.mse_test_hw);
  }
  bsq_model_free(&m);
  bsq_allocation_free(&a);
  bsq_dataset_free(&d);
  return cli_exit_for(rc);
}
