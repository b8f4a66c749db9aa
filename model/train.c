/* bsq — training of the Bw-SQ network and of the baselines, and
 * evaluation.
 *
 * Dimension legend: B batch, F features, D thresholds in all (sum n_f),
 * L linear layers with widths dims[0] .. dims[L] = 1, H the widest.
 * dims[0] is D for the bit-input methods (Bw-*) and F for the others.
 *
 * Forward (training), Bw-SQ (Schrödter et al., CPAL 2026, section 4):
 *   soft bits s = sigmoid((x - t) / tau)  (B, D)
 *   -> Linear -> ReLU -> Dropout -> ... -> Linear -> MSE.
 * The baselines replace the first stage (docs/design.md 1.6):
 *   FP      x itself (B, F)
 *   Po-*    FP training; the grid is applied afterwards (bsq_quantize_fp)
 *   Pr-*    value of the hard level: interval midpoint (B, F), fixed grid
 *   Bw-MQ/QQ hard bits (x > t) of a fixed grid (B, D)
 *   SQ      soft bits summed per feature to one value (B, F), learned t
 *   LSQ     q(x / s) s with a learned step per feature (B, F)
 *   SQ+     soft bits weighted by learned heights, summed per feature (B, F)
 *   LLT4/9  a learned lookup table over a fine grid, uniform output (B, F)
 * LSQ's steps, SQ+'s heights and LLT's table scores are trained past the
 * model's parameters (the "extra" block, E floats): the model keeps only
 * what the decoder needs, thresholds and values, synced from them.
 * "MQ" grids are the min-max levels lo + k (hi - lo) / 2^b, "QQ" grids the
 * training quantiles k / 2^b (k = 1 .. 2^b - 1).
 * tau starts at 1 and is multiplied by tau_decay^(1/epochs) after every
 * epoch (floor 1e-4). Adam on everything trainable. The weights with the
 * best validation MSE (hard quantization) are restored at the end. */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "methods.h"
#include "nn.h"
#include "rng.h"
#include "util.h"

#define TAU_FLOOR 1e-4

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Thresholds of feature f at the training quantiles k / 2^b (or at the
 * min-max levels), in standardized units. */
static void init_thresholds(bsq_model *m, const bsq_dataset *d,
                            const bsq_split *s, int minmax, double *col,
                            double *lo_f, double *hi_f) {
  for (int f = 0; f < m->F; f++) {
    for (int i = 0; i < s->n_train; i++)
      col[i] = (d->x[(size_t)s->train[i] * (size_t)m->F + f] - m->mu[f]) /
               m->sigma[f];
    qsort(col, (size_t)s->n_train, sizeof(double), cmp_double);
    int off = m->enc.toff[f], n = m->enc.toff[f + 1] - off;
    double lo = col[0], hi = col[s->n_train - 1];
    lo_f[f] = lo;
    hi_f[f] = hi;
    for (int k = 1; k <= n; k++) {
      double q = (double)k / (double)(n + 1);
      double t;
      if (minmax) {
        t = lo + q * (hi - lo);
      } else { /* linear interpolation, as numpy's default quantile */
        double pos = q * (double)(s->n_train - 1);
        int i0 = (int)floor(pos);
        int i1 = i0 + 1 < s->n_train ? i0 + 1 : i0;
        t = col[i0] + (pos - (double)i0) * (col[i1] - col[i0]);
      }
      m->thr[off + k - 1] = (float)t;
    }
  }
}

/* PyTorch's default Linear init: U(-1/sqrt(in), 1/sqrt(in)) for w and b. */
static void init_weights(bsq_model *m, bsq_rng *rng) {
  for (int l = 0; l < m->L; l++) {
    int I = m->dims[l], O = m->dims[l + 1];
    double bound = 1.0 / sqrt((double)I);
    for (size_t i = 0; i < (size_t)O * (size_t)I; i++)
      m->W[l][i] = (float)((2.0 * bsq_rng_uniform(rng) - 1.0) * bound);
    for (int o = 0; o < O; o++)
      m->b[l][o] = (float)((2.0 * bsq_rng_uniform(rng) - 1.0) * bound);
  }
}

static double mse_rows(const bsq_model *m, const bsq_dataset *d,
                       const int *idx, int n, double *xbuf, double *pred) {
  for (int i = 0; i < n; i++)
    memcpy(xbuf + (size_t)i * (size_t)m->F, d->x + (size_t)idx[i] * (size_t)m->F,
           sizeof(double) * (size_t)m->F);
  if (bsq_model_predict(m, xbuf, n, pred)) return NAN;
  double s = 0;
  for (int i = 0; i < n; i++) {
    double e = pred[i] - (d->y[idx[i]] - m->y_mu) / m->y_sigma;
    s += e * e;
  }
  return s / n;
}

/* The per-feature bit widths of cfg (one value for all, or one each).
 * A feature may get 0 bits (it is not sent) when the decoder feeds the MLP
 * bits (with_zero): it then has no thresholds and no MLP input. The value
 * methods feed one value per feature and need at least one bit each. At
 * least one feature must be sent: a frame of 0 bits carries nothing. */
static int cfg_bits(int nbits, const int *cbits, int F, int *bits,
                    int with_zero, bsq_diag *diag) {
  if (nbits != 1 && nbits != F)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "bits: %d values given for %d features", nbits, F);
  int B = 0;
  for (int f = 0; f < F; f++) {
    bits[f] = cbits[nbits == 1 ? 0 : f];
    if (bits[f] < 0 || bits[f] > BSQ_MAX_BITS)
      return bsq_diag_set(diag, BSQ_EINVAL, "bits: %d is outside 0..%d",
                          bits[f], BSQ_MAX_BITS);
    if (bits[f] == 0 && !with_zero)
      return bsq_diag_set(diag, BSQ_EINVAL,
                          "bits: feature %d has 0 bits, but this method "
                          "feeds the network one value per feature and "
                          "needs at least 1 bit each (0 bits: bw-* only)",
                          f);
    B += bits[f];
  }
  if (B == 0)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "bits: every feature has 0 bits, so nothing would "
                        "be sent; give at least one feature 1 bit or more");
  return BSQ_OK;
}

