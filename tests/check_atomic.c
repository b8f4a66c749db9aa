/* Atomic writes (model/err.c) and interrupts: a file is replaced whole or
 * not at all, and an interrupted `bsq train` leaves the previous model
 * file byte for byte as it was, with no temporary beside it.
 *
 * What a signal does (cli/common.c): SIGINT, SIGTERM and SIGHUP remove the
 * temporaries of unfinished writes, print "bsq: interrupted; unfinished
 * files removed" and end the process by the same signal (a shell reports
 * 128 + signal, 130 for SIGINT). Nothing is written after the signal. */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "model.h"
#include "testutil.h"

/* Entries of dir other than . and .., comma-separated, sorted by readdir
 * order; "" when empty. Fixed buffer: these directories are small. */
static void listing(const char *dir, char *out, size_t cap) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  out[0] = '\0';
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "%s%s", n ? "," : "", de->d_name);
  }
  closedir(d);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Starts bsq with argv (NULL-terminated, argv[0] unused) with stdout and
 * stderr to files in dir; SIGINT and SIGTERM at their defaults whatever
 * the test runner inherited. */
static pid_t start_bsq(char *const *argv, const char *dir) {
  char out[4096], err[4096];
  snprintf(out, sizeof out, "%s/../stdout", dir);
  snprintf(err, sizeof err, "%s/../stderr", dir);
  /* Until the child has reset them, a signal sent to it would run the
   * handlers it inherited (Check's: kill the whole test): block them. */
  sigset_t block, saved;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &saved);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigprocmask(SIG_SETMASK, &saved, NULL);
    if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr)) _exit(126);
    execv(BSQ_EXE, argv);
    _exit(127);
  }
  sigprocmask(SIG_SETMASK, &saved, NULL);
  ck_assert_int_ge(pid, 0);
  return pid;
}

/* ---------------------------------------------------------------------- */
/* Core                                                                    */

/* Trains a small model into path (the "previous" model file). */
static void train_small(const char *path) {
  char args[4096];
  snprintf(args, sizeof args,
           "train --data friedman1 --rows 300 --epochs 2 --hidden 4 -q "
           "-o '%s'",
           path);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
}

static const int SIGNALS[] = {SIGINT, SIGTERM};

START_TEST(test_atomic_signal_keeps_previous_model) {
  int sig = SIGNALS[_i];
  char *root = tu_tmpdir("sigint");
  char dir[4096], model[4200], list[4096];
  snprintf(dir, sizeof dir, "%s/out", root);
  ck_assert_int_eq(mkdir(dir, 0755), 0);
  snprintf(model, sizeof model, "%s/model.json", dir);
  train_small(model);
  size_t before_len;
  char *before = tu_read(model, &before_len);
  ck_assert_ptr_nonnull(before);

  /* a job of a minute or more, interrupted a second into training */
  char *argv[] = {"bsq", "train", "--data", "friedman1", "--epochs", "5000",
                  "-q", "-o", model, NULL};
  pid_t pid = start_bsq(argv, dir);
  sleep_ms(1200);
  int st = 0;
  ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0); /* still training */
  ck_assert_int_eq(kill(pid, sig), 0);
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == sig,
                "expected death by signal %d, status 0x%x", sig, st);

  size_t after_len;
  char *after = tu_read(model, &after_len);
  ck_assert_ptr_nonnull(after);
  ck_assert_uint_eq(after_len, before_len);
  ck_assert_mem_eq(after, before, before_len);
  listing(dir, list, sizeof list);
  ck_assert_str_eq(list, "model.json"); /* no temporary left */
  char errp[4096];
  snprintf(errp, sizeof errp, "%s/stderr", root);
  char *err = tu_read(errp, NULL);
  ck_assert_ptr_nonnull(err);
  ck_assert_str_eq(err, "bsq: interrupted; unfinished files removed\n");
  free(err);
  free(before);
  free(after);
  free(root);
}
END_TEST

/* Interrupts at many moments of short runs, some during the final write:
 * the file is always either the old one or a complete new one, and no
 * temporary is ever left. */
