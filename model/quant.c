/* bsq — the integer path: formats, integer thresholds, levels, frames and
 * the stream packer (docs/design.md, section 2). The RTL matches this
 * file bit for bit, so everything after bsq_threshold_int is integer-only.
 *
 * Legend: F features, b_f bits of feature f, n_f = 2^b_f - 1 thresholds,
 * D = sum n_f thresholds, B = sum b_f frame bits, K output word bits,
 * W input code width, lo/hi the code range of a format.
 */
#include "quant.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- formats: float -> code (software only) ---------------------------- */

/* An invalid width (bsq_format_fit never makes one) is clamped so that the
 * shifts below stay defined; the result is then simply wrong, not UB. */
static int fmt_width(const bsq_format *f) {
  if (f->width < 1) return 1;
  if (f->width > BSQ_MAX_WIDTH) return BSQ_MAX_WIDTH;
  return f->width;
}

int64_t bsq_format_lo(const bsq_format *f) {
  return f->is_signed ? -((int64_t)1 << (fmt_width(f) - 1)) : 0;
}

int64_t bsq_format_hi(const bsq_format *f) {
  int w = fmt_width(f);
  return f->is_signed ? ((int64_t)1 << (w - 1)) - 1 : ((int64_t)1 << w) - 1;
}

/* floor(v) clamped to [lo, hi]. Clamping happens in double (lo and hi are
 * exact doubles, |.| <= 2^32) so the int64 conversion is always in range.
 * NaN maps to lo. */
static int64_t clamp_floor(double v, int64_t lo, int64_t hi) {
  double fv = floor(v);
  if (!(fv >= (double)lo)) return lo; /* also NaN */
  if (fv >= (double)hi) return hi;
  return (int64_t)fv;
}

/* code = clamp(floor((x - offset) / scale + 0.5), lo, hi): round half up,
 * saturating like an ADC (+-inf too). NaN is the caller's problem; it is
 * defined here as lo. */
int64_t bsq_format_code(const bsq_format *f, double x) {
  return clamp_floor((x - f->offset) / f->scale + 0.5, bsq_format_lo(f),
                     bsq_format_hi(f));
}

int bsq_format_saturates(const bsq_format *f, double x) {
  double v = floor((x - f->offset) / f->scale + 0.5);
  return v < (double)bsq_format_lo(f) || v > (double)bsq_format_hi(f);
}

double bsq_format_value(const bsq_format *f, int64_t code) {
  return f->offset + (double)code * f->scale;
}

int bsq_format_fit(bsq_format *f, int width, int is_signed, double xmin,
                   double xmax, double margin) {
  if (width < 1 || width > BSQ_MAX_WIDTH) return BSQ_EINVAL;
  if (!isfinite(xmin) || !isfinite(xmax) || xmax < xmin) return BSQ_EINVAL;
  if (!(margin >= 0) || !isfinite(margin)) return BSQ_EINVAL;
  bsq_format g = {width, is_signed != 0, 0.0, 1.0};
  int64_t lo = bsq_format_lo(&g), hi = bsq_format_hi(&g);
  double span = xmax - xmin;
  if (span == 0) { /* constant column: unit span centred on the value */
    span = 1.0;
    xmin -= 0.5;
    xmax += 0.5;
  }
  double m = margin * span;
  double lo_v = xmin - m, hi_v = xmax + m;
  g.scale = (hi_v - lo_v) / (double)(hi - lo); /* hi - lo = 2^W - 1 >= 1 */
  g.offset = lo_v - (double)lo * g.scale;      /* code lo <-> lo_v */
  /* A range near DBL_MAX overflows, a subnormal one underflows. */
  if (!isfinite(g.scale) || !(g.scale > 0) || !isfinite(g.offset))
    return BSQ_ERANGE;
  *f = g;
  return BSQ_OK;
}

/* T = clamp(floor(t_c), lo - 1, hi), t_c = (t_phys - offset) / scale.
 * For an integer x in [lo, hi] (exact in double): x > t_c <=> x > floor(t_c),
 * and the clamp keeps that (below the range every code exceeds, above none).
 * NaN gives hi: no code exceeds it, just as no x satisfies x > NaN. */
int64_t bsq_threshold_int(const bsq_format *f, double t_phys) {
  double t_c = (t_phys - f->offset) / f->scale;
  int64_t hi = bsq_format_hi(f);
  if (isnan(t_c)) return hi;
  return clamp_floor(t_c, bsq_format_lo(f) - 1, hi);
}

