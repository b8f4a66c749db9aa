/* bsq — the t quantile and the 95% interval of a sample (bsq compare's
 * rows over the seeds, bsq tune's folds). */
#include "stats.h"

#include <math.h>

double bsq_t975(int df) {
  /* Two-sided 95% quantiles t_{0.975, df}, df = 1..30 (standard tables). */
  static const double T[30] = {
      12.7062047, 4.3026527, 3.1824463, 2.7764451, 2.5705818, 2.4469119,
      2.3646243,  2.3060041, 2.2621572, 2.2281389, 2.2009852, 2.1788128,
      2.1603687,  2.1447867, 2.1314495, 2.1199053, 2.1098156, 2.1009220,
      2.0930241,  2.0859634, 2.0796138, 2.0738731, 2.0686576, 2.0638986,
      2.0595386,  2.0555294, 2.0518305, 2.0484071, 2.0452296, 2.0422725};
  if (df < 1) return NAN;
  if (df <= 30) return T[df - 1];
  /* Cornish-Fisher expansion around the normal quantile z (Abramowitz &
   * Stegun 26.7.5), its first two terms in 1/df. The first term left out,
   * (3 z^7 + 19 z^5 + 17 z^3 - 15 z) / (384 df^3), is below 1e-4 from
   * df 31 on (8.6e-5 there) and below 2e-6 at df 120. */
  double z = 1.959963985, n = df;
  return z + (z * z * z + z) / (4 * n) +
         (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
}

void bsq_ci95(bsq_ci *out, const double *v, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i];
  double m = n > 0 ? s / n : NAN, q = 0;
  for (int i = 0; i < n; i++) q += (v[i] - m) * (v[i] - m);
  double sdv = n > 1 ? sqrt(q / (n - 1)) : 0.0;
  double h = n > 1 ? bsq_t975(n - 1) * sdv / sqrt((double)n) : 0.0;
  out->mean = m;
  out->sd = sdv;
  out->lo = m - h;
  out->hi = m + h;
}
