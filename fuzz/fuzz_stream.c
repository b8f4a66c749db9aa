/* libFuzzer target: the frame-stream decoder (model/stream.c) and the
 * unpacking that `bsq decode` does after it (model/quant.c).
 *
 * An accepted stream must unpack into frames whose fields are valid
 * levels, and packing those frames again must give back the same words
 * and, serialized, the same bytes: decode is the exact inverse of encode
 * on everything it accepts. A framed stream (sync field set) also goes
 * through the receiver, which must stay in bounds and deliver valid
 * levels whatever the words. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "stream.h"
#include "sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.bin"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bsq_stream st;
  bsq_diag g = {{0}};
  if (bsq_stream_decode(&st, data, size, NAME, &g) != BSQ_OK) {
    if (strncmp(g.msg, NAME ":", strlen(NAME ":")) != 0) abort();
    if (st.words) abort();
    return 0;
  }
  /* Re-encoding what was accepted gives the input back. */
  uint8_t *again = NULL;
  size_t alen = 0;
  if (bsq_stream_encode(&st, &again, &alen) != BSQ_OK) abort();
  if (alen != size || memcmp(again, data, size) != 0) abort();
  free(again);

  /* An encoder with B frame bits over F features (1..8 bits each). */
  int F = st.F, B = st.B;
  int *bits = malloc(sizeof(int) * (size_t)F);
  if (!bits) abort();
  for (int f = 0; f < F; f++) bits[f] = B / F + (f < B % F);
  bsq_encoder e;
  if (bsq_encoder_init(&e, F, bits) != BSQ_OK) abort();
  if (e.B != B) abort();
  int fb = bsq_frame_bytes(&e);
  size_t n = (size_t)st.nframes;
  uint8_t *frames = malloc(n * (size_t)fb + 1);
  uint8_t *levels = malloc((size_t)F);
  uint64_t *words = malloc(sizeof(uint64_t) * (size_t)(st.nwords + 1));
  uint8_t *tlast = malloc((size_t)bsq_packer_max_words(B, st.K));
  if (!frames || !levels || !words || !tlast) abort();
  if (bsq_stream_unpack(st.words, st.nwords, B, st.K, st.mode, st.nframes, fb,
                        frames) == BSQ_OK) {
    bsq_packer pk;
    bsq_packer_init(&pk, B, st.K, st.mode);
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) {
      const uint8_t *fr = frames + i * (size_t)fb;
      bsq_frame_unpack(&e, fr, levels);
      for (int f = 0; f < F; f++)
        if (levels[f] > (1u << bits[f]) - 1) abort();
      uint8_t *fr2 = malloc((size_t)fb);
      if (!fr2) abort();
      bsq_frame_pack(&e, levels, fr2);
      if (memcmp(fr2, fr, (size_t)fb) != 0) abort();
      free(fr2);
      int got = bsq_packer_push(&pk, fr, words + w, tlast);
      if (got < 0 || got > bsq_packer_max_words(B, st.K)) abort();
      w += (uint64_t)got;
      if (w > st.nwords) abort();
    }
    w += (uint64_t)bsq_packer_flush(&pk, words + w, tlast);
    if (w != st.nwords) abort();
    if (st.nwords && memcmp(words, st.words, sizeof(uint64_t) * st.nwords))
      abort();
  }
  if (st.sync) {
    uint64_t cap = bsq_sync_max_frames(st.nwords, B, st.K, st.mode);
    uint8_t *got = malloc((size_t)cap * (size_t)fb + 1);
    bsq_sync_stats ss;
    if (!got) abort();
    if (bsq_sync_unpack(st.words, st.nwords, B, st.K, st.mode, st.sync, fb, got,
                        &ss) != BSQ_OK)
      abort();
    if (ss.frames > cap) abort();
    for (uint64_t i = 0; i < ss.frames; i++) {
      bsq_frame_unpack(&e, got + i * (uint64_t)fb, levels);
      for (int f = 0; f < F; f++)
        if (levels[f] > (1u << bits[f]) - 1) abort();
    }
    free(got);
  }
  free(frames);
  free(levels);
  free(words);
  free(tlast);
  bsq_encoder_free(&e);
  free(bits);
  bsq_stream_free(&st);
  return 0;
}
