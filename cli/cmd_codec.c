/* bsq encode / decode — CSV <-> packed frame stream files. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model.h"
#include "stream.h"

static void encode_usage(FILE *f) {
  fprintf(f,
"usage: bsq encode MODEL.json --data SRC -o FRAMES.bin [options]\n"
"\n"
"Runs the device side of the model in software: physical values -> input\n"
"codes -> levels -> frames -> K-bit words, as the generated encoder does,\n"
"and writes the words to a stream file bound to the model.\n"
"\n"
"  --data SRC          friedman1 (the model's generator settings) or a CSV\n"
"                      with a header naming every model feature (other\n"
"                      columns are ignored)\n"
"  --split all|test    encode every row (default) or the model's test split\n"
"                      (the data must be the model's own)\n"
"  --word-bits K       output word width, 1..64 (default 32)\n"
"  --mode M            continuous (default) or aligned\n"
"  -o FILE             stream file to write\n");
}

static void decode_usage(FILE *f) {
  fprintf(f,
"usage: bsq decode MODEL.json FRAMES.bin -o PREDICTIONS.csv\n"
"\n"
"Runs the server side: words -> frames -> levels -> bit vector -> network.\n"
"Writes one row per frame: frame,prediction (physical target units).\n");
}

static int load_model(const char *cmd, const char *path, bsq_model *m) {
  bsq_diag diag = {{0}};
  int rc = bsq_model_load(m, path, &diag);
  if (rc) cli_error(cmd, "%s", diag.msg);
  return rc;
}

/* Column of each model feature in d (features then target). */
static int map_columns(const bsq_model *m, const bsq_dataset *d, int *col) {
  for (int f = 0; f < m->F; f++) {
    col[f] = -1;
    for (int j = 0; j < d->F; j++)
      if (!strcmp(d->names[j], m->names[f])) col[f] = j;
    if (col[f] < 0 && !strcmp(d->target, m->names[f])) col[f] = d->F;
    if (col[f] < 0) {
      cli_error("encode", "%s: no column \"%s\" (model feature %d)", d->source,
                m->names[f], f);
      return BSQ_EFORMAT;
    }
  }
  return BSQ_OK;
}

