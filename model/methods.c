/* bsq — the method table and the quantizer layers of the baselines.
 *
 * Dimension legend: B batch, F features, D thresholds in all, n_f = 2^b_f-1
 * thresholds of feature f, toff[f] the first of them.
 *
 * docs/design.md 1.6 lists the baselines (Schrödter et al., CPAL 2026,
 * section 5): FP, Po-MQ/QQ, Pr-MQ/QQ, Bw-MQ/QQ, SQ, SQ+, LSQ, LLT4/9. What each one
 * feeds the network is its decoder input (bsq_input): the Bw-* methods
 * send bits of the level, everything else one value per feature. */
#include "methods.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

/* name, label, decoder input, soft, fixed grid, FP parent, summary */
static const bsq_method_info METHODS[BSQ_METHOD_COUNT] = {
    [BSQ_METHOD_BW_SQ] = {"bw-sq", "Bw-SQ", BSQ_INPUT_BITS, 1, BSQ_GRID_NONE, 0,
                          "learned thresholds, soft bits (the default)"},
    [BSQ_METHOD_FP] = {"fp", "FP", BSQ_INPUT_FLOAT, 0, BSQ_GRID_NONE, 0,
                       "full precision: no encoder, no -o (metrics only)"},
    [BSQ_METHOD_PO_MQ] = {"po-mq", "Po-MQ", BSQ_INPUT_VALUES, 0,
                          BSQ_GRID_MINMAX, 1,
                          "train FP, then quantize its inputs (min-max)"},
    [BSQ_METHOD_PO_QQ] = {"po-qq", "Po-QQ", BSQ_INPUT_VALUES, 0,
                          BSQ_GRID_QUANTILE, 1,
                          "train FP, then quantize its inputs (quantile)"},
    [BSQ_METHOD_PR_MQ] = {"pr-mq", "Pr-MQ", BSQ_INPUT_VALUES, 0,
                          BSQ_GRID_MINMAX, 0,
                          "inputs at min-max interval midpoints, then train"},
    [BSQ_METHOD_PR_QQ] = {"pr-qq", "Pr-QQ", BSQ_INPUT_VALUES, 0,
                          BSQ_GRID_QUANTILE, 0,
                          "inputs at quantile interval midpoints, then train"},
    [BSQ_METHOD_BW_MQ] = {"bw-mq", "Bw-MQ", BSQ_INPUT_BITS, 0, BSQ_GRID_MINMAX,
                          0, "hard bits, fixed min-max grid"},
    [BSQ_METHOD_BW_QQ] = {"bw-qq", "Bw-QQ", BSQ_INPUT_BITS, 0,
                          BSQ_GRID_QUANTILE, 0, "hard bits, fixed quantile grid"},
    [BSQ_METHOD_SQ] = {"sq", "SQ", BSQ_INPUT_VALUES, 1, BSQ_GRID_NONE, 0,
                       "soft bits summed to one value per feature"},
    [BSQ_METHOD_LSQ] = {"lsq", "LSQ", BSQ_INPUT_VALUES, 0, BSQ_GRID_NONE, 0,
                        "learned step size (Esser et al. 2020)"},
    [BSQ_METHOD_SQ_PLUS] = {"sq+", "SQ+", BSQ_INPUT_VALUES, 1, BSQ_GRID_NONE,
                            0, "soft steps with learned heights per level"},
    [BSQ_METHOD_LLT4] = {"llt4", "LLT4", BSQ_INPUT_VALUES, 0, BSQ_GRID_NONE, 0,
                         "learnable lookup table, granularity 4 (Wang 2022)"},
    [BSQ_METHOD_LLT9] = {"llt9", "LLT9", BSQ_INPUT_VALUES, 0, BSQ_GRID_NONE, 0,
                         "learnable lookup table, granularity 9 (Wang 2022)"},
};

const bsq_method_info *bsq_method_get(int m) {
  return m >= 0 && m < BSQ_METHOD_COUNT ? &METHODS[m] : NULL;
}

int bsq_method_parse(const char *name) {
  if (!name) return -1;
  for (int i = 0; i < BSQ_METHOD_COUNT; i++)
    if (!strcmp(name, METHODS[i].name)) return i;
  return -1;
}

