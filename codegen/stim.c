/* bsq — co-simulation stimulus (see stim.h).
 *
 * Legend: F features, W_f code width, [lo_f, hi_f] code range, n frames. */
#include "stim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "rng.h"

void bsq_stim_free(bsq_stim *s) {
  free(s->codes);
  memset(s, 0, sizeof *s);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The sweep list of feature f: all codes, or the interesting ones. */
static int64_t *sweep_list(const bsq_encoder *e, int f, uint64_t *len) {
  const bsq_format *fmt = &e->fmt[f];
  int64_t lo = bsq_format_lo(fmt), hi = bsq_format_hi(fmt);
  int64_t *l;
  if (fmt->width <= 16) {
    uint64_t n = (uint64_t)(hi - lo + 1);
    l = malloc(n * sizeof *l);
    if (!l) return NULL;
    for (uint64_t i = 0; i < n; i++) l[i] = lo + (int64_t)i;
    *len = n;
    return l;
  }
  int nt = e->toff[f + 1] - e->toff[f];
  l = malloc(((size_t)nt * 3 + 2) * sizeof *l);
  if (!l) return NULL;
  uint64_t n = 0;
  l[n++] = lo;
  l[n++] = hi;
  for (int j = e->toff[f]; j < e->toff[f + 1]; j++)
    for (int64_t dv = -1; dv <= 1; dv++) {
      int64_t c = e->T[j] + dv;
      if (c >= lo && c <= hi) l[n++] = c;
    }
  qsort(l, n, sizeof *l, cmp_i64);
  uint64_t u = 0;
  for (uint64_t i = 0; i < n; i++)
    if (u == 0 || l[i] != l[u - 1]) l[u++] = l[i];
  *len = u;
  return l;
}

/* Rebuilds the model's data set when its source says how. Returns 0 with
 * d filled, or non-zero with note saying why not. */
static int load_data(bsq_dataset *d, const bsq_model *m, char *note,
                     size_t cap) {
  const char *src = m->data_source;
  int rows;
  unsigned long long seed;
  memset(d, 0, sizeof *d);
  if (!src[0]) {
    snprintf(note, cap, "data set frames skipped: the model records no data "
                        "source");
    return -1;
  }
  if (sscanf(src, "friedman1:rows=%d:seed=%llu", &rows, &seed) == 2) {
    if (bsq_dataset_friedman1(d, rows, (uint64_t)seed) != BSQ_OK) {
      snprintf(note, cap, "data set frames skipped: cannot rebuild %s", src);
      return -1;
    }
  } else {
    if (access(src, R_OK) != 0) {
      snprintf(note, cap, "data set frames skipped: %s: %s", src,
               strerror(errno));
      return -1;
    }
    bsq_diag dg;
    if (bsq_dataset_load_csv(d, src, m->target, &dg) != BSQ_OK) {
      snprintf(note, cap, "data set frames skipped: %s", dg.msg);
      return -1;
    }
  }
  if (d->F != m->F) {
    snprintf(note, cap, "data set frames skipped: %s has %d features, the "
                        "model %d", src, d->F, m->F);
    bsq_dataset_free(d);
    return -1;
  }
  return 0;
}

int bsq_stim_build(bsq_stim *s, const bsq_model *m, const bsq_stim_opts *o,
                   bsq_diag *diag) {
  memset(s, 0, sizeof *s);
  const bsq_encoder *e = &m->enc;
  int F = e->F;
  s->F = F;
  int64_t **lists = calloc((size_t)F, sizeof *lists);
  uint64_t *lens = calloc((size_t)F, sizeof *lens);
  bsq_dataset data;
  int have_data = 0;
  int rc = BSQ_OK;
  memset(&data, 0, sizeof data);
  if (!lists || !lens) goto oom;
  if (o->sweep)
    for (int f = 0; f < F; f++) {
      lists[f] = sweep_list(e, f, &lens[f]);
      if (!lists[f]) goto oom;
      if (lens[f] > s->n_sweep) s->n_sweep = lens[f];
    }
  s->n_random = o->random_frames;
  if (o->data_frames > 0) {
    have_data = load_data(&data, m, s->note, sizeof s->note) == 0;
    if (have_data)
      s->n_data = (uint64_t)data.rows < o->data_frames ? (uint64_t)data.rows
                                                       : o->data_frames;
  }
  s->n = s->n_sweep + s->n_random + s->n_data;
  if (s->n == 0) {
    rc = bsq_diag_set(diag, BSQ_EINVAL, "no stimulus frames");
    goto done;
  }
  s->codes = malloc(s->n * (uint64_t)F * sizeof *s->codes);
  if (!s->codes) goto oom;
  int64_t *c = s->codes;
  /* sweep: feature f starts its list at a feature-dependent offset so that
   * features do not move in lockstep */
  for (uint64_t i = 0; i < s->n_sweep; i++)
    for (int f = 0; f < F; f++)
      *c++ = lists[f][(i + (uint64_t)f * 7919u) % lens[f]];
  bsq_rng r;
  bsq_rng_seed(&r, o->seed);
  for (uint64_t i = 0; i < s->n_random; i++)
    for (int f = 0; f < F; f++) {
      const bsq_format *fmt = &e->fmt[f];
      int64_t lo = bsq_format_lo(fmt), hi = bsq_format_hi(fmt), v;
      int nt = e->toff[f + 1] - e->toff[f]; /* 0: a feature of 0 bits */
      if (bsq_rng_below(&r, 2) == 0 || nt == 0) {
        v = lo + (int64_t)bsq_rng_below(&r, (uint64_t)(hi - lo) + 1);
      } else {
        int64_t t = e->T[e->toff[f] + (int)bsq_rng_below(&r, (uint64_t)nt)];
        v = t + (int64_t)bsq_rng_below(&r, 3) - 1;
        if (v < lo) v = lo;
        if (v > hi) v = hi;
      }
      *c++ = v;
    }
  for (uint64_t i = 0; i < s->n_data; i++)
    for (int f = 0; f < F; f++)
      *c++ = bsq_format_code(&e->fmt[f], data.x[i * (uint64_t)F + (uint64_t)f]);
  goto done;
oom:
  rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
done:
  if (lists)
    for (int f = 0; f < F; f++) free(lists[f]);
  free(lists);
  free(lens);
  if (have_data) bsq_dataset_free(&data);
  if (rc != BSQ_OK) {
    free(s->codes);
    s->codes = NULL;
  }
  return rc;
}

int bsq_stim_write(const bsq_stim *s, const bsq_model *m, const char *path,
                   bsq_diag *diag) {
  bsq_vec_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, BSQ_VEC_MAGIC, sizeof h.magic);
  h.F = (uint32_t)s->F;
  h.B = (uint32_t)m->enc.B;
  h.nframes = s->n;
  h.n_sweep = s->n_sweep;
  h.n_random = s->n_random;
  h.n_data = s->n_data;
  h.model_hash = bsq_model_hash(m);
  bsq_atomic_file af;
  int rc = bsq_atomic_open(&af, path, diag);
  if (rc) return rc;
  FILE *fp = af.fp;
  int ok = fwrite(&h, sizeof h, 1, fp) == 1 &&
           fwrite(s->codes, sizeof *s->codes, s->n * (uint64_t)s->F, fp) ==
               s->n * (uint64_t)s->F;
  return bsq_atomic_close(&af, ok, diag);
}

