/* bsq — the model: trained thresholds, integer encoder, MLP and metadata.
 *
 * Dimension legend: N rows, F features, D thresholds in all (the MLP's
 * input width), L linear layers, dims[0] = D, dims[L] = 1.
 *
 * Parameters live in one allocation (params) with named pointers into it:
 *   thr (D) | W[0] (dims[1], dims[0]) b[0] (dims[1]) | W[1] ... | b[L-1]
 * The trainer's gradients and Adam moments mirror that layout. The value
 * table of the values-input methods (values, voff) is a separate, fixed
 * array: LSQ derives it (and thr) from its learned steps, the others from
 * their grids. */
#ifndef BSQ_MODEL_H
#define BSQ_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "err.h"
#include "quant.h"
#include "sensor.h"

#define BSQ_MAX_LAYERS 16
#define BSQ_MODEL_VERSION 1
#include "bsq_version.h" /* BSQ_VERSION, from the CMake project */

/* Methods (docs/design.md 1.6; bsq_method_parse in methods.c). Each
 * method fixes what the decoder feeds the MLP (bsq_input). */
typedef enum {
  BSQ_METHOD_BW_SQ = 0, /* bitwise soft quantization (the paper's method) */
  BSQ_METHOD_FP,        /* full precision: no quantization, no encoder */
  BSQ_METHOD_PO_MQ,     /* post-training min-max quantization of FP */
  BSQ_METHOD_PO_QQ,     /* post-training quantile quantization of FP */
  BSQ_METHOD_PR_MQ,     /* inputs at min-max interval midpoints, then train */
  BSQ_METHOD_PR_QQ,     /* inputs at quantile interval midpoints, then train */
  BSQ_METHOD_BW_MQ,     /* hard bits, fixed min-max thresholds */
  BSQ_METHOD_BW_QQ,     /* hard bits, fixed quantile thresholds */
  BSQ_METHOD_SQ,        /* soft quantization summed to one value per feature */
  BSQ_METHOD_LSQ,       /* learned step size quantization (Esser et al.) */
  BSQ_METHOD_SQ_PLUS,   /* SQ with a learned value per level (SQplus) */
  BSQ_METHOD_LLT4,      /* learnable lookup table, granularity 4 (Wang et al.) */
  BSQ_METHOD_LLT9,      /* learnable lookup table, granularity 9 */
  BSQ_METHOD_COUNT
} bsq_method;

/* The MLP's input, as the decoder rebuilds it from the levels. */
typedef enum {
  BSQ_INPUT_BITS = 0,   /* D bits in trained order (Bw-*) */
  BSQ_INPUT_VALUES = 1, /* F values: values[voff[f] + level_f] */
  BSQ_INPUT_FLOAT = 2   /* F standardized floats (FP only; no encoder) */
} bsq_input;

/* Where a method's thresholds come from when it does not learn them. */
typedef enum {
  BSQ_GRID_NONE = 0,     /* learned (Bw-SQ, SQ, SQ+, LSQ, LLT) or none (FP) */
  BSQ_GRID_MINMAX = 1,   /* lo + k (hi - lo) / 2^b on the training split */
  BSQ_GRID_QUANTILE = 2  /* the training quantiles k / 2^b */
} bsq_grid;

/* One row of the method table. */
typedef struct {
  const char *name;  /* "bw-sq": command line, model file, reports */
  const char *label; /* "Bw-SQ", as in the paper */
  bsq_input input;   /* what the decoder feeds the MLP */
  int soft;          /* trained through soft bits at temperature tau */
  bsq_grid grid;     /* fixed threshold grid, or BSQ_GRID_NONE */
  int fp_parent;     /* quantizes a trained FP network (Po-*): not trained
                        itself, and not on a given split */
  const char *summary; /* one line for help texts */
} bsq_method_info;

/* Longest method name a model file may hold, with the NUL. */
#define BSQ_METHOD_NAME_MAX 16

/* The table row of m, or NULL when m is not a method. */
const bsq_method_info *bsq_method_get(int m);
/* "bw-sq" -> BSQ_METHOD_BW_SQ; -1 for an unknown name. */
int bsq_method_parse(const char *name);
const char *bsq_method_name(int method);  /* "bw-sq"; "?" if not a method */
const char *bsq_method_label(int method); /* "Bw-SQ"; "?" if not a method */
bsq_input bsq_method_input(int method);
/* "all" or a comma list of method names into want[BSQ_METHOD_COUNT] (1
 * for each named). 0, or -1 with the first bad name copied to bad. */
int bsq_method_parse_list(const char *s, int *want, char *bad, size_t badn);
/* The method names in table order joined by sep ("bw-sq, fp, ..."), those
 * with an encoder only unless with_fp, into buf (truncated to n). Returns
 * buf, for messages and help texts. */
const char *bsq_method_list(char *buf, size_t n, const char *sep, int with_fp);
const char *bsq_input_name(bsq_input in); /* "bits", "values", "float" */