int bsq_train_input_width(const bsq_train_cfg *cfg, const bsq_dataset *d,
                          int f) {
  int k = bsq_sensor_find(cfg->sensor, d->names[f]);
  if (k >= 0) return cfg->sensor->feat[k].fmt.width;
  return cfg->ninput_widths ? cfg->input_widths[f] : cfg->input_width;
}

int bsq_train_check_bits(const bsq_train_cfg *cfg, const bsq_dataset *d,
                         int nbits, const int *bits, const char *what,
                         bsq_diag *diag) {
  for (int f = 0; f < d->F; f++) {
    int b = bits[nbits == 1 ? 0 : f], w = bsq_train_input_width(cfg, d, f);
    if (b <= w) continue;
    return bsq_diag_set(diag, BSQ_ERANGE, /* bad input: exit 2 */
                        "%s%sfeature \"%s\": %d bits need %d distinct "
                        "thresholds, but its %d-bit input codes have only %d "
                        "(bits must be at most the input width)",
                        what ? what : "", what ? ": " : "", d->names[f], b,
                        (1 << b) - 1, w, (1 << w) - 1);
  }
  return BSQ_OK;
}

/* Model skeleton shared by every method: names, config, metadata,
 * standardization and input formats from the training split. */
static int setup_model(bsq_model *m, const bsq_dataset *d,
                       const bsq_train_cfg *cfg, const bsq_split *s,
                       const int *bits, bsq_input input, bsq_diag *diag) {
  int F = d->F, rc;
  if ((rc = bsq_model_init_ex(m, F, bits, cfg->nhidden, cfg->hidden, input)))
    return bsq_diag_set(diag, rc, "cannot build the network: %s",
                        bsq_strerror(rc));
  if ((rc = bsq_model_set_names(m, d->names, d->target)))
    return bsq_diag_set(diag, rc, "out of memory while training");
  m->cfg = *cfg;
  m->cfg.nbits = F;
  memcpy(m->cfg.bits, bits, sizeof(int) * (size_t)F);
  snprintf(m->data_source, sizeof m->data_source, "%s", d->source);
  m->data_hash = d->hash;
  m->rows = d->rows;
  bsq_standardize_fit(m->mu, m->sigma, d->x, F, s->train, s->n_train);
  bsq_standardize_fit1(&m->y_mu, &m->y_sigma, d->y, s->train, s->n_train);
  const bsq_sensor *sen = cfg->sensor;
  if (cfg->ninput_widths != 0 && cfg->ninput_widths != F)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "input-width: %d values given for %d features",
                        cfg->ninput_widths, F);
  if (sen && (rc = bsq_sensor_check_data(sen, d, diag))) return rc;
  for (int f = 0; f < F; f++) {
    int width = cfg->ninput_widths ? cfg->input_widths[f] : cfg->input_width;
    int k = bsq_sensor_find(sen, d->names[f]);
    if (k >= 0) { /* the ADC's own format, as the spec gives it */
      const bsq_sensor_feature *sf = &sen->feat[k];
      if (cfg->ninput_widths && width != sf->fmt.width)
        return bsq_diag_set(diag, BSQ_EINVAL,
                            "input-width: value %d is %d for feature \"%s\", "
                            "but its sensor spec (%s) says %d",
                            f + 1, width, d->names[f], sen->path,
                            sf->fmt.width);
      m->enc.fmt[f] = sf->fmt;
      m->fmt_from[f] = sf->from;
      memcpy(m->unit[f], sf->unit, sizeof m->unit[f]);
      continue;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < s->n_train; i++) {
      double v = d->x[(size_t)s->train[i] * (size_t)F + f];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    rc = bsq_format_fit(&m->enc.fmt[f], width, cfg->input_signed, lo, hi,
                        cfg->range_margin);
    if (rc)
      return bsq_diag_set(diag, rc, "input width %d: invalid input format",
                          width);
  }
  /* a quantizer with more levels than its input has codes cannot be built
   * (the formats are the widths bsq_train_input_width gives) */
  return bsq_train_check_bits(cfg, d, F, bits, NULL, diag);
}

/* Pr-/Po- value tables: interval midpoints of the fixed grid. */
static void midpoint_tables(bsq_model *m, const double *lo, const double *hi) {
  for (int f = 0; f < m->F; f++) {
    int off = m->enc.toff[f], n = m->enc.toff[f + 1] - off;
    bsq_midpoint_values(m->values + m->voff[f], m->thr + off, n, lo[f],
                        hi[f]);
  }
}

/* LSQ: thresholds and value table of the current steps. */
static void lsq_sync(bsq_model *m, const float *step, const int *qn) {
  for (int f = 0; f < m->F; f++) {
    int off = m->enc.toff[f], n = m->enc.toff[f + 1] - off;
    for (int j = 0; j < n; j++)
      m->thr[off + j] = bsq_lsq_threshold(step[f], qn[f], j);
    for (int k = 0; k <= n; k++)
      m->values[m->voff[f] + k] = bsq_lsq_value(step[f], qn[f], k);
  }
}

/* SQ+: value tables of the current heights a (D) and bases a0 (F). */
static void sqplus_sync(bsq_model *m, const float *a, const float *a0) {
  for (int f = 0; f < m->F; f++) {
    int off = m->enc.toff[f], n = m->enc.toff[f + 1] - off;
    bsq_sqplus_values(m->values + m->voff[f], m->thr + off, a + off, a0[f], n);
  }
}

/* LLT: granularity of a method (0: not LLT) */
static int llt_granularity(bsq_method meth) {
  return meth == BSQ_METHOD_LLT4 ? 4 : meth == BSQ_METHOD_LLT9 ? 9 : 0;
}

/* Floats of the extra block of meth on m, and for LLT the offsets of
 * each feature's scores (soff, F+1). */
static size_t extra_count(const bsq_model *m, bsq_method meth, int *soff) {
  int F = m->F, g = llt_granularity(meth);
  if (meth == BSQ_METHOD_LSQ) return (size_t)F;
  if (meth == BSQ_METHOD_SQ_PLUS) return (size_t)m->enc.D + (size_t)F;
  if (!g) return 0;
  int n = 0;
  for (int f = 0; f < F; f++) {
    if (soff) soff[f] = n;
    n += g * (m->enc.toff[f + 1] - m->enc.toff[f]);
  }
  if (soff) soff[F] = n;
  return (size_t)n;
}

