/* bsq — the comparison report (report.h): JSON and Markdown out, JSON in.
 * The text is built in memory (bsq_buf, cJSON) and written atomically. */
#include "report.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void bsq_report_init(bsq_report *r) {
  memset(r, 0, sizeof *r);
  bsq_train_cfg_default(&r->base);
}

void bsq_report_free(bsq_report *r) {
  free(r->row);
  free(r->vals);
  r->row = NULL;
  r->vals = NULL;
  r->nrows = 0;
}

/* Writes text (and a newline when nl) to path atomically. */
static int save_text(const char *path, const char *text, int nl,
                     bsq_diag *diag) {
  if (!text) return bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", path);
  bsq_atomic_file af;
  int rc = bsq_atomic_open(&af, path, diag);
  if (rc) return rc;
  int ok = fputs(text, af.fp) >= 0 && (!nl || fputc('\n', af.fp) != EOF);
  return bsq_atomic_close(&af, ok, diag);
}

/* save_text of a text the caller gave up (NULL: out of memory). */
static int save_owned(const char *path, char *text, bsq_diag *diag) {
  int rc = save_text(path, text, 0, diag);
  free(text);
  return rc;
}

/* ---- the tuning ------------------------------------------------------------ */

static void hidden_str(char *buf, size_t n, const bsq_train_cfg *c) {
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < c->nhidden && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%d", i ? "," : "", c->hidden[i]);
}

static void tuning_markdown(bsq_buf *b, const bsq_tuning *t) {
  char space[64] = "";
  if (t->space == BSQ_SPACE_PAPER || t->max_width)
    snprintf(space, sizeof space, " over the %s space%s%.0d",
             t->space == BSQ_SPACE_PAPER ? "paper's" : "bsq",
             t->max_width ? ", widths up to " : "", t->max_width);
  bsq_buf_printf(b, "Random search%s, %d trials per method and width, %d-fold "
                    "cross-validation on the development rows of seed %llu, "
                    "%.0f s%s.\n\n",
                 space, t->trials, t->folds, (unsigned long long)t->seed,
                 t->seconds,
                 t->budget_hit ? " (time budget reached: some trials skipped)"
                               : "");
  bsq_buf_printf(b, "| method | bits | lr | hidden | epochs | tau decay | "
                    "dropout | CV mse_hw | sd | trials |\n|---|---:|---:|---|"
                    "---:|---:|---:|---:|---:|---:|\n");
  for (int i = 0; i < t->n; i++) {
    const bsq_tune_entry *e = &t->e[i];
    char h[128], bits[16];
    hidden_str(h, sizeof h, &e->cfg);
    if (e->method == BSQ_METHOD_FP)
      snprintf(bits, sizeof bits, "all");
    else
      snprintf(bits, sizeof bits, "%d", e->bits);
    bsq_buf_printf(b, "| %s | %s | %g | %s | %d | %g | %g | %.5f | %.5f | "
                      "%d |\n",
                   bsq_method_label(e->method), bits, (double)e->cfg.lr, h,
                   e->cfg.epochs, (double)e->cfg.tau_decay,
                   (double)e->cfg.dropout, e->cv_mean, e->cv_sd,
                   e->trials_done);
  }
}

char *bsq_tuning_to_markdown(const bsq_tuning *t) {
  bsq_buf b;
  bsq_buf_init(&b);
  tuning_markdown(&b, t);
  return bsq_buf_finish(&b);
}

