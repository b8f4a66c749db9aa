/* One executable per suite: BSQ_SUITE names the suite function. */
#include <check.h>
#include <stdlib.h>

Suite *BSQ_SUITE(void);

int main(void) {
  SRunner *sr = srunner_create(BSQ_SUITE());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
