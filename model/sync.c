/* bsq — frame sync: the marker, the framer and the receiver (sync.h). */
#include "sync.h"

#include "data.h"

#include <stdlib.h>
#include <string.h>

/* The CCSDS attached sync marker (CCSDS 131.0-B), sent most significant
 * bit first: 19 ones in 32, a sharp autocorrelation peak. Marker bit j is
 * bit 31 - j % 32 of it (repeated past 32 bits). */
#define BSQ_SYNC_ASM 0x1ACFFC1Du

static int marker_bit(long j) {
  return (int)(BSQ_SYNC_ASM >> (31 - j % 32) & 1u);
}

int bsq_sync_marker_slots(int B, int K) {
  int want = K > BSQ_SYNC_MIN_BITS ? K : BSQ_SYNC_MIN_BITS;
  return (want + B - 1) / B;
}

void bsq_sync_marker_slot(int B, int K, int i, uint8_t *frame) {
  (void)K;
  memset(frame, 0, (size_t)(B + 7) / 8);
  for (int j = 0; j < B; j++)
    frame[j / 8] = (uint8_t)(frame[j / 8] | marker_bit((long)i * B + j) << (j % 8));
}

int bsq_framer_max_words(int B, int K) {
  return (bsq_sync_marker_slots(B, K) + 1) * bsq_packer_max_words(B, K);
}

void bsq_framer_init(bsq_framer *f, int B, int K, bsq_mode mode, int N) {
  bsq_packer_init(&f->pk, B, K, mode);
  f->N = N;
  f->M = bsq_sync_marker_slots(B, K);
  f->in_group = 0;
}

static int push_marker(bsq_framer *f, uint64_t *words, uint8_t *tlast) {
  uint8_t slot[BSQ_MAX_FEATURES * BSQ_MAX_BITS / 8];
  int n = 0;
  for (int i = 0; i < f->M; i++) {
    bsq_sync_marker_slot(f->pk.B, f->pk.K, i, slot);
    n += bsq_packer_push(&f->pk, slot, words + n, tlast + n);
  }
  return n;
}

int bsq_framer_reset(bsq_framer *f, uint64_t *words, uint8_t *tlast) {
  bsq_packer_reset(&f->pk);
  f->in_group = 0;
  return push_marker(f, words, tlast);
}

int bsq_framer_push(bsq_framer *f, const uint8_t *frame, int flush,
                    uint64_t *words, uint8_t *tlast) {
  int n = bsq_packer_push(&f->pk, frame, words, tlast);
  if (++f->in_group == f->N || flush) {
    f->in_group = 0;
    n += push_marker(f, words + n, tlast + n);
  }
  return n;
}

/* ---- the receiver ---- */

typedef struct {
  const uint64_t *w;
  int K, B, U, M;  /* U: stream bits per slot (B, or B padded to words) */
  uint64_t T;      /* stream bits */
  uint8_t *marker; /* M * B bits, one per byte */
  int tail_bits;   /* marker bits a flushed stream's end always has */
} rx;

static int bit_at(const rx *r, uint64_t t) {
  return (int)((r->w[t / (uint64_t)r->K] >> (t % (uint64_t)r->K)) & 1u);
}

/* The marker at stream bit p: 2 all of it there; 1 the stream ends inside
 * it, after at least r->tail_bits of its bits, all the marker's (a
 * flushed stream ends so); 0 otherwise. */
static int marker_at(const rx *r, uint64_t p) {
  for (int i = 0; i < r->M; i++)
    for (int j = 0; j < r->B; j++) {
      uint64_t t = p + (uint64_t)i * (uint64_t)r->U + (uint64_t)j;
      if (t >= r->T) return i * r->B + j >= r->tail_bits ? 1 : 0;
      if (bit_at(r, t) != r->marker[i * r->B + j]) return 0;
    }
  return 2;
}

static void read_slot(const rx *r, uint64_t p, uint8_t *frame, int fb) {
  memset(frame, 0, (size_t)fb);
  for (int j = 0; j < r->B; j++)
    frame[j / 8] = (uint8_t)(frame[j / 8] | bit_at(r, p + (uint64_t)j) << (j % 8));
}

static int slot_bits(int B, int K, bsq_mode mode) {
  return mode == BSQ_MODE_ALIGNED ? (B + K - 1) / K * K : B;
}