START_TEST(test_atomic_signal_at_any_moment_is_safe) {
  char *root = tu_tmpdir("sigsweep");
  char dir[4096], model[4200], list[4096];
  snprintf(dir, sizeof dir, "%s/out", root);
  ck_assert_int_eq(mkdir(dir, 0755), 0);
  snprintf(model, sizeof model, "%s/model.json", dir);
  train_small(model);
  size_t old_len;
  char *old = tu_read(model, &old_len);
  int kept = 0, replaced = 0;
  for (int k = 0; k < 12; k++) {
    char *argv[] = {"bsq", "train", "--data", "friedman1", "--rows", "2000",
                    "--epochs", "3", "--hidden", "8", "-q", "-o", model, NULL};
    pid_t pid = start_bsq(argv, dir);
    sleep_ms(15L * k);
    kill(pid, SIGINT);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    size_t len;
    char *now = tu_read(model, &len);
    ck_assert_ptr_nonnull(now);
    if (len == old_len && memcmp(now, old, len) == 0) {
      kept++;
    } else {
      /* a complete new model: the signal came after the rename (the run
       * then ended by it, or had already exited) */
      ck_assert_msg((WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
                        (WIFSIGNALED(st) && WTERMSIG(st) == SIGINT),
                    "status 0x%x", st);
      bsq_model m;
      bsq_diag g = {{0}};
      ck_assert_msg(bsq_model_from_json(&m, now, len, "new", &g) == 0,
                    "a partial model file: %s", g.msg);
      bsq_model_free(&m);
      replaced++;
      free(old);
      old = now;
      old_len = len;
      now = NULL;
    }
    free(now);
    listing(dir, list, sizeof list);
    ck_assert_str_eq(list, "model.json");
  }
  ck_assert_int_gt(kept, 0);
  free(old);
  free(root);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */

START_TEST(test_atomic_failed_write_keeps_previous_file) {
  char *dir = tu_tmpdir("atomic");
  char *path = tu_write(dir, "f.txt", "old\n");
  char list[4096];
  bsq_atomic_file af;
  bsq_diag d = {{0}};
  ck_assert_int_eq(bsq_atomic_open(&af, path, &d), 0);
  fputs("half of the new", (FILE *)af.fp);
  listing(dir, list, sizeof list);
  ck_assert_ptr_nonnull(strstr(list, "f.txt.tmp."));
  ck_assert_int_eq(bsq_atomic_close(&af, 0, &d), BSQ_EIO);
  char *s = tu_read(path, NULL);
  ck_assert_str_eq(s, "old\n");
  free(s);
  listing(dir, list, sizeof list);
  ck_assert_str_eq(list, "f.txt");

  /* a success replaces it whole */
  ck_assert_int_eq(bsq_atomic_open(&af, path, &d), 0);
  fputs("new\n", (FILE *)af.fp);
  ck_assert_int_eq(bsq_atomic_close(&af, 1, &d), 0);
  s = tu_read(path, NULL);
  ck_assert_str_eq(s, "new\n");
  free(s);
  listing(dir, list, sizeof list);
  ck_assert_str_eq(list, "f.txt");
  free(path);
  free(dir);
}
END_TEST

/* What the signal handler calls: every open temporary goes, nothing else;
 * closing afterwards fails and still leaves the old file. */
START_TEST(test_atomic_abandon_all_removes_temporaries) {
  char *dir = tu_tmpdir("abandon");
  char *p1 = tu_write(dir, "a.txt", "A\n");
  char list[4096], p2[4096];
  snprintf(p2, sizeof p2, "%s/b.txt", dir);
  bsq_atomic_file a, b;
  bsq_diag d = {{0}};
  ck_assert_int_eq(bsq_atomic_open(&a, p1, &d), 0);
  ck_assert_int_eq(bsq_atomic_open(&b, p2, &d), 0);
  fputs("new A\n", (FILE *)a.fp);
  fputs("new B\n", (FILE *)b.fp);
  fflush((FILE *)a.fp);
  listing(dir, list, sizeof list);
  ck_assert_ptr_nonnull(strstr(list, "a.txt.tmp."));
  ck_assert_ptr_nonnull(strstr(list, "b.txt.tmp."));
  bsq_atomic_abandon_all();
  listing(dir, list, sizeof list);
  ck_assert_str_eq(list, "a.txt");
  ck_assert_int_eq(bsq_atomic_close(&a, 1, &d), BSQ_EIO);
  ck_assert_int_eq(bsq_atomic_close(&b, 1, &d), BSQ_EIO);
  char *s = tu_read(p1, NULL);
  ck_assert_str_eq(s, "A\n");
  free(s);
  ck_assert(!tu_exists(p2));
  /* closed writes are no longer tracked: abandon_all leaves files alone */
  ck_assert_int_eq(bsq_atomic_open(&a, p1, &d), 0);
  fputs("A2\n", (FILE *)a.fp);
  ck_assert_int_eq(bsq_atomic_close(&a, 1, &d), 0);
  bsq_atomic_abandon_all();
  s = tu_read(p1, NULL);
  ck_assert_str_eq(s, "A2\n");
  free(s);
  free(p1);
  free(dir);
}
END_TEST

Suite *atomic_suite(void); /* called by check_main.c as BSQ_SUITE */
Suite *atomic_suite(void) {
  Suite *s = suite_create("atomic");
  TCase *tc = tcase_create("Core");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_atomic_signal_keeps_previous_model, 0,
                      (int)(sizeof SIGNALS / sizeof SIGNALS[0]));
  tcase_add_test(tc, test_atomic_signal_at_any_moment_is_safe);
  suite_add_tcase(s, tc);
  tc = tcase_create("Errors");
  tcase_add_test(tc, test_atomic_failed_write_keeps_previous_file);
  tcase_add_test(tc, test_atomic_abandon_all_removes_temporaries);
  suite_add_tcase(s, tc);
  return s;
}
