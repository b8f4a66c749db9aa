/* bsq tune — random search with k-fold cross-validation per method and
 * bit width (flow/tune.h does the work; this file parses, calls and
 * prints). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "options.h"
#include "report.h"
#include "tune.h"

static void usage(FILE *f) {
  fprintf(f,
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
"  -q, --quiet\n");
}

int cmd_tune(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_DATA_OPTIONS,
      CLI_TUNE_OPTIONS,
      {"bits", required_argument, 0, 'b'},
      {"methods", required_argument, 0, 'm'},
      {"epochs", required_argument, 0, 'e'},
      {"seed", required_argument, 0, 's'},
      {"jobs", required_argument, 0, 'j'},
      {"output", required_argument, 0, 'o'},
      {"json", required_argument, 0, 'J'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *out_md = NULL, *out_json = NULL;
  long seed = 1, v;
  int bits[BSQ_MAX_BITS] = {2, 3, 4, 6}, nbits = 4, quiet = 0;
  int want[BSQ_METHOD_COUNT];
  char badname[64];
  cli_data_opts dopt;
  cli_data_opts_default(&dopt);
  bsq_tune_opts o;
  bsq_tune_opts_default(&o);
  bsq_train_cfg cfg;
  bsq_train_cfg_default(&cfg);
  bsq_method_parse_list("all", want, NULL, 0);
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
    const char *bad = NULL;
    if (cli_data_option(c, optarg, &dopt, &bad) ||
        cli_train_option(c, optarg, &cfg, &bad) ||
        cli_tune_option(c, optarg, &o, &bad))
      c = 0;
    switch (c) {
    case 0: break;
    case 'b':
      nbits = cli_parse_int_list(optarg, 1, BSQ_MAX_BITS, bits, BSQ_MAX_BITS);
      if (nbits < 1) bad = "--bits";
      break;
    case 'm':
      if (bsq_method_parse_list(optarg, want, badname, sizeof badname)) {
        cli_error("tune", "--methods: unknown method '%s'", badname);
        return BSQ_EXIT_USAGE;
      }
      break;
    case 's': if (cli_parse_int(optarg, 0, (1L << 53), &seed)) bad = "--seed"; break;
    case 'j':
      if (cli_parse_int(optarg, 1, 256, &v)) bad = "--jobs";
      else o.jobs = (int)v;
      break;
    case 'o': out_md = optarg; break;
    case 'J': out_json = optarg; break;
    case 'q': quiet = 1; break;
    case 'h': usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("tune", "unknown or incomplete option '%s'", argv[optind - 1]);
      usage(stderr);
      return BSQ_EXIT_USAGE;
    }
    if (bad) {
      cli_error("tune", "%s: invalid value '%s'", bad, optarg);
      return BSQ_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    cli_error("tune", "unexpected argument '%s'", argv[optind]);
    return BSQ_EXIT_USAGE;
  }
  if (!dopt.data) {
    cli_error("tune", "--data is required");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  bsq_dataset d;
  int rc = cli_load_data("tune", dopt.data, dopt.target, (int)dopt.rows,
                         (unsigned long long)dopt.data_seed, &d);
  if (rc) return cli_exit_for(rc);
  if (cli_check_folds("tune", NULL, d.rows, o.folds)) {
    bsq_dataset_free(&d);
    return cli_exit_for(BSQ_EINVAL);
  }
  o.log = !quiet && cli_isatty_stderr() ? cli_log_stderr : NULL;
  bsq_tuning t;
  bsq_diag diag = {{0}};
  rc = bsq_tune_run(&t, &d, &cfg, want, bits, nbits, (uint64_t)seed, &o,
                    &diag);
  if (rc) {
    cli_error("tune", "%s", diag.msg);
    bsq_dataset_free(&d);
    return cli_exit_for(rc);
  }
  char *md = bsq_tuning_to_markdown(&t);
  if (md) fputs(md, stdout);
  free(md);
  if (out_md) rc = bsq_tuning_save_markdown(&t, d.source, out_md, &diag);
  if (rc == BSQ_OK && out_json)
    rc = bsq_tuning_save_json(&t, d.source, out_json, &diag);
  if (rc) cli_error("tune", "%s", diag.msg);
  bsq_tuning_free(&t);
  bsq_dataset_free(&d);
  return cli_exit_for(rc);
}
