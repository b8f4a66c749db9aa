/* Check suite for model/quant.c: the integer contract the RTL matches.
 *
 * Hot loops report the first mismatch with ck_abort_msg instead of calling
 * ck_assert per element (each passing ck_assert writes a mark point). */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "rng.h"

/* ---- helpers ------------------------------------------------------------ */

static int rnd_int(bsq_rng *r, int a, int b) { /* [a, b] */
  return a + (int)bsq_rng_below(r, (uint64_t)(b - a + 1));
}

static int64_t rnd_i64(bsq_rng *r, int64_t a, int64_t b) { /* [a, b] */
  return a + (int64_t)bsq_rng_below(r, (uint64_t)(b - a) + 1);
}

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  ck_assert_ptr_nonnull(p);
  return p;
}

/* A random format: signed or not, width in [wmin, wmax], scale anywhere from
 * 1e-3 to 1e3 (sometimes an exact power of two), offset anywhere. */
static bsq_format rnd_format(bsq_rng *r, int wmin, int wmax) {
  bsq_format f;
  f.width = rnd_int(r, wmin, wmax);
  f.is_signed = rnd_int(r, 0, 1);
  if (rnd_int(r, 0, 1))
    f.scale = ldexp(1.0, rnd_int(r, -10, 10));
  else
    f.scale = pow(10.0, 6.0 * bsq_rng_uniform(r) - 3.0);
  f.offset = 100.0 * bsq_rng_normal(r);
  return f;
}

/* A physical threshold that stresses the contract: inside the range, just
 * outside it, far outside, infinite, exactly on a code, on a half code. */
static double rnd_threshold(bsq_rng *r, const bsq_format *f) {
  double vlo = bsq_format_value(f, bsq_format_lo(f));
  double vhi = bsq_format_value(f, bsq_format_hi(f));
  int64_t k = rnd_i64(r, bsq_format_lo(f) - 2, bsq_format_hi(f) + 2);
  switch (rnd_int(r, 0, 9)) {
  case 0:
    return vlo;
  case 1:
    return vhi;
  case 2:
    return vlo - f->scale * (1.0 + 10.0 * bsq_rng_uniform(r));
  case 3:
    return vhi + f->scale * (1.0 + 10.0 * bsq_rng_uniform(r));
  case 4:
    return rnd_int(r, 0, 1) ? 1e300 : -1e300;
  case 5:
    return rnd_int(r, 0, 1) ? INFINITY : -INFINITY;
  case 6:
    return bsq_format_value(f, k); /* on a code */
  case 7:
    return bsq_format_value(f, k) + 0.5 * f->scale; /* half code */
  case 8:
    return nextafter(bsq_format_value(f, k), rnd_int(r, 0, 1) ? 1e308 : -1e308);
  default:
    return vlo + (vhi - vlo) * (1.2 * bsq_rng_uniform(r) - 0.1);
  }
}

/* The property: x > t_c (double) <=> x > T, for one code x. */
static void check_code(const bsq_format *f, double t, int64_t T, int64_t x) {
  double t_c = (t - f->offset) / f->scale;
  if (((double)x > t_c) != (x > T))
    ck_abort_msg(
        "W=%d signed=%d offset=%.17g scale=%.17g t=%.17g t_c=%.17g "
        "T=%lld x=%lld",
        f->width, f->is_signed, f->offset, f->scale, t, t_c, (long long)T,
        (long long)x);
}

static void check_T_range(const bsq_format *f, int64_t T) {
  if (T < bsq_format_lo(f) - 1 || T > bsq_format_hi(f))
    ck_abort_msg("T=%lld outside [lo-1, hi] for W=%d signed=%d", (long long)T,
                 f->width, f->is_signed);
}

/* Random encoder: F features of 1..maxbits bits, random formats of width
 * wmin..wmax, thresholds drawn partly from a small pool to create ties. The
 * physical thresholds in trained order go to t (D), malloc'ed. */
static double *rnd_encoder(bsq_rng *r, bsq_encoder *e, int F, int maxbits,
                           int wmin, int wmax) {
  int *bits = xcalloc((size_t)F, sizeof *bits);
  for (int f = 0; f < F; f++) bits[f] = rnd_int(r, 1, maxbits);
  ck_assert_int_eq(bsq_encoder_init(e, F, bits), BSQ_OK);
  free(bits);
  double *t = xcalloc((size_t)e->D, sizeof *t);
  for (int f = 0; f < F; f++) {
    e->fmt[f] = rnd_format(r, wmin, wmax);
    double pool[4];
    for (int i = 0; i < 4; i++) pool[i] = rnd_threshold(r, &e->fmt[f]);
    for (int i = e->toff[f]; i < e->toff[f + 1]; i++)
      t[i] = rnd_int(r, 0, 1) ? pool[rnd_int(r, 0, 3)]
                              : rnd_threshold(r, &e->fmt[f]);
    bsq_encoder_set_thresholds(e, f, t + e->toff[f]);
  }
  return t;
}

static int64_t rnd_code(bsq_rng *r, const bsq_format *f) {
  return rnd_i64(r, bsq_format_lo(f), bsq_format_hi(f));
}

/* ---- Core --------------------------------------------------------------- */

START_TEST(test_quant_format_range) {
  static const struct {
    int width, is_signed;
    long long lo, hi;
  } tab[] = {
      {1, 0, 0, 1},
      {1, 1, -1, 0},
      {8, 0, 0, 255},
      {8, 1, -128, 127},
      {16, 1, -32768, 32767},
      {32, 0, 0, 4294967295LL},
      {32, 1, -2147483648LL, 2147483647LL},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    bsq_format f = {tab[i].width, tab[i].is_signed, 0.0, 1.0};
    ck_assert_int_eq(bsq_format_lo(&f), tab[i].lo);
    ck_assert_int_eq(bsq_format_hi(&f), tab[i].hi);
  }
}
END_TEST

/* [xmin - m, xmax + m] spans [lo, hi], m = margin * span; a constant
 * column gets the unit span [x - 0.5, x + 0.5] (then the margin). */
START_TEST(test_quant_format_fit_spans_range) {
  static const struct {
    int width, is_signed;
    double xmin, xmax, margin, lo_v, hi_v;
  } tab[] = {
      {8, 0, 0.0, 10.0, 0.0, 0.0, 10.0},
      {8, 1, -1.0, 3.0, 0.1, -1.4, 3.4},
      {1, 0, 2.0, 5.0, 0.0, 2.0, 5.0},
      {1, 1, -2.0, 2.0, 0.25, -3.0, 3.0},
      {16, 1, 20.0, 20.0, 0.0, 19.5, 20.5},
      {12, 0, -7.0, -7.0, 0.5, -8.0, -6.0},
      {32, 0, -1e6, 1e6, 0.05, -1.1e6, 1.1e6},
      {32, 1, 0.001, 0.002, 0.5, 0.0005, 0.0025},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    bsq_format f;
    ck_assert_int_eq(bsq_format_fit(&f, tab[i].width, tab[i].is_signed,
                                    tab[i].xmin, tab[i].xmax, tab[i].margin),
                     BSQ_OK);
    ck_assert_int_eq(f.width, tab[i].width);
    ck_assert_int_eq(f.is_signed, tab[i].is_signed);
    ck_assert(f.scale > 0);
    double lo_v = tab[i].lo_v, hi_v = tab[i].hi_v, span = hi_v - lo_v;
    int64_t lo = bsq_format_lo(&f), hi = bsq_format_hi(&f);
    double tol = 1e-9 * (fabs(lo_v) + fabs(hi_v));
    ck_assert_double_eq_tol(f.scale, span / (double)(hi - lo), tol);
    ck_assert_double_eq_tol(bsq_format_value(&f, lo), lo_v, tol);
    ck_assert_double_eq_tol(bsq_format_value(&f, hi), hi_v, tol);
    ck_assert_int_eq(bsq_format_code(&f, lo_v + 0.25 * f.scale), lo);
    ck_assert_int_eq(bsq_format_code(&f, hi_v - 0.25 * f.scale), hi);
    ck_assert_int_eq(bsq_format_code(&f, lo_v - span), lo);
    ck_assert_int_eq(bsq_format_code(&f, hi_v + span), hi);
    int64_t mid = bsq_format_code(&f, 0.5 * (tab[i].xmin + tab[i].xmax));
    ck_assert(mid >= lo + (hi - lo) / 2 - 1 && mid <= lo + (hi - lo) / 2 + 1);
  }
}
END_TEST

