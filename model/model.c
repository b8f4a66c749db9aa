/* bsq — the model: allocation, integer export, hashing and inference.
 *
 * Dimension legend: N rows, F features, D thresholds in all, L linear
 * layers, dims[0] = D, dims[L] = 1. */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

void bsq_train_cfg_default(bsq_train_cfg *c) {
  memset(c, 0, sizeof *c);
  c->method = BSQ_METHOD_BW_SQ;
  c->nbits = 1;
  c->bits[0] = 4;
  c->nhidden = 5; /* the paper's best setting for fried: 5 x 32 */
  for (int l = 0; l < 5; l++) c->hidden[l] = 32;
  c->epochs = 100;
  c->batch = 512;
  c->lr = 1e-3f;
  c->tau_decay = 1e-3f;
  c->dropout = 0.0f;
  c->weight_decay = 0.0f;
  c->seed = 1;
  c->input_width = 16;
  c->input_signed = 0;
  c->range_margin = 0.05;
  c->init_minmax = 0;
}

/* strtol of a whole decimal number in lo..hi; -1 otherwise. */
static int whole(const char *s, const char *end, long lo, long hi, long *v) {
  char *e;
  errno = 0;
  *v = strtol(s, &e, 10);
  return e == s || e != end || errno || *v < lo || *v > hi ? -1 : 0;
}

int bsq_train_cfg_parse_hidden(bsq_train_cfg *c, const char *spec) {
  int hidden[BSQ_MAX_LAYERS], n = 0;
  long count, width;
  const char *x = strchr(spec, 'x');
  if (x) {
    if (x == spec || whole(spec, x, 0, BSQ_MAX_LAYERS - 1, &count) ||
        whole(x + 1, x + 1 + strlen(x + 1), 1, 65536, &width))
      return BSQ_EINVAL;
    for (n = 0; n < count; n++) hidden[n] = (int)width;
  } else {
    const char *p = spec;
    while (*p) {
      char *end;
      long v = strtol(p, &end, 10);
      if (end == p || v < 1 || v > 65536 || n >= BSQ_MAX_LAYERS - 1)
        return BSQ_EINVAL;
      hidden[n++] = (int)v;
      if (*end == ',') p = end + 1;
      else if (*end == '\0') p = end;
      else return BSQ_EINVAL;
    }
    if (n == 0) return BSQ_EINVAL;
  }
  c->nhidden = n;
  memcpy(c->hidden, hidden, sizeof(int) * (size_t)n);
  return BSQ_OK;
}

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

int bsq_model_init(bsq_model *m, int F, const int *bits, int nhidden,
                   const int *hidden) {
  return bsq_model_init_ex(m, F, bits, nhidden, hidden, BSQ_INPUT_BITS);
}

