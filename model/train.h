/* bsq — training (method Bw-SQ) and evaluation. */
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

/* Trains a new model on d with cfg. On success m is initialized (caller
 * frees it), holds the best-validation weights and the metrics on the
 * test split (float and hardware-true). */
int bsq_train(bsq_model *m, const bsq_dataset *d, const bsq_train_cfg *cfg,
              bsq_progress_fn progress, void *user, bsq_diag *diag);

typedef struct {
  double mse;          /* float path, standardized target */
  double mse_hw;       /* integer path through the packed stream */
  int bits_per_frame;
  double compression;  /* 32 F / bits_per_frame */
  int n;
} bsq_eval_result;

/* Evaluates m on rows idx of d (standardized target MSE). */
int bsq_evaluate(const bsq_model *m, const bsq_dataset *d, const int *idx,
                 int n, bsq_eval_result *r, bsq_diag *diag);

#endif
