/* bsq — the model file: JSON, versioned, written atomically (this file),
 * validated on load field by field (modelload.c).
 *
 * Dimension legend: F features, D thresholds in all, n_f = 2^b_f - 1
 * thresholds of feature f, L linear layers, dims[0] = D, dims[L] = 1.
 *
 * Numbers are written by this file, not by cJSON's printer: cJSON 1.7.15
 * prints integral doubles through an int (so -0.0 loses its sign) and
 * accepts a 1-ulp error when it picks "%1.15g" over "%1.17g". Either
 * would change bsq_model_hash after a round trip. fmt_double/fmt_float
 * print the shortest "%.Ng" that strtod reads back bit for bit, and the
 * result goes into the tree as a raw item. Parsing stays cJSON's (strtod).
 *
 * Nothing time-dependent is written: the same model gives the same bytes.
 *
 * The decoder's input (bsq_input): "mlp.input" is absent for the bit-input
 * methods (Bw-*: files written before the field existed read the same)
 * and "values" for the others (Po-, Pr-, SQ, LSQ), which then carry per
 * feature "values": the network's input for each level 0..2^b-1. It must
 * agree with "training.method"; FP (no encoder) is never a model file. */
#include "model.h"
#include "modelio.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers ------------------------------------------------------------ */