/* Adds a "tuning" object to root; 0 or -1 (out of memory). */
static int tuning_json(cJSON *root, const bsq_tuning *t) {
  cJSON *o = cJSON_AddObjectToObject(root, "tuning");
  if (!o) return -1;
  cJSON_AddStringToObject(o, "space", bsq_tune_space_name(t->space));
  if (t->max_width) cJSON_AddNumberToObject(o, "max_width", t->max_width);
  cJSON_AddNumberToObject(o, "trials", t->trials);
  cJSON_AddNumberToObject(o, "folds", t->folds);
  cJSON_AddNumberToObject(o, "seconds", t->seconds);
  cJSON_AddNumberToObject(o, "time_budget", t->time_budget);
  cJSON_AddBoolToObject(o, "budget_hit", t->budget_hit);
  cJSON *a = cJSON_AddArrayToObject(o, "chosen");
  if (!a) return -1;
  for (int i = 0; i < t->n; i++) {
    const bsq_tune_entry *e = &t->e[i];
    cJSON *x = cJSON_CreateObject();
    if (!x || !cJSON_AddItemToArray(a, x)) return -1;
    cJSON_AddStringToObject(x, "method", bsq_method_name(e->method));
    cJSON_AddNumberToObject(x, "bits", e->bits);
    cJSON_AddNumberToObject(x, "lr", (double)e->cfg.lr);
    cJSON *h = cJSON_AddArrayToObject(x, "hidden");
    for (int l = 0; l < e->cfg.nhidden; l++)
      cJSON_AddItemToArray(h, cJSON_CreateNumber(e->cfg.hidden[l]));
    cJSON_AddNumberToObject(x, "epochs", e->cfg.epochs);
    cJSON_AddNumberToObject(x, "tau_decay", (double)e->cfg.tau_decay);
    cJSON_AddNumberToObject(x, "dropout", (double)e->cfg.dropout);
    if (isfinite(e->cv_mean)) {
      cJSON_AddNumberToObject(x, "cv_mse", e->cv_mean);
      cJSON_AddNumberToObject(x, "cv_sd", e->cv_sd);
    } else {
      cJSON_AddNullToObject(x, "cv_mse");
      cJSON_AddNullToObject(x, "cv_sd");
    }
    cJSON_AddNumberToObject(x, "trials_done", e->trials_done);
  }
  return 0;
}

int bsq_tuning_save_markdown(const bsq_tuning *t, const char *source,
                             const char *path, bsq_diag *diag) {
  bsq_buf b;
  bsq_buf_init(&b);
  bsq_buf_printf(&b, "# bsq tune: %s\n\n", source);
  tuning_markdown(&b, t);
  return save_owned(path, bsq_buf_finish(&b), diag);
}

int bsq_tuning_save_json(const bsq_tuning *t, const char *source,
                         const char *path, bsq_diag *diag) {
  cJSON *root = cJSON_CreateObject();
  char *text = NULL;
  if (root && cJSON_AddStringToObject(root, "data", source) &&
      tuning_json(root, t) == 0)
    text = cJSON_Print(root);
  cJSON_Delete(root);
  int rc = save_text(path, text, 1, diag);
  free(text);
  return rc;
}

/* ---- the comparison: JSON out ---------------------------------------------- */

