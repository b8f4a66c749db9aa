/* bsq — the options train, compare and tune share (options.h). */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nn.h"
#include "pool.h"
#include "train.h"

void cli_data_opts_default(cli_data_opts *o) {
  o->data = o->target = o->sensor = NULL;
  o->rows = BSQ_FRIEDMAN1_ROWS;
  o->data_seed = 0;
}

int cli_data_option(int c, const char *arg, cli_data_opts *o,
                    const char **bad) {
  switch (c) {
  case 'd': o->data = arg; return 1;
  case 't': o->target = arg; return 1;
  case 'r':
    if (cli_parse_int(arg, 2, 100000000, &o->rows)) *bad = "--rows";
    return 1;
  case 'R':
    if (cli_parse_int(arg, 0, (1L << 53), &o->data_seed)) *bad = "--data-seed";
    return 1;
  case 'Z': o->sensor = arg; return 1;
  default: return 0;
  }
}

int cli_load_data_opts(const char *cmd, const cli_data_opts *o,
                       bsq_dataset *d) {
  return cli_load_data(cmd, o->data, o->target, (int)o->rows,
                       (unsigned long long)o->data_seed, d);
}

int cli_load_sensor_opts(const char *cmd, const cli_data_opts *o,
                         const bsq_dataset *d, bsq_sensor *s,
                         bsq_train_cfg *cfg) {
  memset(s, 0, sizeof *s);
  cfg->sensor = NULL;
  if (!o->sensor) return BSQ_OK;
  bsq_diag diag = {{0}};
  int rc = bsq_sensor_load(s, o->sensor, &diag);
  if (rc == BSQ_OK && (rc = bsq_sensor_check_data(s, d, &diag)))
    bsq_sensor_free(s);
  if (rc) {
    cli_error(cmd, "%s", diag.msg);
    return rc;
  }
  cfg->sensor = s;
  return BSQ_OK;
}

void cli_print_fitted(FILE *fp, const char *label, const bsq_sensor *s,
                      const bsq_dataset *d) {
  int n = 0;
  fprintf(fp, "%s", label);
  for (int j = 0; j < d->F; j++)
    if (bsq_sensor_find(s, d->names[j]) < 0)
      fprintf(fp, "%s%s", n++ ? ", " : "", d->names[j]);
  fprintf(fp, "%s\n", n ? "" : "none");
}

int cli_train_option(int c, const char *arg, bsq_train_cfg *cfg,
                     const char **bad) {
  long v;
  double x;
  switch (c) {
  case 'H': if (bsq_train_cfg_parse_hidden(cfg, arg)) *bad = "--hidden"; return 1;
  case 'e':
    if (cli_parse_int(arg, 1, 1000000, &v)) *bad = "--epochs";
    else cfg->epochs = (int)v;
    return 1;
  case 'B':
    if (cli_parse_int(arg, 1, 1 << 20, &v)) *bad = "--batch";
    else cfg->batch = (int)v;
    return 1;
  case 'l':
    if (cli_parse_double(arg, &x) || x <= 0 || x > 1) *bad = "--lr";
    else cfg->lr = (float)x;
    return 1;
  case 'T':
    if (cli_parse_double(arg, &x) || x <= 0 || x > 1) *bad = "--tau-decay";
    else cfg->tau_decay = (float)x;
    return 1;
  case 'D':
    if (cli_parse_double(arg, &x) || x < 0 || x >= 1) *bad = "--dropout";
    else cfg->dropout = (float)x;
    return 1;
  case 'w': /* one width for every fitted feature, or one each */
    v = cli_parse_int_list(arg, 1, BSQ_MAX_WIDTH, cfg->input_widths,
                           BSQ_MAX_FEATURES);
    if (v < 1) {
      *bad = "--input-width";
    } else {
      cfg->input_width = cfg->input_widths[0];
      cfg->ninput_widths = v == 1 ? 0 : (int)v;
    }
    return 1;
  default: return 0;
  }
}

int cli_tune_option(int c, const char *arg, bsq_tune_opts *o,
                    const char **bad) {
  long v;
  double x;
  switch (c) {
  case 'x':
    if (cli_parse_int(arg, 1, 100000, &v)) *bad = "--trials";
    else o->trials = (int)v;
    return 1;
  case 'y':
    if (cli_parse_double(arg, &x) || x <= 0) *bad = "--time-budget";
    else o->time_budget = x;
    return 1;
  case 'k':
    if (cli_parse_int(arg, 2, 20, &v)) *bad = "--folds";
    else o->folds = (int)v;
    return 1;
  case 'S':
    if (bsq_tune_space_parse(arg, &o->space)) *bad = "--space (bsq or paper)";
    return 1;
  case 'W':
    if (cli_parse_int(arg, 16, 1 << 16, &v)) *bad = "--max-width";
    else o->max_width = (int)v;
    return 1;
  default: return 0;
  }
}

/* Which of trials and folds were given: -1 in the field means not yet. */
void cli_tune_finish(bsq_tune_opts *o) {
  if (o->trials < 0) o->trials = o->space == BSQ_SPACE_PAPER ? 100 : 12;
  if (o->folds < 0) o->folds = o->space == BSQ_SPACE_PAPER ? 4 : 3;
}

