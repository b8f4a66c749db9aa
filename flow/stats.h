/* bsq — statistics of repeated runs: the Student-t quantile and the mean,
 * sample standard deviation and 95% confidence interval of a sample. */
#ifndef BSQ_STATS_H
#define BSQ_STATS_H

/* Two-sided 95% Student-t quantile t_{0.975, df}; NaN for df < 1. */
double bsq_t975(int df);

typedef struct {
  double mean, sd; /* sd: the sample (n - 1) standard deviation */
  double lo, hi;   /* mean -+ t_{0.975, n-1} sd / sqrt(n) */
} bsq_ci;

/* The mean, sd and 95% t-interval of v (n). With n == 1 the interval is
 * the point itself and sd is 0; with n == 0 the mean is NaN. */
void bsq_ci95(bsq_ci *out, const double *v, int n);

#endif
