/* Check suite for model/sync.c (frame sync: the marker, the framer and the
 * receiver) and the framed stream through the stream file and the codec. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "data.h"
#include "model.h"
#include "rng.h"
#include "stream.h"
#include "sync.h"
#include "testutil.h"
#include "train.h"

static int bit_of(const uint8_t *frame, int j) { return frame[j / 8] >> (j % 8) & 1; }

/* The marker is long enough (>= 32 bits, >= K) in whole slots, and its
 * bits are one sequence whatever the slot width: slots of B bits and of
 * B' bits spell the same first bits. */
START_TEST(test_sync_marker_layout) {
  uint8_t a[128], b[128];
  for (int K = 1; K <= 64; K += 7)
    for (int B = 1; B <= 90; B += 3) {
      int M = bsq_sync_marker_slots(B, K);
      ck_assert_int_ge(M * B, BSQ_SYNC_MIN_BITS);
      ck_assert_int_ge(M * B, K);
      ck_assert_int_lt((M - 1) * B, BSQ_SYNC_MIN_BITS > K ? BSQ_SYNC_MIN_BITS : K);
      int ones = 0;
      for (int i = 0; i < M; i++) {
        bsq_sync_marker_slot(B, K, i, a);
        for (int j = 0; j < B; j++) {
          int t = i * B + j; /* marker bit t, in 1-bit slots */
          bsq_sync_marker_slot(1, K, t, b);
          ck_assert_int_eq(bit_of(a, j), bit_of(b, 0));
          ones += bit_of(a, j);
        }
        for (int j = B; j < (B + 7) / 8 * 8; j++) ck_assert_int_eq(bit_of(a, j), 0);
      }
      ck_assert_int_gt(ones, 0); /* not all zeros ... */
      ck_assert_int_lt(ones, M * B); /* ... nor all ones */
    }
  /* balanced, without long runs: frames of low levels (mostly zero bits)
   * must be far from it */
  uint8_t c[8];
  int ones = 0, run = 0, longest = 0, prev = -1;
  for (int t = 0; t < 32; t++) {
    bsq_sync_marker_slot(1, 32, t, c);
    int v = bit_of(c, 0);
    ones += v;
    run = v == prev ? run + 1 : 1;
    prev = v;
    if (run > longest) longest = run;
  }
  ck_assert_int_ge(ones, 12);
  ck_assert_int_le(ones, 20);
  ck_assert_int_le(longest, 10);
}
END_TEST

/* A framed stream: frames, their flush flags, the words the framer wrote
 * from reset on, and the word that starts each group's marker and each
 * group's first frame index. */
typedef struct {
  int B, K, N, fb;
  bsq_mode mode;
  int n;
  uint8_t *frames, *flush;
  uint64_t *words;
  uint64_t nwords;
  int ngroups;
  uint64_t *gword; /* (ngroups + 1): first word holding group g's marker */
  int *gframe;     /* (ngroups + 1): index of group g's first frame */
} framed;

static void framed_make(framed *s, int B, int K, bsq_mode mode, int N, int n,
                        double p_flush, uint64_t seed) {
  bsq_rng r;
  bsq_rng_seed(&r, seed);
  s->B = B, s->K = K, s->N = N, s->mode = mode, s->n = n;
  s->fb = (B + 7) / 8;
  s->frames = calloc((size_t)n, (size_t)s->fb);
  s->flush = calloc((size_t)n, 1);
  int maxw = bsq_framer_max_words(B, K);
  s->words = malloc(sizeof(uint64_t) * (size_t)(n + 1) * (size_t)maxw);
  uint8_t *tl = malloc((size_t)maxw);
  s->gword = malloc(sizeof(uint64_t) * (size_t)(n + 2));
  s->gframe = malloc(sizeof(int) * (size_t)(n + 2));
  bsq_framer f;
  bsq_framer_init(&f, B, K, mode, N);
  /* the word a group's marker starts in: the packer's partial word then */
  s->gword[0] = 0;
  s->gframe[0] = 0;
  s->ngroups = 0;
  uint64_t w = (uint64_t)bsq_framer_reset(&f, s->words, tl);
  for (int i = 0; i < n; i++) {
    uint8_t *fr = s->frames + (size_t)i * (size_t)s->fb;
    for (int j = 0; j < B; j++)
      fr[j / 8] = (uint8_t)(fr[j / 8] | (bsq_rng_next(&r) >> 40 & 1) << (j % 8));
    s->flush[i] = (uint8_t)(i == n - 1 || bsq_rng_uniform(&r) < p_flush);
    int ends = f.in_group + 1 == N || s->flush[i];
    uint64_t before = w;
    int nacc = f.pk.nacc;
    w += (uint64_t)bsq_framer_push(&f, fr, s->flush[i], s->words + w, tl);
    if (ends) { /* where the next marker starts: after this frame's bits */
      int data_words = mode == BSQ_MODE_ALIGNED ? (B + K - 1) / K
                                                : (nacc + B) / K;
      s->ngroups++;
      s->gword[s->ngroups] = before + (uint64_t)data_words;
      s->gframe[s->ngroups] = i + 1;
    }
  }
  s->nwords = w;
  free(tl);
}

