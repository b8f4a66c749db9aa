/* bsq — data: CSV tables, the built-in friedman1 set, seeded splits,
 * standardization.
 *
 * Dimension legend: N rows, F features. */
#ifndef BSQ_DATA_H
#define BSQ_DATA_H

#include <stdint.h>

#include "err.h"

#define BSQ_MAX_FEATURES 1024
#define BSQ_FRIEDMAN1_ROWS 40768 /* size of the paper's `fried` */

typedef struct {
  int rows;              /* N */
  int F;                 /* number of features (columns other than target) */
  char **names;          /* (F) feature names, in column order */
  char *target;          /* target column name */
  double *x;             /* (N, F) row-major */
  double *y;             /* (N) */
  long long *line;       /* (N) physical CSV line of each row, for messages;
                            NULL for generated data */
  int target_col;        /* 0-based CSV field of the target; feature j is
                            field j (j < target_col) or j + 1; -1 when
                            generated */
  char source[512];      /* "friedman1:rows=N:seed=S" or the CSV path */
  uint64_t hash;         /* FNV-1a of the CSV bytes, or of generated x,y */
} bsq_dataset;

/* Loads a CSV with a header row; every cell numeric and finite. `target`
 * names the target column, NULL for the last one. Accepts a UTF-8 BOM and
 * CRLF line ends. On failure d is left empty and diag says
 * "FILE:LINE:COLUMN: what" (LINE and COLUMN 1-based; COLUMN omitted where
 * it does not apply). */
int bsq_dataset_load_csv(bsq_dataset *d, const char *path, const char *target,
                         bsq_diag *diag);
/* Same, from len bytes in memory (for tests and fuzzing; need not be
 * NUL-terminated); `name` stands for the path in messages. */
int bsq_dataset_load_csv_mem(bsq_dataset *d, const char *text, size_t len,
                             const char *name, const char *target,
                             bsq_diag *diag);

/* Friedman #1: 10 features U(0,1), y = 10 sin(pi x1 x2) + 20 (x3-0.5)^2
 * + 10 x4 + 5 x5 + N(0,1); x6..x10 are noise. Deterministic in seed. */
int bsq_dataset_friedman1(bsq_dataset *d, int rows, uint64_t seed);
/* spec "friedman1" (rows, seed) or a CSV path (target: NULL for the last
 * column). */
int bsq_dataset_open(bsq_dataset *d, const char *spec, const char *target,
                     int rows, uint64_t seed, bsq_diag *diag);

void bsq_dataset_free(bsq_dataset *d);

/* Where cell (row, feature j; j == F for the target) of d is, for messages:
 * "FILE:LINE:COLUMN: column \"NAME\"" for a CSV (COLUMN 1-based), "SOURCE:
 * row R, column \"NAME\"" (R 1-based) for generated data. */
void bsq_dataset_where(const bsq_dataset *d, int row, int j, char *out,
                       size_t cap);

/* Seeded split: 10% test, the rest train/validation 3:1. Indices into rows. */
typedef struct {
  int n_train, n_val, n_test;
  int *train; /* (n_train) */
  int *val;   /* (n_val) */
  int *test;  /* (n_test) */
} bsq_split;

int bsq_split_make(bsq_split *s, int rows, uint64_t seed);
void bsq_split_free(bsq_split *s);

/* Mean and standard deviation (population, floor 1e-12 replaced by 1) of
 * each column of x (N, F) over the rows listed in idx. */
void bsq_standardize_fit(double *mu, double *sigma, const double *x, int F,
                         const int *idx, int n);
/* Same for a single column y. */
void bsq_standardize_fit1(double *mu, double *sigma, const double *y,
                          const int *idx, int n);

#endif
