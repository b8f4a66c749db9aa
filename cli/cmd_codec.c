/* bsq encode / decode — CSV <-> packed frame stream files. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bsq_help.h"
#include "cli.h"
#include "codec.h"
#include "model.h"
#include "stream.h"
#include "sync.h"
#include "util.h"

/* What the receiver found in a framed stream; losses are the link's, not
 * an error of the file, so they are reported, not failed. */
static void print_sync(const char *spath, const bsq_stream *st,
                       const bsq_sync_stats *ss) {
  fprintf(stderr, "%s: frame sync (groups of %d): %llu frames in %llu groups",
          spath, st->sync, (unsigned long long)ss->frames,
          (unsigned long long)ss->groups);
  if (st->nframes) fprintf(stderr, " (%llu written)", (unsigned long long)st->nframes);
  fputc('\n', stderr);
  if (ss->resyncs || ss->skipped_bits || ss->dropped_frames || ss->tail_frames)
    fprintf(stderr, "%s: warning: sync lost %llu times: %llu bits searched "
            "over, %llu frames of broken groups dropped, %llu unconfirmed at "
            "the end dropped\n", spath, (unsigned long long)ss->resyncs,
            (unsigned long long)ss->skipped_bits,
            (unsigned long long)ss->dropped_frames,
            (unsigned long long)ss->tail_frames);
}

int cmd_encode(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_ARG("data", 'd'), CLI_ARG("split", 's'), CLI_ARG("word-bits", 'k'),
      CLI_ARG("mode", 'm'), CLI_ARG("sync", 'y'), CLI_ARG("output", 'o'),
      CLI_END};
  cli_parser p = CLI_PARSER_TEXT("encode", argc, argv, "o:h", opts, BSQ_HELP_ENCODE);
  const char *data = NULL, *out = NULL;
  int test_only = 0, c;
  long K = 32, sync = 0;
  bsq_mode mode = BSQ_MODE_CONTINUOUS;
  while ((c = cli_next(&p)) != -1) {
    switch (c) {
    case 'd': data = optarg; break;
    case 's':
      if (!strcmp(optarg, "test")) test_only = 1;
      else if (!strcmp(optarg, "all")) test_only = 0;
      else
        return cli_usage_fail("encode",
                              "--split: expected all or test, got '%s'",
                              optarg);
      break;
    case 'k':
      if (cli_parse_int(optarg, 1, BSQ_MAX_WORD, &K))
        return cli_usage_fail("encode", "--word-bits: expected 1..64, got '%s'",
                              optarg);
      break;
    case 'm':
      if (bsq_mode_parse(optarg, &mode))
        return cli_usage_fail("encode", "--mode: expected continuous or "
                              "aligned, got '%s'", optarg);
      break;
    case 'y':
      if (cli_parse_int(optarg, 0, BSQ_SYNC_MAX_GROUP, &sync))
        return cli_usage_fail("encode", "--sync: expected 0..%d frames per "
                              "group, got '%s'", BSQ_SYNC_MAX_GROUP, optarg);
      break;
    case 'o': out = optarg; break;
    }
  }
  if (p.exit >= 0) return p.exit;
  if (cli_nargs(&p) != 1 || !data || !out)
    return cli_usage_error(&p, "expected MODEL.json, --data and -o");
  bsq_model m;
  int rc = cli_model_load("encode", cli_arg(&p, 0), &m);
  if (rc) return cli_exit_for(rc);
  bsq_dataset d;
  bsq_split sp = {0};
  bsq_stream st = {0};
  bsq_diag diag = {{0}};
  if (test_only || !strcmp(data, "friedman1"))
    rc = cli_load_model_data("encode", &m, data, &d);
  else
    rc = cli_load_data("encode", data, NULL, 0, 0, &d);
  if (rc) goto done_model;
  if (test_only && (rc = bsq_split_make(&sp, d.rows, m.cfg.seed))) goto done;
  if ((rc = bsq_codec_encode(&st, &m, &d, test_only ? sp.test : NULL,
                             sp.n_test, (int)K, mode, (int)sync, &diag)) ||
      (rc = bsq_stream_write(&st, out, &diag))) {
    cli_error("encode", "%s", diag.msg);
    goto done;
  }
  fprintf(stderr, "%llu frames, %d bits each, %llu words of %ld bits -> %s\n",
          (unsigned long long)st.nframes, st.B, (unsigned long long)st.nwords,
          K, out);
  if (sync)
    fprintf(stderr, "frame sync: a %d-bit marker before every %ld frames, "
            "the last frame flushed\n",
            bsq_sync_marker_slots(st.B, (int)K) * st.B, sync);
  cli_print_saturated(stderr, "saturated: ", &m, &d,
                      test_only ? sp.test : NULL, sp.n_test);
