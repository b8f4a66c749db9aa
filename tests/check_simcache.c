/* verify/simcache: the build cache of `bsq sim`. The key changes with any
 * byte of any input; a design simulated again runs the harness built the
 * first time; a changed RTL byte or harness is rebuilt, never served stale
 * (an altered threshold then fails the check, which the stale harness
 * would have passed); `--no-cache` leaves the cache alone. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen.h"
#include "model.h"
#include "run.h"
#include "sim.h"
#include "simcache.h"
#include "testutil.h"
#include "util.h"

static const bsq_tool_paths PATHS = {BSQ_RTL_DIR, BSQ_SIM_DIR, BSQ_INCLUDE_DIR,
                                     BSQ_MODEL_LIB, BSQ_SAN_FLAGS};

/* Entries of dir whose names start with prefix. */
static int count_entries(const char *dir, const char *prefix) {
  DIR *dp = opendir(dir);
  if (!dp) return 0;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(dp)) != NULL)
    if (!strncmp(de->d_name, prefix, strlen(prefix))) n++;
  closedir(dp);
  return n;
}

static void key_of(const char *a, size_t na, const char *b, size_t nb,
                   char hex[BSQ_CACHEKEY_HEX]) {
  bsq_cachekey k;
  bsq_cachekey_init(&k, "test");
  bsq_cachekey_add(&k, "a", a, na);
  bsq_cachekey_add(&k, "b", b, nb);
  bsq_cachekey_hex(&k, hex);
}

START_TEST(test_simcache_key_changes_with_any_byte) {
  const char base[] = "module m; endmodule // a design";
  char ref[BSQ_CACHEKEY_HEX], hex[BSQ_CACHEKEY_HEX];
  key_of(base, sizeof base - 1, "x", 1, ref);
  ck_assert_int_eq((int)strlen(ref), 32);
  key_of(base, sizeof base - 1, "x", 1, hex);
  ck_assert_str_eq(hex, ref); /* same inputs, same key */
  /* every byte, every bit flipped: another key each time */
  for (size_t i = 0; i < sizeof base - 1; i++)
    for (int bit = 0; bit < 8; bit++) {
      char alt[sizeof base];
      memcpy(alt, base, sizeof base);
      alt[i] = (char)(alt[i] ^ (1 << bit));
      key_of(alt, sizeof base - 1, "x", 1, hex);
      ck_assert_msg(strcmp(hex, ref) != 0, "byte %zu bit %d", i, bit);
    }
  /* a byte moved from one item to the next is another input */
  key_of(base, sizeof base - 2, "sx", 2, hex);
  ck_assert_str_ne(hex, ref);
  /* a file is keyed by its bytes */
  char *dir = tu_tmpdir("simcache-key");
  char *f = tu_write(dir, "a.v", base);
  bsq_cachekey k;
  bsq_diag diag = {{0}};
  bsq_cachekey_init(&k, "test");
  ck_assert_int_eq(bsq_cachekey_add_file(&k, f, &diag), 0);
  char h1[BSQ_CACHEKEY_HEX], h2[BSQ_CACHEKEY_HEX];
  bsq_cachekey_hex(&k, h1);
  free(tu_write(dir, "a.v", "module m; endmodule // a desigN"));
  bsq_cachekey_init(&k, "test");
  ck_assert_int_eq(bsq_cachekey_add_file(&k, f, &diag), 0);
  bsq_cachekey_hex(&k, h2);
  ck_assert_str_ne(h1, h2);
  bsq_cachekey_init(&k, "test");
  ck_assert_int_eq(bsq_cachekey_add_file(&k, "/nonexistent/a.v", &diag),
                   BSQ_EIO);
  ck_assert_ptr_nonnull(strstr(diag.msg, "/nonexistent/a.v"));
  free(f);
  free(dir);
}
END_TEST

