/* bsq — data: CSV tables, the built-in friedman1 set, seeded splits,
 * standardization.
 *
 * Dimension legend: N rows, F features, C columns in a CSV (F + 1).
 *
 * CSV dialect (deliberately small; hardware engineers' sensor tables):
 *  - the whole file is read into memory and hashed (FNV-1a, raw bytes);
 *  - an optional UTF-8 BOM at the start is skipped;
 *  - a NUL byte anywhere is an error (it would cut a name or cell short);
 *  - lines end in LF, CRLF or a lone CR; the last line may lack one;
 *  - blank lines (empty, or only spaces and tabs) are ignored anywhere,
 *    before the header, between rows and at the end; LINE numbers in
 *    messages are physical line numbers, so they still match an editor;
 *  - cells are separated by commas; there is no quoting of cells, and a
 *    header name may be wrapped in one pair of double quotes (which are
 *    dropped; the name itself cannot contain a comma);
 *  - spaces and tabs around a cell or a name are ignored;
 *  - every data cell is a finite number read by strtod in full, with
 *    |v| <= 1e30 so float32 training cannot overflow.
 * COLUMN in messages is the 1-based field index (the spreadsheet column),
 * not a character offset; the message also names the column. */
#include "data.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"

#define CSV_MAX_ABS 1e30     /* larger magnitudes overflow float32 math */
#define CSV_SHOW_CELL 60     /* longest cell quoted in full in a message */
#define CSV_SHOW_COLUMNS 200 /* budget for the column list of a message */

/* ---------------------------------------------------------------------- */
/* reading and splitting                                                   */

/* A cursor over the lines of a buffer. */
typedef struct {
  const char *p, *end; /* rest of the buffer */
  long long lineno;    /* physical line number of the last line returned */
} line_iter;

