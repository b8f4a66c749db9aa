/* bsq — a comparison as a job list (sweep.h). */
#include "sweep.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tune.h"
#include "util.h"

#define RESULT_FORMAT "bsq-sweep-result"
#define TUNE_FORMAT "bsq-tune-result"

uint64_t bsq_sweep_id(char *const *args, int nargs) {
  unsigned long long h = BSQ_FNV_INIT;
  for (int i = 0; i < nargs; i++)
    h = bsq_fnv1a(h, args[i], strlen(args[i]) + 1); /* with its NUL */
  return (uint64_t)h;
}

/* 'word' for sh, a single quote as '\'' */
static void sh_quote(bsq_buf *b, const char *s) {
  bsq_buf_printf(b, "'");
  for (; *s; s++)
    if (*s == '\'') bsq_buf_printf(b, "'\\''");
    else bsq_buf_printf(b, "%c", *s);
  bsq_buf_printf(b, "'");
}

static void job_line(bsq_buf *b, const char *dir, const char *exe,
                     const char *cmd, char *const *args, int nargs, int job) {
  bsq_buf_printf(b, "\"${BSQ:-");
  /* inside double quotes: escape what the shell would expand */
  for (const char *s = exe; *s; s++)
    bsq_buf_printf(b, strchr("\"$`\\", *s) ? "\\%c" : "%c", *s);
  bsq_buf_printf(b, "}\" %s", cmd);
  for (int i = 0; i < nargs; i++) {
    bsq_buf_printf(b, " ");
    sh_quote(b, args[i]);
  }
  bsq_buf_printf(b, " --plan ");
  sh_quote(b, dir);
  bsq_buf_printf(b, " --job %d\n", job);
}

static int path_in(char *out, size_t cap, const char *dir, const char *name,
                   bsq_diag *diag) {
  if (snprintf(out, cap, "%s/%s", dir, name) >= (int)cap)
    return bsq_diag_set(diag, BSQ_EINVAL, "%s: path too long", dir);
  return BSQ_OK;
}

static int result_path(char *out, size_t cap, const char *dir, int job,
                       bsq_diag *diag) {
  char name[48];
  snprintf(name, sizeof name, "results/job-%04d.json", job);
  return path_in(out, cap, dir, name, diag);
}

int bsq_sweep_write(const char *dir, const char *exe, const char *cmd,
                    char *const *args, int nargs, int njobs, bsq_diag *diag) {
  for (const char *s = dir; *s; s++)
    if (strchr(" \t\n'\"\\$`%", *s))
      return bsq_diag_set(diag, BSQ_EINVAL,
                          "--plan %s: the directory's path must not hold "
                          "blanks, quotes or any of \\ $ ` %% (Slurm's "
                          "directives cannot quote it)", dir);
  for (int i = 0; i < nargs; i++)
    if (strchr(args[i], '\n'))
      return bsq_diag_set(diag, BSQ_EINVAL, "option %d holds a newline", i + 1);
  char path[4096];
  int rc;
  if ((rc = path_in(path, sizeof path, dir, "results", diag)) ||
      (rc = bsq_mkdir_p(path, diag)))
    return rc;

  bsq_buf a, j, s;
  bsq_buf_init(&a);
  bsq_buf_init(&j);
  bsq_buf_init(&s);
  for (int i = 0; i < nargs; i++) bsq_buf_printf(&a, "%s\n", args[i]);
  for (int k = 0; k < njobs; k++) job_line(&j, dir, exe, cmd, args, nargs, k);
  bsq_buf_printf(&s,
                 "#!/bin/bash\n"
                 "# bsq %s plan %016" PRIx64 ": one array task per line of "
                 "jobs.txt\n"
                 "#SBATCH --job-name=bsq-%s\n"
                 "#SBATCH --array=1-%d\n"
                 "#SBATCH --ntasks=1\n"
                 "#SBATCH --cpus-per-task=1\n"
                 "#SBATCH --output=%s/results/slurm-%%A_%%a.out\n"
                 "set -euo pipefail\n"
                 "line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" %s/jobs.txt)\n"
                 "exec bash -c \"$line\"\n",
                 cmd, bsq_sweep_id(args, nargs), cmd, njobs, dir, dir);
  char *ta = bsq_buf_finish(&a), *tj = bsq_buf_finish(&j),
       *ts = bsq_buf_finish(&s);
  if (!ta || !tj || !ts) {
    rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    goto done;
  }
  /* a plan directory belongs to one plan */
  char *old = NULL;
  if ((rc = path_in(path, sizeof path, dir, "args", diag))) goto done;
  if (bsq_read_file(path, &old, NULL, NULL) == BSQ_OK) {
    int same = !strcmp(old, ta);
    free(old);
    if (!same) {
      rc = bsq_diag_set(diag, BSQ_EINVAL,
                        "%s holds another plan (%s differs); use a new "
                        "directory", dir, path);
      goto done;
    }
  }
  if ((rc = bsq_write_if_changed(path, ta, strlen(ta), NULL, diag)) ||
      (rc = path_in(path, sizeof path, dir, "jobs.txt", diag)) ||
      (rc = bsq_write_if_changed(path, tj, strlen(tj), NULL, diag)) ||
      (rc = path_in(path, sizeof path, dir, "slurm.sbatch", diag)) ||
      (rc = bsq_write_if_changed(path, ts, strlen(ts), NULL, diag)))
    goto done;