char *bsq_report_to_json(const bsq_report *R) {
  cJSON *root = cJSON_CreateObject();
  int ok = root != NULL;
  if (ok) {
    cJSON *dd = cJSON_AddObjectToObject(root, "data");
    cJSON_AddStringToObject(dd, "source", R->source);
    cJSON_AddNumberToObject(dd, "rows", R->rows);
    cJSON_AddNumberToObject(dd, "features", R->F);
    cJSON_AddStringToObject(dd, "target", R->target);
    char h[20];
    snprintf(h, sizeof h, "%016llx", (unsigned long long)R->hash);
    cJSON_AddStringToObject(dd, "hash", h);
    cJSON *st = cJSON_AddObjectToObject(root, "settings");
    const bsq_train_cfg *c = &R->base;
    cJSON *hid = cJSON_AddArrayToObject(st, "hidden");
    for (int i = 0; i < c->nhidden; i++)
      cJSON_AddItemToArray(hid, cJSON_CreateNumber(c->hidden[i]));
    cJSON_AddNumberToObject(st, "epochs", c->epochs);
    cJSON_AddNumberToObject(st, "batch", c->batch);
    cJSON_AddNumberToObject(st, "lr", (double)c->lr);
    cJSON_AddNumberToObject(st, "tau_decay", (double)c->tau_decay);
    cJSON_AddNumberToObject(st, "dropout", (double)c->dropout);
    cJSON_AddNumberToObject(st, "input_width", c->input_width);
    cJSON_AddNumberToObject(st, "seeds", R->nseeds);
    cJSON_AddNumberToObject(st, "first_seed", (double)R->seed0);
    cJSON_AddNumberToObject(st, "jobs", R->jobs);
    cJSON_AddNumberToObject(st, "wall_seconds", R->wall_seconds);
    cJSON_AddStringToObject(st, "metric",
                            "hardware-true test MSE, standardized target");
    cJSON *ra = cJSON_AddArrayToObject(root, "rows");
    for (int i = 0; i < R->nrows && ra; i++) {
      const bsq_report_row *r = &R->row[i];
      cJSON *o = cJSON_CreateObject();
      if (!o || !cJSON_AddItemToArray(ra, o)) {
        ok = 0;
        break;
      }
      cJSON_AddStringToObject(o, "method", bsq_method_name(r->method));
      cJSON_AddStringToObject(o, "label", bsq_method_label(r->method));
      cJSON_AddNumberToObject(o, "bits", r->bits);
      cJSON_AddNumberToObject(o, "seeds", r->n);
      cJSON_AddNumberToObject(o, "mse_mean", r->mean);
      cJSON *ci = cJSON_AddArrayToObject(o, "mse_ci95");
      cJSON_AddItemToArray(ci, cJSON_CreateNumber(r->lo));
      cJSON_AddItemToArray(ci, cJSON_CreateNumber(r->hi));
      cJSON_AddNumberToObject(o, "mse_sd", r->sd);
      cJSON_AddNumberToObject(o, "mse_float_mean", r->mse_float);
      cJSON_AddNumberToObject(o, "bits_per_frame", r->bpf);
      cJSON_AddNumberToObject(o, "compression", 32.0 * R->F / r->bpf);
      cJSON_AddNumberToObject(o, "train_seconds", r->seconds);
      cJSON_AddBoolToObject(o, "best", r->best);
      cJSON *v = cJSON_AddArrayToObject(o, "mse_runs");
      for (int k = 0; k < r->n; k++)
        cJSON_AddItemToArray(v, cJSON_CreateNumber(r->v[k]));
    }
    if (R->tuned && ok) ok = tuning_json(root, R->tuned) == 0;
  }
  char *text = ok ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) return NULL;
  bsq_buf b; /* the text and a newline */
  bsq_buf_init(&b);
  bsq_buf_puts(&b, text);
  bsq_buf_puts(&b, "\n");
  free(text);
  return bsq_buf_finish(&b);
}

int bsq_report_save_json(const bsq_report *r, const char *path,
                         bsq_diag *diag) {
  return save_owned(path, bsq_report_to_json(r), diag);
}

/* ---- the comparison: Markdown ---------------------------------------------- */

static void fmt_cell(char *buf, size_t n, const bsq_report_row *r) {
  if (r->n > 1)
    snprintf(buf, n, "%s%.4f ± %.4f%s", r->best ? "**" : "", r->mean,
             r->hi - r->mean, r->best ? "**" : "");
  else
    snprintf(buf, n, "%s%.4f%s", r->best ? "**" : "", r->mean,
             r->best ? "**" : "");
}

static void settings_line(bsq_buf *b, const bsq_train_cfg *c) {
  bsq_buf_puts(b, "hidden ");
  for (int i = 0; i < c->nhidden; i++)
    bsq_buf_printf(b, "%s%d", i ? "," : "", c->hidden[i]);
  if (c->nhidden == 0) bsq_buf_puts(b, "none");
  bsq_buf_printf(b, ", epochs %d, batch %d, lr %g, tau decay %g, dropout %g, "
                    "input width %d",
                 c->epochs, c->batch, (double)c->lr, (double)c->tau_decay,
                 (double)c->dropout, c->input_width);
}

