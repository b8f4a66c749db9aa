/* One executable per suite: BSQ_SUITE names the suite function.
 *
 * A suite whose requirements are missing (a CPU feature, a tool) prints
 * "skipped: <why>" and returns NULL: the executable then exits with 77,
 * which CMake's SKIP_RETURN_CODE makes CTest report as skipped. */
#include <check.h>
#include <stdlib.h>

#define BSQ_EXIT_SKIP 77

Suite *BSQ_SUITE(void);

int main(void) {
  Suite *s = BSQ_SUITE();
  if (!s) return BSQ_EXIT_SKIP;
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
