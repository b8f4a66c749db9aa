/* bsq train — train thresholds and network (Bw-SQ or a baseline). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "model.h"
#include "nn.h"
#include "options.h"
#include "train.h"

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq train --data friedman1|FILE.csv -o MODEL.json [options]\n"
"\n"
"Trains per-feature quantization thresholds and the network behind them\n"
"with bitwise soft quantization (or a baseline), then writes the model file.\n"
"\n"
"method:\n"
"  --method NAME       bw-sq (default): learned thresholds, soft bits\n"
"                      bw-mq, bw-qq: hard bits, fixed min-max/quantile grid\n"
"                      pr-mq, pr-qq: inputs at interval midpoints, then train\n"
"                      po-mq, po-qq: train FP, then quantize its inputs\n"
"                      sq: soft bits summed to one value per feature\n"
"                      lsq: learned step size (Esser et al. 2020)\n"
"                      fp: full precision; no encoder, so no -o: metrics only\n"
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
"  -o, --output FILE   model file to write (JSON); required except for fp\n"
"  --threads N         cores to train on, 1..8 (default: BSQ_THREADS, else\n"
"                      every online core); the model is the same for any N\n"
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

static void show_progress(const bsq_progress *p, void *user) {
  (void)user;
  fprintf(stderr, "\repoch %4d/%d  train %.5f  val %.5f  tau %.5f ", p->epoch,
          p->epochs, p->train_loss, p->val_mse, p->tau);
  if (p->epoch == p->epochs) fputc('\n', stderr);
  fflush(stderr);
}

/* --dump-init DIR: everything a reference implementation needs to repeat
 * this training step for step (bench/faithful.py reads it).
 *   init.json    network, thresholds, standardization, input formats,
 *                split, hyperparameters (floats as %.9g: exact for float32)
 *   data.bin     x (N, F) then y (N), float64 little-endian
 *   batches.bin  the data rows of every batch, in order, int32
 *   losses.csv   epoch,batch,loss for every optimizer step
 *   epochs.csv   epoch,train_loss,val_mse,tau */
typedef struct {
  const char *dir;
  const bsq_dataset *d;
  bsq_atomic_file init, data, batches, losses, epochs;
  int opened, ok, quiet;
  char path[1024];
} dump;

static const char *dump_path(dump *u, const char *name) {
  snprintf(u->path, sizeof u->path, "%s/%s", u->dir, name);
  return u->path;
}

static void put_floats(FILE *f, const char *key, const float *v, size_t n,
                       int last) {
  fprintf(f, "  \"%s\": [", key);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%.9g", i ? ", " : "", (double)v[i]);
  fprintf(f, "]%s\n", last ? "" : ",");
}

static void put_ints(FILE *f, const char *key, const int *v, int n, int last) {
  fprintf(f, "  \"%s\": [", key);
  for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", v[i]);
  fprintf(f, "]%s\n", last ? "" : ",");
}

