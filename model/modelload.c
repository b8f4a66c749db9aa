/* bsq — the model file, reading: parsing with cJSON, then validating
 * every field (types, ranges, sorted thresholds within the code range,
 * permutations, array lengths, consistency of the integer and float
 * thresholds, the hash), each error naming the field's path. Writing and
 * the number format are in modelio.c. */
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

#define MAX_HIDDEN_WIDTH 65536

#if defined(__GNUC__)
#define BSQ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BSQ_PRINTF(a, b)
#endif

/* ---- reading ------------------------------------------------------------ */

typedef struct {
  const char *name; /* file name or the caller's label */
  bsq_diag *diag;
} jctx;

static int jfail(const jctx *c, int err, const char *path, const char *fmt, ...)
    BSQ_PRINTF(4, 5);
static int jfail(const jctx *c, int err, const char *path, const char *fmt,
                 ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (path && *path)
    return bsq_diag_set(c->diag, err, "%s: %s: %s", c->name, path, msg);
  return bsq_diag_set(c->diag, err, "%s: %s", c->name, msg);
}

/* Paths are for messages: a (never expected) overlong one is cut short. */
static void path_key(char *p, const char *parent, const char *key) {
  int r;
  if (parent && *parent)
    r = snprintf(p, BSQ_JSON_PATH_MAX, "%s.%s", parent, key);
  else
    r = snprintf(p, BSQ_JSON_PATH_MAX, "%s", key);
  if (r < 0)
    p[0] = '\0';
}
static void path_idx(char *p, const char *parent, int i) {
  if (snprintf(p, BSQ_JSON_PATH_MAX, "%s[%d]", parent, i) < 0)
    p[0] = '\0';
}

/* Fields say "missing or not a number"; array elements "not a number". */
static const char *missing(int elem) { return elem ? "" : "missing or "; }

static int check_obj(const jctx *c, const cJSON *it, const char *p, int elem) {
  if (!cJSON_IsObject(it))
    return jfail(c, BSQ_EFORMAT, p, "%snot an object", missing(elem));
  return 0;
}

static int check_str(const jctx *c, const cJSON *it, const char *p, int elem,
                     const char **out) {
  *out = "";
  if (!cJSON_IsString(it) || !it->valuestring)
    return jfail(c, BSQ_EFORMAT, p, "%snot a string", missing(elem));
  *out = it->valuestring;
  return 0;
}

static int check_bool(const jctx *c, const cJSON *it, const char *p, int elem,
                      int *out) {
  *out = 0;
  if (!cJSON_IsBool(it))
    return jfail(c, BSQ_EFORMAT, p, "%snot a boolean", missing(elem));
  *out = cJSON_IsTrue(it) ? 1 : 0;
  return 0;
}

static int check_num(const jctx *c, const cJSON *it, const char *p, int elem,
                     double *out) {
  *out = 0;
  if (!cJSON_IsNumber(it))
    return jfail(c, BSQ_EFORMAT, p, "%snot a number", missing(elem));
  if (!isfinite(it->valuedouble))
    return jfail(c, BSQ_EFORMAT, p, "not a finite number");
  *out = it->valuedouble;
  return 0;
}

/* A number that must fit a float (weights, thresholds, hyperparameters). */
static int check_float(const jctx *c, const cJSON *it, const char *p, int elem,
                       float *out) {
  double v = 0;
  *out = 0;
  int rc = check_num(c, it, p, elem, &v);
  if (rc)
    return rc;
  float f = (float)v;
  if (!isfinite(f)) {
    char nb[40];
    bsq_fmt_double(nb, sizeof nb, v);
    return jfail(c, BSQ_EFORMAT, p, "%s does not fit a float", nb);
  }
  *out = f;
  return 0;
}

/* An integral number in lo..hi (both within +-2^53). */
static int check_int(const jctx *c, const cJSON *it, const char *p, int elem,
                     int64_t lo, int64_t hi, int64_t *out) {
  *out = 0;
  if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) ||
      floor(it->valuedouble) != it->valuedouble)
    return jfail(c, BSQ_EFORMAT, p, "%snot an integer", missing(elem));
  double v = it->valuedouble;
  if (v < (double)lo || v > (double)hi) {
    char nb[40];
    bsq_fmt_double(nb, sizeof nb, v);
    return jfail(c, BSQ_EFORMAT, p, "%s is outside %lld..%lld", nb,
                 (long long)lo, (long long)hi);
  }
  *out = (int64_t)v;
  return 0;
}

static int check_int32(const jctx *c, const cJSON *it, const char *p, int elem,
                       int lo, int hi, int *out) {
  int64_t v = 0;
  *out = 0;
  int rc = check_int(c, it, p, elem, lo, hi, &v);
  if (rc == 0)
    *out = (int)v;
  return rc;
}