int bsq_model_init_ex(bsq_model *m, int F, const int *bits, int nhidden,
                      const int *hidden, bsq_input input) {
  memset(m, 0, sizeof *m);
  if (input != BSQ_INPUT_BITS && input != BSQ_INPUT_VALUES &&
      input != BSQ_INPUT_FLOAT)
    return BSQ_EINVAL;
  if (F < 1 || F > BSQ_MAX_FEATURES || nhidden < 0 ||
      nhidden > BSQ_MAX_LAYERS - 1)
    return BSQ_EINVAL;
  for (int l = 0; l < nhidden; l++)
    if (hidden[l] < 1 || hidden[l] > 65536) return BSQ_EINVAL;
  int rc = bsq_encoder_init(&m->enc, F, bits);
  if (rc) return rc;
  m->F = F;
  m->input = input;
  int D = m->enc.D;
  m->L = nhidden + 1;
  m->dims[0] = input == BSQ_INPUT_BITS ? D : F;
  for (int l = 0; l < nhidden; l++) m->dims[l + 1] = hidden[l];
  m->dims[m->L] = 1;
  size_t n = (size_t)D;
  for (int l = 0; l < m->L; l++)
    n += (size_t)m->dims[l + 1] * (size_t)m->dims[l] + (size_t)m->dims[l + 1];
  m->nparams = n;
  m->params = calloc(n, sizeof(float));
  m->feat_of = calloc((size_t)D, sizeof(int));
  m->mu = calloc((size_t)F, sizeof(double));
  m->sigma = calloc((size_t)F, sizeof(double));
  m->names = calloc((size_t)F, sizeof(char *));
  m->fmt_from = calloc((size_t)F, sizeof *m->fmt_from);
  m->unit = calloc((size_t)F, sizeof *m->unit);
  if (!m->params || !m->feat_of || !m->mu || !m->sigma || !m->names ||
      !m->fmt_from || !m->unit) {
    bsq_model_free(m);
    return BSQ_ENOMEM;
  }
  if (input == BSQ_INPUT_VALUES) {
    m->voff = malloc(sizeof(int) * (size_t)(F + 1));
    if (!m->voff) {
      bsq_model_free(m);
      return BSQ_ENOMEM;
    }
    m->voff[0] = 0;
    for (int f = 0; f < F; f++) m->voff[f + 1] = m->voff[f] + (1 << bits[f]);
    m->values = calloc((size_t)m->voff[F], sizeof(float));
    if (!m->values) {
      bsq_model_free(m);
      return BSQ_ENOMEM;
    }
  }
  float *p = m->params;
  m->thr = p;
  p += D;
  for (int l = 0; l < m->L; l++) {
    m->W[l] = p;
    p += (size_t)m->dims[l + 1] * (size_t)m->dims[l];
    m->b[l] = p;
    p += m->dims[l + 1];
  }
  for (int f = 0; f < F; f++) {
    m->sigma[f] = 1.0;
    for (int d = m->enc.toff[f]; d < m->enc.toff[f + 1]; d++) m->feat_of[d] = f;
  }
  m->y_sigma = 1.0;
  bsq_train_cfg_default(&m->cfg);
  return BSQ_OK;
}

void bsq_model_free(bsq_model *m) {
  if (m->names)
    for (int f = 0; f < m->F; f++) free(m->names[f]);
  free(m->names);
  free(m->target);
  bsq_encoder_free(&m->enc);
  free(m->feat_of);
  free(m->fmt_from);
  free(m->unit);
  free(m->mu);
  free(m->sigma);
  free(m->params);
  free(m->values);
  free(m->voff);
  memset(m, 0, sizeof *m);
}

int bsq_model_set_names(bsq_model *m, char *const *names, const char *target) {
  for (int f = 0; f < m->F; f++) {
    char *s = dupstr(names[f]);
    if (!s) return BSQ_ENOMEM;
    free(m->names[f]);
    m->names[f] = s;
  }
  char *t = dupstr(target);
  if (!t) return BSQ_ENOMEM;
  free(m->target);
  m->target = t;
  return BSQ_OK;
}

void bsq_model_quantize(bsq_model *m) {
  double t_phys[(1 << BSQ_MAX_BITS) - 1];
  for (int f = 0; f < m->F; f++) {
    int off = m->enc.toff[f], n = m->enc.toff[f + 1] - off;
    for (int i = 0; i < n; i++)
      t_phys[i] = (double)m->thr[off + i] * m->sigma[f] + m->mu[f];
    bsq_encoder_set_thresholds(&m->enc, f, t_phys);
  }
}

static uint64_t hash_i64(uint64_t h, int64_t v) {
  return bsq_fnv1a(h, &v, sizeof v);
}
static uint64_t hash_f64(uint64_t h, double v) {
  return bsq_fnv1a(h, &v, sizeof v);
}
static uint64_t hash_str(uint64_t h, const char *s) {
  if (!s) s = "";
  h = hash_i64(h, (int64_t)strlen(s));
  return bsq_fnv1a(h, s, strlen(s));
}