static void dump_init(const bsq_model *m, const bsq_split *s, void *user) {
  dump *u = user;
  FILE *f = u->init.fp;
  const bsq_train_cfg *c = &m->cfg;
  fprintf(f, "{\n  \"method\": \"%s\",\n  \"input\": \"%s\",\n",
          bsq_method_name(c->method), bsq_input_name(m->input));
  fprintf(f, "  \"rows\": %d,\n  \"F\": %d,\n  \"D\": %d,\n", u->d->rows,
          m->F, m->enc.D);
  fprintf(f, "  \"epochs\": %d,\n  \"batch\": %d,\n  \"lr\": %.9g,\n"
             "  \"tau_decay\": %.9g,\n  \"dropout\": %.9g,\n"
             "  \"weight_decay\": %.9g,\n",
          c->epochs, c->batch, (double)c->lr, (double)c->tau_decay,
          (double)c->dropout, (double)c->weight_decay);
  fprintf(f, "  \"y_mu\": %.17g,\n  \"y_sigma\": %.17g,\n", m->y_mu,
          m->y_sigma);
  fprintf(f, "  \"mu\": [");
  for (int i = 0; i < m->F; i++) fprintf(f, "%s%.17g", i ? ", " : "", m->mu[i]);
  fprintf(f, "],\n  \"sigma\": [");
  for (int i = 0; i < m->F; i++)
    fprintf(f, "%s%.17g", i ? ", " : "", m->sigma[i]);
  fprintf(f, "],\n  \"formats\": [");
  for (int i = 0; i < m->F; i++)
    fprintf(f, "%s{\"offset\": %.17g, \"scale\": %.17g, \"lo\": %lld, "
               "\"hi\": %lld}",
            i ? ", " : "", m->enc.fmt[i].offset, m->enc.fmt[i].scale,
            (long long)bsq_format_lo(&m->enc.fmt[i]),
            (long long)bsq_format_hi(&m->enc.fmt[i]));
  fprintf(f, "],\n");
  put_ints(f, "bits", m->enc.bits, m->F, 0);
  put_ints(f, "feat_of", m->feat_of, m->enc.D, 0);
  put_ints(f, "dims", m->dims, m->L + 1, 0);
  put_floats(f, "thresholds", m->thr, (size_t)m->enc.D, 0);
  fprintf(f, "  \"layers\": [\n");
  for (int l = 0; l < m->L; l++) {
    fprintf(f, "  {\n");
    put_floats(f, "weight", m->W[l], (size_t)m->dims[l] * (size_t)m->dims[l + 1],
               0);
    put_floats(f, "bias", m->b[l], (size_t)m->dims[l + 1], 1);
    fprintf(f, "  }%s\n", l + 1 < m->L ? "," : "");
  }
  fprintf(f, "  ],\n");
  put_ints(f, "train", s->train, s->n_train, 0);
  put_ints(f, "val", s->val, s->n_val, 0);
  put_ints(f, "test", s->test, s->n_test, 1);
  fprintf(f, "}\n");
  /* the data itself: friedman1 is generated, so a reference cannot
   * re-read it from a file */
  FILE *g = u->data.fp;
  size_t nx = (size_t)u->d->rows * (size_t)u->d->F;
  if (fwrite(u->d->x, sizeof(double), nx, g) != nx ||
      fwrite(u->d->y, sizeof(double), (size_t)u->d->rows, g) !=
          (size_t)u->d->rows)
    u->ok = 0;
}

static void dump_batch(int epoch, int batch, const int *rows, int n,
                       double loss, void *user) {
  dump *u = user;
  for (int i = 0; i < n; i++) {
    int32_t r = rows[i];
    if (fwrite(&r, sizeof r, 1, u->batches.fp) != 1) u->ok = 0;
  }
  fprintf(u->losses.fp, "%d,%d,%.9g\n", epoch, batch, loss);
}

static void show_progress(const bsq_progress *p, void *user);

static void dump_progress(const bsq_progress *p, void *user) {
  dump *u = user;
  fprintf(u->epochs.fp, "%d,%.9g,%.9g,%.9g\n", p->epoch, p->train_loss,
          p->val_mse, p->tau);
  if (!u->quiet) show_progress(p, NULL);
}

static int dump_open(dump *u) {
  bsq_diag diag = {{0}};
  if (mkdir(u->dir, 0777) && errno != EEXIST) {
    cli_error("train", "--dump-init %s: cannot create: %s", u->dir,
              strerror(errno));
    return BSQ_EIO;
  }
  bsq_atomic_file *fs[5] = {&u->init, &u->data, &u->batches, &u->losses,
                            &u->epochs};
  const char *names[5] = {"init.json", "data.bin", "batches.bin",
                          "losses.csv", "epochs.csv"};
  for (int i = 0; i < 5; i++) {
    if (bsq_atomic_open(fs[i], dump_path(u, names[i]), &diag)) {
      cli_error("train", "--dump-init: %s", diag.msg);
      for (int j = 0; j < i; j++) bsq_atomic_close(fs[j], 0, NULL);
      return BSQ_EIO;
    }
  }
  fprintf(u->losses.fp, "epoch,batch,loss\n");
  fprintf(u->epochs.fp, "epoch,train_loss,val_mse,tau\n");
  u->opened = 1;
  u->ok = 1;
  return BSQ_OK;
}