static void framed_free(framed *s) {
  free(s->frames);
  free(s->flush);
  free(s->words);
  free(s->gword);
  free(s->gframe);
}

static uint8_t *unpack(const framed *s, const uint64_t *words, uint64_t nwords,
                       bsq_sync_stats *st) {
  uint64_t cap = bsq_sync_max_frames(nwords, s->B, s->K, s->mode);
  uint8_t *out = malloc((size_t)(cap + 1) * (size_t)s->fb);
  ck_assert_int_eq(bsq_sync_unpack(words, nwords, s->B, s->K, s->mode, s->N,
                                   s->fb, out, st), 0);
  ck_assert_uint_le(st->frames, cap);
  return out;
}

static const struct {
  int B, K;
  bsq_mode mode;
  int N;
} shapes[] = {
    {40, 32, BSQ_MODE_CONTINUOUS, 4}, {80, 7, BSQ_MODE_CONTINUOUS, 3},
    {5, 32, BSQ_MODE_CONTINUOUS, 16}, {16, 16, BSQ_MODE_CONTINUOUS, 8},
    {13, 8, BSQ_MODE_ALIGNED, 5},     {40, 32, BSQ_MODE_ALIGNED, 1},
    {3, 64, BSQ_MODE_CONTINUOUS, 2},  {1, 1, BSQ_MODE_CONTINUOUS, 7},
    {33, 64, BSQ_MODE_ALIGNED, 2},    {24, 8, BSQ_MODE_CONTINUOUS, 65535},
};
#define NSHAPES (int)(sizeof shapes / sizeof shapes[0])

/* Undamaged, every frame comes back, in its groups, with nothing lost. */
START_TEST(test_sync_round_trip) {
  for (int t = 0; t < NSHAPES; t++)
    for (int k = 0; k < 3; k++) {
      framed s;
      double pf = k == 0 ? 0.0 : k == 1 ? 0.1 : 0.6;
      framed_make(&s, shapes[t].B, shapes[t].K, shapes[t].mode, shapes[t].N,
                  200, pf, 11u + (uint64_t)(t * 3 + k));
      bsq_sync_stats st;
      uint8_t *out = unpack(&s, s.words, s.nwords, &st);
      ck_assert_msg(st.frames == (uint64_t)s.n, "shape %d: %llu of %d frames",
                    t, (unsigned long long)st.frames, s.n);
      ck_assert_int_eq((int)st.groups, s.ngroups);
      ck_assert_int_eq((int)(st.resyncs + st.skipped_bits + st.dropped_frames +
                             st.tail_frames), 0);
      ck_assert_int_eq(memcmp(out, s.frames, (size_t)s.n * (size_t)s.fb), 0);
      free(out);
      framed_free(&s);
    }
}
END_TEST

/* Frame i of s in out[]? The delivered frames must be the sent ones, in
 * order, with whole groups missing at most: a subsequence of s. */
