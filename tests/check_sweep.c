/* A comparison as a job list (flow/sweep.h, bsq compare --plan/--collect):
 * run through GNU parallel it gives the in-process report, timings aside;
 * a lost job is listed and a rerun completes the sweep; a corrupted result
 * is refused with its path; a plan directory holds one plan. The same for
 * a tuning's plan in its two phases (bsq tune --plan/--collect). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define SWEEP "--data friedman1 --rows 2500 --epochs 2 --bits 2,3 " \
              "--methods bw-sq,po-mq,lsq --seeds 2 --jobs 2"

/* The report's JSON without its timing fields, printed again. */
static char *untimed(const char *path) {
  char *text = tu_read(path, NULL);
  ck_assert_msg(text != NULL, "%s missing", path);
  cJSON *root = cJSON_Parse(text);
  free(text);
  ck_assert_ptr_nonnull(root);
  cJSON *set = cJSON_GetObjectItemCaseSensitive(root, "settings");
  ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(set, "wall_seconds"));
  cJSON_DeleteItemFromObjectCaseSensitive(set, "wall_seconds");
  cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
  ck_assert_int_gt(cJSON_GetArraySize(rows), 0);
  cJSON *r;
  cJSON_ArrayForEach(r, rows) cJSON_DeleteItemFromObjectCaseSensitive(r, "train_seconds");
  char *out = cJSON_Print(root);
  cJSON_Delete(root);
  return out;
}

/* A JSON file without any "seconds", "wall_seconds" or "train_seconds",
 * at any depth, printed again. */
static void drop_timings(cJSON *o) {
  cJSON_DeleteItemFromObjectCaseSensitive(o, "seconds");
  cJSON_DeleteItemFromObjectCaseSensitive(o, "wall_seconds");
  cJSON_DeleteItemFromObjectCaseSensitive(o, "train_seconds");
  cJSON *c;
  cJSON_ArrayForEach(c, o) if (cJSON_IsObject(c) || cJSON_IsArray(c))
      drop_timings(c);
}

static char *untimed_all(const char *path) {
  char *text = tu_read(path, NULL);
  ck_assert_msg(text != NULL, "%s missing", path);
  cJSON *root = cJSON_Parse(text);
  free(text);
  ck_assert_ptr_nonnull(root);
  drop_timings(root);
  char *out = cJSON_Print(root);
  cJSON_Delete(root);
  return out;
}

/* Runs every line of DIR/jobs.txt with GNU parallel, with BSQ set to the
 * bsq under test; 0 when all succeeded. */
static int run_parallel(const char *dir) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "BSQ='%s' parallel -j2 --halt now,fail=1 < '%s/jobs.txt' "
           ">/dev/null 2>&1", BSQ_EXE, dir);
  return system(cmd);
}