done:
  bsq_stream_free(&st);
  bsq_split_free(&sp);
  bsq_dataset_free(&d);
done_model:
  bsq_model_free(&m);
  return cli_exit_for(rc);
}

/* A raw capture (decode --raw): the words alone, framed in groups of
 * sync, bound to m. */
static int read_raw(bsq_stream *st, const char *path, const bsq_model *m,
                    long K, bsq_mode mode, long sync, bsq_diag *diag) {
  char *buf;
  size_t len;
  int rc = bsq_read_file(path, &buf, &len, diag);
  if (rc) return rc;
  rc = bsq_stream_from_raw(st, (const uint8_t *)buf, len, (int)K, mode,
                           m->enc.B, m->F, (int)sync, bsq_model_hash(m), path,
                           diag);
  free(buf);
  return rc;
}

int cmd_decode(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_ARG("output", 'o'), CLI_FLAG("raw", 'r'), CLI_ARG("word-bits", 'k'),
      CLI_ARG("mode", 'm'), CLI_ARG("sync", 'y'), CLI_END};
  cli_parser p = CLI_PARSER_TEXT("decode", argc, argv, "o:h", opts, BSQ_HELP_DECODE);
  const char *out = NULL;
  int c, raw = 0, have_k = 0, have_mode = 0;
  long K = 32, sync = 0;
  bsq_mode mode = BSQ_MODE_CONTINUOUS;
  while ((c = cli_next(&p)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'r': raw = 1; break;
    case 'k':
      have_k = 1;
      if (cli_parse_int(optarg, 1, BSQ_MAX_WORD, &K))
        return cli_usage_fail("decode", "--word-bits: expected 1..64, got '%s'",
                              optarg);
      break;
    case 'm':
      have_mode = 1;
      if (bsq_mode_parse(optarg, &mode))
        return cli_usage_fail("decode", "--mode: expected continuous or "
                              "aligned, got '%s'", optarg);
      break;
    case 'y':
      if (cli_parse_int(optarg, 1, BSQ_SYNC_MAX_GROUP, &sync))
        return cli_usage_fail("decode", "--sync: expected 1..%d frames per "
                              "group, got '%s'", BSQ_SYNC_MAX_GROUP, optarg);
      break;
    }
  }
  if (p.exit >= 0) return p.exit;
  if (cli_nargs(&p) != 2 || !out)
    return cli_usage_error(&p, "expected MODEL.json FRAMES.bin -o FILE");
  if (raw && !sync)
    return cli_usage_fail("decode", "--raw needs --sync N: without markers "
                          "the frames of a capture cannot be found");
  if (!raw && (sync || have_k || have_mode))
    return cli_usage_fail("decode", "--sync, --word-bits and --mode describe "
                          "a --raw capture; a stream file has them in its "
                          "header");
  const char *mpath = cli_arg(&p, 0), *spath = cli_arg(&p, 1);
  bsq_model m;
  int rc = cli_model_load("decode", mpath, &m);
  if (rc) return cli_exit_for(rc);
  bsq_stream st = {0};
  bsq_diag diag = {{0}};
  double *y = NULL;
  size_t ny = 0;
  bsq_sync_stats ss;
  if ((rc = raw ? read_raw(&st, spath, &m, K, mode, sync, &diag)
                : bsq_stream_read(&st, spath, &diag)) ||
      (rc = bsq_codec_decode(&m, mpath, &st, spath, &y, &ny, &ss, &diag)) ||
      (rc = bsq_codec_save_predictions(out, y, ny, &diag)))
    cli_error("decode", "%s", diag.msg);
  else if (st.sync)
    print_sync(spath, &st, &ss);
  free(y);
  bsq_stream_free(&st);
  bsq_model_free(&m);
  return cli_exit_for(rc);
}