uint64_t bsq_model_hash(const bsq_model *m) {
  uint64_t h = BSQ_FNV_INIT;
  const bsq_encoder *e = &m->enc;
  h = hash_i64(h, m->F);
  for (int f = 0; f < m->F; f++) {
    h = hash_str(h, m->names ? m->names[f] : NULL);
    h = hash_i64(h, e->bits[f]);
    h = hash_i64(h, e->fmt[f].width);
    h = hash_i64(h, e->fmt[f].is_signed);
    h = hash_f64(h, e->fmt[f].offset);
    h = hash_f64(h, e->fmt[f].scale);
    h = hash_f64(h, m->mu[f]);
    h = hash_f64(h, m->sigma[f]);
    /* a fitted format without a unit hashes as before these fields */
    if (m->fmt_from && (m->fmt_from[f] != BSQ_FMT_FIT || m->unit[f][0])) {
      h = hash_str(h, bsq_fmt_from_name(m->fmt_from[f]));
      h = hash_str(h, m->unit[f]);
    }
    for (int d = e->toff[f]; d < e->toff[f + 1]; d++) {
      h = hash_i64(h, e->T[d]);
      h = hash_i64(h, e->perm[d]);
    }
  }
  h = hash_str(h, m->target);
  h = hash_f64(h, m->y_mu);
  h = hash_f64(h, m->y_sigma);
  /* Bits-input models hash as they did before the input field existed. */
  if (m->input != BSQ_INPUT_BITS) {
    h = hash_str(h, bsq_input_name(m->input));
    if (m->input == BSQ_INPUT_VALUES)
      for (int v = 0; v < m->voff[m->F]; v++) {
        float x = m->values[v];
        h = bsq_fnv1a(h, &x, sizeof x);
      }
  }
  h = hash_i64(h, m->L);
  for (int l = 0; l <= m->L; l++) h = hash_i64(h, m->dims[l]);
  for (size_t i = 0; i < m->nparams; i++) {
    float v = m->params[i];
    h = bsq_fnv1a(h, &v, sizeof v);
  }
  return h;
}

/* Inference runs in blocks of CHUNK rows spread over the layers' threads
 * (bsq_parallel), PASS blocks at a time so that the scratch stays
 * bounded. A row's arithmetic is the same whichever block or thread has
 * it, so the predictions are the same bits for any thread count. The
 * inputs of a pass are encoded first, on the calling thread: the layers'
 * threads flush denormal floats to zero, and the comparisons x > t of the
 * float path must see the caller's floats as they are. */
enum { CHUNK = 256, PASS = 8 };

typedef struct {
  const bsq_model *m;
  const float *in;  /* (rows from in_r0, dims[0]) MLP inputs */
  double *out;      /* (N) */
  int N, r0, in_r0, maxd;
  size_t stride;    /* scratch floats per block */
  float *scratch;   /* (PASS, stride) */
  float *wt[BSQ_MAX_LAYERS]; /* the forward's w^T, shared by the blocks */
} infer_job;

void bsq_model_level_values(float *out /* (n, F) */,
                            const float *x /* (n, F) */, const bsq_model *m,
                            int n) {
  int F = m->F;
  for (int r = 0; r < n; r++)
    for (int f = 0; f < F; f++) {
      float v = x[(size_t)r * (size_t)F + f];
      int k = 0; /* level = thresholds exceeded (any order) */
      for (int d = m->enc.toff[f]; d < m->enc.toff[f + 1]; d++)
        k += v > m->thr[d];
      out[(size_t)r * (size_t)F + f] = m->values[m->voff[f] + k];
    }
}

/* MLP inputs of n rows of physical inputs x (n, F): standardized, then
 * hard bits, levels' values or (FP) the standardized values themselves.
 * xs: (n, F) scratch. */