done:
  free(ta);
  free(tj);
  free(ts);
  return rc;
}

void bsq_sweep_args_free(char **args, int nargs) {
  for (int i = 0; i < nargs; i++) free(args[i]);
  free(args);
}

int bsq_sweep_read_args(const char *dir, char ***args, int *nargs,
                        bsq_diag *diag) {
  *args = NULL;
  *nargs = 0;
  char path[4096], *text = NULL;
  int rc;
  if ((rc = path_in(path, sizeof path, dir, "args", diag))) return rc;
  if ((rc = bsq_read_file(path, &text, NULL, diag)))
    return bsq_diag_set(diag, rc, "%s: not a plan directory (no readable "
                        "args): %s", dir, diag->msg);
  int n = 0;
  for (const char *s = text; *s; s++) n += *s == '\n';
  char **v = calloc((size_t)(n ? n : 1), sizeof *v);
  if (!v) {
    free(text);
    return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  }
  int k = 0;
  for (char *s = text, *e; *s; s = e + 1) {
    if (!(e = strchr(s, '\n'))) {
      bsq_sweep_args_free(v, k);
      free(text);
      return bsq_diag_set(diag, BSQ_EFORMAT, "%s: last line has no newline",
                          path);
    }
    *e = '\0';
    if (!(v[k] = strdup(s))) {
      bsq_sweep_args_free(v, k);
      free(text);
      return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    }
    k++;
  }
  free(text);
  *args = v;
  *nargs = k;
  return BSQ_OK;
}

/* ---- result files ------------------------------------------------------- */

/* A double that reads back to the same bits (cJSON's own printing keeps
 * only what its tolerant round-trip check needs). */
static void add_exact(cJSON *o, const char *key, double v) {
  char num[40];
  if (!isfinite(v)) {
    cJSON_AddNullToObject(o, key);
    return;
  }
  snprintf(num, sizeof num, "%.17g", v);
  cJSON_AddRawToObject(o, key, num);
}

static char *result_json(uint64_t id, int job, const bsq_compare_result *r,
                         int n) {
  cJSON *root = cJSON_CreateObject();
  char hex[17];
  snprintf(hex, sizeof hex, "%016" PRIx64, id);
  cJSON_AddStringToObject(root, "format", RESULT_FORMAT);
  cJSON_AddNumberToObject(root, "version", 1);
  cJSON_AddStringToObject(root, "plan", hex);
  cJSON_AddNumberToObject(root, "job", job);
  cJSON *runs = cJSON_AddArrayToObject(root, "runs");
  for (int i = 0; i < n; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "run", r[i].run);
    cJSON_AddStringToObject(o, "method", bsq_method_name(r[i].method));
    cJSON_AddNumberToObject(o, "bits", r[i].bits);
    cJSON_AddNumberToObject(o, "seed", (double)r[i].seed);
    add_exact(o, "mse", r[i].mse);
    add_exact(o, "mse_hw", r[i].mse_hw);
    add_exact(o, "train_seconds", r[i].seconds);
    cJSON_AddNumberToObject(o, "bits_per_frame", r[i].bpf);
    cJSON_AddItemToArray(runs, o);
  }
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