/* Training configuration (also recorded in the model file). */
typedef struct {
  bsq_method method;      /* BSQ_METHOD_BW_SQ (default), ...; stored by
                             name in the model file */
  int nbits;              /* 1: bits[0] for every feature; else one each */
  int bits[BSQ_MAX_FEATURES];
  int nhidden;            /* hidden layers */
  int hidden[BSQ_MAX_LAYERS];
  int epochs;
  int batch;              /* 512 */
  float lr;               /* Adam learning rate */
  float tau_decay;        /* decrease_factor: tau *= tau_decay^(1/epochs) */
  float dropout;
  float weight_decay;
  uint64_t seed;          /* split, init, shuffling, dropout */
  int input_width;        /* W, 1..32, of every fitted feature ... */
  int ninput_widths;      /* ... unless this is F: one width each */
  int input_widths[BSQ_MAX_FEATURES];
  int input_signed;
  double range_margin;    /* format fit margin, fraction of the range */
  int init_minmax;        /* thresholds at min-max levels, else quantiles */
  /* The ADC formats of the features it names (NULL: every format is
   * fitted). Not owned and not saved: the caller keeps it alive while it
   * trains; the formats it gives travel in the model itself. */
  const bsq_sensor *sensor;
} bsq_train_cfg;

void bsq_train_cfg_default(bsq_train_cfg *c);
/* Hidden layers from "5x32" (count x width; count may be 0) or
 * "64,32,16" into c->nhidden / c->hidden: widths 1..65536, at most
 * BSQ_MAX_LAYERS - 1 layers. 0, or BSQ_EINVAL leaving c as it was. */
int bsq_train_cfg_parse_hidden(bsq_train_cfg *c, const char *spec);

typedef struct {
  int F;
  char **names;          /* (F) */
  char *target;
  bsq_encoder enc;       /* bits, formats, integer thresholds */
  bsq_fmt_from *fmt_from; /* (F) where each format came from */
  char (*unit)[BSQ_UNIT_MAX]; /* (F) physical unit of a sensor format, or "" */
  int *feat_of;          /* (D) feature of each threshold column */
  double *mu, *sigma;    /* (F) input standardization (train split) */
  double y_mu, y_sigma;  /* target standardization */
  bsq_input input;       /* what the MLP sees; dims[0] = D for bits, else F */
  float *values;         /* (V) values mode: decoder input of each level */
  int *voff;             /* (F+1) values of feature f: voff[f] .. voff[f+1]-1,
                            2^b_f of them; V = voff[F] */
  int L;
  int dims[BSQ_MAX_LAYERS + 1];
  size_t nparams;
  float *params;         /* (nparams) */
  float *thr;            /* (D) standardized thresholds, trained order */
  float *W[BSQ_MAX_LAYERS];
  float *b[BSQ_MAX_LAYERS];
  /* metadata */
  bsq_train_cfg cfg;
  char data_source[512];
  uint64_t data_hash;
  int rows;              /* rows of the data set trained on */
  int best_epoch;
  double train_seconds;
  double mse_val, mse_test, mse_test_hw;
} bsq_model;

/* Allocates a model for F features with per-feature bits and the hidden
 * layer widths; names are copied; parameters are zeroed. */
int bsq_model_init(bsq_model *m, int F, const int *bits, int nhidden,
                   const int *hidden);
/* Same with the MLP input representation; values mode also allocates the
 * value table (zeroed). bsq_model_init is this with BSQ_INPUT_BITS. */
int bsq_model_init_ex(bsq_model *m, int F, const int *bits, int nhidden,
                      const int *hidden, bsq_input input);
void bsq_model_free(bsq_model *m);
int bsq_model_set_names(bsq_model *m, char *const *names, const char *target);

/* Recomputes the integer encoder (T, perm) from thr, mu, sigma and fmt. */
void bsq_model_quantize(bsq_model *m);

/* Hash of everything that defines the model's behaviour (formats, bits,
 * integer and float thresholds, permutation, standardization, weights). */
uint64_t bsq_model_hash(const bsq_model *m);

/* MLP on a (N, dims[0]) input matrix -> N standardized predictions. */
int bsq_model_mlp(const bsq_model *m, const float *bits, int N, double *out);
/* The MLP input of one row from its levels (F): bits (D) or values (F).
 * Not defined for BSQ_INPUT_FLOAT. */
void bsq_model_levels_input(const bsq_model *m, const uint8_t *levels,
                            float *in /* (dims[0]) */);
/* Float path: hard quantization of the standardized physical inputs x
 * (N, F) against the float thresholds (levels, then bits or values as the
 * model's input says); FP models see the standardized x itself. */
/* Pr-* inputs: out[r,f] = values[level of x[r,f] (standardized) against
 * the model's thresholds]. */
void bsq_model_level_values(float *out /* (n, F) */,
                            const float *x /* (n, F) */, const bsq_model *m,
                            int n);
int bsq_model_predict(const bsq_model *m, const double *x, int N,
                      double *yhat_std);
/* Integer path from levels (N, F) through the decoder input (bits or
 * values) to the MLP. BSQ_EINVAL for an FP model (it has no encoder). */
int bsq_model_predict_levels(const bsq_model *m, const uint8_t *levels, int N,
                             double *yhat_std);
/* Hardware-true path: x -> codes -> levels -> frames -> packed K-bit words
 * -> unpacked -> levels -> MLP. */
int bsq_model_predict_hw(const bsq_model *m, const double *x, int N, int K,
                         bsq_mode mode, double *yhat_std);

/* Model file (JSON, versioned). Save writes atomically. Load validates
 * every field; diag names the file and the field ("model.json: features[2]
 * .thresholds: not sorted"). */
int bsq_model_save(const bsq_model *m, const char *path, bsq_diag *diag);
int bsq_model_load(bsq_model *m, const char *path, bsq_diag *diag);
/* Same, from/to a string in memory (for tests and fuzzing); the returned
 * string is malloc'ed. `name` is used in messages in place of a path. */
char *bsq_model_to_json(const bsq_model *m);
int bsq_model_from_json(bsq_model *m, const char *text, size_t len,
                        const char *name, bsq_diag *diag);

#endif
