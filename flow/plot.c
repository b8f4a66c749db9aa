/* bsq — the comparison plot (plot.h). */
#define _GNU_SOURCE /* mkstemp */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

/* Bw-SQ, the method itself, drawn thick and red */
static const char *const COLOR[BSQ_METHOD_COUNT] = {
    [BSQ_METHOD_BW_SQ] = "#d62728", [BSQ_METHOD_FP] = "#000000",
    [BSQ_METHOD_PO_MQ] = "#ff7f0e", [BSQ_METHOD_PO_QQ] = "#bcbd22",
    [BSQ_METHOD_PR_MQ] = "#1f77b4", [BSQ_METHOD_PR_QQ] = "#17becf",
    [BSQ_METHOD_BW_MQ] = "#2ca02c", [BSQ_METHOD_BW_QQ] = "#9467bd",
    [BSQ_METHOD_SQ] = "#8c564b",    [BSQ_METHOD_LSQ] = "#e377c2",
    [BSQ_METHOD_SQ_PLUS] = "#c49c94", [BSQ_METHOD_LLT4] = "#7f7f7f",
    [BSQ_METHOD_LLT9] = "#393b79"};

/* a baseline that breaks down at low bits would flatten the rest: then a
 * log scale with these labelled ticks, not decades */
static void log_ticks(bsq_buf *b, double ymin, double ymax) {
  static const double TICKS[] = {0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.06,
                                 0.08, 0.1,  0.12, 0.15, 0.2,  0.25, 0.3,
                                 0.4,  0.5,  0.6,  0.7,  0.8,  1,    1.2,
                                 1.5,  2,    2.5,  3,    4,    5,    6,
                                 8,    10,   15,   20,   30,   50,   100};
  bsq_buf_puts(b, "set logscale y\nset ytics (");
  int nt = 0;
  for (size_t i = 0; i < sizeof TICKS / sizeof TICKS[0]; i++)
    if (TICKS[i] >= 0.93 * ymin && TICKS[i] <= 1.07 * ymax)
      bsq_buf_printf(b, "%s%g", nt++ ? ", " : "", TICKS[i]);
  bsq_buf_puts(b, ")\n");
}

char *bsq_plot_script(const bsq_report *R) {
  bsq_buf b;
  bsq_buf_init(&b);
  const bsq_report_row *rows = R->row;
  int nrows = R->nrows;
  int bmin = R->bits[0], bmax = R->bits[0];
  double ymin = INFINITY, ymax = 0;
  for (int k = 0; k < R->nbits; k++) {
    bmin = R->bits[k] < bmin ? R->bits[k] : bmin;
    bmax = R->bits[k] > bmax ? R->bits[k] : bmax;
  }
  for (int i = 0; i < nrows; i++) {
    ymin = fmin(ymin, rows[i].lo > 0 ? rows[i].lo : rows[i].mean);
    ymax = fmax(ymax, rows[i].hi);
  }
  /* the title: the file name only, without characters that would end a
   * gnuplot string; printed noenhanced, so '_' is not a subscript */
  const char *base = strrchr(R->source, '/');
  base = base ? base + 1 : R->source;
  char title[600];
  size_t k = 0;
  for (const char *s = base; *s && k < sizeof title - 1; s++)
    if (*s != '"' && *s != '\\') title[k++] = *s;
  title[k] = '\0';
  bsq_buf_puts(&b, "set terminal svg size 900,560 dynamic enhanced "
                   "font 'sans,12' background rgb 'white'\n");
  bsq_buf_printf(&b, "set title \"%s: test MSE (hardware-true) vs bits per "
                     "feature, mean and 95%% CI over %d seeds\" noenhanced\n",
                 title, R->nseeds);
  bsq_buf_puts(&b, "set xlabel 'bits per feature'\nset ylabel 'test MSE "
                   "(standardized target)'\n");
  bsq_buf_puts(&b, "set key outside right top noenhanced\nset grid\n");
  bsq_buf_printf(&b, "set xrange [%g:%g]\n", bmin - 0.3, bmax + 0.3);
  bsq_buf_puts(&b, "set xtics (");
  for (int j = 0; j < R->nbits; j++)
    bsq_buf_printf(&b, "%s%d", j ? ", " : "", R->bits[j]);
  bsq_buf_puts(&b, ")\n");
  if (ymin > 0 && ymax / ymin > 2.5) log_ticks(&b, ymin, ymax);
  if (ymin > 0 && ymax > ymin)
    bsq_buf_printf(&b, "set yrange [%.6g:%.6g]\n", 0.93 * ymin, 1.07 * ymax);
  int nplots = 0;
  for (int i = 0; i < nrows; i++) {
    if (rows[i].method != BSQ_METHOD_FP) continue;
    bsq_buf_printf(&b, "$fp << EOD\n%g %.9g %.9g %.9g\n%g %.9g %.9g %.9g\n"
                       "EOD\n",
                   bmin - 0.3, rows[i].lo, rows[i].hi, rows[i].mean,
                   bmax + 0.3, rows[i].lo, rows[i].hi, rows[i].mean);
    nplots++;
  }
  /* each method a little to the side, so that the intervals of one bit
   * width do not hide each other */
  int nm = 0, slot = 0;
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    nm += R->want[m] && m != BSQ_METHOD_FP;
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    if (!R->want[m] || m == BSQ_METHOD_FP) continue;
    double dx = 0.035 * (slot++ - 0.5 * (nm - 1));
    bsq_buf_printf(&b, "$m%d << EOD\n", m);
    for (int j = 0; j < R->nbits; j++)
      for (int i = 0; i < nrows; i++)
        if ((int)rows[i].method == m && rows[i].bits == R->bits[j])
          bsq_buf_printf(&b, "%.4f %.9g %.9g %.9g\n", rows[i].bits + dx,
                         rows[i].mean, rows[i].lo, rows[i].hi);
    bsq_buf_puts(&b, "EOD\n");
  }
  bsq_buf_puts(&b, "plot ");
  int first = 1;
  if (nplots) {
    bsq_buf_puts(&b, "$fp using 1:2:3 with filledcurves fc rgb '#bbbbbb' "
                     "fs transparent solid 0.5 noborder title 'FP 95% CI', "
                     "\\\n     $fp using 1:4 with lines lc rgb 'black' dt 2 "
                     "lw 1.5 title 'FP mean'");
    first = 0;
  }
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) {
    if (!R->want[m] || m == BSQ_METHOD_FP) continue;
    bsq_buf_printf(&b, "%s$m%d using 1:2:3:4 with yerrorlines lc rgb '%s' "
                       "lw %s pt %d ps 0.8 title '%s'",
                   first ? "" : ", \\\n     ", m, COLOR[m],
                   m == BSQ_METHOD_BW_SQ ? "3" : "1.5", (m % 7) + 1,
                   bsq_method_label(m));
    first = 0;
  }
  bsq_buf_puts(&b, "\n");
  return bsq_buf_finish(&b);
}