/* LLT: tables p, C of the scores s, then (sync) thresholds and values */
typedef struct {
  bsq_llt_feature lf[BSQ_MAX_FEATURES];
  int soff[BSQ_MAX_FEATURES + 1];
  double *pbuf, *cbuf; /* (N), (N + F) */
  const double *p[BSQ_MAX_FEATURES], *C[BSQ_MAX_FEATURES];
} llt_state;

static void llt_tables(llt_state *t, const float *s, int F) {
  for (int f = 0; f < F; f++)
    bsq_llt_table(t->pbuf + t->soff[f], t->cbuf + t->soff[f] + f,
                  s + t->soff[f], t->lf[f].n, t->lf[f].N);
}

static void llt_sync(bsq_model *m, llt_state *t, const float *s) {
  llt_tables(t, s, m->F);
  for (int f = 0; f < m->F; f++)
    bsq_llt_sync(m->thr + m->enc.toff[f], m->values + m->voff[f], &t->lf[f],
                 t->C[f]);
}

static void finish_metrics(bsq_model *m, const bsq_eval_result *er) {
  m->mse_test = er->mse;
  m->mse_test_hw = er->mse_hw;
}

/* A copy of split in one block laid out as bsq_split_make's (test, train,
 * val), so that bsq_split_free frees it. */
static int split_copy(bsq_split *s, const bsq_split *from, int rows) {
  memset(s, 0, sizeof *s);
  int n = from->n_test + from->n_train + from->n_val;
  if (from->n_train < 1 || from->n_val < 1 || from->n_test < 1) return BSQ_EINVAL;
  int *blk = malloc(sizeof(int) * (size_t)n);
  if (!blk) return BSQ_ENOMEM;
  memcpy(blk, from->test, sizeof(int) * (size_t)from->n_test);
  memcpy(blk + from->n_test, from->train, sizeof(int) * (size_t)from->n_train);
  memcpy(blk + from->n_test + from->n_train, from->val,
         sizeof(int) * (size_t)from->n_val);
  for (int i = 0; i < n; i++)
    if (blk[i] < 0 || blk[i] >= rows) {
      free(blk);
      return BSQ_ERANGE;
    }
  s->n_test = from->n_test;
  s->n_train = from->n_train;
  s->n_val = from->n_val;
  s->test = blk;
  s->train = blk + s->n_test;
  s->val = s->train + s->n_train;
  return BSQ_OK;
}

/* ---- one training step, cut into chunks of rows ----
 *
 * The rows of a batch are cut into at most STEP_CHUNKS chunks of about
 * STEP_ROWS rows each (a multiple of 16). Each chunk runs the forward and
 * backward pass on its own rows, on one thread, into a gradient of its
 * own; the chunk gradients are then summed in chunk order and Adam steps
 * the parameters block by block, again spread over the threads. The
 * layers of the small networks (32 wide) are too small to split each
 * over two cores (the hand-off costs more than half a layer), but whole
 * chunks are not. The cut depends on the batch size only, never on the
 * thread count, so neither does a single bit of the result. */
#define STEP_ROWS 128
#define STEP_CHUNKS 8
#define STEP_ADAM_BLOCK 4096

typedef struct {
  const bsq_model *m;
  int meth, soft, bitsin, lsq, sqp, llt, drop;
  int Bn, per, nch, H, Bmax;
  size_t P, E, G; /* parameters, extra; gradient floats per chunk (P + E) */
  float tau, dropout;
  const float *step, *lsq_g; /* LSQ, (F) each */
  const int *qn, *qp;
  const float *ext;          /* (E) the extra block (SQ+: heights, bases) */
  const llt_state *lt;       /* LLT: the step's tables */
  int *cell;                 /* LLT: (Bmax, F) cell of each input */
  double *hist;              /* LLT: (STEP_CHUNKS, N + F) */
  /* owned (step_init), all (Bmax, ...) and sliced by rows per chunk */
  float *xb, *yb;                        /* the batch, (Bmax, F), (Bmax) */
  float *sb, *dsb, *vin, *dvin, *dact;   /* scratch */
  float *act[BSQ_MAX_LAYERS], *mask[BSQ_MAX_LAYERS];
  float *wt[BSQ_MAX_LAYERS];             /* the forward's w^T, per step */
  float *gradc;                          /* (STEP_CHUNKS at most, G) */
  float *grad;                           /* (G) the batch's gradient */
  /* Adam, when given: the gradient summed block by block steps params */
  float *adam_m, *adam_v, *params;
  const bsq_adam_cfg *acfg;
  int t_adam;
  double loss[STEP_CHUNKS];              /* squared-error sums */
  uint64_t seed[STEP_CHUNKS];            /* dropout draws */
} step_job;

static int step_chunks(int B) {
  int nch = (B + STEP_ROWS - 1) / STEP_ROWS;
  return nch < STEP_CHUNKS ? nch : STEP_CHUNKS;
}