static void input_rows(const bsq_model *m, const double *x, int n, float *xs,
                       float *in /* (n, dims[0]) */) {
  int F = m->F, D = m->enc.D;
  for (int r = 0; r < n; r++)
    for (int f = 0; f < F; f++)
      xs[(size_t)r * (size_t)F + f] =
          (float)((x[(size_t)r * (size_t)F + f] - m->mu[f]) / m->sigma[f]);
  if (m->input == BSQ_INPUT_BITS) {
    bsq_hardbits_forward(in, xs, m->thr, m->feat_of, n, F, D);
  } else if (m->input == BSQ_INPUT_FLOAT) {
    memcpy(in, xs, sizeof(float) * (size_t)n * (size_t)F);
  } else { /* dims[0] = F */
    bsq_model_level_values(in, xs, m, n);
  }
}

static void infer_block(void *ctx, int c) {
  const infer_job *j = ctx;
  const bsq_model *m = j->m;
  int r0 = j->r0 + c * CHUNK, I = m->dims[0];
  if (r0 >= j->N) return;
  int nb = j->N - r0 < CHUNK ? j->N - r0 : CHUNK;
  float *s = j->scratch + (size_t)c * j->stride;
  float *a = s, *b = a + (size_t)CHUNK * (size_t)j->maxd;
  const float *in = j->in + (size_t)(r0 - j->in_r0) * (size_t)I;
  for (int l = 0; l < m->L; l++) {
    float *o = (l % 2 == 0) ? a : b;
    bsq_linear_forward_ex(o, in, m->W[l], j->wt[l], m->b[l], nb, m->dims[l],
                          m->dims[l + 1], l < m->L - 1);
    in = o;
  }
  for (int i = 0; i < nb; i++) j->out[r0 + i] = (double)in[i];
}

/* Predictions of N rows: from physical inputs x, or from MLP inputs in. */
static int infer(const bsq_model *m, const double *x, const float *in, int N,
                 double *out) {
  int maxd = 1;
  for (int l = 1; l <= m->L; l++)
    if (m->dims[l] > maxd) maxd = m->dims[l];
  infer_job j = {.m = m, .in = in, .out = out, .N = N, .maxd = maxd};
  j.stride = (size_t)CHUNK * 2 * (size_t)maxd; /* two activations */
  int blocks = (N + CHUNK - 1) / CHUNK; /* in one pass: 1 .. PASS */
  blocks = blocks < 1 ? 1 : blocks < PASS ? blocks : PASS;
  size_t rows = (size_t)blocks * CHUNK;
  j.scratch = malloc(sizeof(float) * j.stride * (size_t)blocks);
  /* with x: a pass's MLP inputs and its standardized x */
  float *enc = x ? malloc(sizeof(float) * rows *
                          ((size_t)m->dims[0] + (size_t)m->F))
                 : NULL;
  int rc = j.scratch && (enc || !x) ? BSQ_OK : BSQ_ENOMEM;
  for (int l = 0; l < m->L && rc == BSQ_OK; l++) {
    size_t n = bsq_linear_wt_floats(m->dims[l], m->dims[l + 1]);
    if (!n) continue;
    j.wt[l] = aligned_alloc(64, sizeof(float) * n);
    if (j.wt[l])
      bsq_linear_wt(j.wt[l], m->W[l], m->dims[l], m->dims[l + 1]);
    else
      rc = BSQ_ENOMEM;
  }
  for (j.r0 = 0; rc == BSQ_OK && j.r0 < N; j.r0 += PASS * CHUNK) {
    int left = (N - j.r0 + CHUNK - 1) / CHUNK;
    left = left < PASS ? left : PASS;
    if (x) {
      int n = N - j.r0 < PASS * CHUNK ? N - j.r0 : PASS * CHUNK;
      input_rows(m, x + (size_t)j.r0 * (size_t)m->F, n,
                 enc + rows * (size_t)m->dims[0], enc);
      j.in = enc;
      j.in_r0 = j.r0;
    }
    bsq_parallel(infer_block, &j, left);
  }
  free(j.scratch);
  free(enc);
  for (int l = 0; l < m->L; l++) free(j.wt[l]);
  return rc;
}

