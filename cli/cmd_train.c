/* bsq train — train thresholds and network (Bw-SQ or a baseline). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "cli.h"
#include "dump.h"
#include "model.h"
#include "nn.h"
#include "options.h"
#include "train.h"
#include "util.h"

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq train --data friedman1|FILE.csv -o MODEL.json [options]\n"
"\n"
"Trains per-feature quantization thresholds and the network behind them\n"
"with bitwise soft quantization (or a baseline), then writes the model file.\n"
"\n"
"method:\n"
"  --method NAME       one of\n");
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    fprintf(f, "                      %-6s %s\n", bsq_method_name(m),
            bsq_method_get(m)->summary);
  fprintf(f,
"  --dump-init DIR     write the initial weights and thresholds, the data,\n"
"                      the batch order and every batch loss to DIR (for\n"
"                      bench/faithful.py)\n"
"data:\n"
"  --data SRC          friedman1 (built in) or a CSV file with a header row\n"
"  --target NAME       target column (default: the last one)\n"
"  --rows N            friedman1 rows (default %d)\n"
"  --data-seed N       friedman1 generator seed (default 0)\n"
"quantizer:\n"
"  --bits N|LIST       bits per feature, 1..8: one value or one per feature\n"
"                      (default 4)\n"
"  --sensor SPEC.json  each named feature's ADC format (width, signed, and\n"
"                      lsb/offset/unit, or \"codes\": true for a column of\n"
"                      raw ADC codes); the others keep the fitted format\n"
"  --input-width W|LIST  code width of the fitted formats, 1..32: one value\n"
"                      or one per feature (default 16)\n"
"  --signed            signed (two's complement) codes in the fitted formats\n"
"  --margin X          input range margin beyond the training range, as a\n"
"                      fraction of it (default 0.05)\n"
"  --init quantile|minmax  threshold initialization (default quantile)\n"
"network and training:\n"
"  --hidden SPEC       hidden layers: 5x32 or 64,32,16 (default 5x32)\n"
"  --epochs N          (default 100)\n"
"  --batch N           (default 512)\n"
"  --lr X              Adam learning rate (default 1e-3)\n"
"  --tau-decay X       tau decrease factor over all epochs (default 1e-3)\n"
"  --dropout X         (default 0)\n"
"  --weight-decay X    (default 0)\n"
"  --seed N            split, initialization and batch order (default 1)\n"
"  -o, --output FILE   model file to write (JSON); required except for fp\n"
"  --threads N         cores to train on, 1..8 (default: BSQ_THREADS, else\n"
"                      every online core); the model is the same for any N\n"
"  -q, --quiet         no progress even on a terminal\n",
          BSQ_FRIEDMAN1_ROWS);
}

static void show_progress(const bsq_progress *p, void *user) {
  (void)user;
  fprintf(stderr, "\repoch %4d/%d  train %.5f  val %.5f  tau %.5f ", p->epoch,
          p->epochs, p->train_loss, p->val_mse, p->tau);
  if (p->epoch == p->epochs) fputc('\n', stderr);
  fflush(stderr);
}

int cmd_train(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_DATA_OPTIONS, CLI_TRAIN_OPTIONS, CLI_ARG("bits", 'b'),
      CLI_FLAG("signed", 'S'), CLI_ARG("margin", 'M'), CLI_ARG("init", 'I'),
      CLI_ARG("weight-decay", 'W'), CLI_ARG("seed", 's'),
      CLI_ARG("output", 'o'), CLI_ARG("method", 'm'), CLI_ARG("dump-init", 'X'),
      CLI_ARG("threads", 'j'), CLI_FLAG("quiet", 'q'), CLI_END};
  cli_parser p = CLI_PARSER("train", argc, argv, "o:qh", opts, usage);
  const char *out = NULL, *dump_dir = NULL;
  long v;
  cli_data_opts dopt;
  cli_data_opts_default(&dopt);
  double x;
  int quiet = 0, c;
  bsq_train_cfg cfg;
  bsq_train_cfg_default(&cfg);
  while ((c = cli_next(&p)) != -1) {
    const char *bad = NULL;
    if (cli_data_option(c, optarg, &dopt, &bad) ||
        cli_train_option(c, optarg, &cfg, &bad))
      c = 0;
    switch (c) {
    case 'b':
      v = cli_parse_int_list(optarg, 0, BSQ_MAX_BITS, cfg.bits,
                             BSQ_MAX_FEATURES);
      if (v < 1) bad = "--bits";
      else cfg.nbits = (int)v;
      break;
    case 'S': cfg.input_signed = 1; break;
    case 'M':
      if (cli_parse_double(optarg, &x) || x < 0 || x > 10) bad = "--margin";
      else cfg.range_margin = x;
      break;
    case 'I':
      if (!strcmp(optarg, "quantile")) cfg.init_minmax = 0;
      else if (!strcmp(optarg, "minmax")) cfg.init_minmax = 1;
      else bad = "--init";
      break;
    case 'W':
      if (cli_parse_double(optarg, &x) || x < 0) bad = "--weight-decay";
      else cfg.weight_decay = (float)x;
      break;
    case 's':
      if (cli_parse_int(optarg, 0, (1L << 53), &v)) bad = "--seed";
      else cfg.seed = (uint64_t)v;
      break;
    case 'o': out = optarg; break;
    case 'm':
      if ((v = bsq_method_parse(optarg)) < 0) bad = "--method";
      else cfg.method = (bsq_method)v;
      break;
    case 'X': dump_dir = optarg; break;
    case 'j':
      if (cli_parse_int(optarg, 1, BSQ_MAX_THREADS, &v)) bad = "--threads";
      else bsq_nn_threads((int)v);
      break;
    case 'q': quiet = 1; break;
    }
    if (bad)
      return cli_usage_fail("train", "%s: invalid value '%s'", bad, optarg);
  }
  if (p.exit >= 0) return p.exit;
  if (cli_no_args(&p)) return BSQ_EXIT_USAGE;
  int is_fp = bsq_method_input(cfg.method) == BSQ_INPUT_FLOAT;
  if (!dopt.data || (!out && !is_fp))
    return cli_usage_error(&p, "--data and -o are required");
  if (is_fp && out) {
    cli_error("train",
              "--method fp: full precision has no encoder, so there is no "
              "model file to write; drop -o (metrics only) or use bsq "
              "compare");
    return BSQ_EXIT_USAGE;
  }

  bsq_dataset d;
  int rc = cli_load_data_opts("train", &dopt, &d);
  if (rc) return cli_exit_for(rc);
  if (cfg.nbits != 1 && cfg.nbits != d.F) { /* the library says "bits: " */
    cli_error("train", "--bits: %d values given for %d features", cfg.nbits,
              d.F);
    bsq_dataset_free(&d);
    return BSQ_EXIT_USAGE;
  }
  if (cfg.ninput_widths && cfg.ninput_widths != d.F) {
    cli_error("train", "--input-width: %d values given for %d features",
              cfg.ninput_widths, d.F);
    bsq_dataset_free(&d);
    return BSQ_EXIT_USAGE;
  }
  bsq_sensor sensor;
  if ((rc = cli_load_sensor_opts("train", &dopt, &d, &sensor, &cfg))) {
    bsq_dataset_free(&d);
    return cli_exit_for(rc);
  }
  bsq_model m;
  bsq_diag diag = {{0}};
  double t0 = bsq_now();
  int show = !quiet && cli_isatty_stderr();
  bsq_train_hooks hk = {show ? show_progress : NULL, NULL, NULL, NULL};
  bsq_dump u;
  if (dump_dir) {
    if (mkdir(dump_dir, 0777) && errno != EEXIST) {
      cli_error("train", "--dump-init %s: cannot create: %s", dump_dir,
                strerror(errno));
      rc = BSQ_EIO;
    } else if ((rc = bsq_dump_open(&u, dump_dir, &d, hk.progress, NULL,
                                   &diag))) {
      cli_error("train", "--dump-init: %s", diag.msg);
    }
    if (rc) {
      bsq_sensor_free(&sensor);
      bsq_dataset_free(&d);
      return cli_exit_for(rc);
    }
    hk = bsq_dump_hooks(&u);
  }
  rc = bsq_train_ex(&m, &d, &cfg, &hk, &diag);
  double t1 = bsq_now();
  m.cfg.sensor = NULL; /* freed below; the model carries the formats */
  bsq_sensor_free(&sensor);
  bsq_dataset_free(&d);
  if (dump_dir) {
    bsq_diag dd = {{0}};
    int rd = bsq_dump_close(&u, rc == BSQ_OK, &dd);
    if (rd) cli_error("train", "--dump-init: %s", dd.msg);
    if (rc == BSQ_OK && rd) {
      bsq_model_free(&m);
      return cli_exit_for(rd);
    }
  }
  if (rc) {
    cli_error("train", "%s", diag.msg);
    return rc == BSQ_EINVAL ? BSQ_EXIT_USAGE : cli_exit_for(rc);
  }
  m.train_seconds = t1 - t0;
  if (!is_fp) cli_warn_flat_features("train", &m);
  rc = out ? bsq_model_save(&m, out, &diag) : BSQ_OK;
  if (rc) {
    cli_error("train", "%s", diag.msg);
    bsq_model_free(&m);
    return cli_exit_for(rc);
  }
  printf("model      %s\n", out ? out : "(fp: not written)");
  printf("method     %s\n", bsq_method_name(m.cfg.method));
  if (is_fp)
    printf("features   %d, float32 inputs (%d bits per frame)\n", m.F,
           32 * m.F);
  else
    printf("features   %d, %d bits per frame, %d thresholds\n", m.F, m.enc.B,
           m.enc.D);
  if (dopt.sensor) { /* which formats the spec gave, which were fitted */
    int ns = 0, nf = 0;
    for (int f = 0; f < m.F; f++) ns += m.fmt_from[f] != BSQ_FMT_FIT;
    printf("sensor     %s: %d feature%s\nfitted     ", dopt.sensor, ns,
           ns == 1 ? "" : "s");
    for (int f = 0; f < m.F; f++)
      if (m.fmt_from[f] == BSQ_FMT_FIT)
        printf("%s%s", nf++ ? ", " : "", m.names[f]);
    printf("%s\n", nf ? "" : "none");
  }
  printf("best epoch %d of %d\n", m.best_epoch, cfg.epochs);
  printf("mse_val    %.6f\nmse        %.6f\nmse_hw     %.6f\n", m.mse_val,
         m.mse_test, m.mse_test_hw);
  printf("seconds    %.2f\n", m.train_seconds);
  bsq_model_free(&m);
  return BSQ_EXIT_OK;
}