static void check_subsequence(const framed *s, const uint8_t *out, uint64_t n,
                              int *got /* (s->n) */, const char *what) {
  int i = 0;
  for (uint64_t k = 0; k < n; k++) {
    while (i < s->n && memcmp(out + k * (uint64_t)s->fb,
                              s->frames + (size_t)i * (size_t)s->fb,
                              (size_t)s->fb) != 0)
      i++;
    ck_assert_msg(i < s->n, "%s: delivered frame %llu was never sent", what,
                  (unsigned long long)k);
    got[i++] = 1;
  }
}

/* A lost word costs the group it falls in (and the next, when it held a
 * marker); the receiver finds the next marker, and every other group comes
 * back whole. */
START_TEST(test_sync_lost_word_resyncs) {
  for (int t = 0; t < NSHAPES; t++) {
    framed s;
    framed_make(&s, shapes[t].B, shapes[t].K, shapes[t].mode, shapes[t].N, 300,
                0.05, 101u + (uint64_t)t);
    bsq_rng r;
    bsq_rng_seed(&r, 7u + (uint64_t)t);
    uint64_t *cut = malloc(sizeof(uint64_t) * (size_t)s.nwords);
    int *got = malloc(sizeof(int) * (size_t)s.n);
    for (int trial = 0; trial < 8; trial++) {
      /* a word well inside the stream, away from its first marker */
      uint64_t lost = s.nwords / 4 + bsq_rng_below(&r, s.nwords / 2);
      memcpy(cut, s.words, sizeof(uint64_t) * (size_t)lost);
      memcpy(cut + lost, s.words + lost + 1,
             sizeof(uint64_t) * (size_t)(s.nwords - lost - 1));
      bsq_sync_stats st;
      uint8_t *out = unpack(&s, cut, s.nwords - 1, &st);
      memset(got, 0, sizeof(int) * (size_t)s.n);
      char what[64];
      snprintf(what, sizeof what, "shape %d, word %llu lost", t,
               (unsigned long long)lost);
      check_subsequence(&s, out, st.frames, got, what);
      /* one word lost: what comes back is the frames sent before the damage,
       * something of the damaged groups, and the frames sent after it;
       * frames repeat, so the two ends are matched as sequences (each on
       * its own: a repeated frame may let them overlap) */
      int nd = (int)st.frames, pre = 0, suf = 0;
      size_t fb = (size_t)s.fb;
      while (pre < nd && pre < s.n &&
             !memcmp(out + (size_t)pre * fb, s.frames + (size_t)pre * fb, fb))
        pre++;
      while (suf < nd && suf < s.n &&
             !memcmp(out + (size_t)(nd - 1 - suf) * fb,
                     s.frames + (size_t)(s.n - 1 - suf) * fb, fb))
        suf++;
      /* groups clear of the lost word, both markers included, are whole */
      int missing_groups = 0;
      for (int g = 0; g < s.ngroups; g++) {
        uint64_t first = s.gword[g], last = s.gword[g + 1] +
            (uint64_t)((bsq_sync_marker_slots(s.B, s.K) *
                        (s.mode == BSQ_MODE_ALIGNED ? (s.B + s.K - 1) / s.K * s.K
                                                    : s.B) +
                        s.K - 1) / s.K);
        int clear = lost < first || lost > last;
        int whole = s.gframe[g + 1] <= pre || s.gframe[g] >= s.n - suf;
        if (clear)
          ck_assert_msg(whole, "shape %d, word %llu lost: group %d (words "
                        "%llu..%llu) is not whole", t,
                        (unsigned long long)lost, g, (unsigned long long)first,
                        (unsigned long long)last);
        missing_groups += !whole;
      }
      ck_assert_int_le(missing_groups, 3);
      free(out);
    }
    free(cut);
    free(got);
    framed_free(&s);
  }
}
END_TEST

/* A damaged marker, and a garbage word added: the same, and a capture that
 * starts mid-stream is found from its first whole marker. */