START_TEST(test_simcache_store_is_whole_or_absent) {
  char *dir = tu_tmpdir("simcache-store"), cache[1100], entry[1200];
  snprintf(cache, sizeof cache, "%s/cache", dir);
  char *a = tu_write(dir, "one", "first"), *b = tu_write(dir, "two", "second");
  const char *files[] = {a, b};
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_cache_find(cache, "t", "00ff", entry, sizeof entry), 0);
  ck_assert_int_eq(bsq_cache_store(cache, "t", "00ff", files, 2, &diag), 0);
  ck_assert_int_eq(bsq_cache_find(cache, "t", "00ff", entry, sizeof entry), 1);
  /* a second fill of the same key keeps the first and leaves no temporary */
  free(tu_write(dir, "one", "changed"));
  ck_assert_int_eq(bsq_cache_store(cache, "t", "00ff", files, 2, &diag), 0);
  char p[1300];
  snprintf(p, sizeof p, "%s/one", entry);
  char *got = tu_read(p, NULL);
  ck_assert_str_eq(got, "first");
  free(got);
  ck_assert_int_eq(count_entries(cache, ".tmp"), 0);
  ck_assert_int_eq(count_entries(cache, "t-"), 1);
  /* a file that cannot be read: no entry at all */
  const char *bad[] = {a, "/nonexistent/file"};
  ck_assert_int_eq(bsq_cache_store(cache, "t", "0100", bad, 2, &diag), BSQ_EIO);
  ck_assert_int_eq(bsq_cache_find(cache, "t", "0100", entry, sizeof entry), 0);
  ck_assert_int_eq(count_entries(cache, ".tmp"), 0);
  /* fetch copies an entry's files out */
  char out[1100];
  snprintf(out, sizeof out, "%s/out", dir);
  ck_assert_int_eq(bsq_mkdir_p(out, &diag), 0);
  ck_assert_int_eq(bsq_cache_find(cache, "t", "00ff", entry, sizeof entry), 1);
  ck_assert_int_eq(bsq_cache_fetch(entry, out, &diag), 0);
  snprintf(p, sizeof p, "%s/two", out);
  got = tu_read(p, NULL);
  ck_assert_str_eq(got, "second");
  free(got);
  free(a);
  free(b);
  free(dir);
}
END_TEST

typedef struct {
  int warnings;
} logbook;

static void on_log(void *user, bsq_log_kind kind, const char *msg) {
  (void)msg;
  if (kind == BSQ_LOG_WARN) ((logbook *)user)->warnings++;
}

/* A small design (3 features, 3 bits, 6-bit codes) written by gen into
 * dir/rtl, simulated from there against the cache in dir/cache. */
typedef struct {
  char *dir, *model;
  char rtl[1100], cache[1100], work[1100];
  bsq_model m;
  bsq_tool_paths paths;
  logbook lb;
} fixture;

static void fixture_init(fixture *x, const char *tag) {
  memset(x, 0, sizeof *x);
  x->dir = tu_tmpdir(tag);
  int bits = 3, width = 6;
  tu_model_spec s = {3, &bits, 1, &width, 1, NULL, 0, 0.9, 5};
  x->model = tu_random_model(&s, x->dir, &x->m);
  snprintf(x->rtl, sizeof x->rtl, "%s/rtl", x->dir);
  snprintf(x->cache, sizeof x->cache, "%s/cache", x->dir);
  snprintf(x->work, sizeof x->work, "%s/work", x->dir);
  bsq_gen_opts o;
  bsq_gen_opts_default(&o);
  o.word_bits = 8;
  bsq_design d;
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_design_build(&d, &x->m, &o, &diag), 0);
  ck_assert_msg(bsq_gen_write(&d, PATHS.rtl_dir, x->rtl, NULL, &diag) == 0,
                "%s", diag.msg);
  bsq_design_free(&d);
  x->paths = PATHS;
}

/* The base design's harness and Verilator's run-time objects, built once
 * for the whole suite (each build costs seconds): test_simcache_same_
 * design_is_not_rebuilt leaves its cache here, and a test that needs a
 * warm cache copies it (use_warm_cache) instead of building the base
 * design again. Set before the tests are forked (simcache_suite). */
static char *warm_cache;

static int simulate(fixture *x, int *cached);

/* x's cache becomes a copy of the warm cache: the base design is found
 * there, built if no test has yet (run on its own). */