START_TEST(test_quant_encoder_init_layout) {
  bsq_encoder e;
  const int bits[] = {1, 3, 8, 2};
  ck_assert_int_eq(bsq_encoder_init(&e, 4, bits), BSQ_OK);
  ck_assert_int_eq(e.F, 4);
  ck_assert_int_eq(e.D, 1 + 7 + 255 + 3);
  ck_assert_int_eq(e.B, 14);
  const int toff[] = {0, 1, 8, 263, 266};
  ck_assert_mem_eq(e.toff, toff, sizeof toff);
  ck_assert_mem_eq(e.bits, bits, sizeof bits);
  ck_assert_int_eq(bsq_frame_bytes(&e), 2);
  for (int i = 0; i < e.D; i++) {
    ck_assert_int_eq(e.T[i], 0);
    ck_assert_int_eq(e.perm[i], 0);
  }
  bsq_encoder_free(&e);
  ck_assert_ptr_null(e.T);
  ck_assert_int_eq(e.F, 0);
  bsq_encoder_free(&e); /* a zeroed struct is safe to free */
}
END_TEST

/* A feature whose thresholds all collapsed to one code is found; a single
 * threshold, or thresholds that differ anywhere, are not flat. */
START_TEST(test_quant_flat_feature) {
  bsq_encoder e;
  const int bits[] = {1, 2, 2, 3};
  ck_assert_int_eq(bsq_encoder_init(&e, 4, bits), BSQ_OK);
  const int64_t T[] = {5, 7, 7, 8, 2, 2, 2, -1, -1, -1, -1, -1, -1, 0};
  memcpy(e.T, T, sizeof T);
  ck_assert_int_eq(bsq_encoder_flat_feature(&e, 0), 2);
  ck_assert_int_eq(bsq_encoder_flat_feature(&e, 3), -1);
  e.T[13] = -1; /* now the last one too */
  ck_assert_int_eq(bsq_encoder_flat_feature(&e, 3), 3);
  e.T[4] = 3; /* and feature 2 no longer */
  ck_assert_int_eq(bsq_encoder_flat_feature(&e, 0), 3);
  bsq_encoder_free(&e);
}
END_TEST

START_TEST(test_quant_set_thresholds_fixed) {
  /* 2 bits, W=4 unsigned, identity map: {2.0, 0.5, 2.0} sorts to
   * 0.5 (1), 2.0 (0), 2.0 (2). */
  bsq_encoder e;
  const int bits[] = {2};
  ck_assert_int_eq(bsq_encoder_init(&e, 1, bits), BSQ_OK);
  e.fmt[0] = (bsq_format){4, 0, 0.0, 1.0};
  const double t[] = {2.0, 0.5, 2.0};
  bsq_encoder_set_thresholds(&e, 0, t);
  const int perm[] = {1, 0, 2};
  const int64_t T[] = {0, 2, 2};
  ck_assert_mem_eq(e.perm, perm, sizeof perm);
  ck_assert_mem_eq(e.T, T, sizeof T);
  const int level[] = {0, 1, 1, 3, 3};
  for (int x = 0; x < 5; x++) ck_assert_int_eq(bsq_level(&e, 0, x), level[x]);
  bsq_encoder_free(&e);
}
END_TEST

START_TEST(test_quant_set_thresholds_sorted_stable) {
  bsq_rng r;
  bsq_rng_seed(&r, 0x5e7);
  for (int trial = 0; trial < 60; trial++) {
    bsq_encoder e;
    double *t = rnd_encoder(&r, &e, rnd_int(&r, 1, 6), 8, 1, 9);
    for (int f = 0; f < e.F; f++) {
      int o = e.toff[f], n = e.toff[f + 1] - o;
      const double *tf = t + o;
      const int *perm = e.perm + o;
      const int64_t *T = e.T + o;
      char *seen = xcalloc((size_t)n, 1);
      for (int j = 0; j < n; j++) {
        ck_assert(perm[j] >= 0 && perm[j] < n);
        ck_assert(!seen[perm[j]]);
        seen[perm[j]] = 1;
        ck_assert_int_eq(T[j], bsq_threshold_int(&e.fmt[f], tf[perm[j]]));
        check_T_range(&e.fmt[f], T[j]);
        if (j == 0) continue;
        ck_assert(T[j - 1] <= T[j]);
        ck_assert(tf[perm[j - 1]] <= tf[perm[j]]);
        if (tf[perm[j - 1]] == tf[perm[j]]) ck_assert(perm[j - 1] < perm[j]);
      }
      free(seen);
      /* Levels against brute force over the unsorted thresholds, for every
       * code (W <= 10) and for the contract's float comparison as well. */
      const bsq_format *fm = &e.fmt[f];
      for (int64_t x = bsq_format_lo(fm); x <= bsq_format_hi(fm); x++) {
        int lev_int = 0, lev_float = 0;
        for (int i = 0; i < n; i++) {
          lev_int += x > bsq_threshold_int(fm, tf[i]);
          lev_float += (double)x > (tf[i] - fm->offset) / fm->scale;
        }
        int got = bsq_level(&e, f, x);
        if (got != lev_int || got != lev_float)
          ck_abort_msg("feature %d code %lld: level %d, brute %d / %d", f,
                       (long long)x, got, lev_int, lev_float);
      }
    }
    free(t);
    bsq_encoder_free(&e);
  }
}
END_TEST

START_TEST(test_quant_levels_range_and_frames) {
  bsq_rng r;
  bsq_rng_seed(&r, 0x1e7e15);
  for (int trial = 0; trial < 200; trial++) {
    bsq_encoder e;
    double *t = rnd_encoder(&r, &e, rnd_int(&r, 1, 40), 8, 1, 32);
    int nb = bsq_frame_bytes(&e);
    int64_t *codes = xcalloc((size_t)e.F, sizeof *codes);
    uint8_t *lev = xcalloc((size_t)e.F, 1), *back = xcalloc((size_t)e.F, 1);
    uint8_t *frame = xcalloc((size_t)nb, 1);
    for (int f = 0; f < e.F; f++) codes[f] = rnd_code(&r, &e.fmt[f]);
    bsq_encoder_levels(&e, codes, lev);
    int pos = 0;
    for (int f = 0; f < e.F; f++) {
      ck_assert_int_eq(lev[f], bsq_level(&e, f, codes[f]));
      ck_assert_int_le(lev[f], (1 << e.bits[f]) - 1);
      pos += e.bits[f];
    }
    ck_assert_int_eq(pos, e.B);
    bsq_frame_pack(&e, lev, frame);
    /* Bit by bit: feature 0 in the LSBs, little-endian bytes. */
    pos = 0;
    for (int f = 0; f < e.F; f++)
      for (int k = 0; k < e.bits[f]; k++, pos++)
        ck_assert_int_eq((frame[pos / 8] >> (pos % 8)) & 1, (lev[f] >> k) & 1);
    for (; pos < 8 * nb; pos++)
      ck_assert_int_eq((frame[pos / 8] >> (pos % 8)) & 1, 0);
    bsq_frame_unpack(&e, frame, back);
    ck_assert_mem_eq(back, lev, (size_t)e.F);
    free(codes);
    free(lev);
    free(back);
    free(frame);
    free(t);
    bsq_encoder_free(&e);
  }
}
END_TEST

/* A feature of 0 bits has no thresholds and no frame field: its level is
 * always 0, the next feature's field starts where it would have, and its
 * code still has its place in s_axis_tdata. bits {2, 0, 3}, levels
 * {3, 0, 5}: 3 | 5 << 2 = 0x17. */
