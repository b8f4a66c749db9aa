/* bsq — packed frame stream files: what `bsq encode` writes and
 * `bsq decode` reads (the words a device sends over its link, with a
 * header that binds them to one model).
 *
 * Layout, all integers little-endian:
 *   0  magic    "BSQSTRM1" (8 bytes)
 *   8  version  u32 (1)
 *  12  K        u32 word width in bits, 1..64
 *  16  mode     u32 0 continuous, 1 aligned
 *  20  B        u32 frame bits
 *  24  F        u32 features
 *  28  sync     u32 frame-sync group N (sync.h), 0: none
 *  32  nframes  u64 data frames written
 *  40  nwords   u64 (= bsq_stream_words(B, K, mode, nframes) without sync;
 *                  with sync, the words sent: markers included, no final
 *                  partial word, as a device sends them)
 *  48  model    u64 model hash
 *  56  words    nwords x ceil(K/8) bytes, each word little-endian */
#ifndef BSQ_STREAM_H
#define BSQ_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "data.h"
#include "quant.h"

#define BSQ_STREAM_HEADER 56

typedef struct {
  int K;
  bsq_mode mode;
  int B, F;
  int sync; /* frame-sync group N, 0: none */
  uint64_t nframes, nwords;
  uint64_t model_hash;
  uint64_t *words; /* (nwords) */
} bsq_stream;

/* Serializes s to a malloc'ed buffer of *len bytes. */
int bsq_stream_encode(const bsq_stream *s, uint8_t **buf, size_t *len);
/* Parses a buffer; `name` is used in messages. Validates magic, version,
 * K, mode, counts, exact length (truncation, trailing bytes) and that no
 * word has bits at or above K. */
int bsq_stream_decode(bsq_stream *s, const uint8_t *buf, size_t len,
                      const char *name, bsq_diag *diag);
/* A raw capture: the words alone, as a link delivers them (ceil(K/8)
 * bytes each, little-endian; no header), for a framed stream (sync > 0)
 * of B-bit frames over F features bound to model_hash. nframes is 0 (not
 * known). Refuses a length that is not whole words, or a word with bits at
 * or above K, naming `name` and the word. */
int bsq_stream_from_raw(bsq_stream *s, const uint8_t *buf, size_t len, int K,
                        bsq_mode mode, int B, int F, int sync,
                        uint64_t model_hash, const char *name, bsq_diag *diag);
int bsq_stream_write(const bsq_stream *s, const char *path, bsq_diag *diag);
int bsq_stream_read(bsq_stream *s, const char *path, bsq_diag *diag);
void bsq_stream_free(bsq_stream *s);

/* Co-simulation vector file (written by codegen/stim.c, read by the
 * Verilator harness in sim/, which sees only this library's headers): a
 * bsq_vec_header in host byte order followed by nframes * F int64 codes,
 * feature 0 first. */
#define BSQ_VEC_MAGIC "BSQVEC01"

typedef struct {
  char magic[8];
  uint32_t F;
  uint32_t B;
  uint64_t nframes;
  uint64_t n_sweep, n_random, n_data;
  uint64_t model_hash;
} bsq_vec_header;

#endif
