/* bsq — the sensor spec (sensor.h): parsing and validating it with cJSON,
 * binding it to a data set, and checking raw ADC codes. */
#include "sensor.h"

#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelio.h"
#include "util.h"

#if defined(__GNUC__)
#define SPEC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SPEC_PRINTF(a, b)
#endif

static const char *const FROM_NAMES[] = {"fit", "sensor", "codes"};

const char *bsq_fmt_from_name(bsq_fmt_from f) {
  return (unsigned)f < 3 ? FROM_NAMES[f] : "?";
}

int bsq_fmt_from_parse(const char *s) {
  for (int i = 0; i < 3; i++)
    if (!strcmp(s, FROM_NAMES[i])) return i;
  return -1;
}

int bsq_unit_check(const char *u, char *why, size_t cap) {
  size_t n = strlen(u);
  if (n == 0) {
    snprintf(why, cap, "empty (leave the field out instead)");
    return -1;
  }
  if (n >= BSQ_UNIT_MAX) {
    snprintf(why, cap, "longer than %d characters", BSQ_UNIT_MAX - 1);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)u[i];
    if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') {
      snprintf(why, cap,
               "character %zu is not printable ASCII other than \" and \\ "
               "(write degC, not a degree sign)",
               i + 1);
      return -1;
    }
  }
  if (strstr(u, "*/") || strstr(u, "/*") || strstr(u, "//")) {
    snprintf(why, cap, "contains a comment delimiter (/*, */ or //)");
    return -1;
  }
  return 0;
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct {
  const char *name; /* the spec file, for messages */
  bsq_diag *diag;
} sctx;

static int sfail(const sctx *c, const char *path, const char *fmt, ...)
    SPEC_PRINTF(3, 4);
static int sfail(const sctx *c, const char *path, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return bsq_diag_set(c->diag, BSQ_EFORMAT, "%s: %s: %s", c->name, path, msg);
}

static const char *const FIELDS[] = {"name", "width", "signed", "lsb",
                                     "offset", "unit", "codes"};

