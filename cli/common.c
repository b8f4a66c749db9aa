/* bsq — helpers shared by the subcommands. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "codec.h"
#include "err.h"

void cli_verror(const char *cmd, const char *fmt, va_list ap) {
  fprintf(stderr, "bsq %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

void cli_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cli_verror(cmd, fmt, ap);
  va_end(ap);
}

int cli_usage_fail(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cli_verror(cmd, fmt, ap);
  va_end(ap);
  return BSQ_EXIT_USAGE;
}

int cli_exit_for(int err) {
  if (err == BSQ_OK) return BSQ_EXIT_OK;
  if (err == BSQ_EMISMATCH) return BSQ_EXIT_MISMATCH;
  return BSQ_EXIT_INPUT;
}

int cli_parse_int(const char *s, long lo, long hi, long *out) {
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int cli_parse_double(const char *s, double *out) {
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

int cli_isatty_stderr(void) { return isatty(STDERR_FILENO); }

int cli_load_data(const char *cmd, const char *spec, const char *target,
                  int rows, unsigned long long data_seed, bsq_dataset *d) {
  bsq_diag diag = {{0}};
  int rc = bsq_dataset_open(d, spec, target, rows, data_seed, &diag);
  if (rc) cli_error(cmd, "%s", diag.msg);
  return rc;
}

int cli_load_model_data(const char *cmd, const bsq_model *m, const char *spec,
                        bsq_dataset *d) {
  bsq_diag diag = {{0}};
  int rc = bsq_model_load_data(m, spec, d, &diag);
  if (rc) cli_error(cmd, "%s", diag.msg);
  return rc;
}

void cli_print_saturated(FILE *fp, const char *label, const bsq_model *m,
                         const bsq_dataset *d, const int *rows, int n) {
  long long total = 0, *per = malloc(sizeof(long long) * (size_t)m->F);
  if (!per || bsq_codec_check_rows(m, d, rows, n, &total, per, NULL)) {
    free(per); /* the caller has checked the rows: only memory can fail */
    return;
  }
  long long values = (long long)(rows ? n : d->rows) * m->F;
  fprintf(fp, "%s%lld of %lld values beyond their format's code range",
          label, total, values);
  for (int f = 0, k = 0; f < m->F; f++)
    if (per[f]) fprintf(fp, "%s%s %lld", k++ ? ", " : " (", m->names[f], per[f]);
  fprintf(fp, "%s\n", total ? ")" : "");
  free(per);
}

/* SIGINT / SIGTERM / SIGHUP: whatever was being written is abandoned (its
 * temporary removed; the file it would have replaced is untouched), then
 * the process ends by the same signal, so the shell sees an interrupted
 * command (exit status 130 for SIGINT) and stops a script or loop. */
static void on_signal(int sig) {
  static const char msg[] = "bsq: interrupted; unfinished files removed\n";
  bsq_atomic_abandon_all();
  ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)w;
  signal(sig, SIG_DFL);
  raise(sig);
}

void cli_handle_signals(void) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* a signal ignored by whoever started us (nohup, `cmd &` in a
     * non-interactive shell) stays ignored */
    if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
      continue;
    sigaction(sigs[i], &sa, NULL);
  }
}
