/* bsq — packed frame stream files (layout in stream.h). */
#include "stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync.h"
#include "util.h"

static const char MAGIC[8] = {'B', 'S', 'Q', 'S', 'T', 'R', 'M', '1'};

static void put_le(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

int bsq_stream_encode(const bsq_stream *s, uint8_t **buf, size_t *len) {
  int wb = (s->K + 7) / 8;
  size_t n = BSQ_STREAM_HEADER + (size_t)s->nwords * (size_t)wb;
  uint8_t *p = calloc(n, 1);
  if (!p) return BSQ_ENOMEM;
  memcpy(p, MAGIC, 8);
  put_le(p + 8, 1, 4);
  put_le(p + 12, (uint64_t)s->K, 4);
  put_le(p + 16, (uint64_t)s->mode, 4);
  put_le(p + 20, (uint64_t)s->B, 4);
  put_le(p + 24, (uint64_t)s->F, 4);
  put_le(p + 28, (uint64_t)s->sync, 4);
  put_le(p + 32, s->nframes, 8);
  put_le(p + 40, s->nwords, 8);
  put_le(p + 48, s->model_hash, 8);
  for (uint64_t i = 0; i < s->nwords; i++)
    put_le(p + BSQ_STREAM_HEADER + i * (uint64_t)wb, s->words[i], wb);
  *buf = p;
  *len = n;
  return BSQ_OK;
}

int bsq_stream_decode(bsq_stream *s, const uint8_t *buf, size_t len,
                      const char *name, bsq_diag *diag) {
  memset(s, 0, sizeof *s);
  if (len < BSQ_STREAM_HEADER)
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: truncated header (%zu of %d bytes)", name, len,
                        BSQ_STREAM_HEADER);
  if (memcmp(buf, MAGIC, 8) != 0)
    return bsq_diag_set(diag, BSQ_EFORMAT, "%s: not a bsq stream (magic)",
                        name);
  uint64_t version = get_le(buf + 8, 4);
  if (version != 1)
    return bsq_diag_set(diag, BSQ_EVERSION,
                        "%s: stream version %llu is not supported (1)", name,
                        (unsigned long long)version);
  uint64_t K = get_le(buf + 12, 4), mode = get_le(buf + 16, 4);
  uint64_t B = get_le(buf + 20, 4), F = get_le(buf + 24, 4);
  if (K < 1 || K > BSQ_MAX_WORD)
    return bsq_diag_set(diag, BSQ_EFORMAT, "%s: word width %llu is outside 1..64",
                        name, (unsigned long long)K);
  if (mode > 1)
    return bsq_diag_set(diag, BSQ_EFORMAT, "%s: unknown mode %llu", name,
                        (unsigned long long)mode);
  if (F < 1 || F > BSQ_MAX_FEATURES || B < 1 || B > F * BSQ_MAX_BITS)
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: %llu frame bits for %llu features is impossible",
                        name, (unsigned long long)B, (unsigned long long)F);
  uint64_t sync = get_le(buf + 28, 4);
  if (sync > BSQ_SYNC_MAX_GROUP)
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: frame-sync group %llu is outside 0..%d", name,
                        (unsigned long long)sync, BSQ_SYNC_MAX_GROUP);
  uint64_t nframes = get_le(buf + 32, 8), nwords = get_le(buf + 40, 8);
  int wb = (int)(K + 7) / 8;
  uint64_t max_frames = (uint64_t)(len - BSQ_STREAM_HEADER) * 8u + 1u;
  if (sync != 0 && nwords > (uint64_t)(len - BSQ_STREAM_HEADER))
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: truncated: %llu words need more than the %llu "
                        "bytes that follow the header",
                        name, (unsigned long long)nwords,
                        (unsigned long long)(len - BSQ_STREAM_HEADER));
  if (nframes > max_frames ||
      (sync == 0 &&
       nwords != bsq_stream_words((int)B, (int)K, (bsq_mode)mode, nframes)) ||
      (sync != 0 &&
       nframes > bsq_sync_max_frames(nwords, (int)B, (int)K, (bsq_mode)mode)))
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: %llu words cannot hold %llu frames of %llu bits",
                        name, (unsigned long long)nwords,
                        (unsigned long long)nframes, (unsigned long long)B);
  uint64_t body = (uint64_t)(len - BSQ_STREAM_HEADER);
  uint64_t want = nwords * (uint64_t)wb;
  if (body < want)
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: truncated: %llu frames need %llu bytes of words, "
                        "found %llu",
                        name, (unsigned long long)nframes,
                        (unsigned long long)want, (unsigned long long)body);
  if (body > want)
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: %llu bytes of trailing garbage after the last word",
                        name, (unsigned long long)(body - want));
  s->words = malloc(sizeof(uint64_t) * (size_t)(nwords ? nwords : 1));
  if (!s->words) return bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", name);
  for (uint64_t i = 0; i < nwords; i++) {
    uint64_t w = get_le(buf + BSQ_STREAM_HEADER + i * (uint64_t)wb, wb);
    if (K < 64 && (w >> K) != 0) {
      free(s->words);
      s->words = NULL;
      return bsq_diag_set(diag, BSQ_EFORMAT,
                          "%s: word %llu has bits set above bit %llu", name,
                          (unsigned long long)i, (unsigned long long)(K - 1));
    }
    s->words[i] = w;
  }
  s->K = (int)K;
  s->mode = (bsq_mode)mode;
  s->B = (int)B;
  s->F = (int)F;
  s->sync = (int)sync;
  s->nframes = nframes;
  s->nwords = nwords;
  s->model_hash = get_le(buf + 48, 8);
  return BSQ_OK;
}