START_TEST(test_quant_zero_bit_feature_is_not_sent) {
  bsq_encoder e;
  const int bits[] = {2, 0, 3};
  ck_assert_int_eq(bsq_encoder_init(&e, 3, bits), BSQ_OK);
  ck_assert_int_eq(e.D, 3 + 0 + 7);
  ck_assert_int_eq(e.B, 5);
  const int toff[] = {0, 3, 3, 10};
  ck_assert_mem_eq(e.toff, toff, sizeof toff);
  const double t0[] = {-0.5, 0.0, 0.5}, t2[] = {-3, -2, -1, 0, 1, 2, 3};
  for (int f = 0; f < 3; f++)
    ck_assert_int_eq(bsq_format_fit(&e.fmt[f], 4 + f, 1, -4.0, 4.0, 0.0), 0);
  bsq_encoder_set_thresholds(&e, 0, t0);
  bsq_encoder_set_thresholds(&e, 1, NULL); /* no thresholds: not read */
  bsq_encoder_set_thresholds(&e, 2, t2);
  for (int64_t c = bsq_format_lo(&e.fmt[1]); c <= bsq_format_hi(&e.fmt[1]); c++)
    ck_assert_int_eq(bsq_level(&e, 1, c), 0);
  const uint8_t lev[] = {3, 0, 5};
  uint8_t frame[1], back[3] = {9, 9, 9};
  bsq_frame_pack(&e, lev, frame);
  ck_assert_int_eq(frame[0], 0x17);
  bsq_frame_unpack(&e, frame, back);
  ck_assert_mem_eq(back, lev, 3);
  float in[10];
  bsq_levels_to_bits(&e, lev, in);
  int ones = 0;
  for (int i = 0; i < e.D; i++) ones += in[i] == 1.0f;
  ck_assert_int_eq(ones, 3 + 5);
  /* widths 4, 5, 6: tdata keeps feature 1's 5 bits between the others */
  ck_assert_int_eq(bsq_tdata_bits(&e), 15);
  const int64_t codes[] = {1, -1, 2};
  uint8_t td[2];
  bsq_tdata_pack(&e, codes, td);
  unsigned v = (unsigned)td[0] | (unsigned)td[1] << 8;
  ck_assert_uint_eq(v, 1u | 0x1fu << 4 | 2u << 9);
  bsq_encoder_free(&e);
}
END_TEST

/* Random encoders with some features of 0 bits: every sent feature's level
 * lies in its field, the frame round-trips, and B counts the sent bits. */
START_TEST(test_quant_zero_bit_features_random) {
  bsq_rng r;
  bsq_rng_seed(&r, 0x2e40b175);
  for (int trial = 0; trial < 200; trial++) {
    int F = rnd_int(&r, 1, 40), bits[40], B = 0;
    for (int f = 0; f < F; f++) {
      bits[f] = rnd_int(&r, 0, 2) ? 0 : rnd_int(&r, 1, 8);
      B += bits[f];
    }
    if (B == 0) bits[rnd_int(&r, 0, F - 1)] = B = 1;
    bsq_encoder e;
    ck_assert_int_eq(bsq_encoder_init(&e, F, bits), BSQ_OK);
    ck_assert_int_eq(e.B, B);
    double t[255];
    for (int f = 0; f < F; f++) {
      e.fmt[f] = rnd_format(&r, 1, 32);
      for (int j = 0; j < e.toff[f + 1] - e.toff[f]; j++)
        t[j] = rnd_threshold(&r, &e.fmt[f]);
      bsq_encoder_set_thresholds(&e, f, t);
    }
    int64_t codes[40];
    uint8_t lev[40], back[40], frame[40];
    for (int f = 0; f < F; f++) codes[f] = rnd_code(&r, &e.fmt[f]);
    bsq_encoder_levels(&e, codes, lev);
    for (int f = 0; f < F; f++)
      ck_assert_int_le(lev[f], (1 << bits[f]) - 1);
    bsq_frame_pack(&e, lev, frame);
    int pos = 0;
    for (int f = 0; f < F; f++)
      for (int k = 0; k < bits[f]; k++, pos++)
        ck_assert_int_eq((frame[pos / 8] >> (pos % 8)) & 1, (lev[f] >> k) & 1);
    bsq_frame_unpack(&e, frame, back);
    ck_assert_mem_eq(back, lev, (size_t)F);
    bsq_encoder_free(&e);
  }
}
END_TEST

START_TEST(test_quant_frame_fixed_vector) {
  /* bits {3, 5, 1}, levels {5, 17, 1}: 5 | 17 << 3 | 1 << 8 = 0x18d. */
  bsq_encoder e;
  const int bits[] = {3, 5, 1};
  ck_assert_int_eq(bsq_encoder_init(&e, 3, bits), BSQ_OK);
  const uint8_t lev[] = {5, 17, 1};
  uint8_t frame[2], back[3];
  bsq_frame_pack(&e, lev, frame);
  const uint8_t want[] = {0x8d, 0x01};
  ck_assert_mem_eq(frame, want, 2);
  bsq_frame_unpack(&e, frame, back);
  ck_assert_mem_eq(back, lev, 3);
  bsq_encoder_free(&e);
}
END_TEST

/* s_axis_tdata: widths {3, 5 signed, 1}, codes {5, -3, 1}: -3 is 11101b,
 * so 5 | 29 << 3 | 1 << 8 = 0x1ed. */
START_TEST(test_quant_tdata_fixed_vector) {
  bsq_encoder e;
  const int bits[] = {1, 1, 1};
  ck_assert_int_eq(bsq_encoder_init(&e, 3, bits), BSQ_OK);
  const int w[] = {3, 5, 1}, sg[] = {0, 1, 0};
  for (int f = 0; f < 3; f++) {
    e.fmt[f].width = w[f];
    e.fmt[f].is_signed = sg[f];
    e.fmt[f].scale = 1.0;
  }
  ck_assert_int_eq(bsq_tdata_bits(&e), 9);
  ck_assert_int_eq(bsq_tdata_bytes(&e), 2);
  const int64_t codes[] = {5, -3, 1};
  uint8_t td[2] = {0xff, 0xff};
  bsq_tdata_pack(&e, codes, td);
  const uint8_t want[] = {0xed, 0x01};
  ck_assert_mem_eq(td, want, 2);
  bsq_encoder_free(&e);
}
END_TEST

/* Random encoders: every tdata bit is the code bit it says it is, and
 * bsq_encode_push is levels -> frame -> packer, word for word. */
START_TEST(test_quant_tdata_and_encode_push_random) {
  bsq_rng r;
  bsq_rng_seed(&r, 0x7da7a);
  for (int trial = 0; trial < 100; trial++) {
    bsq_encoder e;
    double *t = rnd_encoder(&r, &e, rnd_int(&r, 1, 20), 8, 1, 32);
    int K = rnd_int(&r, 1, 64), nb = bsq_frame_bytes(&e);
    bsq_mode mode = rnd_int(&r, 0, 1) ? BSQ_MODE_ALIGNED : BSQ_MODE_CONTINUOUS;
    int maxw = bsq_packer_max_words(e.B, K);
    int64_t *codes = xcalloc((size_t)e.F, sizeof *codes);
    uint8_t *td = xcalloc((size_t)bsq_tdata_bytes(&e), 1);
    uint8_t *lev = xcalloc((size_t)e.F, 1), *lev2 = xcalloc((size_t)e.F, 1);
    uint8_t *fr = xcalloc((size_t)nb, 1), *fr2 = xcalloc((size_t)nb, 1);
    uint64_t *w1 = xcalloc((size_t)maxw, sizeof *w1);
    uint64_t *w2 = xcalloc((size_t)maxw, sizeof *w2);
    uint8_t *t1 = xcalloc((size_t)maxw, 1), *t2 = xcalloc((size_t)maxw, 1);
    bsq_packer p1, p2;
    bsq_packer_init(&p1, e.B, K, mode);
    bsq_packer_init(&p2, e.B, K, mode);
    for (int frame = 0; frame < 5; frame++) {
      for (int f = 0; f < e.F; f++) codes[f] = rnd_code(&r, &e.fmt[f]);
      bsq_tdata_pack(&e, codes, td);
      int pos = 0;
      for (int f = 0; f < e.F; f++)
        for (int k = 0; k < e.fmt[f].width; k++, pos++)
          ck_assert_int_eq((td[pos / 8] >> (pos % 8)) & 1,
                           (int)(((uint64_t)codes[f] >> k) & 1));
      for (; pos < 8 * bsq_tdata_bytes(&e); pos++)
        ck_assert_int_eq((td[pos / 8] >> (pos % 8)) & 1, 0);
      int n1 = bsq_encode_push(&e, &p1, codes, lev, fr, w1, t1);
      bsq_encoder_levels(&e, codes, lev2);
      bsq_frame_pack(&e, lev2, fr2);
      int n2 = bsq_packer_push(&p2, fr2, w2, t2);
      ck_assert_int_eq(n1, n2);
      ck_assert_mem_eq(lev, lev2, (size_t)e.F);
      ck_assert_mem_eq(fr, fr2, (size_t)nb);
      ck_assert_mem_eq(w1, w2, (size_t)n1 * sizeof *w1);
      ck_assert_mem_eq(t1, t2, (size_t)n1);
    }
    free(codes);
    free(td);
    free(lev);
    free(lev2);
    free(fr);
    free(fr2);
    free(w1);
    free(w2);
    free(t1);
    free(t2);
    free(t);
    bsq_encoder_free(&e);
  }
}
END_TEST