/* The buffers of steps of up to Bmax rows of method meth on m. */
static int step_init(step_job *j, const bsq_model *m, bsq_method meth, int Bmax,
                     float dropout) {
  memset(j, 0, sizeof *j);
  int F = m->F, D = m->enc.D, L = m->L, H = 1;
  for (int l = 1; l <= L; l++) H = m->dims[l] > H ? m->dims[l] : H;
  j->m = m;
  j->meth = meth;
  const bsq_method_info *mi = bsq_method_get(meth);
  j->soft = mi->soft;
  j->bitsin = j->soft || mi->input == BSQ_INPUT_BITS;
  j->lsq = meth == BSQ_METHOD_LSQ;
  j->sqp = meth == BSQ_METHOD_SQ_PLUS;
  j->llt = llt_granularity(meth) > 0;
  j->drop = dropout > 0.0f;
  j->dropout = dropout;
  j->H = H;
  j->Bmax = Bmax;
  j->P = m->nparams;
  j->E = extra_count(m, meth, NULL);
  j->G = m->nparams + (j->E > (size_t)F ? j->E : (size_t)F);
  size_t B = (size_t)Bmax;
  j->xb = malloc(sizeof(float) * B * (size_t)F);
  j->yb = malloc(sizeof(float) * B);
  j->sb = malloc(sizeof(float) * B * (size_t)(j->bitsin ? D : 1));
  j->dsb = malloc(sizeof(float) * B * (size_t)(j->soft ? D : 1));
  j->vin = malloc(sizeof(float) * B * (size_t)F);
  j->dvin = malloc(sizeof(float) * B * (size_t)F);
  j->dact = malloc(sizeof(float) * 3 * B * (size_t)H);
  j->gradc = malloc(sizeof(float) * (size_t)step_chunks(Bmax) * j->G);
  j->grad = malloc(sizeof(float) * j->G);
  int ok = j->xb && j->yb && j->sb && j->dsb && j->vin && j->dvin &&
           j->dact && j->gradc && j->grad;
  if (j->llt) {
    j->cell = malloc(sizeof(int) * B * (size_t)F);
    j->hist = malloc(sizeof(double) * STEP_CHUNKS * (j->E + (size_t)F));
    ok = ok && j->cell && j->hist;
  }
  for (int l = 0; l < L; l++) {
    j->act[l] = malloc(sizeof(float) * B * (size_t)m->dims[l + 1]);
    ok = ok && j->act[l];
    if (j->drop) {
      j->mask[l] = malloc(sizeof(float) * B * (size_t)m->dims[l + 1]);
      ok = ok && j->mask[l];
    }
    size_t nwt = bsq_linear_wt_floats(m->dims[l], m->dims[l + 1]);
    if (nwt) { /* 64-byte aligned; nwt is a multiple of 16 floats */
      j->wt[l] = aligned_alloc(64, sizeof(float) * nwt);
      ok = ok && j->wt[l];
    }
  }
  return ok ? BSQ_OK : BSQ_ENOMEM;
}

static void step_free(step_job *j) {
  free(j->xb);
  free(j->yb);
  free(j->sb);
  free(j->dsb);
  free(j->vin);
  free(j->dvin);
  free(j->dact);
  free(j->gradc);
  free(j->grad);
  free(j->cell);
  free(j->hist);
  for (int l = 0; l < BSQ_MAX_LAYERS; l++) {
    free(j->act[l]);
    free(j->mask[l]);
    free(j->wt[l]);
  }
  memset(j, 0, sizeof *j);
}

static void step_chunk(void *ctx, int c) {
  step_job *j = ctx;
  const bsq_model *m = j->m;
  const int F = m->F, D = m->enc.D, L = m->L, H = j->H, meth = j->meth;
  const int r0 = c * j->per;
  const int n = j->Bn - r0 < j->per ? j->Bn - r0 : j->per;
  float *grad = j->gradc + (size_t)c * j->G;
  bsq_zero(grad, j->G);
  j->loss[c] = 0;
  if (n <= 0) return;
  const float *xb = j->xb + (size_t)r0 * (size_t)F, *yb = j->yb + r0;
  float *sb = j->bitsin ? j->sb + (size_t)r0 * (size_t)D : NULL;
  float *dsb = j->soft ? j->dsb + (size_t)r0 * (size_t)D : NULL;
  float *vin = j->vin + (size_t)r0 * (size_t)F;
  float *dvin = j->dvin + (size_t)r0 * (size_t)F;
  float *act[BSQ_MAX_LAYERS], *mask[BSQ_MAX_LAYERS] = {0};
  for (int l = 0; l < L; l++) {
    act[l] = j->act[l] + (size_t)r0 * (size_t)m->dims[l + 1];
    if (j->drop) mask[l] = j->mask[l] + (size_t)r0 * (size_t)m->dims[l + 1];
  }
  bsq_rng rng;
  if (j->drop) bsq_rng_seed(&rng, j->seed[c]);

  /* forward: the method's quantizer, then the MLP */
  const float *in = xb; /* FP */
  switch (meth) {
  case BSQ_METHOD_BW_SQ:
    bsq_softbits_forward(sb, xb, m->thr, m->feat_of, n, F, D, j->tau);
    in = sb;
    break;
  case BSQ_METHOD_BW_MQ:
  case BSQ_METHOD_BW_QQ:
    bsq_hardbits_forward(sb, xb, m->thr, m->feat_of, n, F, D);
    in = sb;
    break;
  case BSQ_METHOD_PR_MQ:
  case BSQ_METHOD_PR_QQ:
    bsq_model_level_values(vin, xb, m, n);
    in = vin;
    break;
  case BSQ_METHOD_SQ:
    bsq_softbits_forward(sb, xb, m->thr, m->feat_of, n, F, D, j->tau);
    bsq_sqsum_forward(vin, sb, m->enc.toff, n, F, D);
    in = vin;
    break;
  case BSQ_METHOD_LSQ:
    bsq_lsq_forward(vin, xb, j->step, j->qn, j->qp, n, F);
    in = vin;
    break;
  case BSQ_METHOD_SQ_PLUS:
    bsq_softbits_forward(sb, xb, m->thr, m->feat_of, n, F, D, j->tau);
    bsq_sqplus_forward(vin, sb, j->ext, j->ext + D, m->enc.toff, n, F, D);
    in = vin;
    break;
  case BSQ_METHOD_LLT4:
  case BSQ_METHOD_LLT9:
    bsq_llt_forward(vin, j->cell + (size_t)r0 * (size_t)F, xb, j->lt->lf,
                    j->lt->C, n, F);
    in = vin;
    break;
  default:
    break;
  }
  const float *in0 = in;
  for (int l = 0; l < L; l++) { /* Linear, ReLU (but the last), Dropout */
    int O = m->dims[l + 1];
    bsq_linear_forward_ex(act[l], in, m->W[l], j->wt[l], m->b[l], n,
                          m->dims[l], O, l < L - 1);
    if (l < L - 1 && j->drop) /* no dropout: no mask, no draws from rng */
      bsq_dropout_forward(act[l], mask[l], act[l], (size_t)n * (size_t)O,
                          j->dropout, &rng);
    in = act[l];
  }
  j->loss[c] = bsq_mse_forward(act[L - 1], yb, n) * n;

  /* backward: three (n, H) gradient buffers in this chunk's rows. da
   * holds the gradient of the current layer's output before its ReLU;
   * the layer's backward pass writes the one below it into db1, the
   * ReLU's backward pass fused (bsq_linear_backward_ex), and dropout's
   * goes through db2. */
  size_t slice = (size_t)j->Bmax * (size_t)H, off = (size_t)r0 * (size_t)H;
  float *da = j->dact + off, *db1 = j->dact + slice + off,
        *db2 = j->dact + 2 * slice + off;
  bsq_zero(da, (size_t)n);
  bsq_mse_backward(da, act[L - 1], yb, n, j->Bn);
  float *dthr = grad; /* the thresholds lead the parameters */
  /* the gradient of the MLP input, where the quantizer learns */
  float *din0 = meth == BSQ_METHOD_BW_SQ                 ? dsb
                : (meth == BSQ_METHOD_SQ || j->lsq || j->sqp || j->llt)
                    ? dvin
                                                         : NULL;
  for (int l = L - 1; l >= 0; l--) {
    int I = m->dims[l], O = m->dims[l + 1];
    float *dw = grad + (m->W[l] - m->params);
    float *dbias = grad + (m->b[l] - m->params);
    float *dinp = l > 0 ? db1 : din0;
    size_t N = (size_t)n * (size_t)I;
    if (dinp) bsq_zero(dinp, N);
    bsq_linear_backward_ex(dinp, dw, dbias, da, l > 0 ? act[l - 1] : in0,
                           m->W[l], n, I, O, l > 0 ? act[l - 1] : NULL);
    if (l > 0) {
      float *t;
      if (j->drop) { /* act = relu(z) * mask: times the mask as well */
        bsq_zero(db2, N);
        bsq_dropout_backward(db2, db1, mask[l - 1], N);
        t = db1, db1 = db2, db2 = t;
      }
      t = da, da = db1, db1 = t;
    }
  }
  if (meth == BSQ_METHOD_BW_SQ) {
    bsq_softbits_backward(NULL, dthr, dsb, sb, m->feat_of, n, F, D, j->tau);
  } else if (meth == BSQ_METHOD_SQ) {
    bsq_zero(dsb, (size_t)n * (size_t)D);
    bsq_sqsum_backward(dsb, dvin, m->enc.toff, n, F, D);
    bsq_softbits_backward(NULL, dthr, dsb, sb, m->feat_of, n, F, D, j->tau);
  } else if (j->lsq) {
    bsq_lsq_backward(NULL, grad + j->P, dvin, xb, j->step, j->qn, j->qp,
                     j->lsq_g, n, F);
  } else if (j->sqp) {
    bsq_zero(dsb, (size_t)n * (size_t)D);
    bsq_sqplus_backward(dsb, grad + j->P, grad + j->P + D, dvin, sb, j->ext,
                        m->enc.toff, n, F, D);
    bsq_softbits_backward(NULL, dthr, dsb, sb, m->feat_of, n, F, D, j->tau);
  } else if (j->llt) {
    bsq_llt_backward(grad + j->P, j->hist + (size_t)c * (j->E + (size_t)F),
                     dvin, j->cell + (size_t)r0 * (size_t)F, j->lt->lf,
                     j->lt->p, j->lt->C, j->lt->soff, n, F);
  }
}

