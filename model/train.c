/* bsq — training of the Bw-SQ network and evaluation.
 *
 * Dimension legend: B batch, F features, D thresholds in all (sum n_f),
 * L linear layers with widths dims[0] = D .. dims[L] = 1, H the widest.
 *
 * Forward (training): soft bits s = sigmoid((x - t) / tau)  (B, D)
 *   -> Linear -> ReLU -> Dropout -> ... -> Linear -> MSE.
 * tau starts at 1 and is multiplied by tau_decay^(1/epochs) after every
 * epoch (floor 1e-4). Adam on thresholds and weights alike. The weights
 * with the best validation MSE (hard bits) are restored at the end. */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "rng.h"

#define TAU_FLOOR 1e-4

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Thresholds of feature f at the training quantiles k / 2^b (or at the
 * min-max levels), in standardized units. */
static void init_thresholds(bsq_model *m, const bsq_dataset *d,
                            const bsq_split *s, int minmax, double *col) {
  for (int f = 0; f < m->F; f++) {
    for (int i = 0; i < s->n_train; i++)
      col[i] = (d->x[(size_t)s->train[i] * (size_t)m->F + f] - m->mu[f]) /
               m->sigma[f];
    qsort(col, (size_t)s->n_train, sizeof(double), cmp_double);
    int off = m->enc.toff[f], n = m->enc.toff[f + 1] - off;
    double lo = col[0], hi = col[s->n_train - 1];
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

int bsq_train(bsq_model *m, const bsq_dataset *d, const bsq_train_cfg *cfg,
              bsq_progress_fn progress, void *user, bsq_diag *diag) {
  int F = d->F, rc;
  bsq_split s = {0};
  float *grad = NULL, *adam_m = NULL, *adam_v = NULL, *best = NULL;
  float *xb = NULL, *yb = NULL, *sb = NULL, *dsb = NULL, *dact = NULL;
  float *act[BSQ_MAX_LAYERS] = {0}, *mask[BSQ_MAX_LAYERS] = {0};
  double *col = NULL, *xbuf = NULL, *pred = NULL;
  int bits[BSQ_MAX_FEATURES];

  memset(m, 0, sizeof *m);
  if (cfg->nbits != 1 && cfg->nbits != F)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "--bits: %d values given for %d features", cfg->nbits,
                        F);
  for (int f = 0; f < F; f++) {
    bits[f] = cfg->bits[cfg->nbits == 1 ? 0 : f];
    if (bits[f] < 1 || bits[f] > BSQ_MAX_BITS)
      return bsq_diag_set(diag, BSQ_EINVAL, "--bits: %d is outside 1..%d",
                          bits[f], BSQ_MAX_BITS);
  }
  if (cfg->epochs < 1 || cfg->batch < 1)
    return bsq_diag_set(diag, BSQ_EINVAL, "epochs and batch must be >= 1");
  if ((rc = bsq_split_make(&s, d->rows, cfg->seed)))
    return bsq_diag_set(diag, rc, "%s: too few rows to split (%d)", d->source,
                        d->rows);
  if ((rc = bsq_model_init(m, F, bits, cfg->nhidden, cfg->hidden))) {
    bsq_diag_set(diag, rc, "cannot build the network: %s", bsq_strerror(rc));
    goto fail;
  }
  if ((rc = bsq_model_set_names(m, d->names, d->target))) goto fail;
  m->cfg = *cfg;
  m->cfg.nbits = F;
  memcpy(m->cfg.bits, bits, sizeof(int) * (size_t)F);
  snprintf(m->data_source, sizeof m->data_source, "%s", d->source);
  m->data_hash = d->hash;
  m->rows = d->rows;

  /* standardization and input formats from the training split */
  bsq_standardize_fit(m->mu, m->sigma, d->x, F, s.train, s.n_train);
  bsq_standardize_fit1(&m->y_mu, &m->y_sigma, d->y, s.train, s.n_train);
  for (int f = 0; f < F; f++) {
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < s.n_train; i++) {
      double v = d->x[(size_t)s.train[i] * (size_t)F + f];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    rc = bsq_format_fit(&m->enc.fmt[f], cfg->input_width, cfg->input_signed,
                        lo, hi, cfg->range_margin);
    if (rc) {
      bsq_diag_set(diag, rc, "--input-width %d: invalid input format",
                   cfg->input_width);
      goto fail;
    }
  }

  int D = m->enc.D, L = m->L, Bmax = cfg->batch;
  size_t P = m->nparams;
  int H = 1;
  for (int l = 1; l <= L; l++) H = m->dims[l] > H ? m->dims[l] : H;
  rc = BSQ_ENOMEM;
  col = malloc(sizeof(double) * (size_t)s.n_train);
  grad = calloc(P, sizeof(float));
  adam_m = calloc(P, sizeof(float));
  adam_v = calloc(P, sizeof(float));
  best = malloc(sizeof(float) * P);
  xb = malloc(sizeof(float) * (size_t)Bmax * (size_t)F);
  yb = malloc(sizeof(float) * (size_t)Bmax);
  sb = malloc(sizeof(float) * (size_t)Bmax * (size_t)D);
  dsb = malloc(sizeof(float) * (size_t)Bmax * (size_t)D);
  dact = malloc(sizeof(float) * 3 * (size_t)Bmax * (size_t)H);
  xbuf = malloc(sizeof(double) * (size_t)s.n_val * (size_t)F);
  pred = malloc(sizeof(double) * (size_t)s.n_val);
  if (!col || !grad || !adam_m || !adam_v || !best || !xb || !yb || !sb ||
      !dsb || !dact || !xbuf || !pred)
    goto fail;
  for (int l = 0; l < L; l++) {
    act[l] = malloc(sizeof(float) * (size_t)Bmax * (size_t)m->dims[l + 1]);
    mask[l] = malloc(sizeof(float) * (size_t)Bmax * (size_t)m->dims[l + 1]);
    if (!act[l] || !mask[l]) goto fail;
  }

  bsq_rng rng;
  bsq_rng_seed(&rng, cfg->seed ^ 0x5eedb5c0ffee0001ULL);
  init_thresholds(m, d, &s, cfg->init_minmax, col);
  init_weights(m, &rng);

  bsq_adam_cfg acfg = {cfg->lr, 0.9f, 0.999f, 1e-8f, cfg->weight_decay};
  double tau = 1.0;
  double tau_step = pow((double)cfg->tau_decay, 1.0 / cfg->epochs);
  double best_val = INFINITY;
  int step = 0;
  int *order = s.train; /* shuffled in place each epoch */
  memcpy(best, m->params, sizeof(float) * P);
  m->best_epoch = 0;

  for (int epoch = 1; epoch <= cfg->epochs; epoch++) {
    bsq_rng_shuffle(&rng, order, s.n_train);
    double loss_sum = 0;
    for (int b0 = 0; b0 < s.n_train; b0 += Bmax) {
      int Bn = s.n_train - b0 < Bmax ? s.n_train - b0 : Bmax;
      for (int i = 0; i < Bn; i++) {
        int r = order[b0 + i];
        for (int f = 0; f < F; f++)
          xb[(size_t)i * (size_t)F + f] =
              (float)((d->x[(size_t)r * (size_t)F + f] - m->mu[f]) / m->sigma[f]);
        yb[i] = (float)((d->y[r] - m->y_mu) / m->y_sigma);
      }
      /* forward */
      bsq_softbits_forward(sb, xb, m->thr, m->feat_of, Bn, F, D, (float)tau);
      const float *in = sb;
      for (int l = 0; l < L; l++) {
        int O = m->dims[l + 1];
        bsq_linear_forward(act[l], in, m->W[l], m->b[l], Bn, m->dims[l], O);
        if (l < L - 1) {
          size_t N = (size_t)Bn * (size_t)O;
          bsq_relu_forward(act[l], act[l], N);
          bsq_dropout_forward(act[l], mask[l], act[l], N, cfg->dropout, &rng);
        }
        in = act[l];
      }
      loss_sum += (double)bsq_mse_forward(act[L - 1], yb, Bn) * Bn;
      /* backward */
      bsq_zero(grad, P);
      /* three (B, H) gradient buffers: da holds the gradient flowing down,
       * db1/db2 the dropout and relu steps of a hidden layer */
      float *da = dact, *db1 = dact + (size_t)Bmax * (size_t)H,
            *db2 = dact + 2 * (size_t)Bmax * (size_t)H;
      bsq_zero(da, (size_t)Bn);
      bsq_mse_backward(da, act[L - 1], yb, Bn);
      float *dthr = grad;
      for (int l = L - 1; l >= 0; l--) {
        int I = m->dims[l], O = m->dims[l + 1];
        const float *dout = da;
        if (l < L - 1) { /* act[l] = relu(z) * mask */
          size_t N = (size_t)Bn * (size_t)O;
          bsq_zero(db1, N);
          bsq_dropout_backward(db1, da, mask[l], N);
          bsq_zero(db2, N);
          bsq_relu_backward(db2, db1, act[l], N);
          dout = db2;
        }
        float *dw = grad + (m->W[l] - m->params);
        float *dbias = grad + (m->b[l] - m->params);
        float *dinp = l > 0 ? da : dsb;
        if (l > 0 && l == L - 1) dinp = db1; /* da is dout here */
        bsq_zero(dinp, (size_t)Bn * (size_t)I);
        bsq_linear_backward(dinp, dw, dbias, dout, l > 0 ? act[l - 1] : sb,
                            m->W[l], Bn, I, O);
        if (dinp == db1) { /* keep the invariant: da holds the gradient */
          float *t = da;
          da = db1;
          db1 = t;
        }
      }
      bsq_softbits_backward(NULL, dthr, dsb, sb, m->feat_of, Bn, F, D,
                            (float)tau);
      bsq_adam_step(m->params, grad, adam_m, adam_v, P, &acfg, ++step);
    }
    tau = fmax(tau * tau_step, TAU_FLOOR);
    double val = mse_rows(m, d, s.val, s.n_val, xbuf, pred);
    if (val < best_val) {
      best_val = val;
      m->best_epoch = epoch;
      memcpy(best, m->params, sizeof(float) * P);
    }
    if (progress) {
      bsq_progress p = {epoch, cfg->epochs, loss_sum / s.n_train, val, tau};
      progress(&p, user);
    }
  }
  memcpy(m->params, best, sizeof(float) * P);
  bsq_model_quantize(m);
  m->mse_val = best_val;

  bsq_eval_result er;
  if ((rc = bsq_evaluate(m, d, s.test, s.n_test, &er, diag))) goto fail;
  m->mse_test = er.mse;
  m->mse_test_hw = er.mse_hw;
  rc = BSQ_OK;
  goto done;
fail:
  if (rc == BSQ_ENOMEM) bsq_diag_set(diag, rc, "out of memory while training");
  bsq_model_free(m);
done:
  bsq_split_free(&s);
  for (int l = 0; l < BSQ_MAX_LAYERS; l++) {
    free(act[l]);
    free(mask[l]);
  }
  free(col);
  free(grad);
  free(adam_m);
  free(adam_v);
  free(best);
  free(xb);
  free(yb);
  free(sb);
  free(dsb);
  free(dact);
  free(xbuf);
  free(pred);
  return rc;
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
  if ((rc = bsq_model_predict(m, x, n, p))) goto done;
  if ((rc = bsq_model_predict_hw(m, x, n, 32, BSQ_MODE_CONTINUOUS, ph)))
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
  r->bits_per_frame = m->enc.B;
  r->compression = 32.0 * F / m->enc.B;
done:
  if (rc) bsq_diag_set(diag, rc, "evaluation failed: %s", bsq_strerror(rc));
  free(x);
  free(p);
  free(ph);
  return rc;
}
