/* bsq compare / bsq tune — shared pieces: a pool of training jobs on
 * pthreads, confidence intervals, and option parsing shared with train. */
#ifndef BSQ_COMPARE_H
#define BSQ_COMPARE_H

#include "model.h"

/* "5x32" or "64,32,16" into c->nhidden / c->hidden; 0 ok, -1 bad. */
int train_parse_hidden(const char *s, bsq_train_cfg *c);
/* The training options train and compare share: --hidden (H), --epochs
 * (e), --batch (B), --lr (l), --tau-decay (T), --dropout (D) and
 * --input-width (w). Returns 1 when c is one of them, having applied arg to
 * cfg or set *bad to the option's name when arg is invalid; 0 otherwise. */
int train_parse_common(int c, const char *arg, bsq_train_cfg *cfg,
                       const char **bad);

/* Two-sided 95% Student-t quantile for df degrees of freedom. */
double cmp_t975(int df);
/* Mean, sample standard deviation and the 95% t-interval of v (n). With
 * n == 1 the interval is the point itself. */
void cmp_stats(const double *v, int n, double *mean, double *sd, double *lo,
               double *hi);

/* Comma-separated list of integers in lo..hi (at most max). Returns the
 * count, or -1. */
int cmp_parse_int_list(const char *s, int lo, int hi, int *out, int max);
/* "all" or a comma list of method names; sets want[BSQ_METHOD_COUNT].
 * Returns 0, or -1 with the bad name copied to bad. */
int cmp_parse_methods(const char *s, int *want, char *bad, size_t badn);

#endif