/* Block k of the gradient (parameters, then LSQ steps): the chunk
 * gradients summed in chunk order, then Adam on the parameters, when the
 * job has it. */
static void step_sum_block(void *ctx, int k) {
  step_job *j = ctx;
  size_t i0 = (size_t)k * STEP_ADAM_BLOCK;
  size_t nb = j->G - i0 < STEP_ADAM_BLOCK ? j->G - i0 : STEP_ADAM_BLOCK;
  float *g = j->grad + i0;
  memcpy(g, j->gradc + i0, sizeof(float) * nb);
  for (int c = 1; c < j->nch; c++) {
    const float *gc = j->gradc + (size_t)c * j->G + i0;
    for (size_t i = 0; i < nb; i++) g[i] += gc[i];
  }
  if (j->acfg && i0 < j->P)
    bsq_adam_step(j->params + i0, g, j->adam_m + i0, j->adam_v + i0,
                  j->P - i0 < nb ? j->P - i0 : nb, j->acfg, j->t_adam);
}

/* One step's forward and backward pass over the first B rows of j->xb and
 * j->yb, gradient into j->grad (the LSQ steps' past P), with Adam on the
 * parameters when j->acfg is set. Returns the loss. */
static double step_run(step_job *j, int B, float tau) {
  int nch = step_chunks(B);
  j->Bn = B;
  j->nch = nch;
  j->per = ((B + nch - 1) / nch + 15) / 16 * 16;
  j->tau = tau;
  for (int l = 0; l < j->m->L; l++)
    bsq_linear_wt(j->wt[l], j->m->W[l], j->m->dims[l], j->m->dims[l + 1]);
  bsq_parallel(step_chunk, j, nch);
  bsq_parallel(step_sum_block, j,
               (int)((j->G + STEP_ADAM_BLOCK - 1) / STEP_ADAM_BLOCK));
  double loss = 0;
  for (int c = 0; c < nch; c++) loss += j->loss[c];
  return loss / B;
}