void cli_sweep_opts_default(cli_sweep_opts *o) {
  static const int bits[] = {2, 3, 4, 6};
  memset(o, 0, sizeof *o);
  cli_data_opts_default(&o->data);
  bsq_train_cfg_default(&o->cfg);
  bsq_tune_opts_default(&o->tune);
  o->tune.trials = o->tune.folds = -1; /* cli_tune_finish: per --space */
  memcpy(o->bits, bits, sizeof bits);
  o->nbits = 4;
  bsq_method_parse_list("all", o->want, NULL, 0);
  o->seed = 1;
  o->jobs = bsq_pool_default_threads();
}

int cli_sweep_option(int c, const char *arg, cli_sweep_opts *o,
                     const char **bad) {
  if (cli_data_option(c, arg, &o->data, bad) ||
      cli_train_option(c, arg, &o->cfg, bad) ||
      cli_tune_option(c, arg, &o->tune, bad))
    return 1;
  switch (c) {
  case 'b':
    o->nbits = cli_parse_int_list(arg, 1, BSQ_MAX_BITS, o->bits, BSQ_MAX_BITS);
    if (o->nbits < 1) *bad = "--bits";
    return 1;
  case 'm':
    if (bsq_method_parse_list(arg, o->want, o->badname, sizeof o->badname))
      *bad = "--methods";
    return 1;
  case 's':
    if (cli_parse_int(arg, 0, (1L << 53), &o->seed)) *bad = "--seed";
    return 1;
  case 'j':
    if (cli_parse_int(arg, 1, 256, &o->jobs)) *bad = "--jobs";
    return 1;
  case 'o': o->out_md = arg; return 1;
  case 'J': o->out_json = arg; return 1;
  case 'q': o->quiet = 1; return 1;
  default: return 0;
  }
}

int cli_check_folds(const char *cmd, const char *prefix, int rows, int folds) {
  int ndev = bsq_tune_dev_rows(rows);
  /* too few rows to split: the tuner says so itself */
  if (ndev < 0 || ndev >= BSQ_TUNE_MIN_FOLD_ROWS * folds) return 0;
  cli_error(cmd, "%s--folds %d: only %d rows to fold", prefix ? prefix : "",
            folds, ndev);
  return -1;
}

void cli_warn_flat_features(const char *cmd, const bsq_model *m) {
  for (int f = -1; (f = bsq_encoder_flat_feature(&m->enc, f + 1)) >= 0;)
    fprintf(stderr, "bsq %s: warning: feature \"%s\": all %d thresholds "
            "are the same code (%lld) after training: its %d bits carry one "
            "bit of information\n", cmd, m->names[f],
            m->enc.toff[f + 1] - m->enc.toff[f],
            (long long)m->enc.T[m->enc.toff[f]], m->enc.bits[f]);
}

int cli_check_bit_widths(const char *cmd, const char *opt,
                         const bsq_train_cfg *cfg, const bsq_dataset *d,
                         const int *bits, int n) {
  for (int i = 0; i < n; i++) {
    char what[48];
    snprintf(what, sizeof what, "%s %d", opt, bits[i]);
    bsq_diag diag = {{0}};
    if (bsq_train_check_bits(cfg, d, 1, &bits[i], what, &diag)) {
      cli_error(cmd, "%s", diag.msg);
      return -1;
    }
  }
  return 0;
}

int cli_parse_int_list(const char *s, int lo, int hi, int *out, int max) {
  int n = 0;
  const char *p = s;
  if (!s || !*s) return -1;
  while (*p) {
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (end == p || errno || v < lo || v > hi || n >= max) return -1;
    out[n++] = (int)v;
    if (*end == ',' && end[1]) p = end + 1;
    else if (*end == '\0') p = end;
    else return -1;
  }
  return n;
}

void cli_log_stderr(const char *line, void *user) {
  (void)user;
  fputs(line, stderr);
}

int cli_alloc_option(int c, const char *arg, bsq_alloc_opts *ao,
                     bsq_train_cfg *cfg, const char **bad) {
  long v;
  switch (c) {
  case 'M':
    if (cli_parse_int(arg, 1, BSQ_MAX_BITS, &v)) *bad = "--max-bits";
    else ao->max_bits = (int)v;
    return 1;
  case 'k':
    if (cli_parse_int(arg, 2, 20, &v)) *bad = "--folds";
    else ao->folds = (int)v;
    return 1;
  case 'P':
    if (cli_parse_int(arg, 0, 1L << 30, &v)) *bad = "--search-rows";
    else ao->search_rows = (int)v;
    return 1;
  case 'E':
    if (cli_parse_int(arg, 1, 100000, &v)) *bad = "--search-epochs";
    else ao->search_epochs = (int)v;
    return 1;
  case 'b':
    if (cli_parse_int(arg, 1, 1 << 20, &v)) *bad = "--search-batch";
    else ao->search_batch = (int)v;
    return 1;
  case 'n':
    if (cli_parse_int(arg, 1, 1000, &v)) *bad = "--seeds";
    else ao->seeds = (int)v;
    return 1;
  case 's':
    if (cli_parse_int(arg, 0, (1L << 53), &v)) *bad = "--seed";
    else cfg->seed = (uint64_t)v;
    return 1;
  case 'j':
    if (cli_parse_int(arg, 1, BSQ_MAX_THREADS, &v)) *bad = "--jobs";
    else ao->jobs = (int)v;
    return 1;
  default:
    return 0;
  }
}