int bsq_model_mlp(const bsq_model *m, const float *bits, int N, double *out) {
  return infer(m, NULL, bits, N, out);
}

void bsq_model_levels_input(const bsq_model *m, const uint8_t *levels,
                            float *in) {
  if (m->input == BSQ_INPUT_BITS) {
    bsq_levels_to_bits(&m->enc, levels, in);
    return;
  }
  for (int f = 0; f < m->F; f++) in[f] = m->values[m->voff[f] + levels[f]];
}

int bsq_model_predict(const bsq_model *m, const double *x, int N,
                      double *yhat_std) {
  return infer(m, x, NULL, N, yhat_std);
}

int bsq_model_predict_levels(const bsq_model *m, const uint8_t *levels, int N,
                             double *yhat_std) {
  int F = m->F, I = m->dims[0];
  if (m->input == BSQ_INPUT_FLOAT) return BSQ_EINVAL; /* FP: no encoder */
  float *bits = malloc(sizeof(float) * (size_t)N * (size_t)I);
  if (!bits) return BSQ_ENOMEM;
  for (int r = 0; r < N; r++)
    bsq_model_levels_input(m, levels + (size_t)r * (size_t)F,
                           bits + (size_t)r * (size_t)I);
  int rc = bsq_model_mlp(m, bits, N, yhat_std);
  free(bits);
  return rc;
}

int bsq_model_predict_hw(const bsq_model *m, const double *x, int N, int K,
                         bsq_mode mode, double *yhat_std) {
  const bsq_encoder *e = &m->enc;
  if (m->input == BSQ_INPUT_FLOAT) return BSQ_EINVAL; /* FP: no encoder */
  int F = m->F, fb = bsq_frame_bytes(e);
  uint64_t nw = bsq_stream_words(e->B, K, mode, (uint64_t)N);
  int rc = BSQ_ENOMEM;
  int64_t *codes = malloc(sizeof(int64_t) * (size_t)F);
  uint8_t *levels = malloc((size_t)N * (size_t)F);
  uint8_t *frame = malloc((size_t)fb);
  uint8_t *frames = malloc((size_t)N * (size_t)fb);
  uint64_t *words = malloc(sizeof(uint64_t) * (size_t)(nw + 1));
  uint8_t *tlast = malloc((size_t)bsq_packer_max_words(e->B, K));
  if (!codes || !levels || !frame || !frames || !words || !tlast) goto done;
  /* device side: codes -> levels -> frame -> packed words */
  bsq_packer pk;
  bsq_packer_init(&pk, e->B, K, mode);
  uint64_t w = 0;
  for (int r = 0; r < N; r++) {
    for (int f = 0; f < F; f++)
      codes[f] = bsq_format_code(&e->fmt[f], x[(size_t)r * (size_t)F + f]);
    w += (uint64_t)bsq_encode_push(e, &pk, codes, levels, frame, words + w,
                                   tlast);
  }
  w += (uint64_t)bsq_packer_flush(&pk, words + w, tlast);
  if (w != nw) {
    rc = BSQ_EMISMATCH;
    goto done;
  }
  /* server side: words -> frames -> levels -> MLP */
  rc = bsq_stream_unpack(words, nw, e->B, K, mode, (uint64_t)N, fb, frames);
  if (rc) goto done;
  for (int r = 0; r < N; r++)
    bsq_frame_unpack(e, frames + (size_t)r * (size_t)fb,
                     levels + (size_t)r * (size_t)F);
  rc = bsq_model_predict_levels(m, levels, N, yhat_std);
done:
  free(codes);
  free(levels);
  free(frame);
  free(frames);
  free(words);
  free(tlast);
  return rc;
}