/* One training of a method other than Po-* (those train FP first). */
static int train_core(bsq_model *m, const bsq_dataset *d,
                      const bsq_train_cfg *cfg, bsq_method meth,
                      const bsq_split *given, const bsq_train_hooks *hk,
                      bsq_diag *diag) {
  int F = d->F, rc;
  bsq_split s = {0};
  float *adam_m = NULL, *adam_v = NULL, *best = NULL;
  step_job sj = {0};
  float *xstd = NULL, *ystd = NULL; /* (rows, F), (rows): standardized once */
  float *step = NULL; /* (E) the extra block (LSQ steps, SQ+ heights and
                         bases, LLT scores), then moments, best */
  llt_state lt = {0};
  double *col = NULL, *xbuf = NULL, *pred = NULL, *lo = NULL, *hi = NULL;
  int *qn = NULL, *qp = NULL;
  int bits[BSQ_MAX_FEATURES];
  double t_start = bsq_now();

  memset(m, 0, sizeof *m);
  if ((rc = cfg_bits(cfg->nbits, cfg->bits, F, bits,
                     bsq_method_input(meth) == BSQ_INPUT_BITS, diag)))
    return rc;
  if (cfg->epochs < 1 || cfg->batch < 1)
    return bsq_diag_set(diag, BSQ_EINVAL, "epochs and batch must be >= 1");
  if (given) {
    if ((rc = split_copy(&s, given, d->rows)))
      return bsq_diag_set(diag, rc, "%s: the given split is not a split of "
                          "its %d rows", d->source, d->rows);
  } else if ((rc = bsq_split_make(&s, d->rows, cfg->seed))) {
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: need at least 3 data rows to split into train, "
                        "validation and test, found %d",
                        d->source, d->rows);
  }
  if ((rc = setup_model(m, d, cfg, &s, bits, bsq_method_input(meth), diag)))
    goto fail_diag;

  int Bmax = cfg->batch;
  size_t P = m->nparams;
  int lsq = meth == BSQ_METHOD_LSQ, sqp = meth == BSQ_METHOD_SQ_PLUS;
  int llt = llt_granularity(meth);
  size_t E = extra_count(m, meth, lt.soff), E4 = E > (size_t)F ? E : (size_t)F;
  if ((rc = step_init(&sj, m, meth, Bmax, cfg->dropout))) goto fail;
  rc = BSQ_ENOMEM;
  col = malloc(sizeof(double) * (size_t)s.n_train);
  lo = malloc(sizeof(double) * (size_t)F);
  hi = malloc(sizeof(double) * (size_t)F);
  adam_m = calloc(P, sizeof(float));
  adam_v = calloc(P, sizeof(float));
  best = malloc(sizeof(float) * P);
  step = calloc(4 * E4, sizeof(float));
  if (llt) {
    lt.pbuf = malloc(sizeof(double) * E);
    lt.cbuf = malloc(sizeof(double) * (E + (size_t)F));
    if (!lt.pbuf || !lt.cbuf) goto fail;
  }
  qn = calloc((size_t)F, sizeof(int));
  qp = calloc((size_t)F, sizeof(int));
  xbuf = malloc(sizeof(double) * (size_t)s.n_val * (size_t)F);
  pred = malloc(sizeof(double) * (size_t)s.n_val);
  if (!col || !lo || !hi || !adam_m || !adam_v || !best || !step || !qn ||
      !qp || !xbuf || !pred)
    goto fail;
  xstd = malloc(sizeof(float) * (size_t)d->rows * (size_t)F);
  ystd = malloc(sizeof(float) * (size_t)d->rows);
  if (!xstd || !ystd) goto fail;
  float *mstep = step + E4, *vstep = step + 2 * E4, *best_step = step + 3 * E4;

  /* ---- initialization ---- */
  bsq_rng rng;
  bsq_rng_seed(&rng, cfg->seed ^ 0x5eedb5c0ffee0001ULL);
  const bsq_method_info *mi = bsq_method_get(meth);
  int minmax = mi->grid == BSQ_GRID_NONE ? cfg->init_minmax
                                         : mi->grid == BSQ_GRID_MINMAX;
  init_thresholds(m, d, &s, minmax, col, lo, hi);
  if (mi->grid != BSQ_GRID_NONE && mi->input == BSQ_INPUT_VALUES)
    midpoint_tables(m, lo, hi); /* Pr-*: the value of a level is fixed */
  if (meth == BSQ_METHOD_SQ)
    for (int f = 0; f < F; f++)
      for (int k = 0; k < m->voff[f + 1] - m->voff[f]; k++)
        m->values[m->voff[f] + k] =
            bsq_sq_value(k, m->enc.toff[f + 1] - m->enc.toff[f]);
  float lsq_g[BSQ_MAX_FEATURES];
  if (lsq) {
    /* Esser et al. 2020, section 2.1: s = 2 <|v|> / sqrt(Qp); section 2.2:
     * step gradient scale g = 1 / sqrt(N Qp), N = 1 here: each step
     * quantizes one value of every row (and the loss is a batch mean). */
    for (int f = 0; f < F; f++) {
      bsq_lsq_range(bits[f], &qn[f], &qp[f]);
      double a = 0;
      for (int i = 0; i < s.n_train; i++)
        a += fabs((d->x[(size_t)s.train[i] * (size_t)F + f] - m->mu[f]) /
                  m->sigma[f]);
      a /= s.n_train;
      double qpos = qp[f] > 0 ? qp[f] : 1;
      step[f] = (float)fmax(2.0 * a / sqrt(qpos), 1e-3);
      lsq_g[f] = (float)(1.0 / sqrt(qpos));
    }
    lsq_sync(m, step, qn);
  }
  if (sqp) { /* as SQ: heights 2 / n_f, base -1 */
    for (int f = 0; f < F; f++) {
      int n = m->enc.toff[f + 1] - m->enc.toff[f];
      for (int i = m->enc.toff[f]; i < m->enc.toff[f + 1]; i++)
        step[i] = 2.0f / (float)n;
      step[m->enc.D + f] = -1.0f;
    }
    sqplus_sync(m, step, step + m->enc.D);
  }
  if (llt) { /* scores 0: a uniform table over the training range */
    for (int f = 0; f < F; f++) {
      int n = m->enc.toff[f + 1] - m->enc.toff[f];
      lt.lf[f] = (bsq_llt_feature){llt, n, llt * n, (float)lo[f], (float)hi[f]};
      lt.p[f] = lt.pbuf + lt.soff[f];
      lt.C[f] = lt.cbuf + lt.soff[f] + f;
    }
    llt_sync(m, &lt, step);
  }
  init_weights(m, &rng);
  if (hk && hk->on_init) hk->on_init(m, &s, hk->user);

  bsq_adam_cfg acfg = {cfg->lr, 0.9f, 0.999f, 1e-8f, cfg->weight_decay};
  double tau = 1.0;
  double tau_step = pow((double)cfg->tau_decay, 1.0 / cfg->epochs);
  double best_val = INFINITY;
  int t_adam = 0;
  int *order = s.train; /* shuffled in place each epoch */
  memcpy(best, m->params, sizeof(float) * P);
  memcpy(best_step, step, sizeof(float) * E4);
  m->best_epoch = 0;

  /* the batches gather rows that are standardized here, once */
  for (int i = 0; i < s.n_train; i++) {
    int r = order[i];
    for (int f = 0; f < F; f++)
      xstd[(size_t)r * (size_t)F + f] =
          (float)((d->x[(size_t)r * (size_t)F + f] - m->mu[f]) / m->sigma[f]);
    ystd[r] = (float)((d->y[r] - m->y_mu) / m->y_sigma);
  }
  sj.step = step;
  sj.ext = step;
  sj.lt = &lt;
  sj.lsq_g = lsq_g;
  sj.qn = qn;
  sj.qp = qp;
  sj.adam_m = adam_m;
  sj.adam_v = adam_v;
  sj.params = m->params;
  sj.acfg = &acfg;

  for (int epoch = 1; epoch <= cfg->epochs; epoch++) {
    bsq_rng_shuffle(&rng, order, s.n_train);
    double loss_sum = 0;
    int batch = 0;
    for (int b0 = 0; b0 < s.n_train; b0 += Bmax, batch++) {
      int Bn = s.n_train - b0 < Bmax ? s.n_train - b0 : Bmax;
      for (int i = 0; i < Bn; i++) {
        int r = order[b0 + i];
        memcpy(sj.xb + (size_t)i * (size_t)F, xstd + (size_t)r * (size_t)F,
               sizeof(float) * (size_t)F);
        sj.yb[i] = ystd[r];
      }
      int nch = step_chunks(Bn);
      if (sj.drop)
        for (int c = 0; c < nch; c++) sj.seed[c] = bsq_rng_next(&rng);
      sj.t_adam = ++t_adam;
      if (llt) llt_tables(&lt, step, F);
      double loss = step_run(&sj, Bn, (float)tau);
      loss_sum += loss * Bn;
      if (E) /* the same Adam over the extra block */
        bsq_adam_step(step, sj.grad + P, mstep, vstep, E, &acfg, t_adam);
      if (lsq) /* a step stays positive */
        for (int f = 0; f < F; f++) step[f] = step[f] > 1e-4f ? step[f] : 1e-4f;
      if (hk && hk->on_batch)
        hk->on_batch(epoch, batch, order + b0, Bn, loss, hk->user);
    }
    tau = fmax(tau * tau_step, TAU_FLOOR);
    if (lsq) lsq_sync(m, step, qn);
    if (sqp) sqplus_sync(m, step, step + m->enc.D);
    if (llt) llt_sync(m, &lt, step);
    double val = mse_rows(m, d, s.val, s.n_val, xbuf, pred);
    if (val < best_val) {
      best_val = val;
      m->best_epoch = epoch;
      memcpy(best, m->params, sizeof(float) * P);
      memcpy(best_step, step, sizeof(float) * E4);
    }
    if (hk && hk->progress) {
      bsq_progress p = {epoch, cfg->epochs, loss_sum / s.n_train, val, tau};
      hk->progress(&p, hk->user);
    }
  }
  memcpy(m->params, best, sizeof(float) * P);
  if (lsq) lsq_sync(m, best_step, qn);
  if (sqp) sqplus_sync(m, best_step, best_step + m->enc.D);
  if (llt) llt_sync(m, &lt, best_step);
  bsq_model_quantize(m);
  m->mse_val = best_val;

  bsq_eval_result er;
  if ((rc = bsq_evaluate(m, d, s.test, s.n_test, &er, diag))) goto fail_diag;
  finish_metrics(m, &er);
  m->train_seconds = bsq_now() - t_start;
  rc = BSQ_OK;
  goto done;
