/* bsq train — train thresholds and network (method Bw-SQ). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "model.h"
#include "train.h"

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq train --data friedman1|FILE.csv -o MODEL.json [options]\n"
"\n"
"Trains per-feature quantization thresholds and the network behind them\n"
"with bitwise soft quantization, then writes the model file.\n"
"\n"
"data:\n"
"  --data SRC          friedman1 (built in) or a CSV file with a header row\n"
"  --target NAME       target column (default: the last one)\n"
"  --rows N            friedman1 rows (default %d)\n"
"  --data-seed N       friedman1 generator seed (default 0)\n"
"quantizer:\n"
"  --bits N|LIST       bits per feature, 1..8: one value or one per feature\n"
"                      (default 4)\n"
"  --input-width W     input code width, 1..32 (default 16)\n"
"  --signed            signed (two's complement) input codes\n"
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
"  -o, --output FILE   model file to write (JSON)\n"
"  -q, --quiet         no progress even on a terminal\n",
          BSQ_FRIEDMAN1_ROWS);
}

static int parse_bits(const char *s, bsq_train_cfg *c) {
  int n = 0;
  const char *p = s;
  while (*p) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > BSQ_MAX_BITS || n >= BSQ_MAX_FEATURES)
      return -1;
    c->bits[n++] = (int)v;
    if (*end == ',')
      p = end + 1;
    else if (*end == '\0')
      p = end;
    else
      return -1;
    if (*end == ',' && *p == '\0') return -1;
  }
  if (n == 0) return -1;
  c->nbits = n;
  return 0;
}

static int parse_hidden(const char *s, bsq_train_cfg *c) {
  long count, width;
  char *x = strchr(s, 'x');
  if (x) {
    char a[32];
    size_t n = (size_t)(x - s);
    if (n == 0 || n >= sizeof a) return -1;
    memcpy(a, s, n);
    a[n] = '\0';
    if (cli_parse_int(a, 0, BSQ_MAX_LAYERS - 1, &count) ||
        cli_parse_int(x + 1, 1, 65536, &width))
      return -1;
    c->nhidden = (int)count;
    for (int i = 0; i < count; i++) c->hidden[i] = (int)width;
    return 0;
  }
  int n = 0;
  const char *p = s;
  while (*p) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > 65536 || n >= BSQ_MAX_LAYERS - 1) return -1;
    c->hidden[n++] = (int)v;
    if (*end == ',') p = end + 1;
    else if (*end == '\0') p = end;
    else return -1;
  }
  if (n == 0) return -1;
  c->nhidden = n;
  return 0;
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
      {"data", required_argument, 0, 'd'},
      {"target", required_argument, 0, 't'},
      {"rows", required_argument, 0, 'r'},
      {"data-seed", required_argument, 0, 'R'},
      {"bits", required_argument, 0, 'b'},
      {"input-width", required_argument, 0, 'w'},
      {"signed", no_argument, 0, 'S'},
      {"margin", required_argument, 0, 'M'},
      {"init", required_argument, 0, 'I'},
      {"hidden", required_argument, 0, 'H'},
      {"epochs", required_argument, 0, 'e'},
      {"batch", required_argument, 0, 'B'},
      {"lr", required_argument, 0, 'l'},
      {"tau-decay", required_argument, 0, 'T'},
      {"dropout", required_argument, 0, 'D'},
      {"weight-decay", required_argument, 0, 'W'},
      {"seed", required_argument, 0, 's'},
      {"output", required_argument, 0, 'o'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *data = NULL, *target = NULL, *out = NULL;
  long rows = BSQ_FRIEDMAN1_ROWS, data_seed = 0, v;
  double x;
  int quiet = 0;
  bsq_train_cfg cfg;
  bsq_train_cfg_default(&cfg);
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
    const char *bad = NULL;
    switch (c) {
    case 'd': data = optarg; break;
    case 't': target = optarg; break;
    case 'r': if (cli_parse_int(optarg, 2, 100000000, &rows)) bad = "--rows"; break;
    case 'R': if (cli_parse_int(optarg, 0, (1L << 53), &data_seed)) bad = "--data-seed"; break;
    case 'b': if (parse_bits(optarg, &cfg)) bad = "--bits"; break;
    case 'w':
      if (cli_parse_int(optarg, 1, BSQ_MAX_WIDTH, &v)) bad = "--input-width";
      else cfg.input_width = (int)v;
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
    case 'H': if (parse_hidden(optarg, &cfg)) bad = "--hidden"; break;
    case 'e':
      if (cli_parse_int(optarg, 1, 1000000, &v)) bad = "--epochs";
      else cfg.epochs = (int)v;
      break;
    case 'B':
      if (cli_parse_int(optarg, 1, 1 << 20, &v)) bad = "--batch";
      else cfg.batch = (int)v;
      break;
    case 'l':
      if (cli_parse_double(optarg, &x) || x <= 0 || x > 1) bad = "--lr";
      else cfg.lr = (float)x;
      break;
    case 'T':
      if (cli_parse_double(optarg, &x) || x <= 0 || x > 1) bad = "--tau-decay";
      else cfg.tau_decay = (float)x;
      break;
    case 'D':
      if (cli_parse_double(optarg, &x) || x < 0 || x >= 1) bad = "--dropout";
      else cfg.dropout = (float)x;
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
    case 'q': quiet = 1; break;
    case 'h': usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("train", "unknown or incomplete option '%s'", argv[optind - 1]);
      usage(stderr);
      return BSQ_EXIT_USAGE;
    }
    if (bad) {
      cli_error("train", "%s: invalid value '%s'", bad, optarg);
      return BSQ_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    cli_error("train", "unexpected argument '%s'", argv[optind]);
    return BSQ_EXIT_USAGE;
  }
  if (!data || !out) {
    cli_error("train", "--data and -o are required");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }

  bsq_dataset d;
  int rc = cli_load_data("train", data, target, (int)rows,
                         (unsigned long long)data_seed, &d);
  if (rc) return cli_exit_for(rc);
  bsq_model m;
  bsq_diag diag = {{0}};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  rc = bsq_train(&m, &d, &cfg,
                 (!quiet && cli_isatty_stderr()) ? show_progress : NULL, NULL,
                 &diag);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  bsq_dataset_free(&d);
  if (rc) {
    cli_error("train", "%s", diag.msg);
    return rc == BSQ_EINVAL ? BSQ_EXIT_USAGE : cli_exit_for(rc);
  }
  m.train_seconds = (double)(t1.tv_sec - t0.tv_sec) +
                    1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  rc = bsq_model_save(&m, out, &diag);
  if (rc) {
    cli_error("train", "%s", diag.msg);
    bsq_model_free(&m);
    return cli_exit_for(rc);
  }
  printf("model      %s\n", out);
  printf("features   %d, %d bits per frame, %d thresholds\n", m.F, m.enc.B,
         m.enc.D);
  printf("best epoch %d of %d\n", m.best_epoch, cfg.epochs);
  printf("mse_val    %.6f\nmse        %.6f\nmse_hw     %.6f\n", m.mse_val,
         m.mse_test, m.mse_test_hw);
  printf("seconds    %.2f\n", m.train_seconds);
  bsq_model_free(&m);
  return BSQ_EXIT_OK;
}