void bsq_fmt_double(char *buf, size_t n, double v) {
  if (!buf || n == 0) return;
  for (int p = 15; p <= 17; p++) {
    snprintf(buf, n, "%.*g", p, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

void bsq_fmt_float(char *buf, size_t n, float f) {
  if (!buf || n == 0) return;
  for (int p = 1; p <= 9; p++) {
    snprintf(buf, n, "%.*g", p, (double)f);
    if ((float)strtod(buf, NULL) == f)
      return;
  }
}

int bsq_parse_hex16(const char *s, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < 16; i++) {
    char ch = s[i];
    int d;
    if (ch >= '0' && ch <= '9')
      d = ch - '0';
    else if (ch >= 'a' && ch <= 'f')
      d = ch - 'a' + 10;
    else
      return -1;
    v = (v << 4) | (uint64_t)d;
  }
  if (s[16] != '\0')
    return -1;
  *out = v;
  return 0;
}

/* ---- writing ------------------------------------------------------------ */

/* Builds the tree; ok turns 0 at the first allocation failure. */
typedef struct {
  int ok;
} jbuild;

static cJSON *jb_item(jbuild *b, cJSON *it) {
  if (!it)
    b->ok = 0;
  return it;
}
static cJSON *jb_double(jbuild *b, double v) {
  char s[40];
  if (!isfinite(v))
    return jb_item(b, cJSON_CreateNull());
  bsq_fmt_double(s, sizeof s, v);
  return jb_item(b, cJSON_CreateRaw(s));
}
static cJSON *jb_float(jbuild *b, float v) {
  char s[40];
  bsq_fmt_float(s, sizeof s, v);
  return jb_item(b, cJSON_CreateRaw(s));
}
static cJSON *jb_int(jbuild *b, long long v) {
  char s[32];
  snprintf(s, sizeof s, "%lld", v);
  return jb_item(b, cJSON_CreateRaw(s));
}
static cJSON *jb_str(jbuild *b, const char *s) {
  return jb_item(b, cJSON_CreateString(s ? s : ""));
}
static cJSON *jb_hex(jbuild *b, uint64_t h) {
  char s[20];
  snprintf(s, sizeof s, "%016llx", (unsigned long long)h);
  return jb_item(b, cJSON_CreateString(s));
}

/* Attaches it (which may be NULL after a failure) to obj under key. */
static cJSON *jb_put(jbuild *b, cJSON *obj, const char *key, cJSON *it) {
  if (!it || !obj) {
    cJSON_Delete(it);
    b->ok = 0;
    return NULL;
  }
  if (!cJSON_AddItemToObject(obj, key, it)) {
    cJSON_Delete(it);
    b->ok = 0;
    return NULL;
  }
  return it;
}
static void jb_push(jbuild *b, cJSON *arr, cJSON *it) {
  if (!it || !arr || !cJSON_AddItemToArray(arr, it)) {
    cJSON_Delete(it);
    b->ok = 0;
  }
}

/* A value the file cannot hold: a non-finite number where one is required
 * (JSON has no NaN), or a config list longer than the model allows. Writes
 * the field path of the first one to where; returns 0 if there is none. */
static int find_unsavable(const bsq_model *m, char *where, size_t n) {
  const bsq_encoder *e = &m->enc;
  const bsq_train_cfg *c = &m->cfg;
  if (m->input == BSQ_INPUT_FLOAT) {
    snprintf(where, n,
             "training.method: fp (full precision) has no encoder; it is "
             "a reference for bsq compare, not a model file");
    return -1;
  }
  if (m->input == BSQ_INPUT_VALUES)
    for (int f = 0; f < m->F; f++)
      for (int v = m->voff[f]; v < m->voff[f + 1]; v++)
        if (!isfinite(m->values[v])) {
          snprintf(where, n, "features[%d].values[%d]: not a finite number",
                   f, v - m->voff[f]);
          return -1;
        }
  if (!isfinite(m->y_mu) || !isfinite(m->y_sigma)) {
    snprintf(where, n, "target: mu or sigma is not a finite number");
    return -1;
  }
  for (int f = 0; f < m->F; f++) {
    if (!isfinite(e->fmt[f].offset) || !isfinite(e->fmt[f].scale) ||
        !isfinite(m->mu[f]) || !isfinite(m->sigma[f])) {
      snprintf(where, n,
               "features[%d]: offset, scale, mu or sigma is not a finite "
               "number",
               f);
      return -1;
    }
    for (int i = 0; i < e->toff[f + 1] - e->toff[f]; i++)
      if (!isfinite(m->thr[e->toff[f] + i])) {
        snprintf(where, n,
                 "features[%d].thresholds_float[%d]: not a finite "
                 "number",
                 f, i);
        return -1;
      }
  }
  for (int l = 0; l < m->L; l++) {
    int I = m->dims[l], O = m->dims[l + 1];
    for (int o = 0; o < O; o++) {
      for (int i = 0; i < I; i++)
        if (!isfinite(m->W[l][(size_t)o * (size_t)I + (size_t)i])) {
          snprintf(where, n,
                   "mlp.layers[%d].weight[%d][%d]: not a finite "
                   "number",
                   l, o, i);
          return -1;
        }
      if (!isfinite(m->b[l][o])) {
        snprintf(where, n, "mlp.layers[%d].bias[%d]: not a finite number", l,
                 o);
        return -1;
      }
    }
  }
  if (c->nbits != 1 && c->nbits != m->F) {
    snprintf(where, n,
             "training.hyperparameters.bits: %d values for %d "
             "features (need 1 or %d)",
             c->nbits, m->F, m->F);
    return -1;
  }
  if (c->ninput_widths != 0 && c->ninput_widths != m->F) {
    snprintf(where, n,
             "training.hyperparameters.input_widths: %d values for %d "
             "features (need 0 or %d)",
             c->ninput_widths, m->F, m->F);
    return -1;
  }
  if (c->nhidden < 0 || c->nhidden > BSQ_MAX_LAYERS - 1) {
    snprintf(where, n,
             "training.hyperparameters.hidden: %d values, at most "
             "%d",
             c->nhidden, BSQ_MAX_LAYERS - 1);
    return -1;
  }
  if (!isfinite(c->lr) || !isfinite(c->tau_decay) || !isfinite(c->dropout) ||
      !isfinite(c->weight_decay) || !isfinite(c->range_margin)) {
    snprintf(where, n,
             "training.hyperparameters: a value is not a finite "
             "number");
    return -1;
  }
  return 0;
}

static cJSON *build_json(const bsq_model *m) {
  const bsq_encoder *e = &m->enc;
  const bsq_train_cfg *c = &m->cfg;
  jbuild b = {1};
  cJSON *root = cJSON_CreateObject();
  if (!root)
    return NULL;
  jb_put(&b, root, "format", jb_str(&b, BSQ_MODEL_FORMAT));
  jb_put(&b, root, "version", jb_int(&b, BSQ_MODEL_VERSION));
  jb_put(&b, root, "generator", jb_str(&b, "bsq " BSQ_VERSION));
  jb_put(&b, root, "hash", jb_hex(&b, bsq_model_hash(m)));

  cJSON *t = jb_put(&b, root, "target", jb_item(&b, cJSON_CreateObject()));
  jb_put(&b, t, "name", jb_str(&b, m->target));
  jb_put(&b, t, "mu", jb_double(&b, m->y_mu));
  jb_put(&b, t, "sigma", jb_double(&b, m->y_sigma));

  cJSON *feats = jb_put(&b, root, "features", jb_item(&b, cJSON_CreateArray()));
  for (int f = 0; f < m->F && b.ok; f++) {
    const bsq_format *fm = &e->fmt[f];
    int off = e->toff[f], nf = e->toff[f + 1] - off;
    cJSON *o = jb_item(&b, cJSON_CreateObject());
    jb_push(&b, feats, o);
    if (!b.ok)
      break;
    jb_put(&b, o, "name", jb_str(&b, m->names ? m->names[f] : NULL));
    jb_put(&b, o, "bits", jb_int(&b, e->bits[f]));
    jb_put(&b, o, "width", jb_int(&b, fm->width));
    jb_put(&b, o, "signed", jb_item(&b, cJSON_CreateBool(fm->is_signed != 0)));
    jb_put(&b, o, "offset", jb_double(&b, fm->offset));
    jb_put(&b, o, "scale", jb_double(&b, fm->scale));
    /* absent: fitted, no unit (files from before the sensor spec) */
    if (m->fmt_from[f] != BSQ_FMT_FIT)
      jb_put(&b, o, "format_from",
             jb_str(&b, bsq_fmt_from_name(m->fmt_from[f])));
    if (m->unit[f][0]) jb_put(&b, o, "unit", jb_str(&b, m->unit[f]));
    jb_put(&b, o, "mu", jb_double(&b, m->mu[f]));
    jb_put(&b, o, "sigma", jb_double(&b, m->sigma[f]));
    cJSON *T = jb_put(&b, o, "thresholds", jb_item(&b, cJSON_CreateArray()));
    cJSON *P = jb_put(&b, o, "perm", jb_item(&b, cJSON_CreateArray()));
    cJSON *TF =
        jb_put(&b, o, "thresholds_float", jb_item(&b, cJSON_CreateArray()));
    for (int i = 0; i < nf && b.ok; i++) {
      jb_push(&b, T, jb_int(&b, (long long)e->T[off + i]));
      jb_push(&b, P, jb_int(&b, e->perm[off + i]));
      jb_push(&b, TF, jb_float(&b, m->thr[off + i]));
    }
    if (m->input == BSQ_INPUT_VALUES) { /* the decoder's input per level */
      cJSON *V = jb_put(&b, o, "values", jb_item(&b, cJSON_CreateArray()));
      for (int k = 0; k <= nf && b.ok; k++)
        jb_push(&b, V, jb_float(&b, m->values[m->voff[f] + k]));
    }
  }

  cJSON *mlp = jb_put(&b, root, "mlp", jb_item(&b, cJSON_CreateObject()));
  /* Absent means "bits" (files from before the field existed). */
  if (m->input != BSQ_INPUT_BITS)
    jb_put(&b, mlp, "input", jb_str(&b, bsq_input_name(m->input)));
  cJSON *dims = jb_put(&b, mlp, "dims", jb_item(&b, cJSON_CreateArray()));
  for (int l = 0; l <= m->L && b.ok; l++)
    jb_push(&b, dims, jb_int(&b, m->dims[l]));
  cJSON *layers = jb_put(&b, mlp, "layers", jb_item(&b, cJSON_CreateArray()));
  for (int l = 0; l < m->L && b.ok; l++) {
    int I = m->dims[l], O = m->dims[l + 1];
    cJSON *lo = jb_item(&b, cJSON_CreateObject());
    jb_push(&b, layers, lo);
    cJSON *W = jb_put(&b, lo, "weight", jb_item(&b, cJSON_CreateArray()));
    for (int o = 0; o < O && b.ok; o++) {
      cJSON *row = jb_item(&b, cJSON_CreateArray());
      jb_push(&b, W, row);
      const float *w = m->W[l] + (size_t)o * (size_t)I;
      for (int i = 0; i < I && b.ok; i++)
        jb_push(&b, row, jb_float(&b, w[i]));
    }
    cJSON *bias = jb_put(&b, lo, "bias", jb_item(&b, cJSON_CreateArray()));
    for (int o = 0; o < O && b.ok; o++)
      jb_push(&b, bias, jb_float(&b, m->b[l][o]));
  }

  cJSON *tr = jb_put(&b, root, "training", jb_item(&b, cJSON_CreateObject()));
  jb_put(&b, tr, "method", jb_str(&b, bsq_method_name(c->method)));
  if (c->seed <= (uint64_t)BSQ_JSON_INT_MAX) {
    jb_put(&b, tr, "seed", jb_int(&b, (long long)c->seed));
  } else { /* beyond a double's integers: exact, as a decimal string */
    char s[24];
    snprintf(s, sizeof s, "%llu", (unsigned long long)c->seed);
    jb_put(&b, tr, "seed", jb_str(&b, s));
  }
  jb_put(&b, tr, "rows", jb_int(&b, m->rows));
  jb_put(&b, tr, "best_epoch", jb_int(&b, m->best_epoch));
  cJSON *data = jb_put(&b, tr, "data", jb_item(&b, cJSON_CreateObject()));
  char source[sizeof m->data_source];
  snprintf(source, sizeof source, "%s", m->data_source);
  jb_put(&b, data, "source", jb_str(&b, source));
  jb_put(&b, data, "hash", jb_hex(&b, m->data_hash));
  cJSON *hp =
      jb_put(&b, tr, "hyperparameters", jb_item(&b, cJSON_CreateObject()));
  cJSON *hb = jb_put(&b, hp, "bits", jb_item(&b, cJSON_CreateArray()));
  for (int i = 0; i < c->nbits && b.ok; i++)
    jb_push(&b, hb, jb_int(&b, c->bits[i]));
  cJSON *hh = jb_put(&b, hp, "hidden", jb_item(&b, cJSON_CreateArray()));
  for (int i = 0; i < c->nhidden && b.ok; i++)
    jb_push(&b, hh, jb_int(&b, c->hidden[i]));
  jb_put(&b, hp, "epochs", jb_int(&b, c->epochs));
  jb_put(&b, hp, "batch", jb_int(&b, c->batch));
  jb_put(&b, hp, "lr", jb_float(&b, c->lr));
  jb_put(&b, hp, "tau_decay", jb_float(&b, c->tau_decay));
  jb_put(&b, hp, "dropout", jb_float(&b, c->dropout));
  jb_put(&b, hp, "weight_decay", jb_float(&b, c->weight_decay));
  jb_put(&b, hp, "input_width", jb_int(&b, c->input_width));
  if (c->ninput_widths > 0) { /* absent: input_width for every feature */
    cJSON *hw = jb_put(&b, hp, "input_widths", jb_item(&b, cJSON_CreateArray()));
    for (int i = 0; i < c->ninput_widths && b.ok; i++)
      jb_push(&b, hw, jb_int(&b, c->input_widths[i]));
  }
  jb_put(&b, hp, "input_signed",
         jb_item(&b, cJSON_CreateBool(c->input_signed != 0)));
  jb_put(&b, hp, "range_margin", jb_double(&b, c->range_margin));
  jb_put(&b, hp, "init", jb_str(&b, c->init_minmax ? "minmax" : "quantile"));

  /* A metric that was not measured (NaN) is written as null. */
  cJSON *mt = jb_put(&b, root, "metrics", jb_item(&b, cJSON_CreateObject()));
  jb_put(&b, mt, "mse_val", jb_double(&b, m->mse_val));
  jb_put(&b, mt, "mse_test", jb_double(&b, m->mse_test));
  jb_put(&b, mt, "mse_test_hw", jb_double(&b, m->mse_test_hw));

  if (!b.ok) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

char *bsq_model_to_json(const bsq_model *m) {
  char where[BSQ_JSON_PATH_MAX];
  if (find_unsavable(m, where, sizeof where))
    return NULL;
  cJSON *root = build_json(m);
  if (!root)
    return NULL;
  char *s = cJSON_Print(root);
  cJSON_Delete(root);
  if (!s)
    return NULL;
  size_t n = strlen(s);
  char *t = realloc(s, n + 2); /* cJSON allocates with malloc */
  if (!t) {
    free(s);
    return NULL;
  }
  t[n] = '\n';
  t[n + 1] = '\0';
  return t;
}

int bsq_model_save(const bsq_model *m, const char *path, bsq_diag *diag) {
  char where[BSQ_JSON_PATH_MAX];
  if (find_unsavable(m, where, sizeof where))
    return bsq_diag_set(diag, BSQ_EINVAL, "%s: cannot save: %s", path, where);
  char *s = bsq_model_to_json(m);
  if (!s)
    return bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", path);
  bsq_atomic_file af;
  int rc = bsq_atomic_open(&af, path, diag);
  if (rc) {
    free(s);
    return rc;
  }
  size_t n = strlen(s);
  int ok = fwrite(s, 1, n, (FILE *)af.fp) == n;
  free(s);
  return bsq_atomic_close(&af, ok, diag);
}