/* Next line (without its terminator) into [*s, *e); 0 at end of buffer. */
static int next_line(line_iter *it, const char **s, const char **e) {
  if (it->p >= it->end) return 0;
  const char *q = it->p;
  while (q < it->end && *q != '\n' && *q != '\r') q++;
  *s = it->p;
  *e = q;
  if (q < it->end) /* one terminator: CRLF, LF or CR */
    q += (*q == '\r' && q + 1 < it->end && q[1] == '\n') ? 2 : 1;
  it->p = q;
  it->lineno++;
  return 1;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

static void trim(const char **s, const char **e) {
  while (*s < *e && is_blank(**s)) (*s)++;
  while (*e > *s && is_blank((*e)[-1])) (*e)--;
}

static int blank_line(const char *s, const char *e) {
  trim(&s, &e);
  return s == e;
}

/* Next non-blank line; 0 at end of buffer. */
static int next_content_line(line_iter *it, const char **s, const char **e) {
  while (next_line(it, s, e))
    if (!blank_line(*s, *e)) return 1;
  return 0;
}

/* Number of comma-separated fields in [s, e). */
static int count_fields(const char *s, const char *e) {
  long n = 1;
  for (; s < e; s++)
    if (*s == ',' && n < INT_MAX) n++;
  return (int)n;
}

/* The field starting at *s, up to the next comma or e, trimmed, into
 * [*fs, *fe); *s moves past the comma. */
static void next_field(const char **s, const char *e, const char **fs,
                       const char **fe) {
  const char *c = memchr(*s, ',', (size_t)(e - *s));
  const char *stop = c ? c : e;
  *fs = *s;
  *fe = stop;
  trim(fs, fe);
  *s = c ? c + 1 : e;
}

static char *dup_range(const char *s, const char *e) {
  size_t n = (size_t)(e - s);
  char *r = malloc(n + 1);
  if (r) {
    memcpy(r, s, n);
    r[n] = '\0';
  }
  return r;
}

enum { CELL_OK, CELL_NAN_TEXT, CELL_NOT_FINITE, CELL_RANGE };

/* Parses the cell [s, e), already trimmed; the buffer holds a NUL somewhere
 * at or after e. Returns one of the CELL_ codes. */
static int parse_cell(const char *s, const char *e, double *v) {
  if (s == e) return CELL_NAN_TEXT;
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  /* strtod stops at ',', a blank or a line end, but it skips leading
   * white space; a match must end exactly at e. */
  if (end != e || isspace((unsigned char)*s)) return CELL_NAN_TEXT;
  if (isnan(*v)) return CELL_NOT_FINITE;
  if (isinf(*v)) /* "1e999" overflows; "inf" is spelled out */
    return errno == ERANGE ? CELL_RANGE : CELL_NOT_FINITE;
  if (fabs(*v) > CSV_MAX_ABS) return CELL_RANGE;
  return CELL_OK;
}

/* ---------------------------------------------------------------------- */
/* CSV                                                                     */

/* The first NUL byte of [it->p, it->end), if any: its line, and its field
 * (1-based) in *col. A NUL would cut names and cells short in silence. */
static int find_nul(line_iter it, long long *line, int *col) {
  const char *s, *e;
  while (next_line(&it, &s, &e)) {
    const char *z = memchr(s, '\0', (size_t)(e - s));
    if (z) {
      *line = it.lineno;
      *col = count_fields(s, z);
      return 1;
    }
  }
  return 0;
}

/* Parses buf[0..len) (buf[len] == '\0'; the loader takes ownership of buf
 * and frees it). `path` names the input in messages. */
static int parse_csv(bsq_dataset *d, char *buf, size_t len, const char *path,
                     const char *target, bsq_diag *diag) {
  char **cols = NULL; /* (C) header names */
  int C = 0, rc;

  line_iter it = {buf, buf + len, 0};
  if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) it.p += 3;
  const char *s, *e;
  long long zline;
  int zcol;
  if (find_nul(it, &zline, &zcol)) {
    rc = bsq_diag_set(diag, BSQ_EPARSE, "%s:%lld:%d: NUL byte (not a text file)",
                      path, zline, zcol);
    goto fail;
  }

  /* --- header */
  if (!next_content_line(&it, &s, &e)) {
    rc = bsq_diag_set(diag, BSQ_EFORMAT, "%s: empty file (no header)", path);
    goto fail;
  }
  long long hline = it.lineno;
  C = count_fields(s, e);
  if (C > BSQ_MAX_FEATURES + 1) {
    rc = bsq_diag_set(diag, BSQ_EPARSE,
                      "%s:%lld: too many columns: %d (at most %d)", path, hline,
                      C, BSQ_MAX_FEATURES + 1);
    C = 0;
    goto fail;
  }
  cols = calloc((size_t)C, sizeof *cols);
  if (!cols) goto nomem;
  for (int c = 0; c < C; c++) {
    const char *fs, *fe;
    next_field(&s, e, &fs, &fe);
    if (fe - fs >= 2 && *fs == '"' && fe[-1] == '"') {
      fs++;
      fe--;
      trim(&fs, &fe);
    }
    if (fs == fe) {
      rc = bsq_diag_set(diag, BSQ_EPARSE, "%s:%lld:%d: empty column name", path,
                        hline, c + 1);
      goto fail;
    }
    cols[c] = dup_range(fs, fe);
    if (!cols[c]) goto nomem;
    for (int k = 0; k < c; k++)
      if (strcmp(cols[k], cols[c]) == 0) {
        rc = bsq_diag_set(diag, BSQ_EPARSE,
                          "%s:%lld:%d: duplicate column name \"%s\"", path,
                          hline, c + 1, cols[c]);
        goto fail;
      }
  }

  /* --- target and features */
  int t = C - 1;
  if (target) {
    for (t = 0; t < C && strcmp(cols[t], target) != 0; t++) {
    }
    if (t == C) {
      char list[CSV_SHOW_COLUMNS + 64];
      size_t n = 0;
      list[0] = '\0';
      for (int c = 0; c < C; c++) {
        size_t w = strlen(cols[c]) + (c ? 2 : 0);
        if (n + w > CSV_SHOW_COLUMNS && c > 0) {
          snprintf(list + n, sizeof list - n, ", ... %d more", C - c);
          break;
        }
        snprintf(list + n, sizeof list - n, "%s%s", c ? ", " : "", cols[c]);
        n = strlen(list);
      }
      rc = bsq_diag_set(diag, BSQ_EINVAL,
                        "%s: no column named \"%s\" (columns: %s)", path,
                        target, list);
      goto fail;
    }
  }
  if (C < 2) {
    rc = bsq_diag_set(diag, BSQ_EFORMAT,
                      "%s: need at least one feature column besides the target",
                      path);
    goto fail;
  }
  int F = C - 1;

  /* --- count rows, then parse them */
  line_iter rows_it = it;
  long long nrows = 0;
  while (next_content_line(&rows_it, &s, &e)) nrows++;
  if (nrows == 0) {
    rc = bsq_diag_set(diag, BSQ_EFORMAT, "%s: no data rows", path);
    goto fail;
  }
  if (nrows > INT_MAX ||
      (size_t)nrows > SIZE_MAX / sizeof(double) / (size_t)C) {
    rc = bsq_diag_set(diag, BSQ_EFORMAT, "%s: too many rows: %lld (at most %d)",
                      path, nrows, INT_MAX);
    goto fail;
  }
  d->F = F;
  d->x = malloc((size_t)nrows * (size_t)F * sizeof *d->x);
  d->y = malloc((size_t)nrows * sizeof *d->y);
  d->line = malloc((size_t)nrows * sizeof *d->line);
  if (!d->x || !d->y || !d->line) goto nomem;
  int N = 0;
  while (next_content_line(&it, &s, &e)) {
    int found = count_fields(s, e);
    if (found != C) {
      rc = bsq_diag_set(diag, BSQ_EPARSE,
                        "%s:%lld: expected %d columns, found %d", path,
                        it.lineno, C, found);
      goto fail;
    }
    double *xr = d->x + (size_t)N * (size_t)F; /* (F) */
    d->line[N] = it.lineno;
    for (int c = 0; c < C; c++) {
      const char *fs, *fe;
      double v = 0.0;
      next_field(&s, e, &fs, &fe);
      int bad = parse_cell(fs, fe, &v);
      if (bad != CELL_OK) {
        static const char *const what[] = {[CELL_NAN_TEXT] = "not a number",
                                           [CELL_NOT_FINITE] = "not finite",
                                           [CELL_RANGE] = "value out of range"};
        int shown = fe - fs > CSV_SHOW_CELL ? CSV_SHOW_CELL : (int)(fe - fs);
        rc = bsq_diag_set(diag, bad == CELL_RANGE ? BSQ_ERANGE : BSQ_EPARSE,
                          "%s:%lld:%d: column \"%s\": %s: \"%.*s%s\"", path,
                          it.lineno, c + 1, cols[c], what[bad], shown, fs,
                          shown < fe - fs ? "..." : "");
        goto fail;
      }
      if (c == t)
        d->y[N] = v;
      else
        *xr++ = v;
    }
    N++;
  }
  if (N < 2) {
    rc = bsq_diag_set(diag, BSQ_EFORMAT,
                      "%s: need at least 2 data rows, found %d", path, N);
    goto fail;
  }
  int varies = 0;
  for (int i = 1; i < N && !varies; i++) varies = d->y[i] != d->y[0];
  if (!varies) {
    rc = bsq_diag_set(diag, BSQ_EFORMAT, "%s: target column \"%s\" is constant",
                      path, cols[t]);
    goto fail;
  }

  /* --- hand the names over: target out, features stay in column order */
  d->rows = N;
  d->target_col = t;
  d->target = cols[t];
  memmove(cols + t, cols + t + 1, (size_t)(C - 1 - t) * sizeof *cols);
  d->names = cols;
  d->hash = bsq_fnv1a(BSQ_FNV_INIT, buf, len);
  snprintf(d->source, sizeof d->source, "%s", path);
  free(buf);
  return BSQ_OK;

nomem:
  rc = bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", path);
fail:
  for (int c = 0; c < C && cols; c++) free(cols[c]);
  free(cols);
  free(buf);
  free(d->x);
  free(d->y);
  free(d->line);
  memset(d, 0, sizeof *d);
  return rc;
}