int bsq_stream_from_raw(bsq_stream *s, const uint8_t *buf, size_t len, int K,
                        bsq_mode mode, int B, int F, int sync,
                        uint64_t model_hash, const char *name, bsq_diag *diag) {
  memset(s, 0, sizeof *s);
  if (K < 1 || K > BSQ_MAX_WORD || sync < 1 || sync > BSQ_SYNC_MAX_GROUP)
    return bsq_diag_set(diag, BSQ_EINVAL, "%s: bad raw stream parameters", name);
  size_t wb = (size_t)(K + 7) / 8;
  if (len % wb != 0)
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: %zu bytes are not a whole number of %d-bit words "
                        "(%zu bytes each)",
                        name, len, K, wb);
  uint64_t n = (uint64_t)(len / wb);
  s->words = malloc(sizeof(uint64_t) * (size_t)(n ? n : 1));
  if (!s->words) return bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", name);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t w = get_le(buf + i * wb, (int)wb);
    if (K < 64 && (w >> K) != 0) {
      free(s->words);
      s->words = NULL;
      return bsq_diag_set(diag, BSQ_EFORMAT,
                          "%s: word %llu has bits set above bit %d", name,
                          (unsigned long long)i, K - 1);
    }
    s->words[i] = w;
  }
  s->K = K;
  s->mode = mode;
  s->B = B;
  s->F = F;
  s->sync = sync;
  s->nwords = n;
  s->model_hash = model_hash;
  return BSQ_OK;
}

int bsq_stream_write(const bsq_stream *s, const char *path, bsq_diag *diag) {
  uint8_t *buf;
  size_t len;
  int rc = bsq_stream_encode(s, &buf, &len);
  if (rc) return bsq_diag_set(diag, rc, "%s: out of memory", path);
  bsq_atomic_file af;
  if ((rc = bsq_atomic_open(&af, path, diag))) {
    free(buf);
    return rc;
  }
  size_t put = fwrite(buf, 1, len, af.fp);
  free(buf);
  return bsq_atomic_close(&af, put == len, diag);
}

int bsq_stream_read(bsq_stream *s, const char *path, bsq_diag *diag) {
  memset(s, 0, sizeof *s);
  char *buf;
  size_t len;
  int rc = bsq_read_file(path, &buf, &len, diag);
  if (rc) return rc;
  rc = bsq_stream_decode(s, (const uint8_t *)buf, len, path, diag);
  free(buf);
  return rc;
}

void bsq_stream_free(bsq_stream *s) {
  free(s->words);
  memset(s, 0, sizeof *s);
}
