/* bsq pareto — test MSE against frame bits, allocated and uniform side by
 * side (flow/alloc.h), with the encoder's cost from bsq synth
 * (verify/synth.h) when asked; this file parses, calls and prints. */
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
#include "util.h"
#include "cost.h"

/* --frame-bits LIST: integers, else bad input (exit 2) with the reason;
 * their range needs the data (bsq_alloc_check). */
static int parse_budgets(const char *s, int *out, int *n) {
  *n = 0;
  const char *p = s;
  while (*p) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    char item[32];
    long v;
    if (len == 0 || len >= sizeof item) goto bad;
    memcpy(item, p, len);
    item[len] = '\0';
    if (cli_parse_int(item, -(1L << 30), 1L << 30, &v)) {
      cli_error("pareto", "--frame-bits '%s': not an integer", item);
      return -1;
    }
    if (*n == BSQ_PARETO_MAX) {
      cli_error("pareto", "--frame-bits: more than %d budgets",
                BSQ_PARETO_MAX);
      return -1;
    }
    out[(*n)++] = (int)v;
    p = e ? e + 1 : p + len;
    if (e && !*p) goto bad;
  }
  if (*n > 0) return 0;
bad:
  cli_error("pareto", "--frame-bits '%s': not a comma list of integers", s);
  return -1;
}

