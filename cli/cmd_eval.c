/* bsq eval — metrics of a model on its own test split. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model.h"
#include "train.h"

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq eval MODEL.json [--data SRC] [--json] [--predictions FILE]\n"
"\n"
"Evaluates the model on the test split of the data it was trained on,\n"
"reproduced from the recorded seed: MSE on the standardized target through\n"
"the float path (mse) and through the integer path the hardware takes,\n"
"codes -> levels -> packed words -> decoder -> network (mse_hw).\n"
"\n"
"  --data SRC          the training data, when it is not where the model\n"
"                      file says (it must be the same data: hash checked)\n"
"  --json              one JSON object on stdout\n"
"  --predictions FILE  write row,target,prediction,prediction_hw (physical\n"
"                      units) for every test row as CSV\n");
}

static int write_predictions(const char *path, const bsq_model *m,
                             const bsq_dataset *d, const int *idx, int n) {
  bsq_diag diag = {{0}};
  double *x = malloc(sizeof(double) * (size_t)n * (size_t)m->F);
  double *p = malloc(sizeof(double) * (size_t)n);
  double *ph = malloc(sizeof(double) * (size_t)n);
  int rc = BSQ_ENOMEM;
  if (!x || !p || !ph) goto done;
  for (int i = 0; i < n; i++)
    memcpy(x + (size_t)i * (size_t)m->F, d->x + (size_t)idx[i] * (size_t)m->F,
           sizeof(double) * (size_t)m->F);
  if ((rc = bsq_model_predict(m, x, n, p))) goto done;
  if ((rc = bsq_model_predict_hw(m, x, n, 32, BSQ_MODE_CONTINUOUS, ph)))
    goto done;
  bsq_atomic_file af;
  if ((rc = bsq_atomic_open(&af, path, &diag))) goto done;
  FILE *f = af.fp;
  fprintf(f, "row,target,prediction,prediction_hw\n");
  for (int i = 0; i < n; i++)
    fprintf(f, "%d,%.9g,%.9g,%.9g\n", idx[i], d->y[idx[i]],
            p[i] * m->y_sigma + m->y_mu, ph[i] * m->y_sigma + m->y_mu);
  rc = bsq_atomic_close(&af, 1, &diag);
done:
  if (rc) cli_error("eval", "%s", diag.msg[0] ? diag.msg : bsq_strerror(rc));
  free(x);
  free(p);
  free(ph);
  return rc;
}

int cmd_eval(int argc, char **argv) {
  static const struct option opts[] = {
      {"data", required_argument, 0, 'd'},
      {"json", no_argument, 0, 'j'},
      {"predictions", required_argument, 0, 'p'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *data = NULL, *pred_path = NULL;
  int json = 0, c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'd': data = optarg; break;
    case 'j': json = 1; break;
    case 'p': pred_path = optarg; break;
    case 'h': usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("eval", "unknown or incomplete option '%s'", argv[optind - 1]);
      usage(stderr);
      return BSQ_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    cli_error("eval", "expected one model file");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  bsq_model m;
  bsq_diag diag = {{0}};
  int rc = bsq_model_load(&m, argv[optind], &diag);
  if (rc) {
    cli_error("eval", "%s", diag.msg);
    return cli_exit_for(rc);
  }
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
  if (pred_path && (rc = write_predictions(pred_path, &m, &d, s.test, s.n_test)))
    goto done_split;
  if (json)
    printf("{\"mse\": %.9g, \"mse_hw\": %.9g, \"bits_per_frame\": %d, "
           "\"compression\": %.6g, \"rows\": %d, \"model\": \"%016llx\"}\n",
           r.mse, r.mse_hw, r.bits_per_frame, r.compression, r.n,
           (unsigned long long)bsq_model_hash(&m));
  else
    printf("mse            %.6f\nmse_hw         %.6f\nbits_per_frame %d\n"
           "compression    %.2f\nrows           %d\n",
           r.mse, r.mse_hw, r.bits_per_frame, r.compression, r.n);
done_split:
  bsq_split_free(&s);
done_data:
  bsq_dataset_free(&d);
done_model:
  bsq_model_free(&m);
  return cli_exit_for(rc);
}