static void use_warm_cache(fixture *x) {
  if (count_entries(warm_cache, "harness-") == 0) {
    char *keep = strdup(x->cache);
    ck_assert_ptr_nonnull(keep);
    snprintf(x->cache, sizeof x->cache, "%s", warm_cache);
    int cached = -1;
    ck_assert_int_eq(simulate(x, &cached), BSQ_OK);
    snprintf(x->cache, sizeof x->cache, "%s", keep);
    free(keep);
  }
  char cmd[3000];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", x->cache,
           warm_cache, x->cache);
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_int_eq(count_entries(x->cache, "harness-"), 1);
  ck_assert_int_eq(count_entries(x->cache, "runtime-"), 1);
}

static void fixture_free(fixture *x) {
  bsq_model_free(&x->m);
  free(x->model);
  free(x->dir);
}

/* One co-simulation of the fixture's design; returns bsq_sim_run's code,
 * *cached whether the harness came from the cache. */
static int simulate(fixture *x, int *cached) {
  bsq_diag diag = {{0}};
  bsq_rmtree(x->work);
  ck_assert_int_eq(bsq_mkdir_p(x->work, &diag), 0);
  bsq_sim_cfg c;
  bsq_sim_cfg_default(&c);
  c.paths = &x->paths;
  c.work = x->work;
  c.model_path = x->model;
  c.rtl_dir = x->rtl;
  c.frames = 100;
  c.reset = 0;
  c.cache_dir = x->cache;
  c.log = on_log;
  c.log_user = &x->lb;
  bsq_sim_report r;
  int rc = bsq_sim_run(&c, &x->m, &r, &diag);
  ck_assert_msg(rc == BSQ_OK || rc == BSQ_EMISMATCH, "%d: %s", rc, diag.msg);
  ck_assert_int_eq(r.verilator.ran, 1);
  ck_assert_double_ge(r.verilator.build_seconds, 0.0);
  *cached = r.verilator.cached;
  return rc;
}

START_TEST(test_simcache_same_design_is_not_rebuilt) {
  fixture x;
  fixture_init(&x, "simcache-same");
  int cached = -1;
  ck_assert_int_eq(simulate(&x, &cached), BSQ_OK);
  ck_assert_int_eq(cached, 0);
  ck_assert_int_eq(count_entries(x.cache, "harness-"), 1);
  ck_assert_int_eq(count_entries(x.cache, "runtime-"), 1);
  ck_assert_int_eq(simulate(&x, &cached), BSQ_OK);
  ck_assert_int_eq(cached, 1);
  /* the second run built nothing: no build directory in the work dir */
  char obj[1200];
  snprintf(obj, sizeof obj, "%s/obj", x.work);
  ck_assert_int_eq(tu_exists(obj), 0);
  ck_assert_int_eq(count_entries(x.cache, "harness-"), 1);
  ck_assert_int_eq(count_entries(x.cache, ".tmp"), 0);
  ck_assert_int_eq(x.lb.warnings, 0);
  if (count_entries(warm_cache, "harness-") == 0) { /* for the others */
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", warm_cache,
             x.cache, warm_cache);
    ck_assert_int_eq(system(cmd), 0);
  }
  fixture_free(&x);
}
END_TEST

START_TEST(test_simcache_changed_rtl_byte_rebuilds) {
  fixture x;
  fixture_init(&x, "simcache-rtl");
  use_warm_cache(&x);
  int cached = -1;
  ck_assert_int_eq(simulate(&x, &cached), BSQ_OK);
  ck_assert_int_eq(cached, 1);
  char quant[1200];
  snprintf(quant, sizeof quant, "%s/bsq_quant.v", x.rtl);
  long T;
  tu_alter_threshold(quant, 1, &T);
  /* the harness of the unaltered design would pass; a rebuilt one fails */
  ck_assert_int_eq(simulate(&x, &cached), BSQ_EMISMATCH);
  ck_assert_int_eq(cached, 0);
  ck_assert_int_eq(count_entries(x.cache, "harness-"), 2);
  ck_assert_int_eq(count_entries(x.cache, "runtime-"), 1);
  /* the altered design's build is cached in turn (and still fails) */
  ck_assert_int_eq(simulate(&x, &cached), BSQ_EMISMATCH);
  ck_assert_int_eq(cached, 1);
  fixture_free(&x);
}
END_TEST