int cmd_pareto(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_DATA_OPTIONS, CLI_TRAIN_OPTIONS,
      CLI_ARG("frame-bits", 'N'), CLI_ARG("max-bits", 'M'),
      CLI_ARG("folds", 'k'), CLI_ARG("search-rows", 'P'),
      CLI_ARG("search-epochs", 'E'), CLI_ARG("search-batch", 'b'),
      CLI_ARG("seeds", 'n'), CLI_ARG("seed", 's'), CLI_ARG("jobs", 'j'),
      CLI_ARG("cost", 'c'), CLI_ARG("output", 'o'), CLI_ARG("json", 'J'),
      CLI_ARG("plot", 'p'), CLI_FLAG("quiet", 'q'), CLI_END};
  cli_parser p =
      CLI_PARSER_TEXT("pareto", argc, argv, "o:qh", opts, BSQ_HELP_PARETO);
  cli_data_opts dopt;
  cli_data_opts_default(&dopt);
  bsq_train_cfg cfg;
  bsq_train_cfg_default(&cfg);
  bsq_alloc_opts ao;
  bsq_alloc_opts_default(&ao);
  ao.seeds = 3;
  const char *out = NULL, *json = NULL, *plot = NULL, *budget = NULL;
  int quiet = 0, c, cost = 0; /* 0 none, 1 ice40, 2 asic */
  while ((c = cli_next(&p)) != -1) {
    const char *bad = NULL;
    if (cli_data_option(c, optarg, &dopt, &bad) ||
        cli_train_option(c, optarg, &cfg, &bad) ||
        cli_alloc_option(c, optarg, &ao, &cfg, &bad))
      c = 0;
    switch (c) {
    case 'N': budget = optarg; break;
    case 'c':
      if (!strcmp(optarg, "none")) cost = 0;
      else if (!strcmp(optarg, "ice40")) cost = 1;
      else if (!strcmp(optarg, "asic")) cost = 2;
      else bad = "--cost";
      break;
    case 'o': out = optarg; break;
    case 'J': json = optarg; break;
    case 'p': plot = optarg; break;
    case 'q': quiet = 1; break;
    }
    if (bad)
      return cli_usage_fail("pareto", "%s: invalid value '%s'", bad, optarg);
  }
  if (p.exit >= 0) return p.exit;
  if (cli_no_args(&p)) return BSQ_EXIT_USAGE;
  if (!dopt.data || !budget)
    return cli_usage_error(&p, "--data and --frame-bits are required");
  int budgets[BSQ_PARETO_MAX], nb;
  if (parse_budgets(budget, budgets, &nb)) return BSQ_EXIT_INPUT;
  bsq_dataset d;
  int rc = cli_load_data_opts("pareto", &dopt, &d);
  if (rc) return cli_exit_for(rc);
  bsq_diag diag = {{0}};
  for (int i = 0; i < nb; i++)
    if (bsq_alloc_check(d.F, budgets[i], ao.max_bits, "--frame-bits",
                        &diag)) {
      cli_error("pareto", "%s", diag.msg);
      bsq_dataset_free(&d);
      return BSQ_EXIT_INPUT;
    }
  if (cli_check_folds("pareto", NULL, d.rows, ao.folds)) {
    bsq_dataset_free(&d);
    return cli_exit_for(BSQ_EINVAL);
  }
  bsq_sensor sensor;
  if ((rc = cli_load_sensor_opts("pareto", &dopt, &d, &sensor, &cfg))) {
    bsq_dataset_free(&d);
    return cli_exit_for(rc);
  }
  /* the search tries every feature at up to --max-bits */
  if (cli_check_bit_widths("pareto", "--max-bits", &cfg, &d, &ao.max_bits,
                           1)) {
    bsq_sensor_free(&sensor);
    bsq_dataset_free(&d);
    return BSQ_EXIT_INPUT;
  }
  ao.log = !quiet && cli_isatty_stderr() ? cli_log_stderr : NULL;
  bsq_pareto r;
  bsq_model *models = calloc((size_t)(2 * nb), sizeof *models);
  if (!models) {
    cli_error("pareto", "out of memory");
    bsq_sensor_free(&sensor);
    bsq_dataset_free(&d);
    return cli_exit_for(BSQ_ENOMEM);
  }
  rc = bsq_pareto_run(&r, models, &d, &cfg, budgets, nb, &ao, &diag);
  if (rc) {
    cli_error("pareto", "%s", diag.msg);
    free(models);
    bsq_sensor_free(&sensor);
    bsq_dataset_free(&d);
    return cli_exit_for(rc);
  }
  double tc = bsq_now();
  if (cost) { /* the flash quantizer bank of each first-seed model */
    snprintf(r.cost_note, sizeof r.cost_note,
             cost == 1 ? "iCE40 logic cells of the flash quantizer bank "
                         "(bsq synth --arch flash --target ice40)"
                       : "ASIC cell area of the flash quantizer bank (bsq "
                         "synth --arch flash --target asic)");
    for (int i = 0; i < 2 * nb && rc == BSQ_OK; i++) {
      bsq_pareto_point *q = &r.pt[i / 2];
      bsq_diag sd = {{0}};
      rc = cli_encoder_cost(&models[i], cost == 2, i % 2 ? &q->cells_unif : &q->cells_alloc,
                   i % 2 ? &q->area_unif : &q->area_alloc, r.area_unit,
                   sizeof r.area_unit, &sd);
      if (rc == BSQ_ETOOL) { /* say so, invent nothing */
        snprintf(r.cost_note, sizeof r.cost_note, "skipped: %.200s", sd.msg);
        fprintf(stderr, "bsq pareto: cost skipped: %s\n", sd.msg);
        rc = BSQ_OK;
        break;
      }
      if (rc) cli_error("pareto", "%s", sd.msg);
    }
  } else {
    snprintf(r.cost_note, sizeof r.cost_note, "skipped (--cost none)");
  }
  r.cost_seconds = cost ? bsq_now() - tc : 0;
  for (int i = 0; i < 2 * nb; i++) bsq_model_free(&models[i]);
  free(models);
  if (rc == BSQ_OK)
    rc = bsq_pareto_save(&r, d.source, out, json, plot, &diag);
  if (rc == BSQ_OK) {
    char *md = bsq_pareto_to_markdown(&r, d.source);
    if (md) fputs(md, stdout);
    free(md);
  } else if (diag.msg[0]) {
    cli_error("pareto", "%s", diag.msg);
  }
  bsq_pareto_free(&r);
  bsq_sensor_free(&sensor);
  bsq_dataset_free(&d);
  return cli_exit_for(rc);
}
