/* bsq — the options train, compare and tune share: the data source, the
 * training settings, the tuner's bounds, and lists of widths and methods.
 * Each *_option function takes one getopt_long code and its argument;
 * it returns 1 when the code is one of its options, having applied arg or
 * set *bad to the option's name when arg is invalid, and 0 otherwise. */
#ifndef BSQ_CLI_OPTIONS_H
#define BSQ_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "alloc.h"
#include "args.h"
#include "data.h"
#include "model.h"
#include "tune.h"

/* getopt_long entries of the shared options (codes as below). */
#define CLI_DATA_OPTIONS                                                      \
  CLI_ARG("data", 'd'), CLI_ARG("target", 't'), CLI_ARG("rows", 'r'),         \
      CLI_ARG("data-seed", 'R'), CLI_ARG("sensor", 'Z')
#define CLI_TRAIN_OPTIONS                                                     \
  CLI_ARG("hidden", 'H'), CLI_ARG("epochs", 'e'), CLI_ARG("batch", 'B'),      \
      CLI_ARG("lr", 'l'), CLI_ARG("tau-decay", 'T'), CLI_ARG("dropout", 'D'), \
      CLI_ARG("input-width", 'w')
#define CLI_TUNE_OPTIONS                                                      \
  CLI_ARG("trials", 'x'), CLI_ARG("time-budget", 'y'), CLI_ARG("folds", 'k'), \
      CLI_ARG("space", 'S'), CLI_ARG("max-width", 'W')
/* compare and tune: what to sweep and where the results go. */
#define CLI_SWEEP_OPTIONS                                                     \
  CLI_ARG("bits", 'b'), CLI_ARG("methods", 'm'), CLI_ARG("seed", 's'),        \
      CLI_ARG("jobs", 'j'), CLI_ARG("output", 'o'), CLI_ARG("json", 'J'),     \
      CLI_FLAG("quiet", 'q')

/* --data (d), --target (t), --rows (r), --data-seed (R), --sensor (Z). */
typedef struct {
  const char *data, *target;
  const char *sensor; /* the sensor spec file, or NULL */
  long rows, data_seed;
} cli_data_opts;

void cli_data_opts_default(cli_data_opts *o);
int cli_data_option(int c, const char *arg, cli_data_opts *o,
                    const char **bad);

/* Loads the data the options name (cli_load_data); a library code. */
int cli_load_data_opts(const char *cmd, const cli_data_opts *o,
                       bsq_dataset *d);

/* With --sensor: loads the spec into *s and checks it against d (every
 * name a feature column, every raw code in its ADC's range), then points
 * cfg->sensor at it; the caller frees s with bsq_sensor_free. Without,
 * s is empty and cfg->sensor NULL. Prints its error; a library code. */
int cli_load_sensor_opts(const char *cmd, const cli_data_opts *o,
                         const bsq_dataset *d, bsq_sensor *s,
                         bsq_train_cfg *cfg);
/* "LABEL" and the features of d the spec s does not name (they keep the
 * fitted format), comma-separated, or "none", and a newline. */
void cli_print_fitted(FILE *fp, const char *label, const bsq_sensor *s,
                      const bsq_dataset *d);

/* --hidden (H), --epochs (e), --batch (B), --lr (l), --tau-decay (T),
 * --dropout (D), --input-width (w: one width, or one per feature). */
int cli_train_option(int c, const char *arg, bsq_train_cfg *cfg,
                     const char **bad);
/* The allocation search's options, shared by alloc and pareto:
 * --max-bits (M), --folds (k), --search-rows (P), --search-epochs (E),
 * --search-batch (b), --seeds (n), --seed (s, into cfg), --jobs (j). */
int cli_alloc_option(int c, const char *arg, bsq_alloc_opts *ao,
                     bsq_train_cfg *cfg, const char **bad);
/* --trials (x), --time-budget (y), --folds (k), --space (S), --max-width
 * (W). --space paper sets the paper's 100 trials and 4 folds where
 * --trials and --folds are not given (in any order): call
 * cli_tune_finish after the last option. */
int cli_tune_option(int c, const char *arg, bsq_tune_opts *o,
                    const char **bad);
void cli_tune_finish(bsq_tune_opts *o);
/* compare's and tune's settings: the data, training and tuner options
 * and CLI_SWEEP_OPTIONS. */
typedef struct {
  cli_data_opts data;
  bsq_train_cfg cfg;
  bsq_tune_opts tune;
  int bits[BSQ_MAX_BITS], nbits; /* default 2,3,4,6 */
  int want[BSQ_METHOD_COUNT];    /* default all */
  char badname[64];              /* the unknown name of a bad --methods */
  long seed, jobs;               /* default 1, the cores */
  const char *out_md, *out_json;
  int quiet;
} cli_sweep_opts;

void cli_sweep_opts_default(cli_sweep_opts *o);
/* Any option of CLI_DATA_OPTIONS, CLI_TRAIN_OPTIONS, CLI_TUNE_OPTIONS or
 * CLI_SWEEP_OPTIONS; a bad --methods leaves its unknown name in badname. */
int cli_sweep_option(int c, const char *arg, cli_sweep_opts *o,
                     const char **bad);

/* The --folds check before any training: 0, or -1 having printed
 * "--folds K: only N rows to fold" with prefix (NULL for none). */
int cli_check_folds(const char *cmd, const char *prefix, int rows, int folds);

/* A warning on stderr for each feature of the trained m whose thresholds
 * all landed on one code (bsq_encoder_flat_feature), naming it. */
void cli_warn_flat_features(const char *cmd, const bsq_model *m);

/* Each bit width bits[0..n-1] (given as option opt, e.g. "--bits") on
 * every feature of d against its input width under cfg, before any
 * training (bsq_train_check_bits): 0, or -1 after printing the reason
 * (bad input, exit 2). */
int cli_check_bit_widths(const char *cmd, const char *opt,
                         const bsq_train_cfg *cfg, const bsq_dataset *d,
                         const int *bits, int n);

/* Comma-separated list of integers in lo..hi (at most max). Returns the
 * count, or -1. */
int cli_parse_int_list(const char *s, int lo, int hi, int *out, int max);

/* A bsq_log_fn that writes the line to stderr. */
void cli_log_stderr(const char *line, void *user);

#endif