/* An array; expect >= 0 also checks its length. */
static int check_arr(const jctx *c, const cJSON *it, const char *p, int elem,
                     int expect, int *count) {
  *count = 0;
  if (!cJSON_IsArray(it))
    return jfail(c, BSQ_EFORMAT, p, "%snot an array", missing(elem));
  int n = 0;
  for (const cJSON *e = it->child; e; e = e->next)
    if (n < INT_MAX)
      n++;
  if (expect >= 0 && n != expect)
    return jfail(c, BSQ_EFORMAT, p, "expected %d value%s, found %d", expect,
                 expect == 1 ? "" : "s", n);
  *count = n;
  return 0;
}

static const cJSON *get(const cJSON *obj, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Field `key` of object `obj` (at `parent`); p receives the field's path. */
static int get_obj(const jctx *c, const cJSON *obj, const char *parent,
                   const char *key, char *p, const cJSON **out) {
  path_key(p, parent, key);
  *out = get(obj, key);
  return check_obj(c, *out, p, 0);
}
static int get_str(const jctx *c, const cJSON *obj, const char *parent,
                   const char *key, char *p, const char **out) {
  path_key(p, parent, key);
  return check_str(c, get(obj, key), p, 0, out);
}
static int get_bool(const jctx *c, const cJSON *obj, const char *parent,
                    const char *key, char *p, int *out) {
  path_key(p, parent, key);
  return check_bool(c, get(obj, key), p, 0, out);
}
static int get_num(const jctx *c, const cJSON *obj, const char *parent,
                   const char *key, char *p, double *out) {
  path_key(p, parent, key);
  return check_num(c, get(obj, key), p, 0, out);
}
static int get_float(const jctx *c, const cJSON *obj, const char *parent,
                     const char *key, char *p, float *out) {
  path_key(p, parent, key);
  return check_float(c, get(obj, key), p, 0, out);
}
static int get_int32(const jctx *c, const cJSON *obj, const char *parent,
                     const char *key, char *p, int lo, int hi, int *out) {
  path_key(p, parent, key);
  return check_int32(c, get(obj, key), p, 0, lo, hi, out);
}
static int get_arr(const jctx *c, const cJSON *obj, const char *parent,
                   const char *key, char *p, int expect, const cJSON **arr,
                   int *count) {
  path_key(p, parent, key);
  *arr = get(obj, key);
  return check_arr(c, *arr, p, 0, expect, count);
}

/* A positive, finite number (scale, sigma). */
static int get_positive(const jctx *c, const cJSON *obj, const char *parent,
                        const char *key, char *p, double *out) {
  int rc = get_num(c, obj, parent, key, p, out);
  if (rc)
    return rc;
  if (!(*out > 0)) {
    char nb[40];
    bsq_fmt_double(nb, sizeof nb, *out);
    return jfail(c, BSQ_EFORMAT, p, "%s is not positive", nb);
  }
  return 0;
}

static int get_hex16(const jctx *c, const cJSON *obj, const char *parent,
                     const char *key, char *p, uint64_t *out) {
  const char *s;
  int rc = get_str(c, obj, parent, key, p, &s);
  if (rc)
    return rc;
  if (bsq_parse_hex16(s, out))
    return jfail(c, BSQ_EFORMAT, p, "not 16 lowercase hex digits");
  return 0;
}

/* "format", "version", "generator": is this a file we can read at all? */
static int parse_header(const jctx *c, const cJSON *root) {
  char p[BSQ_JSON_PATH_MAX];
  const cJSON *fmt = cJSON_IsObject(root) ? get(root, "format") : NULL;
  if (!cJSON_IsString(fmt) || !fmt->valuestring ||
      strcmp(fmt->valuestring, BSQ_MODEL_FORMAT) != 0)
    return jfail(c, BSQ_EFORMAT, NULL, "not a bsq model file (format)");
  const cJSON *ver = get(root, "version");
  if (!cJSON_IsNumber(ver) || !isfinite(ver->valuedouble) ||
      floor(ver->valuedouble) != ver->valuedouble)
    return jfail(c, BSQ_EFORMAT, "version", "missing or not an integer");
  char nb[40];
  bsq_fmt_double(nb, sizeof nb, ver->valuedouble);
  if (ver->valuedouble > BSQ_MODEL_VERSION)
    return jfail(c, BSQ_EVERSION, NULL,
                 "version %s is newer than this bsq (supports %d)", nb,
                 BSQ_MODEL_VERSION);
  if (ver->valuedouble < BSQ_MODEL_VERSION)
    return jfail(c, BSQ_EFORMAT, "version", "%s is not supported (supports %d)",
                 nb, BSQ_MODEL_VERSION);
  const char *gen;
  return get_str(c, root, NULL, "generator", p, &gen);
}

/* Pass 1 over "features": count and bits, enough to size the model. */
static int parse_feature_bits(const jctx *c, const cJSON *feats, int *bits,
                              int *D) {
  char fp[BSQ_JSON_PATH_MAX], p[BSQ_JSON_PATH_MAX];
  int f = 0;
  *D = 0;
  for (const cJSON *o = feats->child; o; o = o->next, f++) {
    path_idx(fp, "features", f);
    int rc = check_obj(c, o, fp, 1);
    if (rc)
      return rc;
    rc = get_int32(c, o, fp, "bits", p, 0, BSQ_MAX_BITS, &bits[f]);
    if (rc)
      return rc;
    *D += (1 << bits[f]) - 1;
  }
  return 0;
}

/* A feature of 0 bits is not sent: it has no thresholds and no MLP input,
 * which only the bits input can express (values feeds one per feature).
 * At least one feature must be sent. */
static int check_zero_bits(const jctx *c, const int *bits, int F,
                           bsq_input input) {
  char fp[BSQ_JSON_PATH_MAX], p[BSQ_JSON_PATH_MAX];
  int B = 0;
  for (int f = 0; f < F; f++) {
    B += bits[f];
    if (bits[f] == 0 && input != BSQ_INPUT_BITS) {
      path_idx(fp, "features", f);
      path_key(p, fp, "bits");
      return jfail(c, BSQ_EFORMAT, p, "0, but mlp.input \"%s\" needs at "
                   "least 1 bit per feature", bsq_input_name(input));
    }
  }
  if (B == 0)
    return jfail(c, BSQ_EFORMAT, "features",
                 "every feature has 0 bits: nothing is sent");
  return 0;
}

/* "mlp.dims": D in, 1 out, hidden widths between. */
static int parse_dims(const jctx *c, const cJSON *mlp, int D, int F,
                      bsq_input input, int *dims, int *L) {
  char p[BSQ_JSON_PATH_MAX], ep[BSQ_JSON_PATH_MAX];
  const cJSON *arr;
  int n, rc = get_arr(c, mlp, "mlp", "dims", p, -1, &arr, &n);
  if (rc)
    return rc;
  if (n < 2 || n > BSQ_MAX_LAYERS + 1)
    return jfail(c, BSQ_EFORMAT, p, "expected 2..%d values, found %d",
                 BSQ_MAX_LAYERS + 1, n);
  int l = 0;
  for (const cJSON *e = arr->child; e; e = e->next, l++) {
    path_idx(ep, p, l);
    int lo = 1, hi = l == 0 ? INT_MAX : MAX_HIDDEN_WIDTH;
    rc = check_int32(c, e, ep, 1, lo, hi, &dims[l]);
    if (rc)
      return rc;
    if (l == 0 && input == BSQ_INPUT_BITS && dims[l] != D)
      return jfail(c, BSQ_EFORMAT, ep,
                   "expected %d (the number of thresholds), found %d", D,
                   dims[l]);
    if (l == 0 && input != BSQ_INPUT_BITS && dims[l] != F)
      return jfail(c, BSQ_EFORMAT, ep,
                   "expected %d (the number of features), found %d", F,
                   dims[l]);
    if (l == n - 1 && dims[l] != 1)
      return jfail(c, BSQ_EFORMAT, ep, "expected 1, found %d", dims[l]);
  }
  *L = n - 1;
  return 0;
}

/* "mlp.input": what the decoder feeds the network; absent means bits.
 * An FP model ("float") has no encoder and is not a model file. */
static int parse_input(const jctx *c, const cJSON *mlp, bsq_input *input) {
  char p[BSQ_JSON_PATH_MAX];
  const char *s;
  *input = BSQ_INPUT_BITS;
  if (!get(mlp, "input"))
    return 0;
  int rc = get_str(c, mlp, "mlp", "input", p, &s);
  if (rc)
    return rc;
  if (!strcmp(s, "bits"))
    *input = BSQ_INPUT_BITS;
  else if (!strcmp(s, "values"))
    *input = BSQ_INPUT_VALUES;
  else
    return jfail(c, BSQ_EFORMAT, p, "\"%s\" is not bits or values", s);
  return 0;
}

/* "format_from" (absent: "fit") and "unit" (absent: none; only a sensor
 * format has one) of feature f, whose format is already read. A "codes"
 * format maps code to value as it is: offset 0, scale 1. */
static int parse_format_from(const jctx *c, const cJSON *o, const char *fp,
                             bsq_model *m, int f) {
  char p[BSQ_JSON_PATH_MAX];
  const char *s;
  int rc;
  m->fmt_from[f] = BSQ_FMT_FIT;
  m->unit[f][0] = '\0';
  if (get(o, "format_from")) {
    if ((rc = get_str(c, o, fp, "format_from", p, &s)))
      return rc;
    int v = bsq_fmt_from_parse(s);
    if (v < 0)
      return jfail(c, BSQ_EFORMAT, p, "\"%.40s\" is not fit, sensor or codes",
                   s);
    m->fmt_from[f] = (bsq_fmt_from)v;
  }
  const bsq_format *fm = &m->enc.fmt[f];
  if (m->fmt_from[f] == BSQ_FMT_CODES && (fm->offset != 0 || fm->scale != 1)) {
    path_key(p, fp, fm->offset != 0 ? "offset" : "scale");
    return jfail(c, BSQ_EFORMAT, p,
                 "must be %d for raw codes (format_from \"codes\")",
                 fm->offset != 0 ? 0 : 1);
  }
  if (get(o, "unit")) {
    char why[160];
    if ((rc = get_str(c, o, fp, "unit", p, &s)))
      return rc;
    if (m->fmt_from[f] != BSQ_FMT_SENSOR)
      return jfail(c, BSQ_EFORMAT, p,
                   "only a sensor format (format_from \"sensor\") has a unit");
    if (bsq_unit_check(s, why, sizeof why))
      return jfail(c, BSQ_EFORMAT, p, "%s", why);
    snprintf(m->unit[f], sizeof m->unit[f], "%s", s);
  }
  return 0;
}

/* Pass 2 over "features": everything else; names go to names[f]. */
static int parse_features(const jctx *c, const cJSON *feats, bsq_model *m,
                          char **names) {
  char fp[BSQ_JSON_PATH_MAX], p[BSQ_JSON_PATH_MAX], ep[BSQ_JSON_PATH_MAX];
  bsq_encoder *e = &m->enc;
  int f = 0, rc;
  for (const cJSON *o = feats->child; o; o = o->next, f++) {
    bsq_format *fm = &e->fmt[f];
    int off = e->toff[f], nf = e->toff[f + 1] - off;
    path_idx(fp, "features", f);
    const char *name;
    if ((rc = get_str(c, o, fp, "name", p, &name)))
      return rc;
    names[f] = (char *)name;
    if ((rc = get_int32(c, o, fp, "width", p, 1, BSQ_MAX_WIDTH, &fm->width)))
      return rc;
    if ((rc = get_bool(c, o, fp, "signed", p, &fm->is_signed)))
      return rc;
    if ((rc = get_num(c, o, fp, "offset", p, &fm->offset)))
      return rc;
    if ((rc = get_positive(c, o, fp, "scale", p, &fm->scale)))
      return rc;
    if ((rc = parse_format_from(c, o, fp, m, f)))
      return rc;
    if ((rc = get_num(c, o, fp, "mu", p, &m->mu[f])))
      return rc;
    if ((rc = get_positive(c, o, fp, "sigma", p, &m->sigma[f])))
      return rc;

    const cJSON *arr;
    int n, j = 0;
    int64_t lo = bsq_format_lo(fm) - 1, hi = bsq_format_hi(fm);
    if ((rc = get_arr(c, o, fp, "thresholds", p, nf, &arr, &n)))
      return rc;
    for (const cJSON *it = arr->child; it; it = it->next, j++) {
      path_idx(ep, p, j);
      if ((rc = check_int(c, it, ep, 1, lo, hi, &e->T[off + j])))
        return rc;
      if (j > 0 && e->T[off + j] < e->T[off + j - 1])
        return jfail(c, BSQ_EFORMAT, p, "not sorted at index %d", j);
    }

    unsigned char seen[(1 << BSQ_MAX_BITS) - 1] = {0};
    if ((rc = get_arr(c, o, fp, "perm", p, nf, &arr, &n)))
      return rc;
    j = 0;
    for (const cJSON *it = arr->child; it; it = it->next, j++) {
      path_idx(ep, p, j);
      int64_t v;
      if ((rc = check_int(c, it, ep, 1, -BSQ_JSON_INT_MAX, BSQ_JSON_INT_MAX, &v)))
        return rc;
      if (v < 0 || v >= nf || seen[v])
        return jfail(c, BSQ_EFORMAT, p, "not a permutation of 0..%d", nf - 1);
      seen[v] = 1;
      e->perm[off + j] = (int)v;
    }

    if ((rc = get_arr(c, o, fp, "thresholds_float", p, nf, &arr, &n)))
      return rc;
    j = 0;
    for (const cJSON *it = arr->child; it; it = it->next, j++) {
      path_idx(ep, p, j);
      if ((rc = check_float(c, it, ep, 1, &m->thr[off + j])))
        return rc;
    }

    path_key(p, fp, "values");
    if (m->input != BSQ_INPUT_VALUES) {
      if (get(o, "values"))
        return jfail(c, BSQ_EFORMAT, p,
                     "present, but mlp.input is \"%s\"",
                     bsq_input_name(m->input));
      continue;
    }
    if ((rc = get_arr(c, o, fp, "values", p, nf + 1, &arr, &n)))
      return rc;
    j = 0;
    for (const cJSON *it = arr->child; it; it = it->next, j++) {
      path_idx(ep, p, j);
      if ((rc = check_float(c, it, ep, 1, &m->values[m->voff[f] + j])))
        return rc;
    }
  }
  return 0;
}

/* Shapes of "mlp.layers" against dims, before anything is allocated: the
 * allocation follows dims, and a small file must not be able to ask for
 * gigabytes (dims of 65536 x 65536) that its arrays do not hold. */
static int check_layer_shapes(const jctx *c, const cJSON *mlp, const int *dims,
                              int L) {
  char p[BSQ_JSON_PATH_MAX], lp[BSQ_JSON_PATH_MAX], wp[BSQ_JSON_PATH_MAX], rp[BSQ_JSON_PATH_MAX];
  const cJSON *layers, *W, *bias;
  int n, rc;
  if ((rc = get_arr(c, mlp, "mlp", "layers", p, L, &layers, &n)))
    return rc;
  int l = 0;
  for (const cJSON *lo = layers->child; lo; lo = lo->next, l++) {
    path_idx(lp, p, l);
    if ((rc = check_obj(c, lo, lp, 1)))
      return rc;
    if ((rc = get_arr(c, lo, lp, "weight", wp, -1, &W, &n)))
      return rc;
    if (n != dims[l + 1])
      return jfail(c, BSQ_EFORMAT, wp, "expected %d rows, found %d",
                   dims[l + 1], n);
    int o = 0;
    for (const cJSON *row = W->child; row; row = row->next, o++) {
      path_idx(rp, wp, o);
      if ((rc = check_arr(c, row, rp, 1, dims[l], &n)))
        return rc;
    }
    if ((rc = get_arr(c, lo, lp, "bias", rp, dims[l + 1], &bias, &n)))
      return rc;
  }
  return 0;
}

static int parse_layers(const jctx *c, const cJSON *mlp, bsq_model *m) {
  char p[BSQ_JSON_PATH_MAX], lp[BSQ_JSON_PATH_MAX], wp[BSQ_JSON_PATH_MAX], rp[BSQ_JSON_PATH_MAX], ep[BSQ_JSON_PATH_MAX];
  const cJSON *layers;
  int n, rc;
  if ((rc = get_arr(c, mlp, "mlp", "layers", p, m->L, &layers, &n)))
    return rc;
  int l = 0;
  for (const cJSON *lo = layers->child; lo; lo = lo->next, l++) {
    int I = m->dims[l], O = m->dims[l + 1];
    path_idx(lp, p, l);
    if ((rc = check_obj(c, lo, lp, 1)))
      return rc;
    const cJSON *W;
    if ((rc = get_arr(c, lo, lp, "weight", wp, -1, &W, &n)))
      return rc;
    if (n != O)
      return jfail(c, BSQ_EFORMAT, wp, "expected %d rows, found %d", O, n);
    int o = 0;
    for (const cJSON *row = W->child; row; row = row->next, o++) {
      path_idx(rp, wp, o);
      if ((rc = check_arr(c, row, rp, 1, I, &n)))
        return rc;
      float *w = m->W[l] + (size_t)o * (size_t)I;
      int i = 0;
      for (const cJSON *it = row->child; it; it = it->next, i++) {
        path_idx(ep, rp, i);
        if ((rc = check_float(c, it, ep, 1, &w[i])))
          return rc;
      }
    }
    const cJSON *bias;
    if ((rc = get_arr(c, lo, lp, "bias", rp, O, &bias, &n)))
      return rc;
    o = 0;
    for (const cJSON *it = bias->child; it; it = it->next, o++) {
      path_idx(ep, rp, o);
      if ((rc = check_float(c, it, ep, 1, &m->b[l][o])))
        return rc;
    }
  }
  return 0;
}

/* "training.seed": an integer up to 2^53, or a decimal string beyond. */
static int parse_seed(const jctx *c, const cJSON *tr, uint64_t *seed) {
  char p[BSQ_JSON_PATH_MAX];
  path_key(p, "training", "seed");
  const cJSON *it = get(tr, "seed");
  if (cJSON_IsString(it) && it->valuestring) {
    const char *s = it->valuestring;
    uint64_t v = 0;
    size_t n = strlen(s);
    if (n == 0)
      return jfail(c, BSQ_EFORMAT, p, "\"%s\" is not a decimal integer", s);
    for (size_t i = 0; i < n; i++) {
      if (s[i] < '0' || s[i] > '9')
        return jfail(c, BSQ_EFORMAT, p, "\"%s\" is not a decimal integer", s);
      uint64_t d = (uint64_t)(s[i] - '0');
      if (v > (UINT64_MAX - d) / 10)
        return jfail(c, BSQ_EFORMAT, p, "%s is outside 0..%llu", s,
                     (unsigned long long)UINT64_MAX);
      v = v * 10 + d;
    }
    *seed = v;
    return 0;
  }
  int64_t v;
  int rc = check_int(c, it, p, 0, 0, BSQ_JSON_INT_MAX, &v);
  if (rc == 0)
    *seed = (uint64_t)v;
  return rc;
}

/* "input_widths": absent (input_width for every fitted feature) or one
 * width per feature. */
static int parse_input_widths(const jctx *c, const cJSON *hp, bsq_model *m) {
  char p[BSQ_JSON_PATH_MAX], ep[BSQ_JSON_PATH_MAX];
  const cJSON *arr;
  int n, i = 0, rc;
  m->cfg.ninput_widths = 0;
  if (!get(hp, "input_widths"))
    return 0;
  if ((rc = get_arr(c, hp, "training.hyperparameters", "input_widths", p, m->F,
                    &arr, &n)))
    return rc;
  for (const cJSON *it = arr->child; it; it = it->next, i++) {
    path_idx(ep, p, i);
    if ((rc = check_int32(c, it, ep, 1, 1, BSQ_MAX_WIDTH,
                          &m->cfg.input_widths[i])))
      return rc;
  }
  m->cfg.ninput_widths = n;
  return 0;
}

static int parse_training(const jctx *c, const cJSON *root, bsq_model *m) {
  char p[BSQ_JSON_PATH_MAX], ep[BSQ_JSON_PATH_MAX];
  const cJSON *tr, *data, *hp, *arr;
  const char *s;
  bsq_train_cfg *cfg = &m->cfg;
  int rc, n;
  if ((rc = get_obj(c, root, NULL, "training", p, &tr)))
    return rc;
  if ((rc = get_str(c, tr, "training", "method", p, &s)))
    return rc;
  /* the names are short; a long string is named as such, not parsed */
  if (strlen(s) >= BSQ_METHOD_NAME_MAX)
    return jfail(c, BSQ_EFORMAT, p, "longer than %d bytes",
                 BSQ_METHOD_NAME_MAX - 1);
  int meth = bsq_method_parse(s);
  if (meth < 0) {
    char list[160];
    return jfail(c, BSQ_EFORMAT, p, "\"%s\" is not a method (%s)", s,
                 bsq_method_list(list, sizeof list, ", ", 0));
  }
  if (meth == BSQ_METHOD_FP)
    return jfail(c, BSQ_EFORMAT, p,
                 "fp (full precision) has no encoder: not a model file");
  cfg->method = (bsq_method)meth;
  if (bsq_method_input(meth) != m->input)
    return jfail(c, BSQ_EFORMAT, p,
                 "%s feeds the network %s, but mlp.input is \"%s\"", s,
                 bsq_input_name(bsq_method_input(meth)),
                 bsq_input_name(m->input));
  if ((rc = parse_seed(c, tr, &cfg->seed)))
    return rc;
  if ((rc = get_int32(c, tr, "training", "rows", p, 0, INT_MAX, &m->rows)))
    return rc;
  if ((rc = get_int32(c, tr, "training", "best_epoch", p, -1, INT_MAX,
                      &m->best_epoch)))
    return rc;

  if ((rc = get_obj(c, tr, "training", "data", p, &data)))
    return rc;
  if ((rc = get_str(c, data, "training.data", "source", p, &s)))
    return rc;
  if (strlen(s) >= sizeof m->data_source)
    return jfail(c, BSQ_EFORMAT, p, "longer than %d bytes",
                 (int)sizeof m->data_source - 1);
  snprintf(m->data_source, sizeof m->data_source, "%s", s);
  if ((rc = get_hex16(c, data, "training.data", "hash", p, &m->data_hash)))
    return rc;

  const char *hn = "training.hyperparameters";
  if ((rc = get_obj(c, tr, "training", "hyperparameters", p, &hp)))
    return rc;
  if ((rc = get_arr(c, hp, hn, "bits", p, -1, &arr, &n)))
    return rc;
  if (n != 1 && n != m->F)
    return jfail(c, BSQ_EFORMAT, p, "expected 1 or %d values, found %d", m->F,
                 n);
  cfg->nbits = n;
  int i = 0;
  for (const cJSON *it = arr->child; it; it = it->next, i++) {
    path_idx(ep, p, i);
    if ((rc = check_int32(c, it, ep, 1, 0, BSQ_MAX_BITS, &cfg->bits[i])))
      return rc;
  }
  if ((rc = get_arr(c, hp, hn, "hidden", p, -1, &arr, &n)))
    return rc;
  if (n > BSQ_MAX_LAYERS - 1)
    return jfail(c, BSQ_EFORMAT, p, "expected at most %d values, found %d",
                 BSQ_MAX_LAYERS - 1, n);
  cfg->nhidden = n;
  i = 0;
  for (const cJSON *it = arr->child; it; it = it->next, i++) {
    path_idx(ep, p, i);
    if ((rc = check_int32(c, it, ep, 1, 1, MAX_HIDDEN_WIDTH, &cfg->hidden[i])))
      return rc;
  }
  if ((rc = get_int32(c, hp, hn, "epochs", p, 0, INT_MAX, &cfg->epochs)) ||
      (rc = get_int32(c, hp, hn, "batch", p, 1, INT_MAX, &cfg->batch)) ||
      (rc = get_float(c, hp, hn, "lr", p, &cfg->lr)) ||
      (rc = get_float(c, hp, hn, "tau_decay", p, &cfg->tau_decay)) ||
      (rc = get_float(c, hp, hn, "dropout", p, &cfg->dropout)) ||
      (rc = get_float(c, hp, hn, "weight_decay", p, &cfg->weight_decay)) ||
      (rc = get_int32(c, hp, hn, "input_width", p, 1, BSQ_MAX_WIDTH,
                      &cfg->input_width)) ||
      (rc = parse_input_widths(c, hp, m)) ||
      (rc = get_bool(c, hp, hn, "input_signed", p, &cfg->input_signed)) ||
      (rc = get_num(c, hp, hn, "range_margin", p, &cfg->range_margin)) ||
      (rc = get_str(c, hp, hn, "init", p, &s)))
    return rc;
  if (strcmp(s, "quantile") == 0)
    cfg->init_minmax = 0;
  else if (strcmp(s, "minmax") == 0)
    cfg->init_minmax = 1;
  else
    return jfail(c, BSQ_EFORMAT, p, "\"%s\" is not quantile or minmax", s);
  return 0;
}

/* Metrics: a number, or null for "not measured" (read as NaN). */
static int parse_metrics(const jctx *c, const cJSON *root, bsq_model *m) {
  static const char *const keys[3] = {"mse_val", "mse_test", "mse_test_hw"};
  double *dst[3] = {&m->mse_val, &m->mse_test, &m->mse_test_hw};
  char p[BSQ_JSON_PATH_MAX];
  const cJSON *mt;
  int rc = get_obj(c, root, NULL, "metrics", p, &mt);
  if (rc)
    return rc;
  for (int k = 0; k < 3; k++) {
    const cJSON *it = get(mt, keys[k]);
    if (cJSON_IsNull(it)) {
      *dst[k] = NAN;
      continue;
    }
    if ((rc = get_num(c, mt, "metrics", keys[k], p, dst[k])))
      return rc;
  }
  return 0;
}

/* The stored integer encoder must be the one the float thresholds give. */
static int check_encoder(const jctx *c, bsq_model *m) {
  bsq_encoder *e = &m->enc;
  int D = e->D, rc = BSQ_OK;
  int64_t *T = malloc(sizeof(int64_t) * (size_t)D);
  int *perm = malloc(sizeof(int) * (size_t)D);
  if (!T || !perm) {
    rc = jfail(c, BSQ_ENOMEM, NULL, "out of memory");
    goto done;
  }
  memcpy(T, e->T, sizeof(int64_t) * (size_t)D);
  memcpy(perm, e->perm, sizeof(int) * (size_t)D);
  bsq_model_quantize(m);
  for (int f = 0; f < m->F && rc == BSQ_OK; f++) {
    char p[BSQ_JSON_PATH_MAX];
    for (int d = e->toff[f]; d < e->toff[f + 1]; d++) {
      int j = d - e->toff[f];
      if (T[d] != e->T[d]) {
        snprintf(p, sizeof p, "features[%d].thresholds[%d]", f, j);
        rc = jfail(c, BSQ_EFORMAT, p,
                   "does not match thresholds_float (expected %lld)",
                   (long long)e->T[d]);
        break;
      }
      if (perm[d] != e->perm[d]) {
        snprintf(p, sizeof p, "features[%d].perm[%d]", f, j);
        rc = jfail(c, BSQ_EFORMAT, p,
                   "does not match thresholds_float (expected %d)", e->perm[d]);
        break;
      }
    }
  }
done:
  free(T);
  free(perm);
  return rc;
}

static int parse_model(const jctx *c, const cJSON *root, bsq_model *m) {
  char p[BSQ_JSON_PATH_MAX];
  const cJSON *tgt, *feats, *mlp;
  const char *tname, *hs;
  uint64_t file_hash;
  double y_mu, y_sigma;
  int *bits = NULL, F = 0, D = 0, L = 0, rc;
  int dims[BSQ_MAX_LAYERS + 1];
  char **names = NULL;

  if ((rc = parse_header(c, root)))
    return rc;
  if ((rc = get_str(c, root, NULL, "hash", p, &hs)))
    return rc;
  if (bsq_parse_hex16(hs, &file_hash))
    return jfail(c, BSQ_EFORMAT, p, "not 16 lowercase hex digits");
  if ((rc = get_obj(c, root, NULL, "target", p, &tgt)) ||
      (rc = get_str(c, tgt, "target", "name", p, &tname)) ||
      (rc = get_num(c, tgt, "target", "mu", p, &y_mu)) ||
      (rc = get_positive(c, tgt, "target", "sigma", p, &y_sigma)))
    return rc;

  if ((rc = get_arr(c, root, NULL, "features", p, -1, &feats, &F)))
    return rc;
  if (F == 0)
    return jfail(c, BSQ_EFORMAT, p, "empty");
  if (F > BSQ_MAX_FEATURES)
    return jfail(c, BSQ_EFORMAT, p, "%d entries, at most %d", F,
                 BSQ_MAX_FEATURES);
  bits = malloc(sizeof(int) * (size_t)F);
  names = calloc((size_t)F, sizeof(char *));
  if (!bits || !names) {
    rc = jfail(c, BSQ_ENOMEM, NULL, "out of memory");
    goto done;
  }
  if ((rc = parse_feature_bits(c, feats, bits, &D)))
    goto done;
  if ((rc = get_obj(c, root, NULL, "mlp", p, &mlp)))
    goto done;
  bsq_input input;
  if ((rc = parse_input(c, mlp, &input)))
    goto done;
  if ((rc = check_zero_bits(c, bits, F, input)))
    goto done;
  if ((rc = parse_dims(c, mlp, D, F, input, dims, &L)))
    goto done;
  if ((rc = check_layer_shapes(c, mlp, dims, L)))
    goto done;

  rc = bsq_model_init_ex(m, F, bits, L - 1, dims + 1, input);
  if (rc) {
    rc = jfail(c, rc, NULL, "cannot allocate the model: %s", bsq_strerror(rc));
    goto done;
  }
  m->y_mu = y_mu;
  m->y_sigma = y_sigma;
  if ((rc = parse_features(c, feats, m, names)))
    goto done;
  if (bsq_model_set_names(m, names, tname)) {
    rc = jfail(c, BSQ_ENOMEM, NULL, "out of memory");
    goto done;
  }
  if ((rc = parse_layers(c, mlp, m)))
    goto done;
  if ((rc = parse_training(c, root, m)))
    goto done;
  if ((rc = parse_metrics(c, root, m)))
    goto done;
  if ((rc = check_encoder(c, m)))
    goto done;

  uint64_t h = bsq_model_hash(m);
  if (h != file_hash)
    rc = jfail(c, BSQ_EHASH, NULL,
               "hash mismatch: file says %s, content gives %016llx", hs,
               (unsigned long long)h);
done:
  free(bits);
  free(names);
  return rc;
}

static int is_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int bsq_model_from_json(bsq_model *m, const char *text, size_t len,
                        const char *name, bsq_diag *diag) {
  jctx c = {name ? name : "(model)", diag};
  memset(m, 0, sizeof *m);
  if (!text)
    return jfail(&c, BSQ_EINVAL, NULL, "no text");
  const char *end = NULL;
  /* return_parse_end rather than cJSON_GetErrorPtr: no global state */
  cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  size_t at = end && end >= text ? (size_t)(end - text) : 0;
  if (root) { /* only whitespace may follow the value */
    while (at < len && is_space(text[at]))
      at++;
    if (at < len) {
      cJSON_Delete(root);
      root = NULL;
    }
  }
  if (!root) { /* where, as an editor counts: line and column, 1-based */
    long long line = 1, col = 1;
    for (size_t i = 0; i < at && i < len; i++, col++)
      if (text[i] == '\n')
        line++, col = 0;
    return bsq_diag_set(diag, BSQ_EPARSE,
                        "%s:%lld:%lld: not valid JSON (byte %zu)", c.name, line,
                        col, at);
  }
  int rc = parse_model(&c, root, m);
  cJSON_Delete(root);
  if (rc)
    bsq_model_free(m);
  return rc;
}

int bsq_model_load(bsq_model *m, const char *path, bsq_diag *diag) {
  memset(m, 0, sizeof *m);
  char *buf = NULL;
  size_t n = 0;
  int rc = bsq_read_file(path, &buf, &n, diag);
  if (rc == BSQ_OK) rc = bsq_model_from_json(m, buf, n, path, diag);
  free(buf);
  return rc;
}
