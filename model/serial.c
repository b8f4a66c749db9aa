/* bsq — the serial reference (see serial.h): frame gathering and the
 * misplaced-tlast rule in front of the stream packer.
 *
 * Legend: F features (channels), c the channel of a beat, K word bits. */
#include "serial.h"

#include <stdlib.h>
#include <string.h>

int bsq_serial_init(bsq_serial *s, const bsq_encoder *e, int K,
                    bsq_mode mode) {
  memset(s, 0, sizeof *s);
  if (!e || e->F < 1 || K < 1 || K > BSQ_MAX_WORD) return BSQ_EINVAL;
  s->e = e;
  s->codes = calloc((size_t)e->F, sizeof *s->codes);
  s->levels = calloc((size_t)e->F, 1);
  s->frame = calloc((size_t)bsq_frame_bytes(e), 1);
  if (!s->codes || !s->levels || !s->frame) {
    bsq_serial_free(s);
    return BSQ_ENOMEM;
  }
  bsq_packer_init(&s->pk, e->B, K, mode);
  return BSQ_OK;
}

void bsq_serial_free(bsq_serial *s) {
  free(s->codes);
  free(s->levels);
  free(s->frame);
  memset(s, 0, sizeof *s);
}

void bsq_serial_reset(bsq_serial *s) {
  s->chan = 0;
  s->skip = 0;
  s->err = 0;
  s->drops = 0;
  bsq_packer_reset(&s->pk);
}

static void drop(bsq_serial *s) {
  s->err = 1;
  if (s->drops < BSQ_SERIAL_DROP_MAX) s->drops++;
  s->dropped++;
}

int bsq_serial_push(bsq_serial *s, int64_t code, int tlast, uint64_t *words,
                    uint8_t *last, int *nwords) {
  int F = s->e->F;
  *nwords = 0;
  if (s->skip) { /* the rest of a late frame, up to its tlast */
    if (tlast) s->skip = 0;
    return BSQ_SERIAL_SKIPPED;
  }
  int c = s->chan;
  s->codes[c] = code;
  if (c < F - 1) {
    if (!tlast) {
      s->chan = c + 1;
      return BSQ_SERIAL_GATHERED;
    }
    s->chan = 0;
    drop(s);
    return BSQ_SERIAL_EARLY;
  }
  s->chan = 0;
  if (!tlast) {
    s->skip = 1;
    drop(s);
    return BSQ_SERIAL_LATE;
  }
  *nwords = bsq_encode_push(s->e, &s->pk, s->codes, s->levels, s->frame,
                            words, last);
  return BSQ_SERIAL_FRAME;
}

int bsq_serial_tdata_bits(const bsq_encoder *e) {
  int w = 1;
  for (int f = 0; f < e->F; f++)
    if (e->fmt[f].width > w) w = e->fmt[f].width;
  return w;
}

uint64_t bsq_serial_tdata(const bsq_encoder *e, int f, int64_t code) {
  int W = bsq_serial_tdata_bits(e);
  uint64_t mask = W >= 64 ? ~0ULL : (1ULL << W) - 1;
  int w = e->fmt[f].width;
  uint64_t low = w >= 64 ? (uint64_t)code : (uint64_t)code & ((1ULL << w) - 1);
  if (e->fmt[f].is_signed && code < 0) low |= ~((1ULL << w) - 1) & mask;
  return low & mask;
}
