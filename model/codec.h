/* bsq — a model's two sides on whole data sets: the device side turns rows
 * of physical values into a packed frame stream (`bsq encode`), the server
 * side turns a stream back into predictions (`bsq decode`); the data a
 * model was trained on; and the
 * prediction files decode and eval write (docs/design.md 2.4-2.6). */
#ifndef BSQ_CODEC_H
#define BSQ_CODEC_H

#include <stddef.h>

#include "data.h"
#include "err.h"
#include "model.h"
#include "stream.h"
#include "sync.h"

/* Loads the data m was trained on: from its recorded source, or from spec
 * when not NULL ("friedman1": the model's generator settings; a CSV path);
 * BSQ_EHASH when it is not the data m records. */
int bsq_model_load_data(const bsq_model *m, const char *spec, bsq_dataset *d,
                        bsq_diag *diag);

/* Checks rows[0..n-1] of d (NULL: every row, n = d->rows) as input to m,
 * each model feature read from the column of d with its name: a feature
 * whose format is raw codes (BSQ_FMT_CODES) must hold an integer code of
 * its ADC, or it is an error naming file, line and column (bsq_code_check;
 * an ADC cannot produce such a code, so it is never saturated). The
 * physical values of the other features that lie beyond their format's
 * code range saturate (bsq_format_saturates): *saturated (may be NULL)
 * gets how many, per_feature[f] (F, may be NULL) how many of feature f. */
int bsq_codec_check_rows(const bsq_model *m, const bsq_dataset *d,
                         const int *rows, int n, long long *saturated,
                         long long *per_feature, bsq_diag *diag);

/* Encodes rows[0..n-1] of d (NULL: every row, n = d->rows) into *st, K-bit
 * words in `mode`, bound to m's hash. Each model feature is read from the
 * column of d with its name (a feature or the target); other columns are
 * ignored; the rows are checked first (bsq_codec_check_rows). sync > 0
 * frames the stream (sync.h) in groups of `sync`, the last row flushed:
 * the words are what the device sends (no final partial word); sync 0
 * packs plainly and pads the last word. On success the caller frees st
 * with bsq_stream_free. */
int bsq_codec_encode(bsq_stream *st, const bsq_model *m, const bsq_dataset *d,
                     const int *rows, int n, int K, bsq_mode mode, int sync,
                     bsq_diag *diag);

/* Decodes st (read from stream_name) with m (loaded from model_name; both
 * names for messages) into *y, *ny predictions in physical target units
 * (malloc'ed, caller frees). Checks that the stream was encoded for m
 * (BSQ_EHASH) and has its features and frame bits (BSQ_EFORMAT). Without
 * sync *ny is st->nframes; with it, the frames the receiver found
 * (bsq_sync_unpack), and *ss (may be NULL) gets what it found. */
int bsq_codec_decode(const bsq_model *m, const char *model_name,
                     const bsq_stream *st, const char *stream_name, double **y,
                     size_t *ny, bsq_sync_stats *ss, bsq_diag *diag);

/* Writes "frame,prediction" and one row per frame to path, atomically. */
int bsq_codec_save_predictions(const char *path, const double *y, size_t n,
                               bsq_diag *diag);

/* Writes "row,target,prediction,prediction_hw" (physical units: float path,
 * and the integer path through 32-bit continuous words) for rows idx of d
 * to path, atomically. */
int bsq_eval_save_predictions(const char *path, const bsq_model *m,
                              const bsq_dataset *d, const int *idx, int n,
                              bsq_diag *diag);

#endif