START_TEST(test_sync_damage_and_late_start) {
  framed s;
  framed_make(&s, 40, 32, BSQ_MODE_CONTINUOUS, 4, 200, 0.0, 5);
  int *got = malloc(sizeof(int) * (size_t)s.n);
  uint64_t *w = malloc(sizeof(uint64_t) * (size_t)(s.nwords + 1));
  bsq_sync_stats st;
  /* flip a bit of group 10's marker: groups 9 and 10 are lost */
  memcpy(w, s.words, sizeof(uint64_t) * (size_t)s.nwords);
  w[s.gword[10] + 1] ^= 1u << 3;
  uint8_t *out = unpack(&s, w, s.nwords, &st);
  memset(got, 0, sizeof(int) * (size_t)s.n);
  check_subsequence(&s, out, st.frames, got, "damaged");
  ck_assert_int_eq((int)st.frames, s.n - 8);
  ck_assert_int_eq((int)st.resyncs, 1);
  ck_assert_int_eq((int)st.dropped_frames, 4);
  ck_assert_int_eq(got[36] + got[39] + got[40] + got[43], 0); /* groups 9, 10 */
  ck_assert_int_eq(got[35] + got[44], 2);
  free(out);
  /* a garbage word added inside group 20 */
  uint64_t at = s.gword[20] + 3;
  memcpy(w, s.words, sizeof(uint64_t) * (size_t)at);
  w[at] = 0x5a5a5a5au;
  memcpy(w + at + 1, s.words + at, sizeof(uint64_t) * (size_t)(s.nwords - at));
  out = unpack(&s, w, s.nwords + 1, &st);
  memset(got, 0, sizeof(int) * (size_t)s.n);
  check_subsequence(&s, out, st.frames, got, "damaged");
  ck_assert_int_eq((int)st.frames, s.n - 4);
  ck_assert_int_eq((int)st.resyncs, 1);
  free(out);
  /* the capture starts 3 words after group 30's marker began */
  uint64_t from = s.gword[30] + 3;
  out = unpack(&s, s.words + from, s.nwords - from, &st);
  ck_assert_int_eq((int)st.frames, s.n - 31 * 4);
  ck_assert_int_eq((int)st.resyncs, 0);
  ck_assert_uint_gt(st.skipped_bits, 0);
  ck_assert_int_eq(memcmp(out, s.frames + 31 * 4 * s.fb,
                          (size_t)st.frames * (size_t)s.fb), 0);
  free(out);
  /* and a capture cut short: the last group's marker not seen */
  uint64_t to = s.gword[s.ngroups - 1] + 5;
  out = unpack(&s, s.words, to, &st);
  ck_assert_int_eq((int)st.frames, (s.ngroups - 1) * 4);
  ck_assert_uint_gt(st.tail_frames, 0);
  free(out);
  free(w);
  free(got);
  framed_free(&s);
}
END_TEST

START_TEST(test_sync_rejects_bad_parameters) {
  uint64_t w[1] = {0};
  uint8_t fr[8];
  bsq_sync_stats st;
  ck_assert_int_eq(bsq_sync_unpack(w, 1, 0, 8, BSQ_MODE_CONTINUOUS, 4, 8, fr, &st),
                   BSQ_EINVAL);
  ck_assert_int_eq(bsq_sync_unpack(w, 1, 8, 65, BSQ_MODE_CONTINUOUS, 4, 8, fr, &st),
                   BSQ_EINVAL);
  ck_assert_int_eq(bsq_sync_unpack(w, 1, 8, 8, BSQ_MODE_CONTINUOUS, 0, 8, fr, &st),
                   BSQ_EINVAL);
  ck_assert_int_eq(bsq_sync_unpack(w, 1, 8, 8, BSQ_MODE_CONTINUOUS,
                                   BSQ_SYNC_MAX_GROUP + 1, 8, fr, &st),
                   BSQ_EINVAL);
  ck_assert_int_eq(bsq_sync_unpack(w, 1, 64, 8, BSQ_MODE_CONTINUOUS, 4, 7, fr, &st),
                   BSQ_EINVAL);
}
END_TEST

/* encode --sync N / decode through the stream file: the predictions are
 * the hardware path's; with a word lost, the rest still decodes to its
 * rows' predictions and the loss is reported. */