/* Decode side: the bit vector rebuilt from levels (after a trip through a
 * frame) equals the hard comparison code > T_i in trained order. */
START_TEST(test_quant_levels_to_bits_matches_hard_bits) {
  bsq_rng r;
  bsq_rng_seed(&r, 0xb175);
  for (int trial = 0; trial < 300; trial++) {
    bsq_encoder e;
    double *t = rnd_encoder(&r, &e, rnd_int(&r, 1, 12), 8, 1, 16);
    int64_t *codes = xcalloc((size_t)e.F, sizeof *codes);
    uint8_t *lev = xcalloc((size_t)e.F, 1), *back = xcalloc((size_t)e.F, 1);
    uint8_t *frame = xcalloc((size_t)bsq_frame_bytes(&e), 1);
    float *bits = xcalloc((size_t)e.D, sizeof *bits);
    for (int rep = 0; rep < 20; rep++) {
      for (int f = 0; f < e.F; f++) codes[f] = rnd_code(&r, &e.fmt[f]);
      bsq_encoder_levels(&e, codes, lev);
      bsq_frame_pack(&e, lev, frame);
      bsq_frame_unpack(&e, frame, back);
      bsq_levels_to_bits(&e, back, bits);
      for (int f = 0; f < e.F; f++)
        for (int i = e.toff[f]; i < e.toff[f + 1]; i++) {
          float want =
              codes[f] > bsq_threshold_int(&e.fmt[f], t[i]) ? 1.0f : 0.0f;
          if (bits[i] != want)
            ck_abort_msg("feature %d threshold %d code %lld: bit %g want %g", f,
                         i - e.toff[f], (long long)codes[f], bits[i], want);
        }
    }
    free(codes);
    free(lev);
    free(back);
    free(frame);
    free(bits);
    free(t);
    bsq_encoder_free(&e);
  }
}
END_TEST

/* Packs frames of B bits given as integers (B <= 16) into K-bit words. */
static int pack_fixed(int B, int K, bsq_mode mode, const unsigned *fr, int n,
                      uint64_t *words, uint8_t *tlast) {
  bsq_packer p;
  bsq_packer_init(&p, B, K, mode);
  int nw = 0;
  for (int i = 0; i < n; i++) {
    uint8_t frame[2] = {(uint8_t)(fr[i] & 0xff), (uint8_t)(fr[i] >> 8)};
    nw += bsq_packer_push(&p, frame, words + nw, tlast + nw);
  }
  nw += bsq_packer_flush(&p, words + nw, tlast + nw);
  return nw;
}

START_TEST(test_quant_packer_fixed_vectors) {
  /* Stream 1,0,1 | 1,1,0 | 0,1,1 | 1,1,1 (LSB first) in 4-bit words. */
  const unsigned fr[] = {0x5, 0x3, 0x6, 0x7};
  uint64_t w[16];
  uint8_t tl[16];
  ck_assert_int_eq(pack_fixed(3, 4, BSQ_MODE_CONTINUOUS, fr, 4, w, tl), 3);
  const uint64_t cw[] = {0xd, 0x9, 0xf};
  const uint8_t ct[] = {0, 0, 0};
  ck_assert_mem_eq(w, cw, sizeof cw);
  ck_assert_mem_eq(tl, ct, sizeof ct);
  /* Aligned: each frame its own zero-padded word, tlast on each. */
  ck_assert_int_eq(pack_fixed(3, 4, BSQ_MODE_ALIGNED, fr, 4, w, tl), 4);
  const uint64_t aw[] = {0x5, 0x3, 0x6, 0x7};
  const uint8_t at[] = {1, 1, 1, 1};
  ck_assert_mem_eq(w, aw, sizeof aw);
  ck_assert_mem_eq(tl, at, sizeof at);
  /* Aligned, B=5 > K=4: 0b10110 -> 0110, then 1 padded; tlast on the 2nd. */
  const unsigned fr5[] = {0x16, 0x1f};
  ck_assert_int_eq(pack_fixed(5, 4, BSQ_MODE_ALIGNED, fr5, 2, w, tl), 4);
  const uint64_t aw5[] = {0x6, 0x1, 0xf, 0x1};
  const uint8_t at5[] = {0, 1, 0, 1};
  ck_assert_mem_eq(w, aw5, sizeof aw5);
  ck_assert_mem_eq(tl, at5, sizeof at5);
  /* Continuous, B=5, K=4: 0110 | 1 1111 -> 0110, 1111, 1 (+ pad). */
  ck_assert_int_eq(pack_fixed(5, 4, BSQ_MODE_CONTINUOUS, fr5, 2, w, tl), 3);
  const uint64_t cw5[] = {0x6, 0xf, 0x3};
  ck_assert_mem_eq(w, cw5, sizeof cw5);
  /* Frame ending exactly on a word boundary (B = K = 4, aligned). */
  const unsigned fr4[] = {0xa, 0x5};
  ck_assert_int_eq(pack_fixed(4, 4, BSQ_MODE_ALIGNED, fr4, 2, w, tl), 2);
  ck_assert_int_eq(w[0], 0xa);
  ck_assert_int_eq(w[1], 0x5);
  ck_assert_int_eq(tl[0], 1);
  ck_assert_int_eq(tl[1], 1);
}
END_TEST

START_TEST(test_quant_packer_reset_discards_partial_word) {
  bsq_packer p;
  uint64_t w[4];
  uint8_t tl[4];
  bsq_packer_init(&p, 5, 8, BSQ_MODE_CONTINUOUS);
  uint8_t ones = 0x1f, a = 0x15, b = 0x03;
  ck_assert_int_eq(bsq_packer_push(&p, &ones, w, tl), 0);
  ck_assert_int_eq(p.nacc, 5);
  bsq_packer_reset(&p);
  ck_assert_int_eq(p.nacc, 0);
  ck_assert_int_eq(bsq_packer_flush(&p, w, tl), 0);
  /* After reset: a at bits 0..4, b's low 3 bits at 5..7. */
  ck_assert_int_eq(bsq_packer_push(&p, &a, w, tl), 0);
  ck_assert_int_eq(bsq_packer_push(&p, &b, w, tl), 1);
  ck_assert_int_eq(w[0], 0x15 | (0x3 << 5));
  ck_assert_int_eq(tl[0], 0);
  ck_assert_int_eq(bsq_packer_flush(&p, w, tl), 1);
  ck_assert_int_eq(w[0], 0x0); /* b's bits 3..4 are zero */
  ck_assert_int_eq(tl[0], 0);
}
END_TEST

/* Random: packing with a reset in the middle gives the words of a fresh
 * packer for the frames after the reset. */