/* Writes `bits` bits of buf (little-endian bytes) as hex, MSB first. */
void bsq_stim_put_hex(FILE *fp, const uint8_t *buf, int bits) {
  int digits = (bits + 3) / 4;
  for (int dgt = digits - 1; dgt >= 0; dgt--) {
    int v = 0;
    for (int k = 3; k >= 0; k--) {
      int bit = dgt * 4 + k;
      v <<= 1;
      if (bit < bits) v |= (buf[bit >> 3] >> (bit & 7)) & 1;
    }
    fputc("0123456789abcdef"[v], fp);
  }
  fputc('\n', fp);
}

/* The flush flags of the hex files: one in 8, from their own generator. */
static void flush_rng(bsq_rng *r, uint64_t seed) {
  bsq_rng_seed(r, seed ^ 0x666c757368ULL); /* "flush" */
}

/* A {tlast, word} line of expect.hex for each of n words. */
static void put_words(FILE *fp, const uint64_t *words, const uint8_t *last,
                      int n, int K) {
  uint8_t wbuf[9];
  for (int w = 0; w < n; w++) {
    for (int b = 0; b < 8; b++) wbuf[b] = (uint8_t)(words[w] >> (8 * b));
    wbuf[8] = 0;
    /* {tlast, word}: tlast is bit K */
    wbuf[K >> 3] = (uint8_t)(wbuf[K >> 3] | (last[w] << (K & 7)));
    bsq_stim_put_hex(fp, wbuf, K + 1);
  }
}