char *bsq_report_to_markdown(const bsq_report *R) {
  bsq_buf b;
  bsq_buf_init(&b);
  bsq_buf_printf(&b, "# bsq compare: %s\n\n", R->source);
  bsq_buf_printf(&b, "Data: `%s`, %d rows, %d features, target `%s` "
                     "(standardized).  \n",
                 R->source, R->rows, R->F, R->target);
  bsq_buf_printf(&b, "Seeds: %d (%llu..%llu; each its own split, "
                     "initialization and batch order). Parallel trainings: "
                     "%d. Wall time: %.0f s.  \n",
                 R->nseeds, (unsigned long long)R->seed0,
                 (unsigned long long)(R->seed0 + (uint64_t)R->nseeds - 1),
                 R->jobs, R->wall_seconds);
  bsq_buf_puts(&b, "Settings: ");
  settings_line(&b, &R->base);
  bsq_buf_printf(&b, ".%s\n\n",
                 R->tuned ? " Tuned settings per method below." : "");
  bsq_buf_puts(&b, "Metric: test MSE through the hardware path (input codes "
                   "-> integer thresholds -> levels -> packed stream -> "
                   "decoder -> network), mean ± half-width of the 95% "
                   "t-interval over the seeds. Best quantized method per row "
                   "in bold. FP has no encoder: its float MSE is the "
                   "reference.\n\n");
  /* the main table: one row per bit width, one column per method */
  bsq_buf_puts(&b, "| bits |");
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    if (R->want[m]) bsq_buf_printf(&b, " %s |", bsq_method_label(m));
  bsq_buf_puts(&b, "\n|---:|");
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    if (R->want[m]) bsq_buf_puts(&b, "---:|");
  bsq_buf_puts(&b, "\n");
  for (int k = 0; k < R->nbits; k++) {
    bsq_buf_printf(&b, "| %d |", R->bits[k]);
    for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
      if (!R->want[m]) continue;
      for (int i = 0; i < R->nrows; i++)
        if ((int)R->row[i].method == m &&
            (m == BSQ_METHOD_FP || R->row[i].bits == R->bits[k])) {
          char cell[96];
          fmt_cell(cell, sizeof cell, &R->row[i]);
          bsq_buf_printf(&b, " %s |", cell);
        }
    }
    bsq_buf_puts(&b, "\n");
  }
  bsq_buf_puts(&b, "\n## Details\n\n| method | bits | bits/frame | "
                   "compression | mse_hw mean | 95% CI | sd | mse (float) | "
                   "train s (mean) | seeds |\n|---|---:|---:|---:|---:|---|"
                   "---:|---:|---:|---:|\n");
  for (int i = 0; i < R->nrows; i++) {
    const bsq_report_row *r = &R->row[i];
    bsq_buf_printf(&b, "| %s | %d | %d | %.2f | %s%.5f%s | [%.5f, %.5f] | "
                       "%.5f | %.5f | %.1f | %d |\n",
                   bsq_method_label(r->method), r->bits, r->bpf,
                   32.0 * R->F / r->bpf, r->best ? "**" : "", r->mean,
                   r->best ? "**" : "", r->lo, r->hi, r->sd, r->mse_float,
                   r->seconds, r->n);
  }
  if (R->tuned && R->tuned->space == BSQ_SPACE_PAPER) {
    /* the paper's Table 2 layout: a method per row, mean ± sd */
    bsq_buf_puts(&b, "\n## In the layout of the paper's Table 2\n\n"
                     "Test MSE through the hardware path, mean ± sd over the "
                     "seeds; FP has no bit width.\n\n| method |");
    for (int k = 0; k < R->nbits; k++) bsq_buf_printf(&b, " %d bits |", R->bits[k]);
    bsq_buf_puts(&b, "\n|---|");
    for (int k = 0; k < R->nbits; k++) bsq_buf_puts(&b, "---:|");
    bsq_buf_puts(&b, "\n");
    for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
      if (!R->want[m]) continue;
      bsq_buf_printf(&b, "| %s |", bsq_method_label(m));
      for (int k = 0; k < R->nbits; k++)
        for (int i = 0; i < R->nrows; i++) {
          const bsq_report_row *r = &R->row[i];
          if ((int)r->method != m ||
              (m != BSQ_METHOD_FP && r->bits != R->bits[k]))
            continue;
          bsq_buf_printf(&b, " %.3f ± %.3f |", r->mean, r->sd);
        }
      bsq_buf_puts(&b, "\n");
    }
  }
  if (R->tuned) {
    bsq_buf_puts(&b, "\n## Tuned settings\n\n");
    tuning_markdown(&b, R->tuned);
  }
  bsq_buf_puts(&b, "\nPo-MQ/Po-QQ reuse the FP network of each seed; their "
                   "training time includes it.\n");
  return bsq_buf_finish(&b);
}