static int dump_close(dump *u, int ok) {
  bsq_diag diag = {{0}};
  bsq_atomic_file *fs[5] = {&u->init, &u->data, &u->batches, &u->losses,
                            &u->epochs};
  int rc = BSQ_OK;
  for (int i = 0; i < 5; i++)
    if (bsq_atomic_close(fs[i], ok && u->ok, &diag) && rc == BSQ_OK) {
      cli_error("train", "--dump-init: %s", diag.msg);
      rc = BSQ_EIO;
    }
  return rc;
}

int cmd_train(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_DATA_OPTIONS,
      CLI_TRAIN_OPTIONS,
      {"bits", required_argument, 0, 'b'},
      {"signed", no_argument, 0, 'S'},
      {"margin", required_argument, 0, 'M'},
      {"init", required_argument, 0, 'I'},
      {"weight-decay", required_argument, 0, 'W'},
      {"seed", required_argument, 0, 's'},
      {"output", required_argument, 0, 'o'},
      {"method", required_argument, 0, 'm'},
      {"dump-init", required_argument, 0, 'X'},
      {"threads", required_argument, 0, 'j'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *out = NULL, *dump_dir = NULL;
  long v;
  cli_data_opts dopt;
  cli_data_opts_default(&dopt);
  double x;
  int quiet = 0;
  bsq_train_cfg cfg;
  bsq_train_cfg_default(&cfg);
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
    const char *bad = NULL;
    if (cli_data_option(c, optarg, &dopt, &bad) ||
        cli_train_option(c, optarg, &cfg, &bad))
      c = 0;
    switch (c) {
    case 0: break;
    case 'b': if (parse_bits(optarg, &cfg)) bad = "--bits"; break;
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
  int is_fp = bsq_method_input(cfg.method) == BSQ_INPUT_FLOAT;
  if (!dopt.data || (!out && !is_fp)) {
    cli_error("train", "--data and -o are required");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  if (is_fp && out) {
    cli_error("train",
              "--method fp: full precision has no encoder, so there is no "
              "model file to write; drop -o (metrics only) or use bsq "
              "compare");
    return BSQ_EXIT_USAGE;
  }

  bsq_dataset d;
  int rc = cli_load_data("train", dopt.data, dopt.target, (int)dopt.rows,
                         (unsigned long long)dopt.data_seed, &d);
  if (rc) return cli_exit_for(rc);
  if (cfg.nbits != 1 && cfg.nbits != d.F) { /* the library says "bits: " */
    cli_error("train", "--bits: %d values given for %d features", cfg.nbits,
              d.F);
    bsq_dataset_free(&d);
    return BSQ_EXIT_USAGE;
  }
  bsq_model m;
  bsq_diag diag = {{0}};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int show = !quiet && cli_isatty_stderr();
  bsq_train_hooks hk = {show ? show_progress : NULL, NULL, NULL, NULL};
  dump u = {0};
  if (dump_dir) {
    u.dir = dump_dir;
    u.d = &d;
    u.quiet = !show;
    if ((rc = dump_open(&u))) {
      bsq_dataset_free(&d);
      return cli_exit_for(rc);
    }
    hk = (bsq_train_hooks){dump_progress, dump_init, dump_batch, &u};
  }
  rc = bsq_train_ex(&m, &d, &cfg, &hk, &diag);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  bsq_dataset_free(&d);
  if (dump_dir) {
    int rd = dump_close(&u, rc == BSQ_OK);
    if (rc == BSQ_OK && rd) {
      bsq_model_free(&m);
      return cli_exit_for(rd);
    }
  }
  if (rc) {
    cli_error("train", "%s", diag.msg);
    return rc == BSQ_EINVAL ? BSQ_EXIT_USAGE : cli_exit_for(rc);
  }
  m.train_seconds = (double)(t1.tv_sec - t0.tv_sec) +
                    1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
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
  printf("best epoch %d of %d\n", m.best_epoch, cfg.epochs);
  printf("mse_val    %.6f\nmse        %.6f\nmse_hw     %.6f\n", m.mse_val,
         m.mse_test, m.mse_test_hw);
  printf("seconds    %.2f\n", m.train_seconds);
  bsq_model_free(&m);
  return BSQ_EXIT_OK;
}
