/* bsq — training (Bw-SQ and the baselines of docs/design.md 1.6) and evaluation. */
#ifndef BSQ_TRAIN_H
#define BSQ_TRAIN_H

#include "data.h"
#include "model.h"

typedef struct {
  int epoch;          /* 1-based */
  int epochs;
  double train_loss;  /* mean soft-forward MSE over the epoch */
  double val_mse;     /* hard-bit MSE on the validation split */
  double tau;
} bsq_progress;

typedef void (*bsq_progress_fn)(const bsq_progress *p, void *user);

/* Trains a new model on d with cfg (cfg->method is the method; see the
 * table, bsq_method_get). On success m is initialized (caller frees it), holds
 * the best-validation weights and the metrics on the test split (float and
 * hardware-true; an FP model has no hardware path and reports its float
 * MSE for both). */
int bsq_train(bsq_model *m, const bsq_dataset *d, const bsq_train_cfg *cfg,
              bsq_progress_fn progress, void *user, bsq_diag *diag);

/* The input width of feature f of d under cfg: its sensor spec's (cfg->
 * sensor) when the spec names it, else cfg's --input-width. */
int bsq_train_input_width(const bsq_train_cfg *cfg, const bsq_dataset *d,
                          int f);

/* A quantizer of b bits has 2^b - 1 thresholds, which need as many
 * distinct cut points: a W-bit input has only 2^W - 1. Refuses (BSQ_ERANGE,
 * bad input) the first feature of d whose bits (nbits values: one for all,
 * or one each; 0 bits: not sent) exceed its input width under cfg, naming
 * it; what, when not NULL, starts the message (an option: "--bits 8"). Run
 * before any training: bsq_train does, and so do the commands that train
 * many (compare, tune, alloc, pareto), for every bit width they will try. */
int bsq_train_check_bits(const bsq_train_cfg *cfg, const bsq_dataset *d,
                         int nbits, const int *bits, const char *what,
                         bsq_diag *diag);

/* Observers of one training, for progress and for exporting the exact
 * starting point and batch order (bsq train --dump-init). Any may be NULL. */
typedef struct {
  bsq_progress_fn progress;
  /* once, after initialization and before the first step: the model with
   * its initial thresholds (LSQ: from its initial steps) and weights */
  void (*on_init)(const bsq_model *m, const bsq_split *s, void *user);
  /* after every optimizer step: 1-based epoch, 0-based batch, the data
   * rows of the batch in order and the batch's training loss */
  void (*on_batch)(int epoch, int batch, const int *rows, int n, double loss,
                   void *user);
  void *user;
} bsq_train_hooks;

int bsq_train_ex(bsq_model *m, const bsq_dataset *d, const bsq_train_cfg *cfg,
                 const bsq_train_hooks *hooks, bsq_diag *diag);

/* Same on a given split of d's rows (copied, not changed; every part
 * non-empty), for cross-validation. Not for the methods with an FP parent
 * (Po-*). */
int bsq_train_split(bsq_model *m, const bsq_dataset *d,
                    const bsq_train_cfg *cfg, const bsq_split *split,
                    const bsq_train_hooks *hooks, bsq_diag *diag);

/* Po-MQ / Po-QQ: post-training quantization of a trained FP model. Builds
 * out (caller frees) with fp's network and the min-max or quantile grid of
 * `method` (one with an FP parent: Po-MQ or Po-QQ) at nbits/bits (as in
 * bsq_train_cfg),
 * fitted on fp's training split of d, and measures it on the splits.
 * bsq_train with a po-* method is FP training followed by this. */
int bsq_quantize_fp(bsq_model *out, const bsq_model *fp, const bsq_dataset *d,
                    bsq_method method, int nbits, const int *bits,
                    bsq_diag *diag);

/* One training step's loss and gradient, without the step: the mean
 * squared error of m with method `method` (any but Po-* and those with an extra block: LSQ, SQ+, LLT) on B rows
 * of standardized inputs x (B, F) and targets y (B), soft bits at
 * temperature tau, no dropout; grad receives its gradient over m->params
 * (m->nparams floats, thresholds first), computed as training computes it:
 * in chunks of rows on the layers' threads, summed in chunk order. For
 * gradient checks. Returns BSQ_EINVAL for a method that does not fit m. */
int bsq_train_gradient(const bsq_model *m, bsq_method method,
                       const float *x, const float *y, int B, float tau,
                       float *grad, double *loss);

typedef struct {
  double mse;          /* float path, standardized target */
  double mse_hw;       /* integer path through the packed stream */
  int bits_per_frame;
  double compression;  /* 32 F / bits_per_frame */
  int n;
  long long saturated; /* input values beyond their format's code range
                          (bsq_codec_check_rows); 0 for FP */
} bsq_eval_result;

/* Evaluates m on rows idx of d (standardized target MSE). The rows are
 * checked as the encoder's input first: a raw code its ADC cannot produce
 * is an error naming file, line and column (bsq_codec_check_rows). */
int bsq_evaluate(const bsq_model *m, const bsq_dataset *d, const int *idx,
                 int n, bsq_eval_result *r, bsq_diag *diag);

#endif