START_TEST(test_quant_packer_reset_restarts_stream) {
  bsq_rng r;
  bsq_rng_seed(&r, 0x7e5e7);
  for (int trial = 0; trial < 200; trial++) {
    int B = rnd_int(&r, 1, 100), K = rnd_int(&r, 1, 64);
    bsq_mode mode = (bsq_mode)rnd_int(&r, 0, 1);
    int nb = (B + 7) / 8, mw = bsq_packer_max_words(B, K);
    uint8_t fr[13];
    uint64_t *w1 = xcalloc((size_t)(8 * mw), sizeof *w1),
             *w2 = xcalloc((size_t)(8 * mw), sizeof *w2);
    uint8_t *t1 = xcalloc((size_t)(8 * mw), 1),
            *t2 = xcalloc((size_t)(8 * mw), 1);
    bsq_packer p, q;
    bsq_packer_init(&p, B, K, mode);
    bsq_packer_init(&q, B, K, mode);
    for (int i = 0; i < 3; i++) { /* before the reset: discarded */
      for (int j = 0; j < nb; j++) fr[j] = (uint8_t)bsq_rng_next(&r);
      bsq_packer_push(&p, fr, w1, t1);
    }
    bsq_packer_reset(&p);
    int n1 = 0, n2 = 0;
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < nb; j++) fr[j] = (uint8_t)bsq_rng_next(&r);
      n1 += bsq_packer_push(&p, fr, w1 + n1, t1 + n1);
      n2 += bsq_packer_push(&q, fr, w2 + n2, t2 + n2);
    }
    n1 += bsq_packer_flush(&p, w1 + n1, t1 + n1);
    n2 += bsq_packer_flush(&q, w2 + n2, t2 + n2);
    ck_assert_int_eq(n1, n2);
    ck_assert_mem_eq(w1, w2, (size_t)n1 * sizeof *w1);
    ck_assert_mem_eq(t1, t2, (size_t)n1);
    free(w1);
    free(w2);
    free(t1);
    free(t2);
  }
}
END_TEST