int cmd_encode(int argc, char **argv) {
  static const struct option opts[] = {
      {"data", required_argument, 0, 'd'},
      {"split", required_argument, 0, 's'},
      {"word-bits", required_argument, 0, 'k'},
      {"mode", required_argument, 0, 'm'},
      {"output", required_argument, 0, 'o'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *data = NULL, *out = NULL;
  int test_only = 0, c;
  long K = 32;
  bsq_mode mode = BSQ_MODE_CONTINUOUS;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'd': data = optarg; break;
    case 's':
      if (!strcmp(optarg, "test")) test_only = 1;
      else if (!strcmp(optarg, "all")) test_only = 0;
      else {
        cli_error("encode", "--split: expected all or test, got '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      break;
    case 'k':
      if (cli_parse_int(optarg, 1, BSQ_MAX_WORD, &K)) {
        cli_error("encode", "--word-bits: expected 1..64, got '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      break;
    case 'm':
      if (bsq_mode_parse(optarg, &mode)) {
        cli_error("encode", "--mode: expected continuous or aligned, got '%s'",
                  optarg);
        return BSQ_EXIT_USAGE;
      }
      break;
    case 'o': out = optarg; break;
    case 'h': encode_usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("encode", "unknown or incomplete option '%s'", argv[optind - 1]);
      encode_usage(stderr);
      return BSQ_EXIT_USAGE;
    }
  }
  if (argc - optind != 1 || !data || !out) {
    cli_error("encode", "expected MODEL.json, --data and -o");
    encode_usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  bsq_model m;
  int rc = load_model("encode", argv[optind], &m);
  if (rc) return cli_exit_for(rc);
  bsq_dataset d;
  bsq_split sp = {0};
  int *col = NULL, *rows = NULL;
  int64_t *codes = NULL;
  uint8_t *levels = NULL, *frame = NULL, *tlast = NULL;
  bsq_stream st = {0};
  if (test_only || !strcmp(data, "friedman1"))
    rc = cli_load_model_data("encode", &m, data, &d);
  else
    rc = cli_load_data("encode", data, NULL, 0, 0, &d);
  if (rc) goto done_model;
  const bsq_encoder *e = &m.enc;
  int n = d.rows;
  rc = BSQ_ENOMEM;
  col = malloc(sizeof(int) * (size_t)m.F);
  rows = malloc(sizeof(int) * (size_t)n);
  codes = malloc(sizeof(int64_t) * (size_t)m.F);
  levels = malloc((size_t)m.F);
  frame = malloc((size_t)bsq_frame_bytes(e));
  tlast = malloc((size_t)bsq_packer_max_words(e->B, (int)K));
  if (!col || !rows || !codes || !levels || !frame || !tlast) goto done;
  if ((rc = map_columns(&m, &d, col))) goto done;
  if (test_only) {
    if ((rc = bsq_split_make(&sp, d.rows, m.cfg.seed))) goto done;
    n = sp.n_test;
    memcpy(rows, sp.test, sizeof(int) * (size_t)n);
  } else {
    for (int i = 0; i < n; i++) rows[i] = i;
  }
  st.K = (int)K;
  st.mode = mode;
  st.B = e->B;
  st.F = m.F;
  st.nframes = (uint64_t)n;
  st.nwords = bsq_stream_words(e->B, (int)K, mode, (uint64_t)n);
  st.model_hash = bsq_model_hash(&m);
  st.words = malloc(sizeof(uint64_t) * (size_t)(st.nwords + 1));
  rc = BSQ_ENOMEM;
  if (!st.words) goto done;
  bsq_packer pk;
  bsq_packer_init(&pk, e->B, (int)K, mode);
  uint64_t w = 0;
  for (int i = 0; i < n; i++) {
    for (int f = 0; f < m.F; f++) {
      int j = col[f];
      double v = j < d.F ? d.x[(size_t)rows[i] * (size_t)d.F + j] : d.y[rows[i]];
      codes[f] = bsq_format_code(&e->fmt[f], v);
    }
    w += (uint64_t)bsq_encode_push(e, &pk, codes, levels, frame, st.words + w,
                                   tlast);
  }
  w += (uint64_t)bsq_packer_flush(&pk, st.words + w, tlast);
  if (w != st.nwords) {
    cli_error("encode", "internal error: %llu words, expected %llu",
              (unsigned long long)w, (unsigned long long)st.nwords);
    rc = BSQ_EMISMATCH;
    goto done;
  }
  bsq_diag diag = {{0}};
  if ((rc = bsq_stream_write(&st, out, &diag))) {
    cli_error("encode", "%s", diag.msg);
    goto done;
  }
  fprintf(stderr, "%d frames, %d bits each, %llu words of %ld bits -> %s\n", n,
          e->B, (unsigned long long)st.nwords, K, out);
done:
  free(col);
  free(rows);
  free(codes);
  free(levels);
  free(frame);
  free(tlast);
  bsq_stream_free(&st);
  bsq_split_free(&sp);
  bsq_dataset_free(&d);
done_model:
  bsq_model_free(&m);
  return cli_exit_for(rc);
}

int cmd_decode(int argc, char **argv) {
  static const struct option opts[] = {
      {"output", required_argument, 0, 'o'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *out = NULL;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'h': decode_usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("decode", "unknown or incomplete option '%s'", argv[optind - 1]);
      decode_usage(stderr);
      return BSQ_EXIT_USAGE;
    }
  }
  if (argc - optind != 2 || !out) {
    cli_error("decode", "expected MODEL.json FRAMES.bin -o FILE");
    decode_usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  bsq_model m;
  int rc = load_model("decode", argv[optind], &m);
  if (rc) return cli_exit_for(rc);
  const char *spath = argv[optind + 1];
  bsq_stream st;
  bsq_diag diag = {{0}};
  uint8_t *frames = NULL, *levels = NULL;
  double *y = NULL;
  if ((rc = bsq_stream_read(&st, spath, &diag))) {
    cli_error("decode", "%s", diag.msg);
    goto done_model;
  }
  uint64_t h = bsq_model_hash(&m);
  if (st.model_hash != h) {
    cli_error("decode",
              "%s: stream was encoded for model %016llx, %s is %016llx",
              spath, (unsigned long long)st.model_hash, argv[optind],
              (unsigned long long)h);
    rc = BSQ_EHASH;
    goto done;
  }
  if (st.B != m.enc.B || st.F != m.F) {
    cli_error("decode", "%s: %d features / %d frame bits, the model has %d / %d",
              spath, st.F, st.B, m.F, m.enc.B);
    rc = BSQ_EFORMAT;
    goto done;
  }
  int fb = bsq_frame_bytes(&m.enc);
  size_t n = (size_t)st.nframes;
  rc = BSQ_ENOMEM;
  frames = malloc(n * (size_t)fb + 1);
  levels = malloc(n * (size_t)m.F + 1);
  y = malloc(sizeof(double) * (n + 1));
  if (!frames || !levels || !y) goto done;
  if ((rc = bsq_stream_unpack(st.words, st.nwords, st.B, st.K, st.mode,
                              st.nframes, fb, frames))) {
    cli_error("decode", "%s: words do not unpack into %llu frames (padding bits set)",
              spath, (unsigned long long)st.nframes);
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    /* every b-bit field is a valid level: 0..2^b - 1 */
    bsq_frame_unpack(&m.enc, frames + i * (size_t)fb, levels + i * (size_t)m.F);
  }
  if ((rc = bsq_model_predict_levels(&m, levels, (int)n, y))) goto done;
  bsq_atomic_file af;
  if ((rc = bsq_atomic_open(&af, out, &diag))) {
    cli_error("decode", "%s", diag.msg);
    goto done;
  }
  fprintf(af.fp, "frame,prediction\n");
  for (size_t i = 0; i < n; i++)
    fprintf(af.fp, "%zu,%.9g\n", i, y[i] * m.y_sigma + m.y_mu);
  if ((rc = bsq_atomic_close(&af, 1, &diag))) cli_error("decode", "%s", diag.msg);
done:
  free(frames);
  free(levels);
  free(y);
  bsq_stream_free(&st);
done_model:
  bsq_model_free(&m);
  return cli_exit_for(rc);
}