/* Runs gnuplot on a script file and writes its stdout (the SVG) to path,
 * atomically. */
static int run_gnuplot(const char *prog, const char *script, const char *path,
                       bsq_diag *diag) {
  int fd[2];
  if (pipe(fd)) return bsq_diag_set(diag, BSQ_EIO, "pipe: %s", strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fd[0]);
  posix_spawn_file_actions_addclose(&fa, fd[1]);
  char *argv[] = {(char *)prog, (char *)script, NULL};
  pid_t pid;
  int se = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fd[1]);
  if (se) {
    close(fd[0]);
    return bsq_diag_set(diag, BSQ_ETOOL,
                        "cannot run %s: %s (scripts/deps.sh installs "
                        "gnuplot-nox)", prog, strerror(se));
  }
  bsq_atomic_file af;
  int rc = bsq_atomic_open(&af, path, diag);
  char buf[8192];
  ssize_t n;
  size_t total = 0;
  int ok = rc == BSQ_OK;
  while ((n = read(fd[0], buf, sizeof buf)) > 0) {
    if (ok && fwrite(buf, 1, (size_t)n, af.fp) != (size_t)n) ok = 0;
    total += (size_t)n;
  }
  close(fd[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  int good = WIFEXITED(st) && WEXITSTATUS(st) == 0 && total > 0;
  if (rc == BSQ_OK) {
    rc = bsq_atomic_close(&af, ok && good, diag);
    if (rc == BSQ_OK && !good)
      rc = bsq_diag_set(diag, BSQ_ETOOL,
                        "%s: gnuplot failed (exit %d); is gnuplot-nox "
                        "installed?",
                        path, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  }
  return rc;
}

int bsq_plot_write(const bsq_report *r, const char *path, const char *gnuplot,
                   bsq_diag *diag) {
  char *text = bsq_plot_script(r);
  if (!text) return bsq_diag_set(diag, BSQ_ENOMEM, "%s: out of memory", path);
  int rc = bsq_plot_script_write(text, path, gnuplot, diag);
  free(text);
  return rc;
}

int bsq_plot_script_write(const char *text, const char *path,
                          const char *gnuplot, bsq_diag *diag) {
  char tmpl[] = "/tmp/bsq-plot-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) {
    return bsq_diag_set(diag, BSQ_EIO, "cannot create a temporary file: %s",
                        strerror(errno));
  }
  size_t len = strlen(text), off = 0;
  while (off < len) {
    ssize_t w = write(fd, text + off, len - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
  if (close(fd) || off < len) {
    unlink(tmpl);
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot write", tmpl);
  }
  int rc = run_gnuplot(gnuplot ? gnuplot : "gnuplot", tmpl, path, diag);
  unlink(tmpl);
  return rc;
}