static int num(const cJSON *o, const char *key, double lo, double hi,
               int integer, double *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi))
    return -1;
  if (integer && v->valuedouble != (double)(int64_t)v->valuedouble) return -1;
  *out = v->valuedouble;
  return 0;
}

/* Parses one result file into r (room for cap): BSQ_EFORMAT naming path
 * and field. */
static int result_read(const char *path, uint64_t id, int job,
                       bsq_compare_result *r, int cap, int *n,
                       bsq_diag *diag) {
  char *text = NULL;
  int rc = bsq_read_file(path, &text, NULL, diag);
  if (rc) return rc;
  cJSON *root = cJSON_Parse(text);
  free(text);
  const char *bad = NULL;
  char hex[17];
  snprintf(hex, sizeof hex, "%016" PRIx64, id);
  const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "format");
  const cJSON *pl = cJSON_GetObjectItemCaseSensitive(root, "plan");
  const cJSON *runs = cJSON_GetObjectItemCaseSensitive(root, "runs");
  double v;
  char msg[64];
  *n = 0;
  if (!root) bad = "not JSON";
  else if (!cJSON_IsString(f) || strcmp(f->valuestring, RESULT_FORMAT))
    bad = "format: not " RESULT_FORMAT;
  else if (!cJSON_IsString(pl) || strcmp(pl->valuestring, hex))
    bad = "plan: a result of another plan";
  else if (num(root, "job", job, job, 1, &v))
    bad = "job: not this file's job";
  else if (!cJSON_IsArray(runs) || cJSON_GetArraySize(runs) != cap)
    bad = "runs: not an array of this job's runs";
  for (int i = 0; !bad && i < cap; i++) {
    const cJSON *o = cJSON_GetArrayItem(runs, i);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "method");
    double run, bits, seed, bpf;
    if (num(o, "run", 0, 1e9, 1, &run) || num(o, "bits", 1, 32, 1, &bits) ||
        num(o, "seed", 0, 9007199254740992.0, 1, &seed) ||
        num(o, "bits_per_frame", 1, 1e9, 1, &bpf) ||
        num(o, "mse", -1e300, 1e300, 0, &r[i].mse) ||
        num(o, "mse_hw", -1e300, 1e300, 0, &r[i].mse_hw) ||
        num(o, "train_seconds", 0, 1e300, 0, &r[i].seconds) ||
        !cJSON_IsString(m) || bsq_method_parse(m->valuestring) < 0) {
      snprintf(msg, sizeof msg, "runs[%d]: a field missing or out of range", i);
      bad = msg;
      break;
    }
    r[i].run = (int)run;
    r[i].bits = (int)bits;
    r[i].seed = (uint64_t)seed;
    r[i].bpf = (int)bpf;
    r[i].method = (bsq_method)bsq_method_parse(m->valuestring);
  }
  cJSON_Delete(root);
  if (bad) return bsq_diag_set(diag, BSQ_EFORMAT, "%s: %s", path, bad);
  *n = cap;
  return BSQ_OK;
}

int bsq_sweep_run_job(const char *dir, uint64_t id, const bsq_dataset *d,
                      const bsq_compare_opts *o, int job, int *skipped,
                      bsq_diag *diag) {
  *skipped = 0;
  int cap = bsq_compare_job_runs(o, d->F, job);
  if (cap < 0)
    return bsq_diag_set(diag, BSQ_EINVAL, "--job %d: the plan has %d jobs", job,
                        bsq_compare_trainings(o, d->F));
  char path[4096];
  int rc, n;
  if ((rc = result_path(path, sizeof path, dir, job, diag))) return rc;
  bsq_compare_result *r = calloc((size_t)cap, sizeof *r);
  if (!r) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  bsq_diag quiet;
  if (result_read(path, id, job, r, cap, &n, &quiet) == BSQ_OK) {
    *skipped = 1; /* done before: a resumed sweep */
    free(r);
    return BSQ_OK;
  }
  if ((rc = bsq_compare_job(d, o, job, r, &n, diag)) == BSQ_OK) {
    char *text = result_json(id, job, r, n);
    if (!text) rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    else {
      rc = bsq_write_if_changed(path, text, strlen(text), NULL, diag);
      free(text);
    }
  }
  free(r);
  return rc;
}