START_TEST(test_sweep_parallel_gives_the_in_process_report) {
  char *dir = tu_tmpdir("sweep");
  char args[4096], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "compare " SWEEP " -q --json '%s/inproc.json'",
           dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "compare " SWEEP " --plan '%s/plan'", dir);
  ck_assert_int_eq(tu_bsq(args, &out, NULL), 0);
  /* FP once per seed (Po-MQ reuses it), Bw-SQ and LSQ per width: 10 jobs */
  ck_assert_msg(strstr(out, "10 jobs") != NULL, "%s", out);
  free(out);
  char plan[1024];
  snprintf(plan, sizeof plan, "%s/plan", dir);
  ck_assert_int_eq(run_parallel(plan), 0);
  snprintf(args, sizeof args, "compare --collect '%s' --json '%s/col.json'",
           plan, dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  char pa[1100], pb[1100];
  snprintf(pa, sizeof pa, "%s/inproc.json", dir);
  snprintf(pb, sizeof pb, "%s/col.json", dir);
  char *a = untimed(pa), *b = untimed(pb);
  ck_assert_str_eq(a, b);
  free(a);
  free(b);

  /* a lost job: collecting names it and makes no report */
  snprintf(pa, sizeof pa, "%s/results/job-0004.json", plan);
  ck_assert_int_eq(unlink(pa), 0);
  snprintf(pb, sizeof pb, "%s/partial.json", dir);
  snprintf(args, sizeof args, "compare --collect '%s' --json '%s'", plan, pb);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "1 of 10 jobs have no result") != NULL, "%s", err);
  ck_assert_msg(strstr(err, "--job 4\n") != NULL, "%s", err);
  ck_assert(!tu_exists(pb));
  free(err);
  /* rerunning the list runs that job only, and completes the sweep */
  ck_assert_int_eq(run_parallel(plan), 0);
  ck_assert(tu_exists(pa));
  snprintf(args, sizeof args, "compare --collect '%s' --json '%s'", plan, pb);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  a = untimed(pb);
  snprintf(pb, sizeof pb, "%s/inproc.json", dir);
  b = untimed(pb);
  ck_assert_str_eq(a, b);
  free(a);
  free(b);

  /* a corrupted result is refused with its path */
  snprintf(pa, sizeof pa, "%s/results/job-0007.json", plan);
  char *text = tu_read(pa, NULL);
  ck_assert_ptr_nonnull(text);
  char *mse = strstr(text, "\"mse_hw\"");
  ck_assert_ptr_nonnull(mse);
  memcpy(mse, "\"mse_xx\"", 8);
  free(tu_write(plan, "results/job-0007.json", text));
  free(text);
  snprintf(args, sizeof args, "compare --collect '%s'", plan);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "results/job-0007.json: runs[") != NULL, "%s", err);
  free(err);
  free(tu_write(plan, "results/job-0007.json", "{\"format\": "));
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "results/job-0007.json: not JSON") != NULL, "%s",
                err);
  free(err);

  /* the plan directory holds one plan */
  snprintf(args, sizeof args, "compare " SWEEP " --epochs 3 --plan '%s'", plan);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "holds another plan") != NULL, "%s", err);
  free(err);
  free(dir);
}
END_TEST

#define TUNE "--data friedman1 --rows 800 --epochs 2 --bits 2 " \
             "--methods bw-sq,po-mq,sq+ --trials 2 --folds 2 --jobs 2"

/* Phase one (the tuning's trainings) and phase two (the test of the
 * chosen settings, bsq compare's plan) give what tune and compare --tune
 * give in process, timings aside. */
START_TEST(test_sweep_tune_plan_in_two_phases) {
  char *dir = tu_tmpdir("sweep-tune");
  char args[4096], *out = NULL, *err = NULL, pa[1100], pb[1100];
  snprintf(args, sizeof args, "tune " TUNE " -q --json '%s/tune.json'", dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(args, sizeof args,
           "compare " TUNE " --tune -q --json '%s/inproc.json'", dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "tune " TUNE " --plan '%s/tp'", dir);
  ck_assert_int_eq(tu_bsq(args, &out, NULL), 0);
  /* FP (for Po-MQ), Bw-SQ and SQ+: 3 units, 2 trials, 2 folds */
  ck_assert_msg(strstr(out, "12 trainings") != NULL, "%s", out);
  free(out);
  char plan[1024];
  snprintf(plan, sizeof plan, "%s/tp", dir);
  /* nothing ran yet: no tuning, no phase two */
  snprintf(args, sizeof args, "tune --collect '%s'", plan);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "12 of 12 jobs have no result") != NULL, "%s", err);
  free(err);
  snprintf(pa, sizeof pa, "%s/test", plan);
  ck_assert(!tu_exists(pa));
  ck_assert_int_eq(run_parallel(plan), 0);
  /* a lost job is listed; rerunning the list completes phase one */
  snprintf(pa, sizeof pa, "%s/results/job-0005.json", plan);
  ck_assert_int_eq(unlink(pa), 0);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "--job 5\n") != NULL, "%s", err);
  free(err);
  ck_assert_int_eq(run_parallel(plan), 0);
  /* a corrupted result is refused with its path */
  char *text = tu_read(pa, NULL);
  ck_assert_ptr_nonnull(text);
  char *mse = strstr(text, "\"mse_hw\"");
  ck_assert_ptr_nonnull(mse);
  memcpy(mse, "\"mse_xx\"", 8);
  free(tu_write(plan, "results/job-0005.json", text));
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "results/job-0005.json: mse_hw") != NULL, "%s",
                err);
  free(err);
  memcpy(mse, "\"mse_hw\"", 8);
  free(tu_write(plan, "results/job-0005.json", text));
  free(text);

  snprintf(args, sizeof args, "tune --collect '%s' --json '%s/col-tune.json'",
           plan, dir);
  ck_assert_int_eq(tu_bsq(args, &out, NULL), 0);
  ck_assert_msg(strstr(out, "/test: 15 jobs") != NULL, "%s", out);
  free(out);
  snprintf(pa, sizeof pa, "%s/tune.json", dir);
  snprintf(pb, sizeof pb, "%s/col-tune.json", dir);
  char *a = untimed_all(pa), *b = untimed_all(pb);
  ck_assert_str_eq(a, b);
  free(a);
  free(b);
  /* phase two: compare's plan in DIR/test, its report compare --tune's */
  snprintf(pa, sizeof pa, "%s/test", plan);
  snprintf(args, sizeof args, "compare --collect '%s'", pa);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "15 of 15 jobs have no result") != NULL, "%s", err);
  free(err);
  ck_assert_int_eq(run_parallel(pa), 0);
  snprintf(args, sizeof args, "compare --collect '%s' --json '%s/col.json'",
           pa, dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(pa, sizeof pa, "%s/inproc.json", dir);
  snprintf(pb, sizeof pb, "%s/col.json", dir);
  a = untimed_all(pa);
  b = untimed_all(pb);
  ck_assert_str_eq(a, b);
  free(a);
  free(b);
  free(dir);
}
END_TEST

