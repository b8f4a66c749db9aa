/* bsq — a model's device and server sides on whole data sets (codec.h). */
#include "codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bsq_model_load_data(const bsq_model *m, const char *spec, bsq_dataset *d,
                        bsq_diag *diag) {
  int rows = BSQ_FRIEDMAN1_ROWS;
  unsigned long long seed = 0;
  const char *src = spec ? spec : m->data_source;
  int rc;
  if (!strncmp(src, "friedman1", 9) && (src[9] == '\0' || src[9] == ':')) {
    /* spec "friedman1": the generator settings are the model's too */
    if (sscanf(m->data_source, "friedman1:rows=%d:seed=%llu", &rows, &seed) != 2 &&
        !spec)
      return bsq_diag_set(diag, BSQ_EFORMAT,
                          "model data source \"%s\" is not understood",
                          m->data_source);
    rc = bsq_dataset_open(d, "friedman1", NULL, rows, seed, diag);
  } else {
    rc = bsq_dataset_open(d, src, m->target, 0, 0, diag);
  }
  if (rc) return rc;
  if (d->hash != m->data_hash) {
    rc = bsq_diag_set(diag, BSQ_EHASH,
                      "%s: data differs from what the model was trained on "
                      "(hash %016llx, model records %016llx)",
                      d->source, (unsigned long long)d->hash,
                      (unsigned long long)m->data_hash);
    bsq_dataset_free(d);
  }
  return rc;
}

/* Column of each model feature in d (features, then d->F for the target). */
static int map_columns(const bsq_model *m, const bsq_dataset *d, int *col,
                       bsq_diag *diag) {
  for (int f = 0; f < m->F; f++) {
    col[f] = -1;
    for (int j = 0; j < d->F; j++)
      if (!strcmp(d->names[j], m->names[f])) col[f] = j;
    if (col[f] < 0 && !strcmp(d->target, m->names[f])) col[f] = d->F;
    if (col[f] < 0)
      return bsq_diag_set(diag, BSQ_EFORMAT,
                          "%s: no column \"%s\" (model feature %d)", d->source,
                          m->names[f], f);
  }
  return BSQ_OK;
}

int bsq_codec_check_rows(const bsq_model *m, const bsq_dataset *d,
                         const int *rows, int n, long long *saturated,
                         long long *per_feature, bsq_diag *diag) {
  const bsq_encoder *e = &m->enc;
  if (!rows) n = d->rows;
  if (saturated) *saturated = 0;
  if (per_feature)
    for (int f = 0; f < m->F; f++) per_feature[f] = 0;
  int *col = malloc(sizeof(int) * (size_t)m->F);
  if (!col) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  int rc = map_columns(m, d, col, diag);
  for (int f = 0; f < m->F && rc == BSQ_OK; f++) {
    int j = col[f];
    long long sat = 0;
    for (int i = 0; i < n && rc == BSQ_OK; i++) {
      int r = rows ? rows[i] : i;
      double v = j < d->F ? d->x[(size_t)r * (size_t)d->F + j] : d->y[r];
      if (m->fmt_from[f] == BSQ_FMT_CODES)
        rc = bsq_code_check(&e->fmt[f], v, d, r, j, diag);
      else
        sat += bsq_format_saturates(&e->fmt[f], v);
    }
    if (saturated) *saturated += sat;
    if (per_feature) per_feature[f] = sat;
  }
  free(col);
  return rc;
}