int bsq_dataset_load_csv(bsq_dataset *d, const char *path, const char *target,
                         bsq_diag *diag) {
  memset(d, 0, sizeof *d);
  char *buf;
  size_t len;
  int rc = bsq_read_file(path, &buf, &len, diag);
  if (rc) return rc;
  return parse_csv(d, buf, len, path, target, diag);
}

int bsq_dataset_load_csv_mem(bsq_dataset *d, const char *text, size_t len,
                             const char *name, const char *target,
                             bsq_diag *diag) {
  memset(d, 0, sizeof *d);
  if (!name) name = "(csv)";
  if (!text && len) return bsq_diag_set(diag, BSQ_EINVAL, "%s: no text", name);
  /* strtod needs a terminator after the last cell: work on a copy */
  char *buf = len < SIZE_MAX ? malloc(len + 1) : NULL;
  if (!buf) return bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", name);
  if (len) memcpy(buf, text, len);
  buf[len] = '\0';
  return parse_csv(d, buf, len, name, target, diag);
}

/* ---------------------------------------------------------------------- */
/* friedman1                                                               */

int bsq_dataset_friedman1(bsq_dataset *d, int rows, uint64_t seed) {
  enum { F = 10 };
  memset(d, 0, sizeof *d);
  if (rows < 2 || rows > INT_MAX / F) return BSQ_EINVAL;
  d->x = malloc((size_t)rows * F * sizeof *d->x); /* (N, F) */
  d->y = malloc((size_t)rows * sizeof *d->y);     /* (N) */
  d->names = calloc(F, sizeof *d->names);
  d->target = malloc(2);
  if (!d->x || !d->y || !d->names || !d->target) goto nomem;
  for (int j = 0; j < F; j++) {
    d->names[j] = malloc(16); /* "x" + any int: quiets -Wformat-truncation */
    if (!d->names[j]) goto nomem;
    snprintf(d->names[j], 16, "x%d", j + 1);
  }
  memcpy(d->target, "y", 2);
  d->F = F;
  d->rows = rows;
  d->target_col = -1;

  const double pi = 3.14159265358979323846;
  bsq_rng rng;
  bsq_rng_seed(&rng, seed);
  for (int i = 0; i < rows; i++) {
    double *x = d->x + (size_t)i * F; /* (F) */
    for (int j = 0; j < F; j++) x[j] = bsq_rng_uniform(&rng);
    d->y[i] = 10.0 * sin(pi * x[0] * x[1]) +
              20.0 * (x[2] - 0.5) * (x[2] - 0.5) + 10.0 * x[3] + 5.0 * x[4] +
              bsq_rng_normal(&rng);
  }
  uint64_t h = bsq_fnv1a(BSQ_FNV_INIT, d->x, (size_t)rows * F * sizeof *d->x);
  d->hash = bsq_fnv1a(h, d->y, (size_t)rows * sizeof *d->y);
  snprintf(d->source, sizeof d->source, "friedman1:rows=%d:seed=%llu", rows,
           (unsigned long long)seed);
  return BSQ_OK;
nomem:
  bsq_dataset_free(d);
  return BSQ_ENOMEM;
}

