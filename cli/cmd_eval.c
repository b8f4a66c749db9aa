/* bsq eval — metrics of a model on its own test split. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bsq_help.h"
#include "cli.h"
#include "codec.h"
#include "model.h"
#include "train.h"


int cmd_eval(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_ARG("data", 'd'), CLI_FLAG("json", 'j'), CLI_ARG("predictions", 'p'),
      CLI_END};
  const char *data = NULL, *pred_path = NULL;
  cli_parser p = CLI_PARSER_TEXT("eval", argc, argv, "h", opts, BSQ_HELP_EVAL);
  int json = 0, c;
  while ((c = cli_next(&p)) != -1) {
    switch (c) {
    case 'd': data = optarg; break;
    case 'j': json = 1; break;
    case 'p': pred_path = optarg; break;
    }
  }
  if (p.exit >= 0) return p.exit;
  if (cli_nargs(&p) != 1) return cli_usage_error(&p, "expected one model file");
  bsq_model m;
  bsq_diag diag = {{0}};
  int rc = cli_model_load("eval", cli_arg(&p, 0), &m);
  if (rc) return cli_exit_for(rc);
  bsq_dataset d;
  bsq_split s = {0};
  if ((rc = cli_load_model_data("eval", &m, data, &d))) goto done_model;
  if ((rc = bsq_split_make(&s, d.rows, m.cfg.seed))) {
    cli_error("eval", "%s: cannot split %d rows", d.source, d.rows);
    goto done_data;
  }
  bsq_eval_result r;
  if ((rc = bsq_evaluate(&m, &d, s.test, s.n_test, &r, &diag))) {
    cli_error("eval", "%s", diag.msg);
    goto done_split;
  }
  if (pred_path && (rc = bsq_eval_save_predictions(pred_path, &m, &d, s.test,
                                                  s.n_test, &diag))) {
    cli_error("eval", "%s", diag.msg);
    goto done_split;
  }
  if (json) {
    printf("{\"mse\": %.9g, \"mse_hw\": %.9g, \"bits_per_frame\": %d, "
           "\"compression\": %.6g, \"rows\": %d, \"saturated\": %lld, "
           "\"model\": \"%016llx\"}\n",
           r.mse, r.mse_hw, r.bits_per_frame, r.compression, r.n, r.saturated,
           (unsigned long long)bsq_model_hash(&m));
  } else {
    printf("mse            %.6f\nmse_hw         %.6f\nbits_per_frame %d\n"
           "compression    %.2f\nrows           %d\n",
           r.mse, r.mse_hw, r.bits_per_frame, r.compression, r.n);
    cli_print_saturated(stdout, "saturated      ", &m, &d, s.test, s.n_test);
  }
done_split:
  bsq_split_free(&s);
done_data:
  bsq_dataset_free(&d);
done_model:
  bsq_model_free(&m);
  return cli_exit_for(rc);
}
