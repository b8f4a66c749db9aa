/* The t quantile and the 95% interval of a sample (flow/stats.h). */
#include <check.h>
#include <math.h>

#include "stats.h"

/* Two-sided 95% quantiles t_{0.975, df} as printed in the standard
 * tables (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2,
 * "Critical values of the Student's t distribution"), four decimals. */
static const struct {
  int df;
  double t, tol;
} T_TABLE[] = {
    /* df <= 30 come from bsq's own table, df 120 from the expansion: to
     * the printed table's precision (half a unit of the fourth decimal) */
    {1, 12.7062, 5e-5}, {2, 4.3027, 5e-5}, {5, 2.5706, 5e-5},
    {10, 2.2281, 5e-5}, {30, 2.0423, 5e-5}, {120, 1.9799, 5e-5},
    /* just past the table the expansion's first omitted term is up to
     * 8.6e-5 (df 31): 1e-4 is its bound there, not the table's precision */
    {31, 2.0395, 1e-4}, {40, 2.0211, 1e-4}, {60, 2.0003, 1e-4},
    {100, 1.9840, 5e-5}};

START_TEST(test_stats_t975_matches_the_table) {
  for (size_t i = 0; i < sizeof T_TABLE / sizeof T_TABLE[0]; i++)
    ck_assert_msg(fabs(bsq_t975(T_TABLE[i].df) - T_TABLE[i].t) <=
                      T_TABLE[i].tol,
                  "df %d: %.6f, table %.4f", T_TABLE[i].df,
                  bsq_t975(T_TABLE[i].df), T_TABLE[i].t);
}
END_TEST

/* Past the table (df > 30) the expansion joins it smoothly and falls
 * towards the normal quantile 1.959964. */
START_TEST(test_stats_t975_decreases_to_the_normal_quantile) {
  for (int df = 1; df < 2000; df++)
    ck_assert_msg(bsq_t975(df + 1) < bsq_t975(df), "df %d", df);
  ck_assert(bsq_t975(1000000) > 1.959963);
  ck_assert_double_eq_tol(bsq_t975(1000000), 1.959964, 1e-5);
}
END_TEST

START_TEST(test_stats_ci95_of_one_to_five) {
  /* {1,2,3,4,5}: mean 3; squared deviations 4+1+0+1+4 = 10, so the
   * sample variance is 10 / 4 = 2.5 and sd = sqrt(2.5) = 1.5811; the
   * half-width is t_{0.975,4} sd / sqrt(5) = 2.7764 * 1.5811 / 2.2361
   * = 1.9632 (t_{0.975,4} = 2.7764 from the table). */
  const double v[] = {1, 2, 3, 4, 5};
  bsq_ci c;
  bsq_ci95(&c, v, 5);
  double h = 2.7764 * sqrt(2.5) / sqrt(5.0);
  ck_assert_double_eq_tol(c.mean, 3.0, 1e-15);
  ck_assert_double_eq_tol(c.sd, sqrt(2.5), 1e-15);
  ck_assert_double_eq_tol(c.lo, 3.0 - h, 1e-4);
  ck_assert_double_eq_tol(c.hi, 3.0 + h, 1e-4);
  ck_assert_double_eq_tol(c.hi - c.lo, 2 * 1.9632, 2e-4);
}
END_TEST

START_TEST(test_stats_ci95_limits) {
  const double one = 0.25;
  bsq_ci c;
  bsq_ci95(&c, &one, 1); /* one value: the interval is the point */
  ck_assert_double_eq(c.mean, 0.25);
  ck_assert_double_eq(c.sd, 0.0);
  ck_assert_double_eq(c.lo, 0.25);
  ck_assert_double_eq(c.hi, 0.25);
  const double same[] = {2, 2, 2};
  bsq_ci95(&c, same, 3); /* no spread: no width */
  ck_assert_double_eq(c.lo, 2.0);
  ck_assert_double_eq(c.hi, 2.0);
  bsq_ci95(&c, NULL, 0);
  ck_assert(isnan(c.mean));
  ck_assert(isnan(bsq_t975(0)));
  ck_assert(isnan(bsq_t975(-3)));
}
END_TEST

Suite *stats_suite(void);
Suite *stats_suite(void) {
  Suite *s = suite_create("stats");
  TCase *num = tcase_create("Numerics");
  tcase_add_test(num, test_stats_t975_matches_the_table);
  tcase_add_test(num, test_stats_t975_decreases_to_the_normal_quantile);
  tcase_add_test(num, test_stats_ci95_of_one_to_five);
  suite_add_tcase(s, num);
  TCase *lim = tcase_create("Limits");
  tcase_add_test(lim, test_stats_ci95_limits);
  suite_add_tcase(s, lim);
  return s;
}
