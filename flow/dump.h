/* bsq — the export of one training for a reference implementation to
 * repeat it step for step (bsq train --dump-init; bench/faithful.py reads
 * it). In the directory:
 *   init.json    network, thresholds, standardization, input formats,
 *                split, hyperparameters (floats as %.9g: exact for float32)
 *   data.bin     x (N, F) then y (N), float64 little-endian
 *   batches.bin  the data rows of every batch, in order, int32
 *   losses.csv   epoch,batch,loss for every optimizer step
 *   epochs.csv   epoch,train_loss,val_mse,tau */
#ifndef BSQ_DUMP_H
#define BSQ_DUMP_H

#include "data.h"
#include "err.h"
#include "model.h"
#include "train.h"

typedef struct {
  const char *dir;
  const bsq_dataset *d;
  bsq_atomic_file init, data, batches, losses, epochs;
  int ok;                   /* every write so far succeeded */
  bsq_progress_fn progress; /* called after each epoch's line; may be NULL */
  void *user;
  char path[1024];
} bsq_dump;

/* Opens the five files (temporaries) in dir, which must exist, for a
 * training on d. 0, or BSQ_EIO with diag naming the file. */
int bsq_dump_open(bsq_dump *u, const char *dir, const bsq_dataset *d,
                  bsq_progress_fn progress, void *user, bsq_diag *diag);
/* The training hooks that write them (their user is u). */
bsq_train_hooks bsq_dump_hooks(bsq_dump *u);
/* Closes every file: renamed into place when ok and every write
 * succeeded, else removed. 0 or BSQ_EIO (the first failure in diag). */
int bsq_dump_close(bsq_dump *u, int ok, bsq_diag *diag);

#endif