void bsq_dataset_free(bsq_dataset *d) {
  if (d->names)
    for (int j = 0; j < d->F; j++) free(d->names[j]);
  free(d->names);
  free(d->target);
  free(d->x);
  free(d->y);
  free(d->line);
  memset(d, 0, sizeof *d);
}

void bsq_dataset_where(const bsq_dataset *d, int row, int j, char *out,
                       size_t cap) {
  const char *name = j < d->F ? d->names[j] : d->target;
  if (d->line && d->target_col >= 0) {
    int field = j == d->F ? d->target_col : j < d->target_col ? j : j + 1;
    snprintf(out, cap, "%s:%lld:%d: column \"%s\"", d->source, d->line[row],
             field + 1, name);
  } else {
    snprintf(out, cap, "%s: row %d, column \"%s\"", d->source, row + 1, name);
  }
}

/* ---------------------------------------------------------------------- */
/* split                                                                   */

/* One allocation: the shuffled permutation of 0..N-1, cut into test (first
 * 10%, at least 1), train, then validation (a quarter of the rest, at
 * least 1). `test` points at the start of the block. */
int bsq_split_make(bsq_split *s, int rows, uint64_t seed) {
  memset(s, 0, sizeof *s);
  if (rows < 3) return BSQ_EINVAL;
  int *perm = malloc((size_t)rows * sizeof *perm); /* (N) */
  if (!perm) return BSQ_ENOMEM;
  for (int i = 0; i < rows; i++) perm[i] = i;
  bsq_rng rng;
  bsq_rng_seed(&rng, seed);
  bsq_rng_shuffle(&rng, perm, rows);

  s->n_test = rows / 10 > 0 ? rows / 10 : 1;
  int rest = rows - s->n_test;
  s->n_val = rest / 4 > 0 ? rest / 4 : 1;
  s->n_train = rest - s->n_val;
  s->test = perm;
  s->train = perm + s->n_test;
  s->val = s->train + s->n_train;
  return BSQ_OK;
}

void bsq_split_free(bsq_split *s) {
  free(s->test); /* the block; train and val point into it */
  memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------------- */
/* standardization                                                         */

void bsq_standardize_fit(double *mu, double *sigma, const double *x, int F,
                         const int *idx, int n) {
  for (int j = 0; j < F; j++) mu[j] = sigma[j] = 0.0;
  if (n <= 0) {
    for (int j = 0; j < F; j++) sigma[j] = 1.0;
    return;
  }
  /* two passes: mean, then the squared deviations from it */
  for (int i = 0; i < n; i++) {
    const double *r = x + (size_t)idx[i] * (size_t)F; /* (F) */
    for (int j = 0; j < F; j++) mu[j] += r[j];
  }
  for (int j = 0; j < F; j++) mu[j] /= n;
  for (int i = 0; i < n; i++) {
    const double *r = x + (size_t)idx[i] * (size_t)F;
    for (int j = 0; j < F; j++) {
      double dv = r[j] - mu[j];
      sigma[j] += dv * dv;
    }
  }
  for (int j = 0; j < F; j++) {
    sigma[j] = sqrt(sigma[j] / n);
    if (!(sigma[j] >= 1e-12)) sigma[j] = 1.0;
  }
}

void bsq_standardize_fit1(double *mu, double *sigma, const double *y,
                          const int *idx, int n) {
  bsq_standardize_fit(mu, sigma, y, 1, idx, n); /* y is (N, 1) */
}

int bsq_dataset_open(bsq_dataset *d, const char *spec, const char *target,
                     int rows, uint64_t seed, bsq_diag *diag) {
  if (strcmp(spec, "friedman1")) return bsq_dataset_load_csv(d, spec, target, diag);
  int rc = bsq_dataset_friedman1(d, rows, seed);
  return rc ? bsq_diag_set(diag, rc, "friedman1: %s", bsq_strerror(rc)) : rc;
}