fail:
  if (rc == BSQ_ENOMEM) bsq_diag_set(diag, rc, "out of memory while training");
fail_diag:
  bsq_model_free(m);
done:
  bsq_split_free(&s);
  step_free(&sj);
  free(col);
  free(lo);
  free(hi);
  free(adam_m);
  free(adam_v);
  free(best);
  free(step);
  free(lt.pbuf);
  free(lt.cbuf);
  free(qn);
  free(qp);
  free(xbuf);
  free(xstd);
  free(ystd);
  free(pred);
  return rc;
}

int bsq_quantize_fp(bsq_model *out, const bsq_model *fp, const bsq_dataset *d,
                    bsq_method method, int nbits, const int *cbits,
                    bsq_diag *diag) {
  const bsq_method_info *mi = bsq_method_get(method);
  int F = fp->F, rc;
  int bits[BSQ_MAX_FEATURES];
  bsq_split s = {0};
  double *col = NULL, *lo = NULL, *hi = NULL, *xbuf = NULL, *pred = NULL;
  double t_start = bsq_now();
  memset(out, 0, sizeof *out);
  if (!mi || !mi->fp_parent)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "method: \"%s\" is not a post-training method",
                        bsq_method_name(method));
  if (fp->input != BSQ_INPUT_FLOAT || d->F != F)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "post-training quantization needs an FP model of "
                        "the same %d features", d->F);
  if ((rc = cfg_bits(nbits, cbits, F, bits, 0, diag))) return rc;
  if ((rc = bsq_split_make(&s, d->rows, fp->cfg.seed)))
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: need at least 3 data rows to split into train, "
                        "validation and test, found %d",
                        d->source, d->rows);
  bsq_train_cfg cfg = fp->cfg;
  cfg.method = method;
  if ((rc = setup_model(out, d, &cfg, &s, bits, BSQ_INPUT_VALUES, diag)))
    goto fail;
  /* the same network: dims are F, hidden..., 1 in both */
  for (int l = 0; l < out->L; l++) {
    size_t I = (size_t)out->dims[l], O = (size_t)out->dims[l + 1];
    memcpy(out->W[l], fp->W[l], sizeof(float) * I * O);
    memcpy(out->b[l], fp->b[l], sizeof(float) * O);
  }
  rc = BSQ_ENOMEM;
  col = malloc(sizeof(double) * (size_t)s.n_train);
  lo = malloc(sizeof(double) * (size_t)F);
  hi = malloc(sizeof(double) * (size_t)F);
  xbuf = malloc(sizeof(double) * (size_t)s.n_val * (size_t)F);
  pred = malloc(sizeof(double) * (size_t)s.n_val);
  if (!col || !lo || !hi || !xbuf || !pred) {
    bsq_diag_set(diag, rc, "out of memory while quantizing");
    goto fail;
  }
  init_thresholds(out, d, &s, mi->grid == BSQ_GRID_MINMAX, col, lo, hi);
  midpoint_tables(out, lo, hi);
  bsq_model_quantize(out);
  out->best_epoch = fp->best_epoch;
  out->mse_val = mse_rows(out, d, s.val, s.n_val, xbuf, pred);
  bsq_eval_result er;
  if ((rc = bsq_evaluate(out, d, s.test, s.n_test, &er, diag))) goto fail;
  finish_metrics(out, &er);
  out->train_seconds = fp->train_seconds + (bsq_now() - t_start);
  rc = BSQ_OK;
  goto done;