START_TEST(test_sync_codec_round_trip) {
  bsq_train_cfg c;
  bsq_diag diag = {{0}};
  bsq_train_cfg_default(&c);
  c.epochs = 1;
  c.nhidden = 1;
  c.hidden[0] = 4;
  bsq_model m;
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 300, 0), 0);
  ck_assert_msg(bsq_train(&m, &d, &c, NULL, NULL, &diag) == 0, "%s", diag.msg);
  double *ref = malloc(sizeof(double) * (size_t)d.rows);
  ck_assert_int_eq(bsq_model_predict_hw(&m, d.x, d.rows, 32,
                                        BSQ_MODE_CONTINUOUS, ref), 0);
  char *dir = tu_tmpdir("sync_codec");
  char path[512];
  snprintf(path, sizeof path, "%s/f.bin", dir);
  static const struct { int K; bsq_mode mode; int N; } cases[] = {
      {32, BSQ_MODE_CONTINUOUS, 8}, {7, BSQ_MODE_ALIGNED, 3}, {5, BSQ_MODE_CONTINUOUS, 1}};
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
    bsq_stream st, rd;
    ck_assert_msg(bsq_codec_encode(&st, &m, &d, NULL, 0, cases[t].K,
                                   cases[t].mode, cases[t].N, &diag) == 0,
                  "%s", diag.msg);
    ck_assert_int_eq(bsq_stream_write(&st, path, &diag), 0);
    ck_assert_msg(bsq_stream_read(&rd, path, &diag) == 0, "%s", diag.msg);
    ck_assert_int_eq(rd.sync, cases[t].N);
    ck_assert_uint_eq(rd.nwords, st.nwords);
    double *y;
    size_t ny;
    bsq_sync_stats ss;
    ck_assert_int_eq(bsq_codec_decode(&m, "m", &rd, "s", &y, &ny, &ss, &diag), 0);
    ck_assert_uint_eq(ny, (size_t)d.rows);
    ck_assert_uint_eq(ss.resyncs + ss.dropped_frames + ss.tail_frames, 0);
    for (int i = 0; i < d.rows; i++)
      ck_assert_double_eq_tol(y[i], ref[i] * m.y_sigma + m.y_mu, 1e-9);
    free(y);
    /* a word lost in the middle */
    uint64_t lost = rd.nwords / 2;
    memmove(rd.words + lost, rd.words + lost + 1,
            sizeof(uint64_t) * (size_t)(rd.nwords - lost - 1));
    rd.nwords--;
    ck_assert_int_eq(bsq_codec_decode(&m, "m", &rd, "s", &y, &ny, &ss, &diag), 0);
    ck_assert_uint_lt(ny, (size_t)d.rows);
    ck_assert_uint_ge(ny + 3u * (size_t)cases[t].N + 1u, (size_t)d.rows);
    ck_assert_uint_eq(ny, ss.frames);
    free(y);
    bsq_stream_free(&st);
    bsq_stream_free(&rd);
  }
  /* a header with a group beyond 65535 is refused, naming the file */
  bsq_stream st;
  ck_assert_int_eq(bsq_codec_encode(&st, &m, &d, NULL, 0, 32,
                                    BSQ_MODE_CONTINUOUS, 4, &diag), 0);
  uint8_t *buf;
  size_t len;
  ck_assert_int_eq(bsq_stream_encode(&st, &buf, &len), 0);
  buf[28] = 0xff, buf[29] = 0xff, buf[30] = 0x01;
  bsq_stream bad;
  ck_assert_int_eq(bsq_stream_decode(&bad, buf, len, "x.bin", &diag), BSQ_EFORMAT);
  ck_assert_msg(strstr(diag.msg, "x.bin") && strstr(diag.msg, "frame-sync"),
                "%s", diag.msg);
  free(buf);
  bsq_stream_free(&st);
  free(ref);
  free(dir);
  bsq_model_free(&m);
  bsq_dataset_free(&d);
}
END_TEST

/* The command line: encode --sync, decode of the file, and decode --raw of
 * the words alone (the header cut off), whole and with a word cut out. */