/* Line k (0-based) of text, without its newline, appended to b. */
static void append_line(bsq_buf *b, const char *text, int k) {
  const char *s = text;
  for (int i = 0; i < k && s; i++)
    if ((s = strchr(s, '\n'))) s++;
  if (!s || !*s) return;
  const char *e = strchr(s, '\n');
  bsq_buf_printf(b, "  %.*s\n", (int)(e ? e - s : (long)strlen(s)), s);
}

int bsq_sweep_collect(bsq_report *R, const char *dir, uint64_t id,
                      const bsq_dataset *d, const bsq_compare_opts *o,
                      char **missing, bsq_diag *diag) {
  *missing = NULL;
  bsq_report_init(R);
  int njobs = bsq_compare_trainings(o, d->F), total = 0;
  if (njobs < 0) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  for (int j = 0; j < njobs; j++) total += bsq_compare_job_runs(o, d->F, j);
  bsq_compare_result *all = calloc((size_t)(total ? total : 1), sizeof *all);
  if (!all) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  char path[4096], *jobs = NULL;
  int rc = BSQ_OK, nall = 0, nmissing = 0;
  bsq_buf mb;
  bsq_buf_init(&mb);
  if ((rc = path_in(path, sizeof path, dir, "jobs.txt", diag)) ||
      (rc = bsq_read_file(path, &jobs, NULL, diag)))
    goto done;
  for (int j = 0; j < njobs; j++) {
    int cap = bsq_compare_job_runs(o, d->F, j), n;
    if ((rc = result_path(path, sizeof path, dir, j, diag))) goto done;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
      nmissing++;
      append_line(&mb, jobs, j);
      continue;
    }
    if ((rc = result_read(path, id, j, all + nall, cap, &n, diag))) goto done;
    nall += n;
  }
  if (nmissing) {
    *missing = bsq_buf_finish(&mb);
    rc = bsq_diag_set(diag, BSQ_EINVAL,
                      "%s: %d of %d jobs have no result; no report is made "
                      "from a partial sweep", dir, nmissing, njobs);
    goto done;
  }
  rc = bsq_compare_assemble(R, d, o, all, nall, diag);
done:
  if (!*missing) free(bsq_buf_finish(&mb));
  free(jobs);
  free(all);
  return rc;
}

/* ---- a tuning's plan: one training (method, bits, trial, fold) a job ---- */

static char *tune_result_json(uint64_t id, int job,
                              const bsq_tune_job_result *r) {
  cJSON *root = cJSON_CreateObject();
  char hex[17];
  snprintf(hex, sizeof hex, "%016" PRIx64, id);
  cJSON_AddStringToObject(root, "format", TUNE_FORMAT);
  cJSON_AddNumberToObject(root, "version", 1);
  cJSON_AddStringToObject(root, "plan", hex);
  cJSON_AddNumberToObject(root, "job", job);
  cJSON_AddStringToObject(root, "method", bsq_method_name(r->method));
  cJSON_AddNumberToObject(root, "bits", r->bits);
  cJSON_AddNumberToObject(root, "trial", r->trial);
  cJSON_AddNumberToObject(root, "fold", r->fold);
  add_exact(root, "mse_hw", r->mse_hw);
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

/* Parses one tuning result into r, which must be the training `want`
 * describes: BSQ_EFORMAT naming path and field. */
static int tune_result_read(const char *path, uint64_t id, int job,
                            const bsq_tune_job_result *want,
                            bsq_tune_job_result *r, bsq_diag *diag) {
  char *text = NULL;
  int rc = bsq_read_file(path, &text, NULL, diag);
  if (rc) return rc;
  cJSON *root = cJSON_Parse(text);
  free(text);
  const char *bad = NULL;
  char hex[17];
  snprintf(hex, sizeof hex, "%016" PRIx64, id);
  const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "format");
  const cJSON *pl = cJSON_GetObjectItemCaseSensitive(root, "plan");
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "method");
  double v, bits, trial, fold;
  *r = *want;
  if (!root) bad = "not JSON";
  else if (!cJSON_IsString(f) || strcmp(f->valuestring, TUNE_FORMAT))
    bad = "format: not " TUNE_FORMAT;
  else if (!cJSON_IsString(pl) || strcmp(pl->valuestring, hex))
    bad = "plan: a result of another plan";
  else if (num(root, "job", job, job, 1, &v))
    bad = "job: not this file's job";
  else if (!cJSON_IsString(m) ||
           bsq_method_parse(m->valuestring) != (int)want->method)
    bad = "method: not this job's method";
  else if (num(root, "bits", want->bits, want->bits, 1, &bits))
    bad = "bits: not this job's bits";
  else if (num(root, "trial", want->trial, want->trial, 1, &trial))
    bad = "trial: not this job's trial";
  else if (num(root, "fold", want->fold, want->fold, 1, &fold))
    bad = "fold: not this job's fold";
  else if (num(root, "mse_hw", 0, 1e300, 0, &r->mse_hw))
    bad = "mse_hw: missing or not a number >= 0";
  cJSON_Delete(root);
  if (bad) return bsq_diag_set(diag, BSQ_EFORMAT, "%s: %s", path, bad);
  return BSQ_OK;
}

