/* bsq — the comparison plot: test MSE against bits per feature, one line
 * per method with its 95% intervals, FP as a band; a gnuplot script run
 * by gnuplot (gnuplot-nox) into an SVG file. */
#ifndef BSQ_PLOT_H
#define BSQ_PLOT_H

#include "report.h"

/* The gnuplot script of r (malloc'ed), or NULL (out of memory). */
char *bsq_plot_script(const bsq_report *r);
/* Runs `gnuplot` (found on PATH; NULL for "gnuplot") on the script and
 * writes its SVG to path atomically. BSQ_ETOOL when gnuplot cannot run or
 * fails, BSQ_EIO for the files. */
int bsq_plot_write(const bsq_report *r, const char *path, const char *gnuplot,
                   bsq_diag *diag);
/* The same for any gnuplot script text (an SVG terminal), e.g. the bit
 * budget's front (alloc.h). */
int bsq_plot_script_write(const char *script, const char *path,
                          const char *gnuplot, bsq_diag *diag);

#endif