char *bsq_report_to_text(const bsq_report *R) {
  bsq_buf b;
  bsq_buf_init(&b);
  bsq_buf_printf(&b, "%-6s", "bits");
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    if (R->want[m]) bsq_buf_printf(&b, " %17s", bsq_method_label(m));
  bsq_buf_puts(&b, "\n");
  for (int k = 0; k < R->nbits; k++) {
    bsq_buf_printf(&b, "%-6d", R->bits[k]);
    for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
      if (!R->want[m]) continue;
      for (int i = 0; i < R->nrows; i++) {
        const bsq_report_row *r = &R->row[i];
        if ((int)r->method == m &&
            (m == BSQ_METHOD_FP || r->bits == R->bits[k]))
          bsq_buf_printf(&b, " %c%.4f ± %.4f", r->best ? '*' : ' ', r->mean,
                         r->hi - r->mean);
      }
    }
    bsq_buf_puts(&b, "\n");
  }
  bsq_buf_printf(&b, "(hardware-true test MSE, mean ± 95%% CI half-width over "
                     "%d seeds; * best per row; %.0f s)\n",
                 R->nseeds, R->wall_seconds);
  return bsq_buf_finish(&b);
}

int bsq_report_save_markdown(const bsq_report *r, const char *path,
                             bsq_diag *diag) {
  return save_owned(path, bsq_report_to_markdown(r), diag);
}

/* ---- the comparison: JSON in ----------------------------------------------- */

static int jnum(const cJSON *o, const char *key, const char *where,
                const char *name, double *out, bsq_diag *diag) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(it))
    return bsq_diag_set(diag, BSQ_EFORMAT, "%s: %s.%s: missing or not a number",
                        name, where, key);
  *out = it->valuedouble;
  return BSQ_OK;
}

static int read_settings(bsq_report *R, const cJSON *st, const char *name,
                         bsq_diag *diag) {
  double v = 0;
  bsq_train_cfg *c = &R->base;
  const cJSON *hid = cJSON_GetObjectItemCaseSensitive(st, "hidden");
  if (!cJSON_IsArray(hid) || cJSON_GetArraySize(hid) > BSQ_MAX_LAYERS - 1)
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: settings.hidden: missing or not an array", name);
  c->nhidden = cJSON_GetArraySize(hid);
  for (int i = 0; i < c->nhidden; i++)
    c->hidden[i] = cJSON_GetArrayItem(hid, i)->valueint;
#define NUM(key, dst, type)                                                   \
  do {                                                                        \
    if (jnum(st, key, "settings", name, &v, diag)) return BSQ_EFORMAT;        \
    dst = (type)v;                                                            \
  } while (0)
  NUM("epochs", c->epochs, int);
  NUM("batch", c->batch, int);
  NUM("lr", c->lr, float);
  NUM("tau_decay", c->tau_decay, float);
  NUM("dropout", c->dropout, float);
  NUM("input_width", c->input_width, int);
  NUM("seeds", R->nseeds, int);
  NUM("first_seed", R->seed0, uint64_t);
  NUM("jobs", R->jobs, int);
  NUM("wall_seconds", R->wall_seconds, double);
#undef NUM
  return BSQ_OK;
}

static int read_row(bsq_report *R, bsq_report_row *w, const cJSON *r,
                    const char *where, const char *name, bsq_diag *diag) {
  double v = 0;
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "method");
  int meth = cJSON_IsString(m) ? bsq_method_parse(m->valuestring) : -1;
  if (meth < 0)
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: %s.method: missing or not a method", name, where);
  w->method = (bsq_method)meth;
  R->want[meth] = 1;
  const cJSON *ci = cJSON_GetObjectItemCaseSensitive(r, "mse_ci95");
  if (!cJSON_IsArray(ci) || cJSON_GetArraySize(ci) != 2 ||
      !cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) ||
      !cJSON_IsNumber(cJSON_GetArrayItem(ci, 1)))
    return bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: %s.mse_ci95: missing or not two numbers", name,
                        where);
  w->lo = cJSON_GetArrayItem(ci, 0)->valuedouble;
  w->hi = cJSON_GetArrayItem(ci, 1)->valuedouble;
  if (jnum(r, "bits", where, name, &v, diag)) return BSQ_EFORMAT;
  w->bits = (int)v;
  if (jnum(r, "seeds", where, name, &v, diag)) return BSQ_EFORMAT;
  w->n = (int)v;
  if (jnum(r, "mse_mean", where, name, &w->mean, diag) ||
      jnum(r, "mse_sd", where, name, &w->sd, diag) ||
      jnum(r, "mse_float_mean", where, name, &w->mse_float, diag) ||
      jnum(r, "train_seconds", where, name, &w->seconds, diag) ||
      jnum(r, "bits_per_frame", where, name, &v, diag))
    return BSQ_EFORMAT;
  w->bpf = (int)v;
  if (w->bpf < 1)
    return bsq_diag_set(diag, BSQ_EFORMAT, "%s: %s.bits_per_frame: not "
                        "positive", name, where);
  w->best = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "best"));
  if (w->method != BSQ_METHOD_FP) {
    int seen = 0;
    for (int b = 0; b < R->nbits; b++) seen |= R->bits[b] == w->bits;
    if (!seen && R->nbits < BSQ_MAX_BITS) R->bits[R->nbits++] = w->bits;
  }
  return BSQ_OK;
}