int bsq_sweep_run_tune_job(const char *dir, uint64_t id, const bsq_dataset *d,
                           const bsq_tune_spec *sp, int job, int *skipped,
                           bsq_diag *diag) {
  *skipped = 0;
  int n = bsq_tune_trainings(d, sp, diag);
  if (n < 0) return BSQ_EINVAL;
  if (job < 0 || job >= n)
    return bsq_diag_set(diag, BSQ_EINVAL, "--job %d: the plan has %d jobs",
                        job, n);
  bsq_tune_job_result *want = calloc((size_t)n, sizeof *want), r;
  if (!want) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  char path[4096];
  int rc;
  bsq_diag quiet;
  if ((rc = bsq_tune_describe(want, n, d, sp, diag)) ||
      (rc = result_path(path, sizeof path, dir, job, diag)))
    goto done;
  if (tune_result_read(path, id, job, &want[job], &r, &quiet) == BSQ_OK) {
    *skipped = 1; /* done before: a resumed sweep */
    goto done;
  }
  if ((rc = bsq_tune_job(&r, d, sp, job, diag))) goto done;
  char *text = tune_result_json(id, job, &r);
  if (!text) rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  else {
    rc = bsq_write_if_changed(path, text, strlen(text), NULL, diag);
    free(text);
  }
done:
  free(want);
  return rc;
}

int bsq_sweep_collect_tune(bsq_tuning *t, const char *dir, uint64_t id,
                           const bsq_dataset *d, const bsq_tune_spec *sp,
                           char **missing, bsq_diag *diag) {
  *missing = NULL;
  memset(t, 0, sizeof *t);
  int n = bsq_tune_trainings(d, sp, diag);
  if (n < 0) return BSQ_EINVAL;
  bsq_tune_job_result *r = calloc((size_t)(n ? n : 1), sizeof *r);
  if (!r) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  char path[4096], *jobs = NULL;
  int rc, nmissing = 0;
  bsq_buf mb;
  bsq_buf_init(&mb);
  if ((rc = bsq_tune_describe(r, n, d, sp, diag)) ||
      (rc = path_in(path, sizeof path, dir, "jobs.txt", diag)) ||
      (rc = bsq_read_file(path, &jobs, NULL, diag)))
    goto done;
  for (int j = 0; j < n; j++) {
    if ((rc = result_path(path, sizeof path, dir, j, diag))) goto done;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
      nmissing++;
      append_line(&mb, jobs, j);
      continue;
    }
    bsq_tune_job_result want = r[j];
    if ((rc = tune_result_read(path, id, j, &want, &r[j], diag))) goto done;
  }
  if (nmissing) {
    *missing = bsq_buf_finish(&mb);
    rc = bsq_diag_set(diag, BSQ_EINVAL,
                      "%s: %d of %d jobs have no result; no tuning is made "
                      "from a partial sweep", dir, nmissing, n);
    goto done;
  }
  rc = bsq_tune_assemble(t, d, sp, r, n, 0.0, diag);
done:
  if (!*missing) free(bsq_buf_finish(&mb));
  free(jobs);
  free(r);
  return rc;
}
