/* bsq — the serial reference: the C model of the time-multiplexed encoder
 * (`--arch serial`, docs/design.md 3.5), for an ADC behind a multiplexer.
 *
 * One code per beat, channels in the fixed order 0..F-1, tlast on the
 * last channel of a frame. The levels of a frame are gathered and go into
 * the stream packer of quant.h, so a well-formed frame gives exactly the
 * words bsq_encode_push gives for the same codes. A frame whose tlast is
 * misplaced is dropped whole:
 *   early  tlast on channel c < F-1: the frame ends there, is dropped, and
 *          the next beat is channel 0 of a new frame;
 *   late   no tlast on channel F-1: the frame is dropped, and every beat up
 *          to and including the next tlast belongs to it (discarded); the
 *          beat after that tlast is channel 0.
 * Each dropped frame sets the sticky error flag and adds one to the drop
 * counter, which saturates at 2^BSQ_SERIAL_DROP_BITS - 1. Reset (the RTL's
 * rst_n) clears all of it and the packer's partial word. */
#ifndef BSQ_SERIAL_H
#define BSQ_SERIAL_H

#include <stdint.h>

#include "err.h"
#include "quant.h"

#define BSQ_SERIAL_DROP_BITS 8 /* width of drop_count_o */
#define BSQ_SERIAL_DROP_MAX ((1u << BSQ_SERIAL_DROP_BITS) - 1u)

/* What one beat did. */
enum {
  BSQ_SERIAL_GATHERED = 0, /* a channel of a frame still open */
  BSQ_SERIAL_FRAME = 1,    /* completed a well-formed frame (pushed) */
  BSQ_SERIAL_EARLY = 2,    /* tlast before channel F-1: frame dropped */
  BSQ_SERIAL_LATE = 3,     /* no tlast on channel F-1: frame dropped */
  BSQ_SERIAL_SKIPPED = 4   /* a beat of a late frame after its drop */
};

typedef struct {
  const bsq_encoder *e;
  bsq_packer pk;
  int chan;          /* channel of the next beat, 0..F-1 */
  int skip;          /* discarding the rest of a late frame */
  int err;           /* sticky frame_err_o */
  unsigned drops;    /* drop_count_o, saturating */
  uint64_t dropped;  /* frames dropped (not saturating) */
  int64_t *codes;    /* (F) codes gathered so far */
  uint8_t *levels;   /* (F) scratch */
  uint8_t *frame;    /* (frame bytes) scratch */
} bsq_serial;

int bsq_serial_init(bsq_serial *s, const bsq_encoder *e, int K, bsq_mode mode);
void bsq_serial_free(bsq_serial *s);
/* The RTL's reset: channel 0, no error, counter 0, partial word gone. */
void bsq_serial_reset(bsq_serial *s);
/* One accepted beat: the code of the current channel and its tlast. A
 * completed frame's words (K bits each) and tlast flags go to words/last
 * (room for bsq_packer_max_words) and *nwords gets their count (0
 * otherwise). Returns a BSQ_SERIAL_* value. */
int bsq_serial_push(bsq_serial *s, int64_t code, int tlast, uint64_t *words,
                    uint8_t *last, int *nwords);

/* s_axis_tdata of a serial encoder: as wide as the widest feature's code;
 * feature f's code in the low W_f bits as its two's complement, sign
 * extended (signed) or zero extended (unsigned) to the full width. The
 * RTL reads the low W_f bits only. */
int bsq_serial_tdata_bits(const bsq_encoder *e);
uint64_t bsq_serial_tdata(const bsq_encoder *e, int f, int64_t code);

/* Co-simulation beat file (written by codegen/stim.c, read by the serial
 * harness in sim/): a bsq_beat_header in host byte order, then nbeats
 * bsq_beat records. */
#define BSQ_BEAT_MAGIC "BSQBEAT1"

typedef struct {
  char magic[8];
  uint32_t F, B;
  uint64_t nbeats, nframes;  /* beats; stimulus frames they come from */
  uint64_t n_early, n_late;  /* frames given a misplaced tlast */
  uint64_t model_hash;
} bsq_beat_header;

typedef struct {
  int64_t code;   /* the code of channel `chan` */
  int64_t frame;  /* stimulus frame it belongs to; -1: an extra beat of a
                     late frame */
  int32_t chan;   /* the channel whose format the code has */
  int32_t tlast;
} bsq_beat;

#endif