int bsq_stim_write_hex(const bsq_stim *s, const bsq_model *m, int K,
                       bsq_mode mode, int sync, uint64_t seed, const char *dir,
                       uint64_t *nwords, bsq_diag *diag) {
  const bsq_encoder *e = &m->enc;
  int F = e->F, in_bits = bsq_tdata_bits(e);
  char pf[4096], pe[4096];
  snprintf(pf, sizeof pf, "%s/frames.hex", dir);
  snprintf(pe, sizeof pe, "%s/expect.hex", dir);
  bsq_atomic_file aff = {0}, afe = {0};
  int open_f = bsq_atomic_open(&aff, pf, diag) == BSQ_OK;
  int open_e = open_f && bsq_atomic_open(&afe, pe, diag) == BSQ_OK;
  FILE *ff = aff.fp, *fe = afe.fp;
  uint8_t *tdata = calloc((size_t)bsq_tdata_bytes(e) + 8, 1);
  uint8_t *levels = malloc((size_t)F);
  uint8_t *frame = malloc((size_t)bsq_frame_bytes(e));
  int maxw = sync ? bsq_framer_max_words(e->B, K) : bsq_packer_max_words(e->B, K);
  uint64_t *words = malloc((size_t)maxw * sizeof *words);
  uint8_t *last = malloc((size_t)maxw);
  int rc = BSQ_OK;
  if (!open_f || !open_e) { /* diag says which and why */
    rc = BSQ_EIO;
    goto done;
  }
  if (!tdata || !levels || !frame || !words || !last) {
    rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    goto done;
  }
  bsq_packer pk;
  bsq_packer_init(&pk, e->B, K, mode);
  bsq_framer fr;
  bsq_rng fl;
  *nwords = 0;
  if (sync) { /* the marker the reset starts with */
    bsq_framer_init(&fr, e->B, K, mode, sync);
    flush_rng(&fl, seed);
    int n = bsq_framer_reset(&fr, words, last);
    put_words(fe, words, last, n, K);
    *nwords += (uint64_t)n;
  }
  for (uint64_t i = 0; i < s->n; i++) {
    const int64_t *codes = s->codes + i * (uint64_t)F;
    bsq_tdata_pack(e, codes, tdata);
    int n;
    if (sync) {
      int flush = bsq_rng_below(&fl, 8) == 0 || i + 1 == s->n;
      /* {tuser, tdata}: tuser is bit in_bits (its byte may lie past the
       * ones bsq_tdata_pack writes: cleared first) */
      if ((in_bits & 7) == 0) tdata[in_bits >> 3] = 0;
      tdata[in_bits >> 3] =
          (uint8_t)(tdata[in_bits >> 3] | (flush << (in_bits & 7)));
      bsq_stim_put_hex(ff, tdata, in_bits + 1);
      bsq_encoder_levels(e, codes, levels);
      bsq_frame_pack(e, levels, frame);
      n = bsq_framer_push(&fr, frame, flush, words, last);
    } else {
      bsq_stim_put_hex(ff, tdata, in_bits);
      n = bsq_encode_push(e, &pk, codes, levels, frame, words, last);
    }
    put_words(fe, words, last, n, K);
    *nwords += (uint64_t)n;
  }
done:
  if (ff) {
    int r = bsq_atomic_close(&aff, rc == BSQ_OK, rc == BSQ_OK ? diag : NULL);
    if (rc == BSQ_OK) rc = r;
  }
  if (fe) {
    int r = bsq_atomic_close(&afe, rc == BSQ_OK, rc == BSQ_OK ? diag : NULL);
    if (rc == BSQ_OK) rc = r;
  }
  free(tdata);
  free(levels);
  free(frame);
  free(words);
  free(last);
  return rc;
}

/* ---- serial input: beats ------------------------------------------------- */

void bsq_beats_free(bsq_beats *bt) {
  free(bt->beat);
  memset(bt, 0, sizeof *bt);
}

int bsq_stim_beats(bsq_beats *bt, const bsq_stim *s, const bsq_model *m,
                   uint64_t bad_every, bsq_diag *diag) {
  memset(bt, 0, sizeof *bt);
  int F = m->enc.F;
  /* at most F + 3 beats per frame */
  bt->beat = malloc((size_t)(s->n * (uint64_t)(F + 3)) * sizeof *bt->beat);
  if (!bt->beat) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  uint64_t nb = 0, nbad = 0;
  for (uint64_t i = 0; i < s->n; i++) {
    const int64_t *codes = s->codes + i * (uint64_t)F;
    uint64_t r = i - s->n_sweep; /* index in the random section */
    int bad = bad_every > 0 && i >= s->n_sweep &&
              i < s->n_sweep + s->n_random && r % bad_every == bad_every / 2;
    int early = bad && F > 1 && nbad % 2 == 0;
    int stop = early ? (int)((nbad / 2) % (uint64_t)(F - 1)) : F - 1;
    for (int c = 0; c <= stop; c++) {
      bsq_beat *b = &bt->beat[nb++];
      b->code = codes[c];
      b->frame = (int64_t)i;
      b->chan = c;
      b->tlast = c == stop && !(bad && !early);
    }
    if (bad && !early) { /* late: extra beats, tlast on the last */
      int extra = 1 + (int)(nbad % 3);
      for (int k = 0; k < extra; k++) {
        bsq_beat *b = &bt->beat[nb++];
        b->chan = k % F;
        b->code = codes[b->chan];
        b->frame = -1;
        b->tlast = k == extra - 1;
      }
    }
    if (bad) {
      if (early) bt->n_early++;
      else bt->n_late++;
      nbad++;
    }
  }
  bt->n = nb;
  return BSQ_OK;
}