fail:
  bsq_model_free(out);
done:
  bsq_split_free(&s);
  free(col);
  free(lo);
  free(hi);
  free(xbuf);
  free(pred);
  return rc;
}

int bsq_train_gradient(const bsq_model *m, bsq_method method,
                       const float *x, const float *y, int B, float tau,
                       float *grad, double *loss) {
  const bsq_method_info *mi = bsq_method_get(method);
  if (!mi || mi->fp_parent || extra_count(m, method, NULL) > 0 || B < 1 ||
      mi->input != m->input)
    return BSQ_EINVAL;
  step_job j;
  int rc = step_init(&j, m, method, B, 0.0f);
  if (rc == BSQ_OK) {
    memcpy(j.xb, x, sizeof(float) * (size_t)B * (size_t)m->F);
    memcpy(j.yb, y, sizeof(float) * (size_t)B);
    *loss = step_run(&j, B, tau);
    memcpy(grad, j.grad, sizeof(float) * m->nparams);
  }
  step_free(&j);
  return rc;
}

/* A method the table knows, for the entry points that take a config. */
static const bsq_method_info *cfg_method(const bsq_train_cfg *cfg,
                                         bsq_diag *diag) {
  const bsq_method_info *mi = bsq_method_get((int)cfg->method);
  if (!mi) {
    char list[160];
    bsq_diag_set(diag, BSQ_EINVAL, "method: %d is not a method (%s)",
                 (int)cfg->method, bsq_method_list(list, sizeof list, ", ", 1));
  }
  return mi;
}

int bsq_train_ex(bsq_model *m, const bsq_dataset *d, const bsq_train_cfg *cfg,
                 const bsq_train_hooks *hooks, bsq_diag *diag) {
  memset(m, 0, sizeof *m);
  const bsq_method_info *mi = cfg_method(cfg, diag);
  if (!mi) return BSQ_EINVAL;
  if (!mi->fp_parent)
    return train_core(m, d, cfg, cfg->method, NULL, hooks, diag);
  bsq_train_cfg fc = *cfg;
  fc.method = BSQ_METHOD_FP;
  bsq_model fp;
  int rc = train_core(&fp, d, &fc, BSQ_METHOD_FP, NULL, hooks, diag);
  if (rc) return rc;
  rc = bsq_quantize_fp(m, &fp, d, cfg->method, cfg->nbits, cfg->bits, diag);
  bsq_model_free(&fp);
  return rc;
}

int bsq_train_split(bsq_model *m, const bsq_dataset *d,
                    const bsq_train_cfg *cfg, const bsq_split *split,
                    const bsq_train_hooks *hooks, bsq_diag *diag) {
  memset(m, 0, sizeof *m);
  const bsq_method_info *mi = cfg_method(cfg, diag);
  if (!mi) return BSQ_EINVAL;
  if (mi->fp_parent)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "method: %s cannot train on a given split (it "
                        "quantizes a trained FP model: train fp, then "
                        "bsq_quantize_fp)",
                        mi->name);
  return train_core(m, d, cfg, cfg->method, split, hooks, diag);
}

int bsq_train(bsq_model *m, const bsq_dataset *d, const bsq_train_cfg *cfg,
              bsq_progress_fn progress, void *user, bsq_diag *diag) {
  bsq_train_hooks hk = {progress, NULL, NULL, user};
  return bsq_train_ex(m, d, cfg, &hk, diag);
}

int bsq_evaluate(const bsq_model *m, const bsq_dataset *d, const int *idx,
                 int n, bsq_eval_result *r, bsq_diag *diag) {
  int F = m->F;
  memset(r, 0, sizeof *r);
  if (d->F != F)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "%s: %d features, the model has %d", d->source, d->F, F);
  double *x = malloc(sizeof(double) * (size_t)n * (size_t)F);
  double *p = malloc(sizeof(double) * (size_t)n);
  double *ph = malloc(sizeof(double) * (size_t)n);
  int rc = BSQ_ENOMEM;
  if (!x || !p || !ph) goto done;
  for (int i = 0; i < n; i++)
    memcpy(x + (size_t)i * (size_t)F, d->x + (size_t)idx[i] * (size_t)F,
           sizeof(double) * (size_t)F);
  if (m->input != BSQ_INPUT_FLOAT &&
      (rc = bsq_codec_check_rows(m, d, idx, n, &r->saturated, NULL, diag))) {
    free(x);
    free(p);
    free(ph);
    return rc;
  }
  if ((rc = bsq_model_predict(m, x, n, p))) goto done;
  if (m->input == BSQ_INPUT_FLOAT) /* FP: no encoder; the float path */
    memcpy(ph, p, sizeof(double) * (size_t)n);
  else if ((rc = bsq_model_predict_hw(m, x, n, 32, BSQ_MODE_CONTINUOUS, ph)))
    goto done;
  double s = 0, sh = 0;
  for (int i = 0; i < n; i++) {
    double y = (d->y[idx[i]] - m->y_mu) / m->y_sigma;
    s += (p[i] - y) * (p[i] - y);
    sh += (ph[i] - y) * (ph[i] - y);
  }
  r->n = n;
  r->mse = s / n;
  r->mse_hw = sh / n;
  /* FP sends float32 features: 32 bits each, compression 1 */
  r->bits_per_frame = m->input == BSQ_INPUT_FLOAT ? 32 * F : m->enc.B;
  r->compression = 32.0 * F / r->bits_per_frame;
done:
  if (rc) bsq_diag_set(diag, rc, "evaluation failed: %s", bsq_strerror(rc));
  free(x);
  free(p);
  free(ph);
  return rc;
}