/* ---- the trained encoder ----------------------------------------------- */

int bsq_encoder_init(bsq_encoder *e, int F, const int *bits) {
  memset(e, 0, sizeof *e);
  if (F < 1 || !bits) return BSQ_EINVAL;
  long long D = 0, B = 0;
  for (int f = 0; f < F; f++) {
    if (bits[f] < 0 || bits[f] > BSQ_MAX_BITS) return BSQ_EINVAL;
    D += (1LL << bits[f]) - 1;
    B += bits[f];
  }
  /* a feature of 0 bits is not sent, but a frame of 0 bits is nothing */
  if (B < 1 || D > INT_MAX) return BSQ_EINVAL;
  e->F = F;
  e->D = (int)D;
  e->B = (int)B;
  e->bits = malloc((size_t)F * sizeof *e->bits);
  e->toff = malloc(((size_t)F + 1) * sizeof *e->toff);
  e->fmt = calloc((size_t)F, sizeof *e->fmt);
  e->T = calloc((size_t)D, sizeof *e->T);
  e->perm = calloc((size_t)D, sizeof *e->perm);
  if (!e->bits || !e->toff || !e->fmt || !e->T || !e->perm) goto fail;
  e->toff[0] = 0;
  for (int f = 0; f < F; f++) {
    e->bits[f] = bits[f];
    e->toff[f + 1] = e->toff[f] + (1 << bits[f]) - 1;
  }
  return BSQ_OK;
fail:
  bsq_encoder_free(e);
  return BSQ_ENOMEM;
}

void bsq_encoder_free(bsq_encoder *e) {
  free(e->bits);
  free(e->toff);
  free(e->fmt);
  free(e->T);
  free(e->perm);
  memset(e, 0, sizeof *e);
}

/* Order of thresholds i and j of one feature: by value, then by trained
 * index (stable). NaN sorts last, where bsq_threshold_int maps it (hi). */
static int thr_before(const double *t, int i, int j) {
  double a = t[i], b = t[j];
  if (isnan(a) || isnan(b)) {
    if (isnan(a) != isnan(b)) return isnan(b);
    return i < j;
  }
  return a < b || (a == b && i < j);
}

void bsq_encoder_set_thresholds(bsq_encoder *e, int f, const double *t_phys) {
  int n = e->toff[f + 1] - e->toff[f]; /* n_f <= 255: insertion sort */
  int *perm = e->perm + e->toff[f];    /* (n_f) */
  int64_t *T = e->T + e->toff[f];      /* (n_f) */
  for (int j = 0; j < n; j++) {
    int i = j;
    for (; i > 0 && thr_before(t_phys, j, perm[i - 1]); i--)
      perm[i] = perm[i - 1];
    perm[i] = j;
  }
  /* t -> (t - offset) / scale is monotone in IEEE arithmetic (scale > 0),
   * and so are floor and clamp: T comes out non-decreasing. */
  for (int j = 0; j < n; j++)
    T[j] = bsq_threshold_int(&e->fmt[f], t_phys[perm[j]]);
}

/* ---- the hard path: integers only -------------------------------------- */

/* A code outside the format's range counts as the nearest end (ADC
 * saturation): the generated C header does the same, and the RTL's W-bit
 * input cannot carry one. Without this, a code above hi would also exceed
 * a threshold at hi, which no in-range code does. */
int bsq_level(const bsq_encoder *e, int f, int64_t code) {
  int64_t lo = bsq_format_lo(&e->fmt[f]), hi = bsq_format_hi(&e->fmt[f]);
  if (code < lo) code = lo;
  if (code > hi) code = hi;
  const int64_t *t = e->T + e->toff[f];
  const int n = e->toff[f + 1] - e->toff[f];
  int level = 0; /* a count, not a search: the loop vectorizes */
  for (int j = 0; j < n; j++) level += code > t[j];
  return level;
}

void bsq_encoder_levels(const bsq_encoder *e, const int64_t *codes,
                        uint8_t *levels) {
  for (int f = 0; f < e->F; f++) levels[f] = (uint8_t)bsq_level(e, f, codes[f]);
}

int bsq_frame_bytes(const bsq_encoder *e) { return (e->B + 7) / 8; }

static int get_bit(const uint8_t *buf, int i) {
  return (buf[i >> 3] >> (i & 7)) & 1;
}