START_TEST(test_simcache_changed_harness_rebuilds) {
  fixture x;
  fixture_init(&x, "simcache-harness");
  use_warm_cache(&x);
  int cached = -1;
  /* the same design against a harness that differs by one comment */
  char sim[1200], src[1200];
  snprintf(sim, sizeof sim, "%s/sim", x.dir);
  snprintf(src, sizeof src, "%s/harness.cpp", PATHS.sim_dir);
  char *text = tu_read(src, NULL);
  ck_assert_ptr_nonnull(text);
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_mkdir_p(sim, &diag), 0);
  size_t n = strlen(text) + 32;
  char *alt = malloc(n);
  ck_assert_ptr_nonnull(alt);
  snprintf(alt, n, "%s// another harness\n", text);
  free(tu_write(sim, "harness.cpp", alt));
  free(alt);
  /* its header, as it is */
  snprintf(src, sizeof src, "%s/harness_common.h", PATHS.sim_dir);
  char *hdr = tu_read(src, NULL);
  ck_assert_ptr_nonnull(hdr);
  free(tu_write(sim, "harness_common.h", hdr));
  free(hdr);
  x.paths.sim_dir = sim;
  ck_assert_int_eq(simulate(&x, &cached), BSQ_OK);
  ck_assert_int_eq(cached, 0);
  ck_assert_int_eq(count_entries(x.cache, "harness-"), 2);
  /* the harness alone changed: Verilator's run-time objects were reused */
  ck_assert_int_eq(count_entries(x.cache, "runtime-"), 1);
  /* and the original harness still finds its own entry */
  x.paths.sim_dir = PATHS.sim_dir;
  ck_assert_int_eq(simulate(&x, &cached), BSQ_OK);
  ck_assert_int_eq(cached, 1);
  free(text);
  fixture_free(&x);
}
END_TEST

/* The harness's header is no Verilator argument, but part of the key: one
 * byte changed in harness_common.h (beside an unchanged harness.cpp) builds
 * afresh. */
START_TEST(test_simcache_changed_header_byte_rebuilds) {
  fixture x;
  fixture_init(&x, "simcache-header");
  use_warm_cache(&x);
  int cached = -1;
  char sim[1200];
  snprintf(sim, sizeof sim, "%s/sim", x.dir);
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_mkdir_p(sim, &diag), 0);
  const char *names[] = {"harness.cpp", "harness_common.h"};
  for (int i = 0; i < 2; i++) {
    char src[1200];
    snprintf(src, sizeof src, "%s/%s", PATHS.sim_dir, names[i]);
    char *text = tu_read(src, NULL);
    ck_assert_ptr_nonnull(text);
    free(tu_write(sim, names[i], text));
    free(text);
  }
  x.paths.sim_dir = sim;
  /* a copy of the same files: the same key */
  ck_assert_int_eq(simulate(&x, &cached), BSQ_OK);
  ck_assert_int_eq(cached, 1);
  /* one byte of a comment in the header */
  char hdr[1300];
  snprintf(hdr, sizeof hdr, "%s/harness_common.h", sim);
  char *text = tu_read(hdr, NULL);
  ck_assert_ptr_nonnull(text);
  char *c = strstr(text, "// ");
  ck_assert_ptr_nonnull(c);
  c[3] = c[3] == 'x' ? 'y' : 'x';
  free(tu_write(sim, "harness_common.h", text));
  free(text);
  ck_assert_int_eq(simulate(&x, &cached), BSQ_OK);
  ck_assert_int_eq(cached, 0);
  ck_assert_int_eq(count_entries(x.cache, "harness-"), 2);
  fixture_free(&x);
}
END_TEST

START_TEST(test_simcache_unwritable_cache_warns_and_passes) {
  fixture x;
  fixture_init(&x, "simcache-ro");
  /* the cache path is a file: nothing can be stored under it */
  free(tu_write(x.dir, "cache", "not a directory"));
  int cached = -1;
  ck_assert_int_eq(simulate(&x, &cached), BSQ_OK);
  ck_assert_int_eq(cached, 0);
  ck_assert_int_gt(x.lb.warnings, 0);
  fixture_free(&x);
}
END_TEST