int bsq_codec_encode(bsq_stream *st, const bsq_model *m, const bsq_dataset *d,
                     const int *rows, int n, int K, bsq_mode mode, int sync,
                     bsq_diag *diag) {
  const bsq_encoder *e = &m->enc;
  memset(st, 0, sizeof *st);
  if (!rows) n = d->rows;
  int *col = malloc(sizeof(int) * (size_t)m->F);
  int64_t *codes = malloc(sizeof(int64_t) * (size_t)m->F); /* (F) */
  uint8_t *levels = malloc((size_t)m->F);                   /* (F) */
  uint8_t *frame = malloc((size_t)bsq_frame_bytes(e));
  int maxw = bsq_framer_max_words(e->B, K);
  uint8_t *tlast = malloc((size_t)maxw);
  int rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  if (!col || !codes || !levels || !frame || !tlast) goto fail;
  if ((rc = map_columns(m, d, col, diag)) ||
      (rc = bsq_codec_check_rows(m, d, rows, n, NULL, NULL, diag)))
    goto fail;
  st->K = K;
  st->mode = mode;
  st->B = e->B;
  st->F = m->F;
  st->sync = sync;
  st->nframes = (uint64_t)n;
  uint64_t cap; /* words: exact without sync, a bound with it */
  if (sync == 0) {
    cap = st->nwords = bsq_stream_words(e->B, K, mode, (uint64_t)n);
  } else {
    int M = bsq_sync_marker_slots(e->B, K);
    uint64_t groups = (uint64_t)n / (uint64_t)sync + 2;
    cap = bsq_stream_words(e->B, K, mode,
                           (uint64_t)n + groups * (uint64_t)M);
  }
  st->model_hash = bsq_model_hash(m);
  st->words = malloc(sizeof(uint64_t) * (size_t)(cap + (uint64_t)maxw));
  rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  if (!st->words) goto fail;
  bsq_packer pk;
  bsq_framer fr;
  bsq_packer_init(&pk, e->B, K, mode);
  bsq_framer_init(&fr, e->B, K, mode, sync > 0 ? sync : 1);
  uint64_t w = 0;
  if (sync > 0) w += (uint64_t)bsq_framer_reset(&fr, st->words, tlast);
  for (int i = 0; i < n; i++) {
    int r = rows ? rows[i] : i;
    for (int f = 0; f < m->F; f++) {
      int j = col[f];
      double v = j < d->F ? d->x[(size_t)r * (size_t)d->F + j] : d->y[r];
      codes[f] = bsq_format_code(&e->fmt[f], v);
    }
    if (sync == 0) {
      w += (uint64_t)bsq_encode_push(e, &pk, codes, levels, frame,
                                     st->words + w, tlast);
    } else {
      bsq_encoder_levels(e, codes, levels);
      bsq_frame_pack(e, levels, frame);
      w += (uint64_t)bsq_framer_push(&fr, frame, i == n - 1, st->words + w,
                                     tlast);
    }
  }
  if (sync == 0) w += (uint64_t)bsq_packer_flush(&pk, st->words + w, tlast);
  else st->nwords = w;
  rc = BSQ_OK;
  if (w > cap || (sync == 0 && w != st->nwords))
    rc = bsq_diag_set(diag, BSQ_EMISMATCH,
                      "internal error: %llu words, expected %llu",
                      (unsigned long long)w, (unsigned long long)st->nwords);
fail:
  if (rc) bsq_stream_free(st);
  free(col);
  free(codes);
  free(levels);
  free(frame);
  free(tlast);
  return rc;
}