int bsq_report_from_json(bsq_report *R, const char *text, const char *name,
                         bsq_diag *diag) {
  bsq_report_init(R);
  cJSON *root = cJSON_Parse(text);
  if (!root) return bsq_diag_set(diag, BSQ_EPARSE, "%s: not valid JSON", name);
  int rc = BSQ_EFORMAT;
  double v = 0;
  const cJSON *dd = cJSON_GetObjectItemCaseSensitive(root, "data");
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "settings");
  const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
  const cJSON *src = cJSON_GetObjectItemCaseSensitive(dd, "source");
  const cJSON *tgt = cJSON_GetObjectItemCaseSensitive(dd, "target");
  if (!cJSON_IsString(src) || !cJSON_IsString(tgt)) {
    bsq_diag_set(diag, rc, "%s: data.source, data.target: missing or not a "
                 "string", name);
    goto done;
  }
  if (!cJSON_IsArray(rows) || cJSON_GetArraySize(rows) < 1) {
    bsq_diag_set(diag, rc, "%s: rows: missing or not a non-empty array", name);
    goto done;
  }
  snprintf(R->source, sizeof R->source, "%s", src->valuestring);
  snprintf(R->target, sizeof R->target, "%s", tgt->valuestring);
  if (jnum(dd, "rows", "data", name, &v, diag)) goto done;
  R->rows = (int)v;
  if (jnum(dd, "features", "data", name, &v, diag)) goto done;
  R->F = (int)v;
  if (R->F < 1) {
    bsq_diag_set(diag, rc, "%s: data.features: not positive", name);
    goto done;
  }
  /* the hash is optional (reports before it was read back have it), but
   * one that is there is 16 hex digits */
  const cJSON *hash = cJSON_GetObjectItemCaseSensitive(dd, "hash");
  if (hash) {
    char *end = NULL;
    const char *hs = cJSON_IsString(hash) ? hash->valuestring : "";
    unsigned long long h = strtoull(hs, &end, 16);
    if (strlen(hs) != 16 || *end || strspn(hs, "0123456789abcdef") != 16) {
      bsq_diag_set(diag, rc, "%s: data.hash: not 16 hex digits", name);
      goto done;
    }
    R->hash = (uint64_t)h;
  }
  if (read_settings(R, st, name, diag)) goto done;

  int nr = cJSON_GetArraySize(rows), nv = 0;
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) nv += cJSON_GetArraySize(
      cJSON_GetObjectItemCaseSensitive(r, "mse_runs"));
  R->row = calloc((size_t)nr, sizeof *R->row);
  R->vals = calloc((size_t)(nv > 0 ? nv : 1), sizeof *R->vals);
  if (!R->row || !R->vals) {
    rc = bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", name);
    goto done;
  }
  int i = 0, used = 0;
  cJSON_ArrayForEach(r, rows) {
    char where[32];
    snprintf(where, sizeof where, "rows[%d]", i);
    bsq_report_row *w = &R->row[i++];
    if (read_row(R, w, r, where, name, diag)) goto done;
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(r, "mse_runs");
    w->v = R->vals + used;
    int k = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, runs) w->v[k++] = x->valuedouble;
    used += k;
  }
  R->nrows = nr;
  rc = R->nbits > 0 ? BSQ_OK : BSQ_EFORMAT;
  if (rc) bsq_diag_set(diag, rc, "%s: rows: no quantized method", name);
done:
  cJSON_Delete(root);
  return rc;
}

int bsq_report_load_json(bsq_report *r, const char *path, bsq_diag *diag) {
  char *text = NULL;
  bsq_report_init(r);
  int rc = bsq_read_file(path, &text, NULL, diag);
  if (rc == BSQ_OK) rc = bsq_report_from_json(r, text, path, diag);
  free(text);
  return rc;
}
