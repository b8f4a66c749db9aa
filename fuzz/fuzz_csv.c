/* libFuzzer target: the CSV loader (model/data.c) on bytes in memory.
 *
 * Every input is loaded twice: with the last column as the target and
 * with the column named "y". A load either fails with a message naming the
 * input, leaving the dataset empty, or succeeds with a dataset the trainer
 * can use (>= 2 rows, finite bounded cells, a non-constant target); both
 * are checked here, so a wrong accept is a crash, not only a memory error. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.csv"

static void load_and_check(const uint8_t *data, size_t size,
                           const char *target) {
  bsq_dataset d;
  bsq_diag g = {{0}};
  int rc = bsq_dataset_load_csv_mem(&d, (const char *)data, size, NAME,
                                    target, &g);
  if (rc != BSQ_OK) {
    /* the message names the input; the dataset is empty */
    if (strncmp(g.msg, NAME ":", strlen(NAME ":")) != 0) abort();
    if (d.rows || d.F || d.x || d.y || d.names || d.target) abort();
    return;
  }
  if (d.rows < 2 || d.F < 1 || d.F > BSQ_MAX_FEATURES) abort();
  if (target && strcmp(d.target, target) != 0) abort();
  int varies = 0;
  for (int i = 0; i < d.rows; i++) {
    if (!isfinite(d.y[i]) || fabs(d.y[i]) > 1e30) abort();
    varies |= d.y[i] != d.y[0];
    for (int j = 0; j < d.F; j++) {
      double v = d.x[(size_t)i * (size_t)d.F + (size_t)j];
      if (!isfinite(v) || fabs(v) > 1e30) abort();
    }
  }
  if (!varies) abort();
  for (int j = 0; j < d.F; j++)
    if (!d.names[j] || !d.names[j][0]) abort();

  /* what the trainer does next: standardize over all rows */
  int *idx = malloc(sizeof(int) * (size_t)d.rows);
  double *mu = malloc(sizeof(double) * (size_t)d.F);
  double *sd = malloc(sizeof(double) * (size_t)d.F);
  if (idx && mu && sd) {
    for (int i = 0; i < d.rows; i++) idx[i] = i;
    bsq_standardize_fit(mu, sd, d.x, d.F, idx, d.rows);
    for (int j = 0; j < d.F; j++)
      if (!isfinite(mu[j]) || !isfinite(sd[j]) || !(sd[j] > 0)) abort();
  }
  free(idx);
  free(mu);
  free(sd);
  bsq_dataset_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  load_and_check(data, size, NULL);
  load_and_check(data, size, "y");
  return 0;
}