START_TEST(test_sweep_usage) {
  char *err = NULL;
  ck_assert_int_eq(tu_bsq("compare " SWEEP " --job 1", NULL, &err), 1);
  ck_assert_ptr_nonnull(strstr(err, "--job N needs --plan DIR"));
  free(err);
  ck_assert_int_eq(tu_bsq("compare --collect /nonexistent-plan --epochs 3",
                          NULL, &err), 1);
  ck_assert_ptr_nonnull(strstr(err, "the rest is the plan's"));
  free(err);
  ck_assert_int_eq(tu_bsq("compare --collect /nonexistent-plan", NULL, &err),
                   2);
  ck_assert_ptr_nonnull(strstr(err, "not a plan directory"));
  free(err);
  char *dir = tu_tmpdir("sweep-usage");
  char args[1024];
  snprintf(args, sizeof args, "compare " SWEEP " --plan '%s/p' --job 10", dir);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "--job 10: the plan has 10 jobs") != NULL, "%s",
                err);
  free(err);
  snprintf(args, sizeof args, "compare " SWEEP " --tune --plan '%s/p'", dir);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 1);
  ck_assert_ptr_nonnull(strstr(err, "bsq tune --plan DIR"));
  free(err);
  ck_assert_int_eq(tu_bsq("tune " TUNE " --job 1", NULL, &err), 1);
  ck_assert_ptr_nonnull(strstr(err, "--job N needs --plan DIR"));
  free(err);
  ck_assert_int_eq(tu_bsq("tune --collect /nonexistent-plan --trials 3",
                          NULL, &err), 1);
  ck_assert_ptr_nonnull(strstr(err, "the rest is the plan's"));
  free(err);
  snprintf(args, sizeof args, "tune " TUNE " --plan '%s/t' --job 12", dir);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "--job 12: the plan has 12 jobs") != NULL, "%s",
                err);
  free(err);
  /* phase two before phase one is complete */
  snprintf(args, sizeof args, "tune " TUNE " --plan '%s/t'", dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "compare " TUNE " --tuned-plan '%s/t' --plan "
           "'%s/c'", dir, dir);
  ck_assert_int_eq(tu_bsq(args, NULL, &err), 2);
  ck_assert_msg(strstr(err, "--tuned-plan: ") != NULL &&
                strstr(err, "12 of 12 jobs have no result") != NULL, "%s", err);
  free(err);
  free(dir);
}
END_TEST

Suite *sweep_suite(void);
Suite *sweep_suite(void) {
  if (system("parallel --version >/dev/null 2>&1") != 0) {
    printf("skipped: GNU parallel not found (Debian package parallel)\n");
    return NULL;
  }
  Suite *s = suite_create("sweep");
  TCase *tc = tcase_create("Core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_sweep_parallel_gives_the_in_process_report);
  tcase_add_test(tc, test_sweep_tune_plan_in_two_phases);
  tcase_add_test(tc, test_sweep_usage);
  suite_add_tcase(s, tc);
  return s;
}