START_TEST(test_quant_stream_words_counts) {
  static const struct {
    int B, K;
    bsq_mode mode;
    uint64_t n, words;
  } tab[] = {
      {5, 8, BSQ_MODE_CONTINUOUS, 3, 2},     {5, 8, BSQ_MODE_ALIGNED, 3, 3},
      {64, 64, BSQ_MODE_CONTINUOUS, 7, 7},   {64, 64, BSQ_MODE_ALIGNED, 7, 7},
      {1, 64, BSQ_MODE_CONTINUOUS, 64, 1},   {1, 64, BSQ_MODE_ALIGNED, 64, 64},
      {65, 64, BSQ_MODE_CONTINUOUS, 2, 3},   {65, 64, BSQ_MODE_ALIGNED, 2, 4},
      {8192, 1, BSQ_MODE_ALIGNED, 2, 16384}, {9, 8, BSQ_MODE_CONTINUOUS, 0, 0},
      {9, 8, BSQ_MODE_ALIGNED, 0, 0},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
    ck_assert_uint_eq(
        bsq_stream_words(tab[i].B, tab[i].K, tab[i].mode, tab[i].n),
        tab[i].words);
}
END_TEST

START_TEST(test_quant_mode_names_round_trip) {
  bsq_mode m;
  ck_assert_str_eq(bsq_mode_name(BSQ_MODE_CONTINUOUS), "continuous");
  ck_assert_str_eq(bsq_mode_name(BSQ_MODE_ALIGNED), "aligned");
  ck_assert_int_eq(bsq_mode_parse("continuous", &m), BSQ_OK);
  ck_assert_int_eq(m, BSQ_MODE_CONTINUOUS);
  ck_assert_int_eq(bsq_mode_parse("aligned", &m), BSQ_OK);
  ck_assert_int_eq(m, BSQ_MODE_ALIGNED);
}
END_TEST

/* ---- Limits ------------------------------------------------------------- */

/* Packs n frames of an encoder layout with the packer and with an
 * independent reference (a plain array of stream bits, chunked into words),
 * compares words and tlast exactly, then unpacks and compares frames. */
static void packer_vs_reference(bsq_rng *r, int F, const int *bits, int K,
                                bsq_mode mode, int n) {
  bsq_encoder e;
  ck_assert_int_eq(bsq_encoder_init(&e, F, bits), BSQ_OK);
  int B = e.B, nb = bsq_frame_bytes(&e), mw = bsq_packer_max_words(B, K);
  uint8_t *frames = xcalloc((size_t)(n * nb), 1); /* clean, for unpack */
  uint8_t *dirty = xcalloc((size_t)nb, 1);
  uint8_t *lev = xcalloc((size_t)F, 1);
  uint8_t *back = xcalloc((size_t)(n * nb), 1);
  size_t maxbits = (size_t)n * (size_t)(B + K) + (size_t)K;
  uint8_t *ref = xcalloc(maxbits, 1); /* stream bits, one per byte */
  uint8_t *ref_last = xcalloc(maxbits / (size_t)K + 1, 1);
  size_t rmax = (size_t)n * (size_t)(mw + 1) + 1;
  uint64_t *words = xcalloc(rmax, sizeof *words);
  uint8_t *tlast = xcalloc(rmax, 1);

  /* Reference stream. */
  size_t len = 0;
  for (int i = 0; i < n; i++) {
    for (int f = 0; f < F; f++)
      lev[f] = (uint8_t)bsq_rng_below(r, (uint64_t)1 << bits[f]);
    bsq_frame_pack(&e, lev, frames + i * nb);
    for (int k = 0; k < B; k++)
      ref[len++] = (frames[i * nb + k / 8] >> (k % 8)) & 1;
    if (mode == BSQ_MODE_ALIGNED) {
      while (len % (size_t)K) ref[len++] = 0;
      ref_last[len / (size_t)K - 1] = 1;
    }
  }
  while (len % (size_t)K) ref[len++] = 0;
  size_t nref = len / (size_t)K;
  ck_assert_uint_eq(nref, bsq_stream_words(B, K, mode, (uint64_t)n));

  /* Packer, fed frames with garbage in the unused high bits. */
  bsq_packer p;
  bsq_packer_init(&p, B, K, mode);
  size_t nw = 0;
  for (int i = 0; i < n; i++) {
    memcpy(dirty, frames + i * nb, (size_t)nb);
    if (B % 8) dirty[nb - 1] = (uint8_t)(dirty[nb - 1] | (0xffu << (B % 8)));
    int got = bsq_packer_push(&p, dirty, words + nw, tlast + nw);
    ck_assert_int_le(got, mw);
    if (mode == BSQ_MODE_ALIGNED) {
      ck_assert_int_eq(got, (B + K - 1) / K);
      ck_assert_int_eq(p.nacc, 0);
    }
    nw += (size_t)got;
  }
  nw += (size_t)bsq_packer_flush(&p, words + nw, tlast + nw);
  ck_assert_int_eq(bsq_packer_flush(&p, words + nw, tlast + nw), 0);
  ck_assert_uint_eq(nw, nref);
  for (size_t w = 0; w < nw; w++) {
    uint64_t want = 0;
    for (int k = 0; k < K; k++)
      want |= (uint64_t)ref[w * (size_t)K + (size_t)k] << k;
    if (words[w] != want || tlast[w] != ref_last[w])
      ck_abort_msg(
          "B=%d K=%d mode=%s word %zu: got %llx tlast %d, want %llx "
          "tlast %d",
          B, K, bsq_mode_name(mode), w, (unsigned long long)words[w], tlast[w],
          (unsigned long long)want, ref_last[w]);
  }
  ck_assert_int_eq(
      bsq_stream_unpack(words, nw, B, K, mode, (uint64_t)n, nb, back), BSQ_OK);
  ck_assert_mem_eq(back, frames, (size_t)(n * nb));

  free(frames);
  free(dirty);
  free(lev);
  free(back);
  free(ref);
  free(ref_last);
  free(words);
  free(tlast);
  bsq_encoder_free(&e);
}

START_TEST(test_quant_packer_matches_reference_every_k) {
  bsq_rng r;
  bsq_rng_seed(&r, 0x9ac4);
  int bits[40];
  for (int K = 1; K <= BSQ_MAX_WORD; K++)
    for (int mode = 0; mode < 2; mode++)
      for (int trial = 0; trial < 6; trial++) {
        int F = rnd_int(&r, 1, 40);
        for (int f = 0; f < F; f++) bits[f] = rnd_int(&r, 1, 8);
        packer_vs_reference(&r, F, bits, K, (bsq_mode)mode, rnd_int(&r, 0, 12));
      }
}
END_TEST

START_TEST(test_quant_packer_small_frames_every_k) {
  /* B = 1..9 against every K: frames much smaller than words. */
  bsq_rng r;
  bsq_rng_seed(&r, 0x5a11);
  for (int K = 1; K <= BSQ_MAX_WORD; K++)
    for (int mode = 0; mode < 2; mode++)
      for (int B = 1; B <= 9; B++) {
        int bits[2] = {B > 8 ? 8 : B, 1};
        packer_vs_reference(&r, B > 8 ? 2 : 1, bits, K, (bsq_mode)mode,
                            rnd_int(&r, 1, 70));
      }
}
END_TEST

START_TEST(test_quant_packer_wide_frames) {
  /* F = 1024 features of 8 bits: 8192-bit frames. */
  bsq_rng r;
  bsq_rng_seed(&r, 0x1024);
  static int bits[1024];
  for (int f = 0; f < 1024; f++) bits[f] = 8;
  const int ks[] = {1, 7, 32, 63, 64};
  for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
    for (int mode = 0; mode < 2; mode++)
      packer_vs_reference(&r, 1024, bits, ks[i], (bsq_mode)mode, 3);
  for (int f = 0; f < 1024; f++) bits[f] = rnd_int(&r, 1, 8);
  for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
    for (int mode = 0; mode < 2; mode++)
      packer_vs_reference(&r, 1024, bits, ks[i], (bsq_mode)mode, 3);
}
END_TEST

START_TEST(test_quant_packer_k64_full_words) {
  /* All 64 bits of a word in use: no shift by 64 anywhere. */
  bsq_packer p;
  uint8_t ones[16];
  memset(ones, 0xff, sizeof ones);
  uint64_t w[8];
  uint8_t tl[8];
  bsq_packer_init(&p, 128, 64, BSQ_MODE_ALIGNED);
  ck_assert_int_eq(bsq_packer_push(&p, ones, w, tl), 2);
  ck_assert_uint_eq(w[0], UINT64_MAX);
  ck_assert_uint_eq(w[1], UINT64_MAX);
  ck_assert_int_eq(tl[0], 0);
  ck_assert_int_eq(tl[1], 1);
  uint8_t back[16];
  ck_assert_int_eq(
      bsq_stream_unpack(w, 2, 128, 64, BSQ_MODE_ALIGNED, 1, 16, back), BSQ_OK);
  ck_assert_mem_eq(back, ones, 16);
  bsq_packer_init(&p, 65, 64, BSQ_MODE_CONTINUOUS);
  ck_assert_int_eq(bsq_packer_push(&p, ones, w, tl), 1);
  ck_assert_int_eq(bsq_packer_push(&p, ones, w + 1, tl + 1), 1);
  ck_assert_int_eq(bsq_packer_flush(&p, w + 2, tl + 2), 1);
  ck_assert_uint_eq(w[0], UINT64_MAX);
  ck_assert_uint_eq(w[1], UINT64_MAX);
  ck_assert_uint_eq(w[2], 0x3);
}
END_TEST

/* Wide codes (W = 16, 24, 32): the property on codes around T and at the
 * extremes of the range. */
START_TEST(test_quant_threshold_int_wide_codes) {
  bsq_rng r;
  bsq_rng_seed(&r, 0x3232);
  const int widths[] = {16, 24, 32};
  for (size_t wi = 0; wi < 3; wi++)
    for (int trial = 0; trial < 3000; trial++) {
      bsq_format f = rnd_format(&r, widths[wi], widths[wi]);
      double t = rnd_threshold(&r, &f);
      int64_t T = bsq_threshold_int(&f, t);
      int64_t lo = bsq_format_lo(&f), hi = bsq_format_hi(&f);
      check_T_range(&f, T);
      const int64_t ext[] = {lo, lo + 1, hi - 1, hi};
      for (int i = 0; i < 4; i++) check_code(&f, t, T, ext[i]);
      for (int64_t x = T - 2; x <= T + 2; x++)
        if (x >= lo && x <= hi) check_code(&f, t, T, x);
    }
}
END_TEST

START_TEST(test_quant_threshold_int_clamps_far_values) {
  const bsq_format tab[] = {
      {1, 0, 0.0, 1.0},   {1, 1, 0.0, 1.0},  {32, 0, -5.0, 1e-3},
      {32, 1, 7.0, 1e-9}, {32, 1, 0.0, 1e9},
  };
  const double far[] = {1e300, -1e300, INFINITY, -INFINITY, DBL_MAX, -DBL_MAX};
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    int64_t lo = bsq_format_lo(&tab[i]), hi = bsq_format_hi(&tab[i]);
    for (size_t j = 0; j < sizeof far / sizeof far[0]; j++)
      ck_assert_int_eq(bsq_threshold_int(&tab[i], far[j]),
                       far[j] > 0 ? hi : lo - 1);
    /* NaN: no code exceeds it (x > NaN is false), so T = hi. */
    ck_assert_int_eq(bsq_threshold_int(&tab[i], NAN), hi);
  }
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(test_quant_encoder_init_rejects_bad_sizes) {
  bsq_encoder e;
  /* 0 bits for one feature is legal, for every feature not (no frame) */
  const int b0[] = {0, 0}, b9[] = {9}, bneg[] = {-1}, ok[] = {2};
  ck_assert_int_eq(bsq_encoder_init(&e, 2, b0), BSQ_EINVAL);
  ck_assert_ptr_null(e.T);
  bsq_encoder_free(&e);
  ck_assert_int_eq(bsq_encoder_init(&e, 1, b9), BSQ_EINVAL);
  ck_assert_int_eq(bsq_encoder_init(&e, 1, bneg), BSQ_EINVAL);
  ck_assert_int_eq(bsq_encoder_init(&e, 0, ok), BSQ_EINVAL);
  ck_assert_int_eq(bsq_encoder_init(&e, -3, ok), BSQ_EINVAL);
  ck_assert_int_eq(bsq_encoder_init(&e, 1, NULL), BSQ_EINVAL);
  ck_assert_int_eq(e.F, 0);
  bsq_encoder_free(&e);
}
END_TEST

START_TEST(test_quant_format_fit_rejects_bad_input) {
  const bsq_format keep = {7, 1, 3.0, 2.0};
  bsq_format f = keep;
  ck_assert_int_eq(bsq_format_fit(&f, 0, 0, 0.0, 1.0, 0.0), BSQ_EINVAL);
  ck_assert_int_eq(bsq_format_fit(&f, 33, 0, 0.0, 1.0, 0.0), BSQ_EINVAL);
  ck_assert_int_eq(bsq_format_fit(&f, -1, 1, 0.0, 1.0, 0.0), BSQ_EINVAL);
  ck_assert_int_eq(bsq_format_fit(&f, 8, 0, NAN, 1.0, 0.0), BSQ_EINVAL);
  ck_assert_int_eq(bsq_format_fit(&f, 8, 0, 0.0, NAN, 0.0), BSQ_EINVAL);
  ck_assert_int_eq(bsq_format_fit(&f, 8, 0, -INFINITY, 1.0, 0.0), BSQ_EINVAL);
  ck_assert_int_eq(bsq_format_fit(&f, 8, 0, 0.0, INFINITY, 0.0), BSQ_EINVAL);
  ck_assert_int_eq(bsq_format_fit(&f, 8, 0, 2.0, 1.0, 0.0), BSQ_EINVAL);
  ck_assert_int_eq(bsq_format_fit(&f, 8, 0, 0.0, 1.0, -0.1), BSQ_EINVAL);
  ck_assert_int_eq(bsq_format_fit(&f, 8, 0, 0.0, 1.0, NAN), BSQ_EINVAL);
  ck_assert_int_eq(bsq_format_fit(&f, 8, 0, -DBL_MAX, DBL_MAX, 0.0),
                   BSQ_ERANGE);
  ck_assert_mem_eq(&f, &keep, sizeof f); /* untouched on failure */
}
END_TEST

START_TEST(test_quant_mode_parse_rejects_unknown) {
  bsq_mode m = BSQ_MODE_ALIGNED;
  const char *bad[] = {"", "Aligned", "continuous ", "packed", "align"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_int_eq(bsq_mode_parse(bad[i], &m), BSQ_EINVAL);
  ck_assert_int_eq(bsq_mode_parse(NULL, &m), BSQ_EINVAL);
  ck_assert_int_eq(m, BSQ_MODE_ALIGNED);
}
END_TEST

START_TEST(test_quant_unpack_rejects_bad_streams) {
  uint8_t fr[3];
  /* Continuous, B=5, K=8, 3 frames: 15 bits in 2 words, bit 7 of word 1 is
   * padding. */
  uint64_t w[3] = {0x75, 0x2a, 0};
  ck_assert_int_eq(bsq_stream_unpack(w, 2, 5, 8, BSQ_MODE_CONTINUOUS, 3, 1, fr),
                   BSQ_OK);
  ck_assert_int_eq(fr[0], 0x15);
  ck_assert_int_eq(fr[1], 0x03 | (0x2a & 0x3) << 3);
  ck_assert_int_eq(fr[2], 0x2a >> 2);
  ck_assert_int_eq(bsq_stream_unpack(w, 1, 5, 8, BSQ_MODE_CONTINUOUS, 3, 1, fr),
                   BSQ_EFORMAT);
  ck_assert_int_eq(bsq_stream_unpack(w, 3, 5, 8, BSQ_MODE_CONTINUOUS, 3, 1, fr),
                   BSQ_EFORMAT);
  w[1] = 0x2a | 0x80; /* trailing pad bit */
  ck_assert_int_eq(bsq_stream_unpack(w, 2, 5, 8, BSQ_MODE_CONTINUOUS, 3, 1, fr),
                   BSQ_EFORMAT);
  w[1] = 0x2a | 0x100; /* above K */
  ck_assert_int_eq(bsq_stream_unpack(w, 2, 5, 8, BSQ_MODE_CONTINUOUS, 3, 1, fr),
                   BSQ_EFORMAT);
  w[1] = 0x2a | (1ULL << 63);
  ck_assert_int_eq(bsq_stream_unpack(w, 2, 5, 8, BSQ_MODE_CONTINUOUS, 3, 1, fr),
                   BSQ_EFORMAT);
  /* Aligned, B=5, K=8, 2 frames: bits 5..7 of each word are padding. */
  uint64_t a[2] = {0x15, 0x03};
  ck_assert_int_eq(bsq_stream_unpack(a, 2, 5, 8, BSQ_MODE_ALIGNED, 2, 1, fr),
                   BSQ_OK);
  ck_assert_int_eq(fr[0], 0x15);
  ck_assert_int_eq(fr[1], 0x03);
  a[0] |= 0x40;
  ck_assert_int_eq(bsq_stream_unpack(a, 2, 5, 8, BSQ_MODE_ALIGNED, 2, 1, fr),
                   BSQ_EFORMAT);
  a[0] = 0x15;
  a[1] |= 0x20;
  ck_assert_int_eq(bsq_stream_unpack(a, 2, 5, 8, BSQ_MODE_ALIGNED, 2, 1, fr),
                   BSQ_EFORMAT);
  a[1] = 0x03;
  ck_assert_int_eq(bsq_stream_unpack(a, 1, 5, 8, BSQ_MODE_ALIGNED, 2, 1, fr),
                   BSQ_EFORMAT);
  /* Bad arguments. */
  ck_assert_int_eq(bsq_stream_unpack(a, 2, 5, 0, BSQ_MODE_ALIGNED, 2, 1, fr),
                   BSQ_EINVAL);
  ck_assert_int_eq(bsq_stream_unpack(a, 2, 5, 65, BSQ_MODE_ALIGNED, 2, 1, fr),
                   BSQ_EINVAL);
  ck_assert_int_eq(bsq_stream_unpack(a, 2, 0, 8, BSQ_MODE_ALIGNED, 2, 1, fr),
                   BSQ_EINVAL);
  ck_assert_int_eq(bsq_stream_unpack(a, 2, 9, 8, BSQ_MODE_ALIGNED, 2, 1, fr),
                   BSQ_EINVAL); /* frame_bytes too small */
}
END_TEST

START_TEST(test_quant_unpack_rejects_random_corruption) {
  /* Any set bit above K or in padding is caught, wherever it lands. */
  bsq_rng r;
  bsq_rng_seed(&r, 0xc0de);
  for (int trial = 0; trial < 500; trial++) {
    int B = rnd_int(&r, 1, 40), K = rnd_int(&r, 1, 63);
    bsq_mode mode = (bsq_mode)rnd_int(&r, 0, 1);
    int n = rnd_int(&r, 1, 6), nb = (B + 7) / 8;
    uint64_t nw = bsq_stream_words(B, K, mode, (uint64_t)n);
    uint64_t *w = xcalloc((size_t)nw, sizeof *w);
    uint8_t *fr = xcalloc((size_t)(n * nb), 1);
    ck_assert_int_eq(bsq_stream_unpack(w, nw, B, K, mode, (uint64_t)n, nb, fr),
                     BSQ_OK);
    /* Which stream positions carry data? */
    uint64_t wi = rnd_i64(&r, 0, (int64_t)nw - 1);
    int bit = rnd_int(&r, 0, 63);
    uint64_t pos = wi * (uint64_t)K + (uint64_t)bit; /* continuous index */
    int is_data;
    if (bit >= K)
      is_data = 0;
    else if (mode == BSQ_MODE_CONTINUOUS)
      is_data = pos < (uint64_t)n * (uint64_t)B;
    else {
      uint64_t per = (uint64_t)((B + K - 1) / K);
      is_data = (wi % per) * (uint64_t)K + (uint64_t)bit < (uint64_t)B;
    }
    w[wi] |= 1ULL << bit;
    ck_assert_int_eq(bsq_stream_unpack(w, nw, B, K, mode, (uint64_t)n, nb, fr),
                     is_data ? BSQ_OK : BSQ_EFORMAT);
    free(w);
    free(fr);
  }
}
END_TEST

/* ---- Numerics ----------------------------------------------------------- */

START_TEST(test_quant_format_code_saturates_and_rounds_half_up) {
  static const bsq_format u8 = {8, 0, 0.0, 1.0}, s8 = {8, 1, 0.0, 1.0};
  static const bsq_format u32 = {32, 0, 0.0, 1.0}, s32 = {32, 1, 0.0, 1.0};
  static const bsq_format sc = {4, 0, 10.0, 0.25}; /* codes at 10, 10.25, ... */
  static const struct {
    const bsq_format *f;
    double x;
    long long code;
  } tab[] = {
      {&u8, 0.0, 0},
      {&u8, 0.49, 0},
      {&u8, 0.5, 1},
      {&u8, 2.5, 3},
      {&u8, 254.5, 255},
      {&u8, 255.49, 255},
      {&u8, -0.5, 0},
      {&u8, -5.0, 0},
      {&u8, 300.0, 255},
      {&u8, 1e300, 255},
      {&u8, -1e300, 0},
      {&u8, INFINITY, 255},
      {&u8, -INFINITY, 0},
      {&s8, -2.5, -2},
      {&s8, -1.5, -1},
      {&s8, -0.5, 0},
      {&s8, -127.5, -127},
      {&s8, -128.5, -128},
      {&s8, -128.6, -128},
      {&s8, 127.49, 127},
      {&s8, 127.5, 127},
      {&s8, INFINITY, 127},
      {&s8, -INFINITY, -128},
      {&u32, 4294967295.4, 4294967295LL},
      {&u32, 4294967295.5, 4294967295LL},
      {&u32, 4294967294.5, 4294967295LL},
      {&u32, DBL_MAX, 4294967295LL},
      {&s32, -2147483648.5, -2147483647LL - 1},
      {&s32, -2147483647.5, -2147483647LL},
      {&s32, -2147483649.0, -2147483647LL - 1},
      {&s32, 2147483646.5, 2147483647LL},
      {&s32, -DBL_MAX, -2147483647LL - 1},
      {&sc, 10.125, 1},
      {&sc, 10.124, 0},
      {&sc, 9.0, 0},
      {&sc, 13.75, 15},
      {&sc, 13.875, 15},
      {&sc, 11.0, 4},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
    ck_assert_msg(bsq_format_code(tab[i].f, tab[i].x) == tab[i].code,
                  "row %zu: code(%.17g) = %lld, want %lld", i, tab[i].x,
                  (long long)bsq_format_code(tab[i].f, tab[i].x), tab[i].code);
  /* NaN is the caller's problem but defined: lo. */
  ck_assert_int_eq(bsq_format_code(&s8, NAN), -128);
  ck_assert_int_eq(bsq_format_code(&u8, NAN), 0);
}
END_TEST

START_TEST(test_quant_format_code_inverts_value) {
  bsq_rng r;
  bsq_rng_seed(&r, 0xc0);
  for (int trial = 0; trial < 2000; trial++) {
    bsq_format f = rnd_format(&r, 1, 32);
    int64_t c = rnd_code(&r, &f);
    ck_assert_int_eq(bsq_format_code(&f, bsq_format_value(&f, c)), c);
  }
}
END_TEST

/* The contract, exhaustively: for random formats (W 1..12) and stressing
 * thresholds, x > t_c <=> x > T for every code x in [lo, hi]. */
START_TEST(test_quant_threshold_int_exhaustive) {
  bsq_rng r;
  bsq_rng_seed(&r, 0x7ec);
  for (int trial = 0; trial < 400; trial++) {
    bsq_format f = rnd_format(&r, 1, 12);
    int64_t lo = bsq_format_lo(&f), hi = bsq_format_hi(&f);
    for (int k = 0; k < 25; k++) {
      double t = rnd_threshold(&r, &f);
      int64_t T = bsq_threshold_int(&f, t);
      check_T_range(&f, T);
      for (int64_t x = lo; x <= hi; x++) check_code(&f, t, T, x);
    }
  }
}
END_TEST

/* Thresholds exactly on integer codes (power-of-two scale, offset on the
 * grid, so t_c is an exact integer k): T = clamp(k, lo - 1, hi), and the
 * code k itself does not exceed it. */
START_TEST(test_quant_threshold_int_exact_code_boundaries) {
  bsq_rng r;
  bsq_rng_seed(&r, 0xed9e);
  for (int trial = 0; trial < 3000; trial++) {
    bsq_format f;
    f.width = rnd_int(&r, 1, 32);
    f.is_signed = rnd_int(&r, 0, 1);
    f.scale = ldexp(1.0, rnd_int(&r, -12, 12));
    int64_t m = rnd_i64(&r, -1000, 1000);
    f.offset = (double)m * f.scale;
    int64_t lo = bsq_format_lo(&f), hi = bsq_format_hi(&f);
    int64_t k = rnd_int(&r, 0, 3) ? rnd_i64(&r, lo - 3, hi + 3)
                                  : (rnd_int(&r, 0, 1) ? lo : hi);
    double t = (double)(m + k) * f.scale; /* exact */
    ck_assert_double_eq((t - f.offset) / f.scale, (double)k);
    int64_t want = k < lo - 1 ? lo - 1 : k > hi ? hi : k;
    int64_t T = bsq_threshold_int(&f, t);
    ck_assert_int_eq(T, want);
    for (int64_t x = k - 2; x <= k + 2; x++)
      if (x >= lo && x <= hi) check_code(&f, t, T, x);
    if (k >= lo && k <= hi) ck_assert(!(k > T));
  }
}
END_TEST

START_TEST(test_quant_set_thresholds_nan_and_inf) {
  bsq_encoder e;
  const int bits[] = {2};
  ck_assert_int_eq(bsq_encoder_init(&e, 1, bits), BSQ_OK);
  e.fmt[0] = (bsq_format){4, 1, 0.0, 1.0}; /* codes -8..7 */
  const double t[] = {NAN, 1.0, -INFINITY};
  bsq_encoder_set_thresholds(&e, 0, t);
  const int perm[] = {2, 1, 0};
  const int64_t T[] = {-9, 1, 7};
  ck_assert_mem_eq(e.perm, perm, sizeof perm);
  ck_assert_mem_eq(e.T, T, sizeof T);
  ck_assert_int_eq(bsq_level(&e, 0, -8), 1);
  ck_assert_int_eq(bsq_level(&e, 0, 2), 2);
  ck_assert_int_eq(bsq_level(&e, 0, 7), 2);
  bsq_encoder_free(&e);
}
END_TEST

Suite *quant_suite(void); /* called by check_main.c */

Suite *quant_suite(void) {
  Suite *s = suite_create("quant");
  TCase *tc = tcase_create("Core");
  tcase_add_test(tc, test_quant_format_range);
  tcase_add_test(tc, test_quant_format_fit_spans_range);
  tcase_add_test(tc, test_quant_encoder_init_layout);
  tcase_add_test(tc, test_quant_flat_feature);
  tcase_add_test(tc, test_quant_set_thresholds_fixed);
  tcase_add_test(tc, test_quant_set_thresholds_sorted_stable);
  tcase_add_test(tc, test_quant_levels_range_and_frames);
  tcase_add_test(tc, test_quant_frame_fixed_vector);
  tcase_add_test(tc, test_quant_zero_bit_feature_is_not_sent);
  tcase_add_test(tc, test_quant_zero_bit_features_random);
  tcase_add_test(tc, test_quant_tdata_fixed_vector);
  tcase_add_test(tc, test_quant_tdata_and_encode_push_random);
  tcase_add_test(tc, test_quant_levels_to_bits_matches_hard_bits);
  tcase_add_test(tc, test_quant_packer_fixed_vectors);
  tcase_add_test(tc, test_quant_packer_reset_discards_partial_word);
  tcase_add_test(tc, test_quant_packer_reset_restarts_stream);
  tcase_add_test(tc, test_quant_stream_words_counts);
  tcase_add_test(tc, test_quant_mode_names_round_trip);
  suite_add_tcase(s, tc);

  tc = tcase_create("Limits");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_quant_packer_matches_reference_every_k);
  tcase_add_test(tc, test_quant_packer_small_frames_every_k);
  tcase_add_test(tc, test_quant_packer_wide_frames);
  tcase_add_test(tc, test_quant_packer_k64_full_words);
  tcase_add_test(tc, test_quant_threshold_int_wide_codes);
  tcase_add_test(tc, test_quant_threshold_int_clamps_far_values);
  suite_add_tcase(s, tc);

  tc = tcase_create("Errors");
  tcase_add_test(tc, test_quant_encoder_init_rejects_bad_sizes);
  tcase_add_test(tc, test_quant_format_fit_rejects_bad_input);
  tcase_add_test(tc, test_quant_mode_parse_rejects_unknown);
  tcase_add_test(tc, test_quant_unpack_rejects_bad_streams);
  tcase_add_test(tc, test_quant_unpack_rejects_random_corruption);
  suite_add_tcase(s, tc);

  tc = tcase_create("Numerics");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_quant_format_code_saturates_and_rounds_half_up);
  tcase_add_test(tc, test_quant_format_code_inverts_value);
  tcase_add_test(tc, test_quant_threshold_int_exhaustive);
  tcase_add_test(tc, test_quant_threshold_int_exact_code_boundaries);
  tcase_add_test(tc, test_quant_set_thresholds_nan_and_inf);
  suite_add_tcase(s, tc);
  return s;
}