/* `bsq sim` on the CLI: the cache under XDG_CACHE_HOME, and --no-cache,
 * which neither writes an empty cache nor reads a warm one. The design is
 * the fixture's, so that the warm cache holds its harness (storing is the
 * library's, tested above). */
START_TEST(test_simcache_cli_no_cache_leaves_cache_alone) {
  fixture x;
  fixture_init(&x, "simcache-cli");
  char empty[1000], warm[1000], args[4096];
  snprintf(empty, sizeof empty, "%s/xdg-empty", x.dir);
  snprintf(warm, sizeof warm, "%s/xdg-warm", x.dir);
  snprintf(x.cache, sizeof x.cache, "%s/bsq", warm); /* XDG_CACHE_HOME/bsq */
  bsq_diag diag = {{0}};
  ck_assert_int_eq(bsq_mkdir_p(warm, &diag), 0);
  use_warm_cache(&x);
  const struct {
    const char *xdg, *opt, *cached;
  } runs[] = {{empty, "--no-cache", "false"},
              {warm, "", "true"},
              {warm, "--no-cache", "false"}};
  for (int i = 0; i < 3; i++) {
    snprintf(args, sizeof args,
             "sim '%s' --frames 50 --word-bits 8 --json %s", x.model,
             runs[i].opt);
    setenv("XDG_CACHE_HOME", runs[i].xdg, 1);
    char *out = NULL, *err = NULL;
    int rc = tu_bsq(args, &out, &err);
    ck_assert_msg(rc == 0, "run %d: exit %d: %s", i, rc, err ? err : "");
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    const cJSON *v = tu_json_field(j, "verilator");
    const cJSON *c = tu_json_field(v, "cached");
    ck_assert_msg(strcmp(cJSON_IsTrue(c) ? "true" : "false",
                         runs[i].cached) == 0,
                  "run %d: cached is not %s", i, runs[i].cached);
    cJSON_Delete(j);
    free(out);
    free(err);
    char bsqdir[1300];
    snprintf(bsqdir, sizeof bsqdir, "%s/bsq", runs[i].xdg);
    /* nothing created in the empty cache, nothing added to the warm one */
    ck_assert_int_eq(count_entries(bsqdir, "harness-"), i == 0 ? 0 : 1);
    ck_assert_int_eq(count_entries(bsqdir, "runtime-"), i == 0 ? 0 : 1);
    ck_assert_int_eq(count_entries(bsqdir, ".tmp"), 0);
  }
  unsetenv("XDG_CACHE_HOME");
  fixture_free(&x);
}
END_TEST

Suite *simcache_suite(void); /* called by check_main.c */

Suite *simcache_suite(void) {
  char *vv[] = {"verilator", "--version", NULL};
  char *v = bsq_run_capture(vv);
  if (!v) {
    printf("skipped: verilator not found\n");
    return NULL;
  }
  free(v);
  char *warm = tu_tmpdir("simcache-warm");
  size_t n = strlen(warm) + 8;
  warm_cache = malloc(n);
  if (!warm_cache) abort();
  snprintf(warm_cache, n, "%s/cache", warm); /* made by the first build */
  free(warm);
  Suite *s = suite_create("simcache");
  TCase *tc = tcase_create("Core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_simcache_key_changes_with_any_byte);
  tcase_add_test(tc, test_simcache_store_is_whole_or_absent);
  tcase_add_test(tc, test_simcache_same_design_is_not_rebuilt);
  tcase_add_test(tc, test_simcache_changed_rtl_byte_rebuilds);
  tcase_add_test(tc, test_simcache_changed_harness_rebuilds);
  tcase_add_test(tc, test_simcache_changed_header_byte_rebuilds);
  tcase_add_test(tc, test_simcache_cli_no_cache_leaves_cache_alone);
  suite_add_tcase(s, tc);
  TCase *te = tcase_create("Errors");
  tcase_set_timeout(te, 600);
  tcase_add_test(te, test_simcache_unwritable_cache_warns_and_passes);
  suite_add_tcase(s, te);
  return s;
}