uint64_t bsq_sync_max_frames(uint64_t nwords, int B, int K, bsq_mode mode) {
  return nwords * (uint64_t)K / (uint64_t)slot_bits(B, K, mode);
}

int bsq_sync_unpack(const uint64_t *words, uint64_t nwords, int B, int K,
                    bsq_mode mode, int N, int frame_bytes, uint8_t *frames,
                    bsq_sync_stats *st) {
  memset(st, 0, sizeof *st);
  if (B < 1 || K < 1 || K > 64 || N < 1 || N > BSQ_SYNC_MAX_GROUP ||
      frame_bytes < (B + 7) / 8 ||
      (mode != BSQ_MODE_CONTINUOUS && mode != BSQ_MODE_ALIGNED))
    return BSQ_EINVAL;
  rx r = {words, K, B, slot_bits(B, K, mode), bsq_sync_marker_slots(B, K),
          nwords * (uint64_t)K, NULL, 0};
  /* Continuous: the words sent after a group's last bit hold at least
   * M*B - K + 1 bits of the marker that follows. Aligned: all of it. */
  r.tail_bits = mode == BSQ_MODE_ALIGNED ? r.M * B : r.M * B - K + 1;
  if (r.tail_bits < 1) r.tail_bits = 1;
  r.marker = malloc((size_t)r.M * (size_t)B);
  uint8_t *slot = malloc((size_t)frame_bytes);
  if (!r.marker || !slot) {
    free(r.marker);
    free(slot);
    return BSQ_ENOMEM;
  }
  for (int i = 0; i < r.M; i++) {
    bsq_sync_marker_slot(B, K, i, slot);
    for (int j = 0; j < B; j++) r.marker[i * B + j] = (uint8_t)(slot[j / 8] >> (j % 8) & 1);
  }
  const uint64_t step = mode == BSQ_MODE_ALIGNED ? (uint64_t)K : 1u;
  const uint64_t mlen = (uint64_t)r.M * (uint64_t)r.U;
  uint64_t p = 0; /* where the search starts */
  int searched_once = 0;
  for (;;) {
    /* search: the first whole marker at or after p */
    uint64_t m = p;
    while (m + mlen <= r.T && marker_at(&r, m) != 2) m += step;
    if (m + mlen > r.T) {
      st->skipped_bits += r.T > p ? r.T - p : 0;
      break;
    }
    st->skipped_bits += m - p;
    if (searched_once) st->resyncs++;
    searched_once = 1;
    /* locked: groups, marker to marker */
    int done = 0;
    for (;;) {
      uint64_t q = m + mlen, slip = 0;
      int n = 0, closed = 0;
      for (;;) {
        if (n >= 1) {
          int k = marker_at(&r, q);
          if (k == 2) {
            closed = 1;
            break;
          }
          if (k == 1) { /* a flushed stream's end: the marker's first bits */
            closed = 1;
            done = 1;
            break;
          }
          if (n == N) break; /* its marker is not where it must be */
        }
        if (q + (uint64_t)r.U > r.T) { /* the stream ends: unconfirmed */
          st->tail_frames += (uint64_t)n;
          done = 1;
          break;
        }
        /* a marker inside this slot: words were lost or added */
        uint64_t t = q + step;
        while (t < q + (uint64_t)r.U && t + mlen <= r.T && marker_at(&r, t) != 2)
          t += step;
        if (t < q + (uint64_t)r.U && t + mlen <= r.T) {
          slip = t;
          break;
        }
        read_slot(&r, q, frames + (st->frames + (uint64_t)n) * (uint64_t)frame_bytes,
                  frame_bytes);
        n++;
        q += (uint64_t)r.U;
      }
      if (closed) {
        st->frames += (uint64_t)n;
        st->groups++;
        if (done) break;
        m = q;
        continue;
      }
      if (done) break;
      st->dropped_frames += (uint64_t)n;
      if (slip) { /* locked again at once, on the marker found */
        st->resyncs++;
        m = slip;
        continue;
      }
      break;
    }
    if (done) break;
    p = m + step; /* sync lost: search again past the last good marker */
  }
  free(r.marker);
  free(slot);
  return BSQ_OK;
}