static int one_feature(const sctx *c, const cJSON *o, int i,
                       bsq_sensor_feature *sf) {
  char fp[48], p[64];
  snprintf(fp, sizeof fp, "features[%d]", i);
  if (!cJSON_IsObject(o)) return sfail(c, fp, "not an object");
  for (const cJSON *it = o->child; it; it = it->next) {
    int known = 0;
    for (size_t k = 0; k < sizeof FIELDS / sizeof *FIELDS; k++)
      known |= it->string && !strcmp(it->string, FIELDS[k]);
    if (!known)
      return sfail(c, fp,
                   "unknown field \"%.40s\" (name, width, signed, lsb, "
                   "offset, unit, codes)",
                   it->string ? it->string : "");
  }
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
  const cJSON *width = cJSON_GetObjectItemCaseSensitive(o, "width");
  const cJSON *sgn = cJSON_GetObjectItemCaseSensitive(o, "signed");
  const cJSON *lsb = cJSON_GetObjectItemCaseSensitive(o, "lsb");
  const cJSON *off = cJSON_GetObjectItemCaseSensitive(o, "offset");
  const cJSON *unit = cJSON_GetObjectItemCaseSensitive(o, "unit");
  const cJSON *codes = cJSON_GetObjectItemCaseSensitive(o, "codes");

  snprintf(p, sizeof p, "%s.name", fp);
  if (!name) return sfail(c, p, "missing (the CSV column it describes)");
  if (!cJSON_IsString(name) || !name->valuestring || !name->valuestring[0])
    return sfail(c, p, "not a non-empty string");
  snprintf(p, sizeof p, "%s.width", fp);
  if (!width) return sfail(c, p, "missing (the ADC's code width, 1..%d)",
                           BSQ_MAX_WIDTH);
  double w = width->valuedouble;
  if (!cJSON_IsNumber(width) || !isfinite(w) || floor(w) != w)
    return sfail(c, p, "not an integer");
  if (w < 1 || w > BSQ_MAX_WIDTH) {
    char nb[40];
    bsq_fmt_double(nb, sizeof nb, w);
    return sfail(c, p, "%s is outside 1..%d", nb, BSQ_MAX_WIDTH);
  }
  snprintf(p, sizeof p, "%s.signed", fp);
  if (!sgn) return sfail(c, p, "missing (true for two's complement codes)");
  if (!cJSON_IsBool(sgn)) return sfail(c, p, "not a boolean");
  snprintf(p, sizeof p, "%s.codes", fp);
  if (codes && !cJSON_IsBool(codes)) return sfail(c, p, "not a boolean");
  sf->fmt.width = (int)w;
  sf->fmt.is_signed = cJSON_IsTrue(sgn) ? 1 : 0;
  sf->unit[0] = '\0';

  if (codes && cJSON_IsTrue(codes)) {
    static const char *const absent[] = {"lsb", "offset", "unit"};
    const cJSON *given[] = {lsb, off, unit};
    for (int k = 0; k < 3; k++)
      if (given[k]) {
        snprintf(p, sizeof p, "%s.%s", fp, absent[k]);
        return sfail(c, p,
                     "not allowed with \"codes\": true (the column holds raw "
                     "codes)");
      }
    sf->from = BSQ_FMT_CODES;
    sf->fmt.offset = 0.0;
    sf->fmt.scale = 1.0;
    return BSQ_OK;
  }
  sf->from = BSQ_FMT_SENSOR;
  snprintf(p, sizeof p, "%s.lsb", fp);
  if (!lsb)
    return sfail(c, p,
                 "missing (the physical value of one code step; or \"codes\": "
                 "true for raw codes)");
  if (!cJSON_IsNumber(lsb)) return sfail(c, p, "not a number");
  if (!isfinite(lsb->valuedouble) || !(lsb->valuedouble > 0)) {
    char nb[40];
    bsq_fmt_double(nb, sizeof nb, lsb->valuedouble);
    return sfail(c, p, "%s is not a finite number > 0", nb);
  }
  snprintf(p, sizeof p, "%s.offset", fp);
  if (!off) return sfail(c, p, "missing (the physical value of code 0)");
  if (!cJSON_IsNumber(off) || !isfinite(off->valuedouble))
    return sfail(c, p, "not a finite number");
  sf->fmt.scale = lsb->valuedouble;
  sf->fmt.offset = off->valuedouble;
  /* both ends of the span must be finite doubles */
  double a = bsq_format_value(&sf->fmt, bsq_format_lo(&sf->fmt));
  double b = bsq_format_value(&sf->fmt, bsq_format_hi(&sf->fmt));
  if (!isfinite(a) || !isfinite(b)) {
    snprintf(p, sizeof p, "%s.lsb", fp);
    return sfail(c, p, "the code range's physical span overflows");
  }
  if (unit) {
    snprintf(p, sizeof p, "%s.unit", fp);
    char why[160];
    if (!cJSON_IsString(unit) || !unit->valuestring)
      return sfail(c, p, "not a string");
    if (bsq_unit_check(unit->valuestring, why, sizeof why))
      return sfail(c, p, "%s", why);
    snprintf(sf->unit, sizeof sf->unit, "%s", unit->valuestring);
  }
  return BSQ_OK;
}

static int parse_root(const sctx *c, const cJSON *root, bsq_sensor *s) {
  if (!cJSON_IsObject(root))
    return bsq_diag_set(c->diag, BSQ_EFORMAT,
                        "%s: not a sensor spec (an object with \"features\")",
                        c->name);
  for (const cJSON *it = root->child; it; it = it->next)
    if (!it->string || strcmp(it->string, "features"))
      return bsq_diag_set(c->diag, BSQ_EFORMAT,
                          "%s: unknown field \"%.40s\" (only \"features\")",
                          c->name, it->string ? it->string : "");
  const cJSON *fs = cJSON_GetObjectItemCaseSensitive(root, "features");
  if (!fs) return sfail(c, "features", "missing");
  if (!cJSON_IsArray(fs)) return sfail(c, "features", "not an array");
  int n = cJSON_GetArraySize(fs);
  if (n < 1) return sfail(c, "features", "empty");
  if (n > BSQ_MAX_FEATURES)
    return sfail(c, "features", "%d entries, at most %d", n, BSQ_MAX_FEATURES);
  s->feat = calloc((size_t)n, sizeof *s->feat);
  if (!s->feat)
    return bsq_diag_set(c->diag, BSQ_ENOMEM, "%s: out of memory", c->name);
  s->n = n;
  int i = 0, rc;
  for (const cJSON *o = fs->child; o; o = o->next, i++) {
    if ((rc = one_feature(c, o, i, &s->feat[i]))) return rc;
    const char *nm = cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring;
    for (int k = 0; k < i; k++)
      if (!strcmp(s->feat[k].name, nm)) {
        char p[48];
        snprintf(p, sizeof p, "features[%d].name", i);
        return sfail(c, p, "\"%.60s\" is already features[%d]", nm, k);
      }
    size_t len = strlen(nm) + 1;
    if (!(s->feat[i].name = malloc(len)))
      return bsq_diag_set(c->diag, BSQ_ENOMEM, "%s: out of memory", c->name);
    memcpy(s->feat[i].name, nm, len);
  }
  return BSQ_OK;
}

