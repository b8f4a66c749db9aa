/* bsq — the integer path: the numeric contract the hardware matches.
 *
 * (docs/design.md, section 2.) Everything below works on integer codes:
 *   code     = clamp(floor((x - offset) / scale + 0.5), lo, hi)
 *   T        = clamp(floor((t_phys - offset) / scale), lo - 1, hi)
 *   level(x) = #{ i : x > T_i }
 *   frame    = levels of features 0..F-1, feature 0 in the LSBs (B bits)
 *   stream   = frames packed into K-bit words, LSB first, `continuous` or
 *              `aligned` (each frame starts a word; its last word has tlast)
 */
#ifndef BSQ_QUANT_H
#define BSQ_QUANT_H

#include <stdint.h>

#include "err.h"

#define BSQ_MAX_BITS 8     /* bits per feature: 0..8 (0: not sent) */
#define BSQ_MAX_WIDTH 32   /* input code width: 1..32 */
#define BSQ_MAX_WORD 64    /* output word width K: 1..64 */

/* Input format of one feature: physical value -> W-bit code. */
typedef struct {
  int width;       /* W, 1..32 */
  int is_signed;   /* two's complement codes when non-zero */
  double offset;   /* physical value of code 0 */
  double scale;    /* physical units per code step, > 0 */
} bsq_format;

int64_t bsq_format_lo(const bsq_format *f);
int64_t bsq_format_hi(const bsq_format *f);
/* Saturates like an ADC: values beyond the range give lo or hi. */
int64_t bsq_format_code(const bsq_format *f, double x);
/* 1 when bsq_format_code(f, x) saturates: the rounded code lies beyond
 * [lo, hi] (x = +-inf too); 0 otherwise (NaN: 0, it is not a value). */
int bsq_format_saturates(const bsq_format *f, double x);
/* Physical value of a code: offset + code * scale. */
double bsq_format_value(const bsq_format *f, int64_t code);
/* Fits offset/scale so that [xmin - m, xmax + m], m = margin * (xmax - xmin),
 * spans the code range [lo, hi]. A constant column gets a unit span. */
int bsq_format_fit(bsq_format *f, int width, int is_signed, double xmin,
                   double xmax, double margin);
/* Integer threshold of a physical threshold (docs/design.md 2.2). */
int64_t bsq_threshold_int(const bsq_format *f, double t_phys);

/* The trained integer encoder: everything the hardware needs. */
typedef struct {
  int F;             /* features */
  int D;             /* thresholds in all, sum of n_f */
  int B;             /* frame bits, sum of b_f */
  int *bits;         /* (F) b_f in 0..8; 0: not sent (no thresholds,
                        no frame field, its input bits ignored); B >= 1 */
  int *toff;         /* (F+1) offset of feature f's thresholds; n_f = 2^b_f-1 */
  bsq_format *fmt;   /* (F) */
  int64_t *T;        /* (D) integer thresholds, ascending within a feature */
  int *perm;         /* (D) perm[toff[f]+j] = trained index (0..n_f-1) of
                        the j-th smallest threshold of feature f */
} bsq_encoder;

/* Allocates bits/toff/fmt/T/perm for F features with the given bit widths
 * (0..8 each, at least one bit in all); fmt, T and perm are zeroed. */
int bsq_encoder_init(bsq_encoder *e, int F, const int *bits);
void bsq_encoder_free(bsq_encoder *e);

/* Sets T and perm of feature f from physical float thresholds in trained
 * order (n_f of them): sorts (stable on ties), converts each with
 * bsq_threshold_int. */
void bsq_encoder_set_thresholds(bsq_encoder *e, int f, const double *t_phys);

/* The first feature f >= from whose thresholds (two or more) are all the
 * same integer, so that its levels take only two values; -1 if none. */
int bsq_encoder_flat_feature(const bsq_encoder *e, int from);