static void set_bit(uint8_t *buf, int i) {
  buf[i >> 3] = (uint8_t)(buf[i >> 3] | (1u << (i & 7)));
}

/* Feature 0 in the LSBs; bit k of level f is frame bit sum_{g<f} b_g + k.
 * Levels are masked to b_f bits. */
void bsq_frame_pack(const bsq_encoder *e, const uint8_t *levels,
                    uint8_t *frame) {
  /* A field at a time through a 64-bit accumulator, a byte out whenever
   * one is complete (fewer than 8 bits wait, so up to 7 + 8 are held):
   * the same bits as setting them one by one, without a loop per bit
   * (the co-simulation harness packs every frame it checks). */
  uint64_t acc = 0;
  int nacc = 0, out = 0;
  for (int f = 0; f < e->F; f++) {
    int b = e->bits[f];
    acc |= ((uint64_t)levels[f] & ((1u << b) - 1u)) << nacc;
    for (nacc += b; nacc >= 8; nacc -= 8, acc >>= 8)
      frame[out++] = (uint8_t)acc;
  }
  if (nacc > 0) frame[out] = (uint8_t)acc;
}

void bsq_frame_unpack(const bsq_encoder *e, const uint8_t *frame,
                      uint8_t *levels) {
  int pos = 0;
  for (int f = 0; f < e->F; f++) {
    unsigned v = 0;
    for (int k = 0; k < e->bits[f]; k++, pos++)
      v |= (unsigned)get_bit(frame, pos) << k;
    levels[f] = (uint8_t)v;
  }
}

int bsq_tdata_bits(const bsq_encoder *e) {
  int n = 0;
  for (int f = 0; f < e->F; f++) n += e->fmt[f].width;
  return n;
}

int bsq_tdata_bytes(const bsq_encoder *e) { return (bsq_tdata_bits(e) + 7) / 8; }

/* Bit k of feature f's code is tdata bit sum_{g<f} W_g + k. */
void bsq_tdata_pack(const bsq_encoder *e, const int64_t *codes,
                    uint8_t *tdata) {
  /* as bsq_frame_pack: W <= 32, so at most 7 + 32 bits are held */
  uint64_t acc = 0;
  int nacc = 0, out = 0;
  for (int f = 0; f < e->F; f++) {
    int w = e->fmt[f].width;
    uint64_t mask = w >= 64 ? ~0ULL : (1ULL << w) - 1;
    acc |= ((uint64_t)codes[f] & mask) << nacc;
    for (nacc += w; nacc >= 8; nacc -= 8, acc >>= 8)
      tdata[out++] = (uint8_t)acc;
  }
  if (nacc > 0) tdata[out] = (uint8_t)acc;
}

/* Sorted position j of feature f is exceeded iff j < level_f (T sorted);
 * perm maps j back to the trained index: rank_f(perm[toff[f]+j]) = j. */
void bsq_levels_to_bits(const bsq_encoder *e, const uint8_t *levels,
                        float *bits) {
  for (int f = 0; f < e->F; f++) {
    int o = e->toff[f], n = e->toff[f + 1] - o;
    for (int j = 0; j < n; j++)
      bits[o + e->perm[o + j]] = levels[f] > j ? 1.0f : 0.0f;
  }
}

/* ---- the stream packer: the C model of the RTL gearbox -----------------
 *
 * Frame bits go LSB first (frame bit 0 first) into a bit stream; every K
 * collected bits form a word, the earliest bit in word bit 0.
 *   continuous: frames follow each other, no padding; tlast is always 0.
 *   aligned:    when a frame ends mid-word, that word is emitted at once,
 *               zero-padded; the last word of every frame has tlast = 1.
 *               So each frame gives ceil(B/K) words and nacc is 0 between
 *               frames.
 * Reset discards the partial word. Flush emits it zero-padded (only a
 * continuous stream can hold one between frames). */

int bsq_packer_max_words(int B, int K) { return B / K + 2; }

void bsq_packer_init(bsq_packer *p, int B, int K, bsq_mode mode) {
  p->B = B;
  p->K = K;
  p->mode = mode;
  p->acc = 0;
  p->nacc = 0;
}

void bsq_packer_reset(bsq_packer *p) {
  p->acc = 0;
  p->nacc = 0;
}