int bsq_beats_write(const bsq_beats *bt, const bsq_stim *s,
                    const bsq_model *m, const char *path, bsq_diag *diag) {
  bsq_beat_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, BSQ_BEAT_MAGIC, sizeof h.magic);
  h.F = (uint32_t)m->enc.F;
  h.B = (uint32_t)m->enc.B;
  h.nbeats = bt->n;
  h.nframes = s->n;
  h.n_early = bt->n_early;
  h.n_late = bt->n_late;
  h.model_hash = bsq_model_hash(m);
  bsq_atomic_file af;
  int rc = bsq_atomic_open(&af, path, diag);
  if (rc) return rc;
  int ok = fwrite(&h, sizeof h, 1, af.fp) == 1 &&
           fwrite(bt->beat, sizeof *bt->beat, bt->n, af.fp) == bt->n;
  return bsq_atomic_close(&af, ok, diag);
}

int bsq_beats_write_hex(const bsq_beats *bt, const bsq_model *m, int K,
                        bsq_mode mode, int sync, uint64_t seed,
                        const char *dir, uint64_t *nwords, int *err,
                        unsigned *drops, bsq_diag *diag) {
  const bsq_encoder *e = &m->enc;
  int TW = bsq_serial_tdata_bits(e);
  char pb[4096], pe[4096];
  snprintf(pb, sizeof pb, "%s/beats.hex", dir);
  snprintf(pe, sizeof pe, "%s/expect.hex", dir);
  bsq_serial sr;
  int rc = bsq_serial_init(&sr, e, K, mode);
  if (rc) return bsq_diag_set(diag, rc, "out of memory");
  int maxw = sync ? bsq_framer_max_words(e->B, K) : bsq_packer_max_words(e->B, K);
  uint64_t *words = malloc((size_t)maxw * sizeof *words);
  uint8_t *last = malloc((size_t)maxw);
  bsq_atomic_file afb = {0}, afe = {0};
  bsq_framer fr;
  bsq_rng fl;
  int open_b = 0, open_e = 0;
  if (!words || !last) {
    rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    goto done;
  }
  if ((rc = bsq_atomic_open(&afb, pb, diag))) goto done;
  open_b = 1;
  if ((rc = bsq_atomic_open(&afe, pe, diag))) goto done;
  open_e = 1;
  *nwords = 0;
  if (sync) { /* the marker the reset starts with */
    bsq_framer_init(&fr, e->B, K, mode, sync);
    flush_rng(&fl, seed);
    int n = bsq_framer_reset(&fr, words, last);
    put_words(afe.fp, words, last, n, K);
    *nwords += (uint64_t)n;
  }
  uint8_t buf[9];
  for (uint64_t i = 0; i < bt->n; i++) {
    const bsq_beat *b = &bt->beat[i];
    uint64_t td = bsq_serial_tdata(e, b->chan, b->code);
    int flush = sync && (bsq_rng_below(&fl, 8) == 0 || i + 1 == bt->n);
    for (int k = 0; k < 8; k++) buf[k] = (uint8_t)(td >> (8 * k));
    buf[8] = 0;
    /* {tuser, tlast, tdata}: tlast is bit TW, tuser bit TW + 1 */
    buf[TW >> 3] = (uint8_t)(buf[TW >> 3] | ((b->tlast != 0) << (TW & 7)));
    buf[(TW + 1) >> 3] =
        (uint8_t)(buf[(TW + 1) >> 3] | (flush << ((TW + 1) & 7)));
    bsq_stim_put_hex(afb.fp, buf, TW + 1 + (sync != 0));
    int n = 0;
    int st = bsq_serial_push(&sr, b->code, b->tlast, words, last, &n);
    /* with sync the frame goes through the framer instead */
    if (sync)
      n = st == BSQ_SERIAL_FRAME ? bsq_framer_push(&fr, sr.frame, flush, words, last)
                                 : 0;
    put_words(afe.fp, words, last, n, K);
    *nwords += (uint64_t)n;
  }
  *err = sr.err;
  *drops = sr.drops;
done:
  if (open_b) {
    int r = bsq_atomic_close(&afb, rc == BSQ_OK, rc == BSQ_OK ? diag : NULL);
    if (rc == BSQ_OK) rc = r;
  }
  if (open_e) {
    int r = bsq_atomic_close(&afe, rc == BSQ_OK, rc == BSQ_OK ? diag : NULL);
    if (rc == BSQ_OK) rc = r;
  }
  free(words);
  free(last);
  bsq_serial_free(&sr);
  return rc;
}