const char *bsq_method_name(int method) {
  const bsq_method_info *i = bsq_method_get(method);
  return i ? i->name : "?";
}

const char *bsq_method_label(int method) {
  const bsq_method_info *i = bsq_method_get(method);
  return i ? i->label : "?";
}

bsq_input bsq_method_input(int method) {
  const bsq_method_info *i = bsq_method_get(method);
  return i ? i->input : BSQ_INPUT_BITS;
}

int bsq_method_parse_list(const char *s, int *want, char *bad, size_t badn) {
  for (int i = 0; i < BSQ_METHOD_COUNT; i++) want[i] = 0;
  if (!strcmp(s, "all")) {
    for (int i = 0; i < BSQ_METHOD_COUNT; i++) want[i] = 1;
    return 0;
  }
  const char *p = s;
  int any = 0;
  while (1) {
    size_t n = strcspn(p, ",");
    char name[32];
    if (n == 0 || n >= sizeof name) {
      snprintf(bad, badn, "%.*s", (int)(n < 31 ? n : 31), p);
      return -1;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    int m = bsq_method_parse(name);
    if (m < 0) {
      snprintf(bad, badn, "%s", name);
      return -1;
    }
    want[m] = any = 1;
    if (!p[n]) break;
    p += n + 1;
  }
  return any ? 0 : -1;
}

const char *bsq_method_list(char *buf, size_t n, const char *sep,
                            int with_fp) {
  size_t k = 0;
  if (n == 0) return buf;
  buf[0] = '\0';
  for (int i = 0; i < BSQ_METHOD_COUNT && k < n; i++) {
    if (!with_fp && METHODS[i].input == BSQ_INPUT_FLOAT) continue;
    int w = snprintf(buf + k, n - k, "%s%s", k ? sep : "", METHODS[i].name);
    if (w < 0) break;
    k += (size_t)w;
  }
  return buf;
}

const char *bsq_input_name(bsq_input in) {
  switch (in) {
  case BSQ_INPUT_BITS: return "bits";
  case BSQ_INPUT_VALUES: return "values";
  case BSQ_INPUT_FLOAT: return "float";
  }
  return "?";
}

/* ---- SQ ------------------------------------------------------------------ */

float bsq_sq_value(int level, int n) {
  return 2.0f * (float)level / (float)n - 1.0f;
}

void bsq_sqsum_forward(float *out, const float *sb, const int *toff, int B,
                       int F, int D) {
  for (int b = 0; b < B; b++) {
    const float *s = sb + (size_t)b * (size_t)D; /* (D) */
    float *o = out + (size_t)b * (size_t)F;      /* (F) */
    for (int f = 0; f < F; f++) {
      float sum = 0.0f;
      for (int d = toff[f]; d < toff[f + 1]; d++) sum += s[d];
      o[f] = 2.0f * sum / (float)(toff[f + 1] - toff[f]) - 1.0f;
    }
  }
}

void bsq_sqsum_backward(float *dsb, const float *dout, const int *toff, int B,
                        int F, int D) {
  /* forward: out[b,f] = 2 / n_f * sum_{d of f} sb[b,d] - 1 */
  for (int b = 0; b < B; b++) {
    const float *g = dout + (size_t)b * (size_t)F; /* (F) */
    float *ds = dsb + (size_t)b * (size_t)D;       /* (D) */
    for (int f = 0; f < F; f++) {
      float k = 2.0f / (float)(toff[f + 1] - toff[f]) * g[f];
      for (int d = toff[f]; d < toff[f + 1]; d++) ds[d] += k;
    }
  }
}

/* ---- LSQ ----------------------------------------------------------------- */

void bsq_lsq_range(int bits, int *qn, int *qp) {
  *qn = 1 << (bits - 1);
  *qp = (1 << (bits - 1)) - 1;
}

float bsq_lsq_threshold(float step, int qn, int j) {
  return ((float)(j - qn) + 0.5f) * step;
}

float bsq_lsq_value(float step, int qn, int k) {
  return (float)(k - qn) * step;
}

/* q = clamp(ceil(x/s - 1/2), -Qn, Qp): round to nearest, ties down. */
static inline float lsq_q(float z, int qn, int qp) {
  float q = ceilf(z - 0.5f);
  if (q < (float)-qn) q = (float)-qn;
  if (q > (float)qp) q = (float)qp;
  return q;
}

void bsq_lsq_forward(float *out, const float *x, const float *step,
                     const int *qn, const int *qp, int B, int F) {
  for (int b = 0; b < B; b++) {
    const float *xb = x + (size_t)b * (size_t)F; /* (F) */
    float *ob = out + (size_t)b * (size_t)F;     /* (F) */
    for (int f = 0; f < F; f++)
      ob[f] = lsq_q(xb[f] / step[f], qn[f], qp[f]) * step[f];
  }
}

void bsq_lsq_backward(float *dx, float *dstep, const float *dout,
                      const float *x, const float *step, const int *qn,
                      const int *qp, const float *gscale, int B, int F) {
  /* forward: out = clamp(round(x / s), -Qn, Qp) * s */
  for (int b = 0; b < B; b++) {
    const float *xb = x + (size_t)b * (size_t)F;    /* (F) */
    const float *gb = dout + (size_t)b * (size_t)F; /* (F) */
    for (int f = 0; f < F; f++) {
      float z = xb[f] / step[f], ds;
      int inside = 0;
      if (z <= (float)-qn[f]) {
        ds = (float)-qn[f];
      } else if (z >= (float)qp[f]) {
        ds = (float)qp[f];
      } else {
        ds = lsq_q(z, qn[f], qp[f]) - z;
        inside = 1;
      }
      dstep[f] += gscale[f] * gb[f] * ds;
      if (dx && inside) dx[(size_t)b * (size_t)F + f] += gb[f];
    }
  }
}

/* ---- Pr-/Po- grids ------------------------------------------------------- */

void bsq_midpoint_values(float *values, const float *thr, int n, double lo,
                         double hi) {
  for (int k = 0; k <= n; k++) {
    double a = k == 0 ? lo : (double)thr[k - 1];
    double b = k == n ? hi : (double)thr[k];
    values[k] = (float)(0.5 * (a + b));
  }
}

/* ---- SQ+ ----------------------------------------------------------------- */

void bsq_sqplus_forward(float *out, const float *sb, const float *a,
                        const float *a0, const int *toff, int B, int F,
                        int D) {
  for (int b = 0; b < B; b++) {
    const float *s = sb + (size_t)b * (size_t)D; /* (D) */
    float *o = out + (size_t)b * (size_t)F;      /* (F) */
    for (int f = 0; f < F; f++) {
      float sum = a0[f];
      for (int d = toff[f]; d < toff[f + 1]; d++) sum += a[d] * s[d];
      o[f] = sum;
    }
  }
}

void bsq_sqplus_backward(float *dsb, float *da, float *da0, const float *dout,
                         const float *sb, const float *a, const int *toff,
                         int B, int F, int D) {
  /* forward: out[b,f] = a0_f + sum_{d of f} a_d sb[b,d] */
  for (int b = 0; b < B; b++) {
    const float *g = dout + (size_t)b * (size_t)F; /* (F) */
    const float *s = sb + (size_t)b * (size_t)D;   /* (D) */
    float *ds = dsb + (size_t)b * (size_t)D;       /* (D) */
    for (int f = 0; f < F; f++) {
      da0[f] += g[f];
      for (int d = toff[f]; d < toff[f + 1]; d++) {
        ds[d] += a[d] * g[f];
        da[d] += s[d] * g[f];
      }
    }
  }
}

void bsq_sqplus_values(float *values, const float *thr, const float *a,
                       float a0, int n) {
  /* rank of threshold i: those below it, ties in trained order (as
   * bsq_encoder_set_thresholds sorts); value k sums the k lowest ranks */
  int order[255]; /* n <= 2^8 - 1 */
  for (int i = 0; i < n; i++) {
    int r = 0;
    for (int j = 0; j < n; j++)
      r += thr[j] < thr[i] || (thr[j] == thr[i] && j < i);
    order[r] = i;
  }
  values[0] = a0;
  for (int k = 1; k <= n; k++) values[k] = values[k - 1] + a[order[k - 1]];
}

/* ---- LLT ----------------------------------------------------------------- */

void bsq_llt_table(double *p, double *C, const float *s, int n, int N) {
  double mx = s[0], sum = 0;
  for (int j = 1; j < N; j++) mx = s[j] > mx ? s[j] : mx;
  for (int j = 0; j < N; j++) sum += (p[j] = exp((double)s[j] - mx));
  /* C from the running sum of the exponentials, divided once: a uniform
   * table (scores all equal) gives C_u = n u / N exactly, so its ties
   * (g even) round up the same way everywhere */
  C[0] = 0;
  double run = 0;
  for (int j = 0; j < N; j++) {
    run += p[j];
    C[j + 1] = (double)n * run / sum;
    p[j] /= sum;
  }
}

int bsq_llt_cell(const bsq_llt_feature *lf, float x) {
  /* #{ j in 1..N : x > lo + (j - 1/2) w } = ceil(z) - 1, z = (x-lo)/w + 1/2 */
  if (!(lf->hi > lf->lo)) return 0; /* a constant feature: one cell */
  double w = ((double)lf->hi - (double)lf->lo) / lf->N;
  double z = ((double)x - (double)lf->lo) / w + 0.5;
  if (!(z > 1.0)) return 0; /* also NaN */
  if (z > (double)lf->N) return lf->N;
  return (int)ceil(z) - 1;
}

int bsq_llt_level(const double *C, int u) { return (int)floor(C[u] + 0.5); }

void bsq_llt_sync(float *thr, float *values, const bsq_llt_feature *lf,
                  const double *C) {
  double w = ((double)lf->hi - (double)lf->lo) / lf->N;
  int u = 0;
  for (int k = 1; k <= lf->n; k++) {
    while (u < lf->N && bsq_llt_level(C, u) < k) u++;
    thr[k - 1] = (float)((double)lf->lo + ((double)u - 0.5) * w);
  }
  for (int k = 0; k <= lf->n; k++)
    values[k] = (float)((double)lf->lo +
                        (double)k * ((double)lf->hi - (double)lf->lo) / lf->n);
}

void bsq_llt_forward(float *out, int *cell, const float *x,
                     const bsq_llt_feature *lf, const double *const *C, int B,
                     int F) {
  for (int b = 0; b < B; b++)
    for (int f = 0; f < F; f++) {
      size_t i = (size_t)b * (size_t)F + (size_t)f;
      const bsq_llt_feature *q = &lf[f];
      int u = bsq_llt_cell(q, x[i]);
      cell[i] = u;
      out[i] = (float)((double)q->lo + (double)bsq_llt_level(C[f], u) *
                                           ((double)q->hi - (double)q->lo) /
                                           q->n);
    }
}

void bsq_llt_backward(float *ds, double *hist, const float *dout,
                      const int *cell, const bsq_llt_feature *lf,
                      const double *const *p, const double *const *C,
                      const int *soff, int B, int F) {
  /* forward: out = lo + (hi - lo) / n round(C_u), C_u = n sum_{j<=u} p_j,
   * p = softmax(s); round straight through. With G_u the summed dout of
   * the rows in cell u:
   *   d / d s_j = (hi - lo) p_j (sum_{u >= j} G_u - sum_u G_u C_u / n) */
  for (int f = 0; f < F; f++) {
    const bsq_llt_feature *q = &lf[f];
    double *h = hist + soff[f] + f; /* (N_f + 1) */
    for (int u = 0; u <= q->N; u++) h[u] = 0;
    for (int b = 0; b < B; b++) {
      size_t i = (size_t)b * (size_t)F + (size_t)f;
      h[cell[i]] += dout[i];
    }
    double mean = 0;
    for (int u = 0; u <= q->N; u++) mean += h[u] * C[f][u] / q->n;
    double tail = 0, span = (double)q->hi - (double)q->lo;
    for (int j = q->N; j >= 1; j--) { /* table entry j is p[j - 1] */
      tail += h[j];
      ds[soff[f] + j - 1] += (float)(span * p[f][j - 1] * (tail - mean));
    }
  }
}