START_TEST(test_sync_cli_raw_capture) {
  char *dir = tu_tmpdir("sync_cli");
  char args[4096], model[1024], f[1024], raw[1024], cut[1024], p1[1024], p2[1024];
  snprintf(model, sizeof model, "%s/m.json", dir);
  snprintf(f, sizeof f, "%s/f.bin", dir);
  snprintf(raw, sizeof raw, "%s/raw.bin", dir);
  snprintf(cut, sizeof cut, "%s/cut.bin", dir);
  snprintf(p1, sizeof p1, "%s/p1.csv", dir);
  snprintf(p2, sizeof p2, "%s/p2.csv", dir);
  snprintf(args, sizeof args, "train --data friedman1 --rows 600 --bits 3 "
           "--hidden 1x8 --epochs 1 -o '%s'", model);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "encode '%s' --data friedman1 --word-bits 7 "
           "--sync 5 -o '%s'", model, f);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "decode '%s' '%s' -o '%s'", model, f, p1);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  size_t len;
  char *file = tu_read(f, &len), *want = tu_read(p1, NULL);
  ck_assert_uint_gt(len, BSQ_STREAM_HEADER);
  FILE *fp = fopen(raw, "wb");
  fwrite(file + BSQ_STREAM_HEADER, 1, len - BSQ_STREAM_HEADER, fp);
  fclose(fp);
  char *err = NULL;
  snprintf(args, sizeof args, "decode '%s' '%s' --raw --sync 5 --word-bits 7 "
           "-o '%s'", model, raw, p2);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 0);
  ck_assert_msg(!strstr(err, "warning"), "%s", err);
  free(err);
  char *got = tu_read(p2, NULL);
  ck_assert_str_eq(got, want);
  free(got);
  /* one word (one byte at K = 7) cut out of the middle */
  size_t body = len - BSQ_STREAM_HEADER, at = body / 2;
  fp = fopen(cut, "wb");
  fwrite(file + BSQ_STREAM_HEADER, 1, at, fp);
  fwrite(file + BSQ_STREAM_HEADER + at + 1, 1, body - at - 1, fp);
  fclose(fp);
  snprintf(args, sizeof args, "decode '%s' '%s' --raw --sync 5 --word-bits 7 "
           "-o '%s'", model, cut, p2);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 0);
  ck_assert_msg(strstr(err, "warning: sync lost"), "%s", err);
  free(err);
  got = tu_read(p2, NULL);
  int lines_want = 0, lines_got = 0;
  for (const char *c = want; *c; c++) lines_want += *c == '\n';
  for (const char *c = got; *c; c++) lines_got += *c == '\n';
  ck_assert_int_lt(lines_got, lines_want);
  ck_assert_int_ge(lines_got, lines_want - 10); /* two groups of 5 at most */
  free(got);
  /* bad uses: --raw without --sync, --sync without --raw, a torn word */
  snprintf(args, sizeof args, "decode '%s' '%s' --raw -o '%s'", model, raw, p2);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 1); /* usage */
  ck_assert_msg(strstr(err, "--raw needs --sync N"), "%s", err);
  free(err);
  snprintf(args, sizeof args, "decode '%s' '%s' --sync 5 -o '%s'", model, f, p2);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 1);
  ck_assert_msg(strstr(err, "describe a --raw capture"), "%s", err);
  free(err);
  snprintf(args, sizeof args, "decode '%s' '%s' --raw --sync 5 --word-bits 12 "
           "-o '%s'", model, raw, p2);
  int rc = tu_bsq(args, NULL, &err);
  ck_assert_msg(rc == 2 && (strstr(err, "whole number of 12-bit words") ||
                            strstr(err, "bits set above bit 11")),
                "%d: %s", rc, err);
  ck_assert_ptr_nonnull(strstr(err, "raw.bin"));
  free(err);
  free(file);
  free(want);
  free(dir);
}
END_TEST

Suite *sync_suite(void);
Suite *sync_suite(void) {
  Suite *s = suite_create("sync");
  TCase *core = tcase_create("Core");
  tcase_set_timeout(core, 120);
  tcase_add_test(core, test_sync_marker_layout);
  tcase_add_test(core, test_sync_round_trip);
  tcase_add_test(core, test_sync_lost_word_resyncs);
  tcase_add_test(core, test_sync_damage_and_late_start);
  tcase_add_test(core, test_sync_rejects_bad_parameters);
  tcase_add_test(core, test_sync_codec_round_trip);
  tcase_add_test(core, test_sync_cli_raw_capture);
  suite_add_tcase(s, core);
  return s;
}