int bsq_codec_decode(const bsq_model *m, const char *model_name,
                     const bsq_stream *st, const char *stream_name, double **y,
                     size_t *ny, bsq_sync_stats *ss, bsq_diag *diag) {
  *y = NULL;
  *ny = 0;
  bsq_sync_stats sst;
  memset(&sst, 0, sizeof sst);
  uint64_t h = bsq_model_hash(m);
  if (st->model_hash != h)
    return bsq_diag_set(diag, BSQ_EHASH,
                        "%s: stream was encoded for model %016llx, %s is %016llx",
                        stream_name, (unsigned long long)st->model_hash,
                        model_name, (unsigned long long)h);
  if (st->B != m->enc.B || st->F != m->F)
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: %d features / %d frame bits, the model has %d / %d",
                        stream_name, st->F, st->B, m->F, m->enc.B);
  int fb = bsq_frame_bytes(&m->enc);
  size_t n = (size_t)(st->sync ? bsq_sync_max_frames(st->nwords, st->B,
                                                       st->K, st->mode)
                                 : st->nframes);
  uint8_t *frames = malloc(n * (size_t)fb + 1);    /* (n, fb) */
  uint8_t *levels = malloc(n * (size_t)m->F + 1);  /* (n, F) */
  double *out = malloc(sizeof(double) * (n + 1)); /* (n) */
  int rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  if (!frames || !levels || !out) goto fail;
  if (st->sync) {
    if ((rc = bsq_sync_unpack(st->words, st->nwords, st->B, st->K, st->mode,
                              st->sync, fb, frames, &sst))) {
      bsq_diag_set(diag, rc, "%s: %s", stream_name, bsq_strerror(rc));
      goto fail;
    }
    n = (size_t)sst.frames;
  } else if ((rc = bsq_stream_unpack(st->words, st->nwords, st->B, st->K,
                                     st->mode, st->nframes, fb, frames))) {
    bsq_diag_set(diag, rc,
                 "%s: words do not unpack into %llu frames (padding bits set)",
                 stream_name, (unsigned long long)st->nframes);
    goto fail;
  }
  /* every b-bit field is a valid level: 0..2^b - 1 */
  for (size_t i = 0; i < n; i++)
    bsq_frame_unpack(&m->enc, frames + i * (size_t)fb, levels + i * (size_t)m->F);
  if (n > 0 && (rc = bsq_model_predict_levels(m, levels, (int)n, out))) {
    bsq_diag_set(diag, rc, "%s", bsq_strerror(rc));
    goto fail;
  }
  for (size_t i = 0; i < n; i++) out[i] = out[i] * m->y_sigma + m->y_mu;
  *y = out;
  *ny = n;
  if (ss) *ss = sst;
  out = NULL;
fail:
  free(frames);
  free(levels);
  free(out);
  return rc;
}

int bsq_codec_save_predictions(const char *path, const double *y, size_t n,
                               bsq_diag *diag) {
  bsq_atomic_file af;
  int rc = bsq_atomic_open(&af, path, diag);
  if (rc) return rc;
  fprintf(af.fp, "frame,prediction\n");
  for (size_t i = 0; i < n; i++) fprintf(af.fp, "%zu,%.9g\n", i, y[i]);
  return bsq_atomic_close(&af, 1, diag);
}

int bsq_eval_save_predictions(const char *path, const bsq_model *m,
                              const bsq_dataset *d, const int *idx, int n,
                              bsq_diag *diag) {
  double *x = malloc(sizeof(double) * (size_t)n * (size_t)m->F); /* (n, F) */
  double *p = malloc(sizeof(double) * (size_t)n);                /* (n) */
  double *ph = malloc(sizeof(double) * (size_t)n);               /* (n) */
  int rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  if (!x || !p || !ph) goto fail;
  for (int i = 0; i < n; i++)
    memcpy(x + (size_t)i * (size_t)m->F, d->x + (size_t)idx[i] * (size_t)m->F,
           sizeof(double) * (size_t)m->F);
  if ((rc = bsq_model_predict(m, x, n, p)) ||
      (rc = bsq_model_predict_hw(m, x, n, 32, BSQ_MODE_CONTINUOUS, ph))) {
    bsq_diag_set(diag, rc, "%s", bsq_strerror(rc));
    goto fail;
  }
  bsq_atomic_file af;
  if ((rc = bsq_atomic_open(&af, path, diag))) goto fail;
  FILE *f = af.fp;
  fprintf(f, "row,target,prediction,prediction_hw\n");
  for (int i = 0; i < n; i++)
    fprintf(f, "%d,%.9g,%.9g,%.9g\n", idx[i], d->y[idx[i]],
            p[i] * m->y_sigma + m->y_mu, ph[i] * m->y_sigma + m->y_mu);
  rc = bsq_atomic_close(&af, 1, diag);
fail:
  free(x);
  free(p);
  free(ph);
  return rc;
}
