/* Check suite for model/serial.c: the serial reference, one code per beat,
 * against the parallel path (bsq_encode_push) and the misplaced-tlast rule. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "rng.h"
#include "serial.h"


/* F features with bits 1..4, widths 3..12, some signed, random sorted
 * thresholds inside the code range. */
static void make_encoder(bsq_encoder *e, int F, bsq_rng *r) {
  int bits[16] = {0};
  for (int f = 0; f < F; f++) bits[f] = 1 + (int)bsq_rng_below(r, 4);
  ck_assert_int_eq(bsq_encoder_init(e, F, bits), 0);
  for (int f = 0; f < F; f++) {
    ck_assert_int_eq(bsq_format_fit(&e->fmt[f], 3 + (int)bsq_rng_below(r, 10),
                                    (int)bsq_rng_below(r, 2), -1.0, 1.0, 0.0),
                     0);
    double t[255];
    int n = e->toff[f + 1] - e->toff[f];
    for (int j = 0; j < n; j++) t[j] = 2.0 * bsq_rng_uniform(r) - 1.0;
    bsq_encoder_set_thresholds(e, f, t);
  }
}

static int64_t rnd_code(bsq_rng *r, const bsq_format *fmt) {
  int64_t lo = bsq_format_lo(fmt), hi = bsq_format_hi(fmt);
  return lo + (int64_t)bsq_rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* Pushes one frame beat by beat; tlast on channel `tl` (F-1: well placed).
 * Returns the last beat's result; words/last/n get what it emitted. */
static int push_frame(bsq_serial *s, const int64_t *codes, int nbeats, int tl,
                      uint64_t *words, uint8_t *last, int *n) {
  int st = -1;
  for (int c = 0; c < nbeats; c++)
    st = bsq_serial_push(s, codes[c % s->e->F], c == tl, words, last, n);
  return st;
}

START_TEST(test_serial_equals_parallel) {
  bsq_rng r;
  bsq_rng_seed(&r, 11u + (uint64_t)_i);
  bsq_encoder e;
  int F = 1 + _i % 9;
  make_encoder(&e, F, &r);
  int K = 1 + (int)bsq_rng_below(&r, 64);
  bsq_mode mode = _i % 2 ? BSQ_MODE_ALIGNED : BSQ_MODE_CONTINUOUS;
  bsq_serial s;
  ck_assert_int_eq(bsq_serial_init(&s, &e, K, mode), 0);
  bsq_packer p;
  bsq_packer_init(&p, e.B, K, mode);
  int maxw = bsq_packer_max_words(e.B, K);
  uint64_t *w1 = calloc((size_t)maxw, 8), *w2 = calloc((size_t)maxw, 8);
  uint8_t *l1 = calloc((size_t)maxw, 1), *l2 = calloc((size_t)maxw, 1);
  uint8_t lv[16], fr[16];
  int64_t codes[16];
  for (int i = 0; i < 500; i++) {
    for (int f = 0; f < F; f++) codes[f] = rnd_code(&r, &e.fmt[f]);
    int n1 = bsq_encode_push(&e, &p, codes, lv, fr, w1, l1), n2 = -1;
    ck_assert_int_eq(push_frame(&s, codes, F, F - 1, w2, l2, &n2),
                     BSQ_SERIAL_FRAME);
    ck_assert_int_eq(n1, n2);
    ck_assert_mem_eq(w1, w2, (size_t)n1 * 8);
    ck_assert_mem_eq(l1, l2, (size_t)n1);
  }
  ck_assert_int_eq(s.err, 0);
  ck_assert_uint_eq(s.drops, 0);
  free(w1), free(w2), free(l1), free(l2);
  bsq_serial_free(&s);
  bsq_encoder_free(&e);
}
END_TEST

/* An early and a late frame are dropped whole; the frames around them come
 * out as the parallel path gives them, so nothing is misaligned. */
START_TEST(test_serial_drops_misplaced_frames) {
  bsq_rng r;
  bsq_rng_seed(&r, 5);
  bsq_encoder e;
  int F = 4;
  make_encoder(&e, F, &r);
  int K = 7;
  bsq_serial s;
  ck_assert_int_eq(bsq_serial_init(&s, &e, K, BSQ_MODE_CONTINUOUS), 0);
  bsq_packer p;
  bsq_packer_init(&p, e.B, K, BSQ_MODE_CONTINUOUS);
  uint64_t w1[16], w2[16];
  uint8_t l1[16], l2[16], lv[16], fr[16];
  int64_t a[16], b[16];
  int n = 0;
  for (int round = 0; round < 50; round++) {
    for (int f = 0; f < F; f++) a[f] = rnd_code(&r, &e.fmt[f]);
    for (int f = 0; f < F; f++) b[f] = rnd_code(&r, &e.fmt[f]);
    /* early: tlast on channel 1 */
    ck_assert_int_eq(push_frame(&s, b, 2, 1, w2, l2, &n), BSQ_SERIAL_EARLY);
    ck_assert_int_eq(n, 0);
    int n1 = bsq_encode_push(&e, &p, a, lv, fr, w1, l1);
    ck_assert_int_eq(push_frame(&s, a, F, F - 1, w2, l2, &n), BSQ_SERIAL_FRAME);
    ck_assert_int_eq(n, n1);
    ck_assert_mem_eq(w1, w2, (size_t)n * 8);
    /* late: no tlast on channel F-1, then two beats to its tlast */
    ck_assert_int_eq(push_frame(&s, b, F, F + 5, w2, l2, &n), BSQ_SERIAL_LATE);
    ck_assert_int_eq(bsq_serial_push(&s, b[0], 0, w2, l2, &n),
                     BSQ_SERIAL_SKIPPED);
    ck_assert_int_eq(bsq_serial_push(&s, b[1], 1, w2, l2, &n),
                     BSQ_SERIAL_SKIPPED);
    n1 = bsq_encode_push(&e, &p, a, lv, fr, w1, l1);
    ck_assert_int_eq(push_frame(&s, a, F, F - 1, w2, l2, &n), BSQ_SERIAL_FRAME);
    ck_assert_int_eq(n, n1);
    ck_assert_mem_eq(w1, w2, (size_t)n * 8);
    ck_assert_int_eq(s.err, 1);
    ck_assert_uint_eq(s.drops, 2u * (unsigned)(round + 1));
  }
  bsq_serial_free(&s);
  bsq_encoder_free(&e);
}
END_TEST

START_TEST(test_serial_counter_saturates_and_reset_clears) {
  bsq_rng r;
  bsq_rng_seed(&r, 9);
  bsq_encoder e;
  make_encoder(&e, 3, &r);
  bsq_serial s;
  ck_assert_int_eq(bsq_serial_init(&s, &e, 8, BSQ_MODE_ALIGNED), 0);
  uint64_t w[8];
  uint8_t l[8];
  int n;
  unsigned frames = BSQ_SERIAL_DROP_MAX + 20;
  for (unsigned i = 0; i < frames; i++)
    ck_assert_int_eq(bsq_serial_push(&s, 0, 1, w, l, &n), BSQ_SERIAL_EARLY);
  ck_assert_uint_eq(s.drops, BSQ_SERIAL_DROP_MAX);
  ck_assert_uint_eq(s.dropped, frames);
  ck_assert_int_eq(s.err, 1);
  /* a reset mid-frame: the next beat is channel 0 again */
  ck_assert_int_eq(bsq_serial_push(&s, 0, 0, w, l, &n), BSQ_SERIAL_GATHERED);
  bsq_serial_reset(&s);
  ck_assert_int_eq(s.err, 0);
  ck_assert_uint_eq(s.drops, 0);
  ck_assert_int_eq(s.chan, 0);
  ck_assert_int_eq(bsq_serial_push(&s, 0, 0, w, l, &n), BSQ_SERIAL_GATHERED);
  ck_assert_int_eq(bsq_serial_push(&s, 0, 0, w, l, &n), BSQ_SERIAL_GATHERED);
  ck_assert_int_eq(bsq_serial_push(&s, 0, 1, w, l, &n), BSQ_SERIAL_FRAME);
  ck_assert_int_eq(n, 1);
  bsq_serial_free(&s);
  bsq_encoder_free(&e);
}
END_TEST

/* s_axis_tdata: the low W_f bits of the code, sign or zero extended to
 * the widest feature's width. */
START_TEST(test_serial_tdata_extends) {
  int bits[2] = {2, 2};
  bsq_encoder e;
  ck_assert_int_eq(bsq_encoder_init(&e, 2, bits), 0);
  e.fmt[0] = (bsq_format){5, 1, 0.0, 1.0};
  e.fmt[1] = (bsq_format){12, 0, 0.0, 1.0};
  ck_assert_int_eq(bsq_serial_tdata_bits(&e), 12);
  for (int64_t c = bsq_format_lo(&e.fmt[0]); c <= bsq_format_hi(&e.fmt[0]); c++) {
    uint64_t t = bsq_serial_tdata(&e, 0, c);
    ck_assert_uint_lt(t, 1u << 12);
    int64_t back = (int64_t)t >= 2048 ? (int64_t)t - 4096 : (int64_t)t;
    ck_assert_int_eq(back, c); /* sign extended: the same value at 12 bits */
  }
  ck_assert_uint_eq(bsq_serial_tdata(&e, 1, 4095), 4095u);
  bsq_encoder_free(&e);
}
END_TEST

Suite *serial_suite(void); /* called by check_main.c */

Suite *serial_suite(void) {
  Suite *s = suite_create("serial");
  TCase *tc = tcase_create("Core");
  tcase_add_loop_test(tc, test_serial_equals_parallel, 0, 18);
  tcase_add_test(tc, test_serial_drops_misplaced_frames);
  tcase_add_test(tc, test_serial_tdata_extends);
  suite_add_tcase(s, tc);
  TCase *tl = tcase_create("Limits");
  tcase_add_test(tl, test_serial_counter_saturates_and_reset_clears);
  suite_add_tcase(s, tl);
  return s;
}