int bsq_packer_push(bsq_packer *p, const uint8_t *frame, uint64_t *words,
                    uint8_t *tlast) {
  int n = 0;
  for (int i = 0; i < p->B; i++) {
    p->acc |= (uint64_t)get_bit(frame, i) << p->nacc;
    if (++p->nacc == p->K) {
      words[n] = p->acc;
      tlast[n++] = 0;
      p->acc = 0;
      p->nacc = 0;
    }
  }
  if (p->mode == BSQ_MODE_ALIGNED) {
    if (p->nacc > 0) { /* frame ended mid-word: emit it padded */
      words[n] = p->acc;
      tlast[n++] = 0;
      p->acc = 0;
      p->nacc = 0;
    }
    if (n > 0) tlast[n - 1] = 1;
  }
  return n;
}

int bsq_encode_push(const bsq_encoder *e, bsq_packer *p,
                    const int64_t *codes, uint8_t *levels, uint8_t *frame,
                    uint64_t *words, uint8_t *tlast) {
  bsq_encoder_levels(e, codes, levels);
  bsq_frame_pack(e, levels, frame);
  return bsq_packer_push(p, frame, words, tlast);
}

int bsq_packer_flush(bsq_packer *p, uint64_t *word, uint8_t *tlast) {
  if (p->nacc == 0) return 0;
  *word = p->acc; /* high bits are already zero */
  *tlast = 0;     /* only reachable in continuous mode */
  p->acc = 0;
  p->nacc = 0;
  return 1;
}

uint64_t bsq_stream_words(int B, int K, bsq_mode mode, uint64_t nframes) {
  uint64_t b = (uint64_t)B, k = (uint64_t)K;
  if (mode == BSQ_MODE_ALIGNED) return nframes * ((b + k - 1) / k);
  return (nframes * b + k - 1) / k;
}

/* Bits at and above position `from` of a K-bit word (from in 0..64). */
static uint64_t bits_from(uint64_t w, int from) {
  return from >= 64 ? 0 : w >> from;
}

int bsq_stream_unpack(const uint64_t *words, uint64_t nwords, int B, int K,
                      bsq_mode mode, uint64_t nframes, int frame_bytes,
                      uint8_t *frames) {
  if (B < 1 || K < 1 || K > BSQ_MAX_WORD || frame_bytes < (B + 7) / 8)
    return BSQ_EINVAL;
  if (mode != BSQ_MODE_CONTINUOUS && mode != BSQ_MODE_ALIGNED)
    return BSQ_EINVAL;
  if (nwords != bsq_stream_words(B, K, mode, nframes)) return BSQ_EFORMAT;
  for (uint64_t w = 0; w < nwords; w++)
    if (bits_from(words[w], K) != 0) return BSQ_EFORMAT; /* above K */
  uint64_t wi = 0; /* read position: word wi, bit bi */
  int bi = 0;
  for (uint64_t fr = 0; fr < nframes; fr++) {
    uint8_t *frame = frames + fr * (uint64_t)frame_bytes;
    memset(frame, 0, (size_t)frame_bytes);
    for (int i = 0; i < B; i++) {
      if ((words[wi] >> bi) & 1) set_bit(frame, i);
      if (++bi == K) {
        wi++;
        bi = 0;
      }
    }
    if (mode == BSQ_MODE_ALIGNED && bi > 0) { /* padding must be zero */
      if (bits_from(words[wi], bi) != 0) return BSQ_EFORMAT;
      wi++;
      bi = 0;
    }
  }
  if (bi > 0 && bits_from(words[wi], bi) != 0) return BSQ_EFORMAT;
  return BSQ_OK;
}

const char *bsq_mode_name(bsq_mode m) {
  switch (m) {
  case BSQ_MODE_CONTINUOUS:
    return "continuous";
  case BSQ_MODE_ALIGNED:
    return "aligned";
  }
  return "unknown";
}

int bsq_mode_parse(const char *s, bsq_mode *m) {
  if (s && strcmp(s, "continuous") == 0) {
    *m = BSQ_MODE_CONTINUOUS;
    return BSQ_OK;
  }
  if (s && strcmp(s, "aligned") == 0) {
    *m = BSQ_MODE_ALIGNED;
    return BSQ_OK;
  }
  return BSQ_EINVAL;
}

int bsq_encoder_flat_feature(const bsq_encoder *e, int from) {
  for (int f = from < 0 ? 0 : from; f < e->F; f++) {
    int a = e->toff[f], n = e->toff[f + 1] - a;
    if (n >= 2 && e->T[a] == e->T[a + n - 1]) return f; /* ascending */
  }
  return -1;
}
