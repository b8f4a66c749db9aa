/* bsq — frame sync: a marker before every group of frames, so that a
 * receiver can find frames in a packed stream after a reset, a lost word
 * or a flush (docs/design.md 3.6). The C model of rtl/bsq_framer.v.
 *
 * The marker is M = ceil(max(32, K) / B) marker slots of B bits (a slot is
 * what a frame is to the packer, so the packer is unchanged): the CCSDS
 * attached sync marker 1ACFFC1D (CCSDS 131.0-B), its most significant bit
 * first in the stream, repeated as far as M * B bits go. At least 32 bits,
 * so that random data passes for a marker with odds of 2^-32 or less, and
 * balanced (19 ones in 32), so that frames of low levels are far from it;
 * at least K, so that the marker that follows a group pushes the group's
 * last bit out of the packer.
 *
 * A group is a marker then 1..N data frames. It ends after its N-th frame,
 * or after a frame flagged flush (s_axis_tuser); the next group's marker
 * is pushed at once, without waiting for the next frame. After a reset the
 * first marker is pushed at once too. So the stream is
 *   marker f f ... f marker f ... f marker ...
 * and every data bit leaves the packer without waiting for later frames. */
#ifndef BSQ_SYNC_H
#define BSQ_SYNC_H

#include <stdint.h>

#include "quant.h"

#define BSQ_SYNC_MIN_BITS 32
#define BSQ_SYNC_MAX_GROUP 65535

/* Marker slots M for B-bit frames in K-bit words. */
int bsq_sync_marker_slots(int B, int K);
/* Marker slot i (0..M-1) as a frame: bits i*B .. i*B+B-1 of the marker,
 * slot bit j in frame byte j/8, bit j%8 (the frame layout of quant.h). */
void bsq_sync_marker_slot(int B, int K, int i, uint8_t *frame);

typedef struct {
  bsq_packer pk;
  int N, M;
  int in_group; /* data frames in the open group, 0..N-1 */
} bsq_framer;

/* Upper bound on words one call below completes. */
int bsq_framer_max_words(int B, int K);
void bsq_framer_init(bsq_framer *f, int B, int K, bsq_mode mode, int N);
/* The RTL's reset: discards the partial word, then pushes the first
 * group's marker; writes the words that completes (with tlast, as
 * bsq_packer_push) and returns their count. */
int bsq_framer_reset(bsq_framer *f, uint64_t *words, uint8_t *tlast);
/* Pushes a data frame; if it ends its group (the N-th, or flush != 0) also
 * the next group's marker. Returns the count of words completed. */
int bsq_framer_push(bsq_framer *f, const uint8_t *frame, int flush,
                    uint64_t *words, uint8_t *tlast);

/* What a receiver found. A group is delivered when the marker after it is
 * seen (at the end of the stream, when the bits left are a prefix of the
 * marker: a flushed stream ends that way). A group whose closing marker is
 * not where it must be (after N frames at most) is discarded, and the
 * receiver searches bit by bit (slot by slot in aligned mode) for the next
 * marker. */
typedef struct {
  uint64_t frames;        /* data frames delivered */
  uint64_t groups;        /* groups delivered */
  uint64_t resyncs;       /* times sync was lost and searched for again */
  uint64_t skipped_bits;  /* stream bits passed over while searching */
  uint64_t dropped_frames; /* frames of discarded groups (as read) */
  uint64_t tail_frames;   /* after the last marker, unconfirmed: dropped */
} bsq_sync_stats;

/* The most data frames nwords words can hold. */
uint64_t bsq_sync_max_frames(uint64_t nwords, int B, int K, bsq_mode mode);
/* Finds the frames in words[0..nwords-1] (K bits each, as the framer and
 * packer wrote them, possibly with words lost, added or damaged); frames
 * gets them, frame_bytes each, in order (room for bsq_sync_max_frames).
 * Returns BSQ_EINVAL for impossible parameters. */
int bsq_sync_unpack(const uint64_t *words, uint64_t nwords, int B, int K,
                    bsq_mode mode, int N, int frame_bytes, uint8_t *frames,
                    bsq_sync_stats *st);

#endif