int bsq_sensor_parse(bsq_sensor *s, const char *text, size_t len,
                     const char *name, bsq_diag *diag) {
  memset(s, 0, sizeof *s);
  sctx c = {name ? name : "(sensor spec)", diag};
  snprintf(s->path, sizeof s->path, "%s", c.name);
  if (!text) return bsq_diag_set(diag, BSQ_EINVAL, "%s: no text", c.name);
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  size_t at = end && end >= text ? (size_t)(end - text) : 0;
  if (root) { /* only white space may follow the value */
    while (at < len && (text[at] == ' ' || text[at] == '\t' ||
                        text[at] == '\n' || text[at] == '\r'))
      at++;
    if (at < len) {
      cJSON_Delete(root);
      root = NULL;
    }
  }
  if (!root) {
    long long line = 1, col = 1;
    for (size_t i = 0; i < at && i < len; i++, col++)
      if (text[i] == '\n') line++, col = 0;
    return bsq_diag_set(diag, BSQ_EPARSE,
                        "%s:%lld:%lld: not valid JSON (byte %zu)", c.name, line,
                        col, at);
  }
  int rc = parse_root(&c, root, s);
  cJSON_Delete(root);
  if (rc) bsq_sensor_free(s);
  return rc;
}

int bsq_sensor_load(bsq_sensor *s, const char *path, bsq_diag *diag) {
  memset(s, 0, sizeof *s);
  char *buf = NULL;
  size_t n = 0;
  int rc = bsq_read_file(path, &buf, &n, diag);
  if (rc == BSQ_OK) rc = bsq_sensor_parse(s, buf, n, path, diag);
  free(buf);
  return rc;
}

void bsq_sensor_free(bsq_sensor *s) {
  for (int i = 0; i < s->n && s->feat; i++) free(s->feat[i].name);
  free(s->feat);
  memset(s, 0, sizeof *s);
}

int bsq_sensor_find(const bsq_sensor *s, const char *name) {
  for (int i = 0; s && i < s->n; i++)
    if (!strcmp(s->feat[i].name, name)) return i;
  return -1;
}

/* ---- data ----------------------------------------------------------------- */

int bsq_code_check(const bsq_format *f, double v, const bsq_dataset *d,
                   int row, int j, bsq_diag *diag) {
  int64_t lo = bsq_format_lo(f), hi = bsq_format_hi(f);
  if (floor(v) == v && v >= (double)lo && v <= (double)hi) return BSQ_OK;
  char where[700], nb[40];
  bsq_dataset_where(d, row, j, where, sizeof where);
  bsq_fmt_double(nb, sizeof nb, v);
  if (floor(v) != v)
    return bsq_diag_set(diag, BSQ_EPARSE, "%.600s: %s is not an integer code",
                        where, nb);
  return bsq_diag_set(diag, BSQ_ERANGE,
                      "%.600s: %s is outside the %d-bit %s code range "
                      "%lld..%lld (raw codes are not saturated)",
                      where, nb, f->width, f->is_signed ? "signed" : "unsigned",
                      (long long)lo, (long long)hi);
}

int bsq_sensor_check_data(const bsq_sensor *s, const bsq_dataset *d,
                          bsq_diag *diag) {
  for (int i = 0; i < s->n; i++) {
    const bsq_sensor_feature *sf = &s->feat[i];
    int j = -1;
    for (int k = 0; k < d->F && j < 0; k++)
      if (!strcmp(d->names[k], sf->name)) j = k;
    if (j < 0) {
      int tgt = d->target && !strcmp(d->target, sf->name);
      return bsq_diag_set(diag, BSQ_EFORMAT,
                          "%s: features[%d].name: \"%.60s\" is %s %.300s",
                          s->path, i, sf->name,
                          tgt ? "the target column, not a feature, of"
                              : "not a column of",
                          d->source);
    }
    if (sf->from != BSQ_FMT_CODES) continue;
    for (int r = 0; r < d->rows; r++) {
      int rc = bsq_code_check(&sf->fmt, d->x[(size_t)r * (size_t)d->F + j], d,
                              r, j, diag);
      if (rc) return rc;
    }
  }
  return BSQ_OK;
}