/* level_f(x) = #{ j : x > T[toff[f]+j] }, x first saturated to the
 * format's [lo, hi] (so a code beyond the range gives the end's level). */
int bsq_level(const bsq_encoder *e, int f, int64_t code);
void bsq_encoder_levels(const bsq_encoder *e, const int64_t *codes /* (F) */,
                        uint8_t *levels /* (F) */);

/* Frame <-> levels. A frame is B bits stored little-endian in
 * bsq_frame_bytes(e) bytes; unused high bits are zero. */
int bsq_frame_bytes(const bsq_encoder *e);
void bsq_frame_pack(const bsq_encoder *e, const uint8_t *levels,
                    uint8_t *frame);
void bsq_frame_unpack(const bsq_encoder *e, const uint8_t *frame,
                      uint8_t *levels);

/* s_axis_tdata, the encoder's input word: the codes of features 0..F-1
 * concatenated, feature 0 in the LSBs, each as its W_f low bits (two's
 * complement for signed formats). bsq_tdata_bits(e) = sum W_f bits, stored
 * little-endian in bsq_tdata_bytes(e) bytes; unused high bits are zero. */
int bsq_tdata_bits(const bsq_encoder *e);
int bsq_tdata_bytes(const bsq_encoder *e);
void bsq_tdata_pack(const bsq_encoder *e, const int64_t *codes /* (F) */,
                    uint8_t *tdata);

/* Levels -> bit vector in trained order (the MLP's input, D floats 0/1):
 * bit i of feature f is set iff level_f > rank_f(i). */
void bsq_levels_to_bits(const bsq_encoder *e, const uint8_t *levels,
                        float *bits /* (D) */);

/* Stream packer, the C model of the RTL gearbox. */
typedef enum { BSQ_MODE_CONTINUOUS = 0, BSQ_MODE_ALIGNED = 1 } bsq_mode;

typedef struct {
  int B, K;
  bsq_mode mode;
  uint64_t acc;  /* partial word, nacc valid bits in the LSBs */
  int nacc;
} bsq_packer;

/* Upper bound on words one frame can complete: B / K + 2. */
int bsq_packer_max_words(int B, int K);
void bsq_packer_init(bsq_packer *p, int B, int K, bsq_mode mode);
/* Discards any partial word (the RTL's reset). */
void bsq_packer_reset(bsq_packer *p);
/* Appends one frame; writes the completed words (K bits each, in the LSBs)
 * and their tlast flags; returns how many. tlast is set only in aligned
 * mode, on the last word of each frame. */
int bsq_packer_push(bsq_packer *p, const uint8_t *frame, uint64_t *words,
                    uint8_t *tlast);
/* Emits a partial word padded with zeros, if any; returns 0 or 1. */
int bsq_packer_flush(bsq_packer *p, uint64_t *word, uint8_t *tlast);

/* The device's whole job for one frame: codes -> levels -> frame -> packer.
 * levels (F) and frame (bsq_frame_bytes) are the caller's scratch and hold
 * this frame's afterwards; words/tlast as for bsq_packer_push, whose count
 * is returned. */
int bsq_encode_push(const bsq_encoder *e, bsq_packer *p,
                    const int64_t *codes /* (F) */, uint8_t *levels,
                    uint8_t *frame, uint64_t *words, uint8_t *tlast);

/* Words for n frames after a final flush. */
uint64_t bsq_stream_words(int B, int K, bsq_mode mode, uint64_t nframes);
/* Unpacks exactly nframes frames from nwords words (as the packer wrote
 * them, flushed); frames is (nframes, frame_bytes). Returns BSQ_EFORMAT if
 * nwords is not bsq_stream_words(...). */
int bsq_stream_unpack(const uint64_t *words, uint64_t nwords, int B, int K,
                      bsq_mode mode, uint64_t nframes, int frame_bytes,
                      uint8_t *frames);

const char *bsq_mode_name(bsq_mode m);
int bsq_mode_parse(const char *s, bsq_mode *m);

#endif
