/* Check suite for model/data.c: CSV loading and its messages, friedman1,
 * splits, standardization. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "testutil.h"

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

/* Writes text to a fresh temporary t.csv and loads it. *path gets the
 * file's path (malloc'ed; the caller frees and removes it). */
static int load_text(bsq_dataset *d, const char *text, const char *target,
                     bsq_diag *g, char **path) {
  char *dir = tu_tmpdir("data");
  *path = tu_write(dir, "t.csv", text);
  free(dir);
  return bsq_dataset_load_csv(d, *path, target, g);
}

static void drop(char *path) {
  char *slash = strrchr(path, '/');
  unlink(path);
  *slash = '\0';
  rmdir(path);
  free(path);
}

static void assert_empty(const bsq_dataset *d) {
  ck_assert_int_eq(d->rows, 0);
  ck_assert_int_eq(d->F, 0);
  ck_assert_ptr_null(d->names);
  ck_assert_ptr_null(d->target);
  ck_assert_ptr_null(d->x);
  ck_assert_ptr_null(d->y);
  ck_assert_str_eq(d->source, "");
  ck_assert_uint_eq(d->hash, 0);
}

/* ---------------------------------------------------------------------- */
/* Core                                                                    */

START_TEST(test_data_csv_loads_values_with_default_target) {
  const char *text = "temp_c,volt,y\n1.5,2,3\n-4, 5e2 ,6\n";
  bsq_dataset d;
  bsq_diag g;
  char *path;
  ck_assert_int_eq(load_text(&d, text, NULL, &g, &path), BSQ_OK);
  ck_assert_int_eq(d.rows, 2);
  ck_assert_int_eq(d.F, 2);
  ck_assert_str_eq(d.names[0], "temp_c");
  ck_assert_str_eq(d.names[1], "volt");
  ck_assert_str_eq(d.target, "y");
  const double x[] = {1.5, 2, -4, 500}, y[] = {3, 6};
  for (int i = 0; i < 4; i++) ck_assert_double_eq(d.x[i], x[i]);
  for (int i = 0; i < 2; i++) ck_assert_double_eq(d.y[i], y[i]);
  ck_assert_str_eq(d.source, path);
  ck_assert_uint_eq(d.hash, bsq_fnv1a(BSQ_FNV_INIT, text, strlen(text)));
  bsq_dataset_free(&d);
  assert_empty(&d);
  bsq_dataset_free(&d); /* twice is harmless */
  drop(path);
}
END_TEST

START_TEST(test_data_csv_picks_target_by_name) {
  bsq_dataset d;
  bsq_diag g;
  char *path;
  ck_assert_int_eq(
      load_text(&d, "temp_c,volt,y\n1.5,2,3\n-4,5e2,6\n", "temp_c", &g, &path),
      BSQ_OK);
  ck_assert_int_eq(d.F, 2);
  ck_assert_str_eq(d.names[0], "volt");
  ck_assert_str_eq(d.names[1], "y");
  ck_assert_str_eq(d.target, "temp_c");
  const double x[] = {2, 3, 500, 6}, y[] = {1.5, -4};
  for (int i = 0; i < 4; i++) ck_assert_double_eq(d.x[i], x[i]);
  for (int i = 0; i < 2; i++) ck_assert_double_eq(d.y[i], y[i]);
  bsq_dataset_free(&d);
  drop(path);
}
END_TEST

/* The same table in several spellings loads to the same values. */
START_TEST(test_data_csv_bom_crlf_quotes_blank_lines_give_same_values) {
  static const char *const variants[] = {
      "a,b,y\n1,2,3\n4,5,6.25\n",
      "\xEF\xBB\xBF"
      "a,b,y\n1,2,3\n4,5,6.25\n",
      "a,b,y\r\n1,2,3\r\n4,5,6.25\r\n",
      "\xEF\xBB\xBF"
      "a,b,y\r\n1,2,3\r\n4,5,6.25",
      "a,b,y\r1,2,3\r4,5,6.25\r",
      "\"a\", \"b\" ,\"y\"\n1,2,3\n4,5,6.25\n",
      "\n  \na,b,y\n\n1,2,3\n \t\n4,5,6.25\n\n\n",
      "a,b,y\n 1 ,\t2,3 \n4,5,6.25",
  };
  const double x[] = {1, 2, 4, 5}, y[] = {3, 6.25};
  for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
    bsq_dataset d;
    bsq_diag g = {{0}};
    char *path;
    int rc = load_text(&d, variants[v], NULL, &g, &path);
    ck_assert_msg(rc == BSQ_OK, "variant %zu: %s", v, g.msg);
    ck_assert_int_eq(d.rows, 2);
    ck_assert_int_eq(d.F, 2);
    ck_assert_str_eq(d.names[0], "a");
    ck_assert_str_eq(d.names[1], "b");
    ck_assert_str_eq(d.target, "y");
    for (int i = 0; i < 4; i++) ck_assert_double_eq(d.x[i], x[i]);
    for (int i = 0; i < 2; i++) ck_assert_double_eq(d.y[i], y[i]);
    /* the hash is over the raw bytes, so spellings differ */
    ck_assert_uint_eq(
        d.hash, bsq_fnv1a(BSQ_FNV_INIT, variants[v], strlen(variants[v])));
    bsq_dataset_free(&d);
    drop(path);
  }
}
END_TEST

START_TEST(test_data_friedman1_is_deterministic_in_seed) {
  bsq_dataset a, b, c;
  ck_assert_int_eq(bsq_dataset_friedman1(&a, 1000, 7), BSQ_OK);
  ck_assert_int_eq(bsq_dataset_friedman1(&b, 1000, 7), BSQ_OK);
  ck_assert_int_eq(bsq_dataset_friedman1(&c, 1000, 8), BSQ_OK);
  ck_assert_int_eq(a.rows, 1000);
  ck_assert_int_eq(a.F, 10);
  ck_assert_str_eq(a.names[0], "x1");
  ck_assert_str_eq(a.names[9], "x10");
  ck_assert_str_eq(a.target, "y");
  ck_assert_str_eq(a.source, "friedman1:rows=1000:seed=7");
  ck_assert_uint_eq(a.hash, b.hash);
  ck_assert_mem_eq(a.x, b.x, 1000 * 10 * sizeof(double));
  ck_assert_mem_eq(a.y, b.y, 1000 * sizeof(double));
  ck_assert_uint_ne(a.hash, c.hash);
  uint64_t h = bsq_fnv1a(BSQ_FNV_INIT, a.x, 1000 * 10 * sizeof(double));
  ck_assert_uint_eq(a.hash, bsq_fnv1a(h, a.y, 1000 * sizeof(double)));
  for (int i = 0; i < 1000 * 10; i++) ck_assert(a.x[i] >= 0.0 && a.x[i] < 1.0);
  bsq_dataset_free(&a);
  bsq_dataset_free(&b);
  bsq_dataset_free(&c);
}
END_TEST

START_TEST(test_data_friedman1_mean_matches_population) {
  /* E[y] = 10 E[sin(pi x1 x2)] + 20/12 + 10/2 + 5/2; the first term by a
   * midpoint rule on a 2000 x 2000 grid. */
  const int G = 2000;
  const double pi = 3.14159265358979323846;
  double s = 0.0;
  for (int i = 0; i < G; i++)
    for (int j = 0; j < G; j++) s += sin(pi * (i + 0.5) / G * (j + 0.5) / G);
  double ey = 10.0 * s / ((double)G * G) + 20.0 / 12.0 + 5.0 + 2.5;
  ck_assert_double_eq_tol(ey, 14.41, 0.01);

  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, BSQ_FRIEDMAN1_ROWS, 1), BSQ_OK);
  double m = 0.0;
  for (int i = 0; i < d.rows; i++) m += d.y[i];
  m /= d.rows;
  ck_assert_double_eq_tol(m, ey, 0.2);
  bsq_dataset_free(&d);
}
END_TEST

static void assert_split(const bsq_split *s, int rows) {
  int n_test = rows / 10 > 0 ? rows / 10 : 1;
  int n_val = (rows - n_test) / 4 > 0 ? (rows - n_test) / 4 : 1;
  ck_assert_int_eq(s->n_test, n_test);
  ck_assert_int_eq(s->n_val, n_val);
  ck_assert_int_eq(s->n_train + s->n_val + s->n_test, rows);
  ck_assert_int_ge(s->n_train, 1);
  char *seen = calloc((size_t)rows, 1);
  const int *part[3] = {s->train, s->val, s->test};
  int n[3] = {s->n_train, s->n_val, s->n_test};
  for (int p = 0; p < 3; p++)
    for (int i = 0; i < n[p]; i++) {
      ck_assert_int_ge(part[p][i], 0);
      ck_assert_int_lt(part[p][i], rows);
      ck_assert_int_eq(seen[part[p][i]], 0); /* disjoint */
      seen[part[p][i]] = 1;
    }
  for (int i = 0; i < rows; i++) ck_assert_int_eq(seen[i], 1); /* covers */
  free(seen);
}

static const int split_rows[] = {
    3, 4, 10, 11, 19, 20, 100, 1000, BSQ_FRIEDMAN1_ROWS};

START_TEST(test_data_split_partitions_rows) {
  int rows = split_rows[_i];
  bsq_split s, t;
  ck_assert_int_eq(bsq_split_make(&s, rows, 42), BSQ_OK);
  assert_split(&s, rows);
  ck_assert_int_eq(bsq_split_make(&t, rows, 42), BSQ_OK);
  ck_assert_mem_eq(s.train, t.train, (size_t)s.n_train * sizeof(int));
  ck_assert_mem_eq(s.val, t.val, (size_t)s.n_val * sizeof(int));
  ck_assert_mem_eq(s.test, t.test, (size_t)s.n_test * sizeof(int));
  bsq_split_free(&s);
  bsq_split_free(&t);
  ck_assert_ptr_null(s.train);
  ck_assert_int_eq(s.n_train, 0);
}
END_TEST

START_TEST(test_data_split_differs_between_seeds) {
  bsq_split s, t;
  ck_assert_int_eq(bsq_split_make(&s, 1000, 1), BSQ_OK);
  ck_assert_int_eq(bsq_split_make(&t, 1000, 2), BSQ_OK);
  ck_assert_int_ne(memcmp(s.test, t.test, (size_t)s.n_test * sizeof(int)), 0);
  bsq_split_free(&s);
  bsq_split_free(&t);
}
END_TEST

START_TEST(test_data_standardize_gives_zero_mean_unit_std_on_subset) {
  bsq_dataset d;
  bsq_split s;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 2000, 3), BSQ_OK);
  ck_assert_int_eq(bsq_split_make(&s, d.rows, 3), BSQ_OK);
  double mu[10], sigma[10], ym, ys;
  bsq_standardize_fit(mu, sigma, d.x, d.F, s.train, s.n_train);
  bsq_standardize_fit1(&ym, &ys, d.y, s.train, s.n_train);
  for (int j = 0; j <= d.F; j++) {
    double m = 0.0, v = 0.0;
    for (int i = 0; i < s.n_train; i++) {
      int r = s.train[i];
      double z =
          j < d.F ? (d.x[r * d.F + j] - mu[j]) / sigma[j] : (d.y[r] - ym) / ys;
      m += z;
      v += z * z;
    }
    m /= s.n_train;
    v = v / s.n_train - m * m;
    ck_assert_double_eq_tol(m, 0.0, 1e-9);
    ck_assert_double_eq_tol(v, 1.0, 1e-9);
  }
  /* population statistics, by hand, on three rows */
  const double x[] = {1, 7, 2, 7, 6, 7}; /* (3, 2); column 1 constant */
  const int idx[] = {0, 1, 2};
  bsq_standardize_fit(mu, sigma, x, 2, idx, 3);
  ck_assert_double_eq_tol(mu[0], 3.0, 1e-12);
  ck_assert_double_eq_tol(sigma[0], sqrt(14.0 / 3.0), 1e-12);
  ck_assert_double_eq(mu[1], 7.0);
  ck_assert_double_eq(sigma[1], 1.0); /* constant: sigma 1 */
  const int two[] = {2, 0};           /* rows 2 and 0 only */
  bsq_standardize_fit(mu, sigma, x, 2, two, 2);
  ck_assert_double_eq_tol(mu[0], 3.5, 1e-12);
  ck_assert_double_eq_tol(sigma[0], 2.5, 1e-12);
  bsq_split_free(&s);
  bsq_dataset_free(&d);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Limits                                                                  */

START_TEST(test_data_csv_accepts_extreme_but_finite_values) {
  bsq_dataset d;
  bsq_diag g = {{0}};
  char *path;
  int rc = load_text(&d, "a,y\n1e30,0\n-1e30,1\n1e-400,2\n0x10,3\n", NULL, &g,
                     &path);
  ck_assert_msg(rc == BSQ_OK, "%s", g.msg);
  ck_assert_double_eq(d.x[0], 1e30);
  ck_assert_double_eq(d.x[1], -1e30);
  ck_assert_double_eq_tol(d.x[2], 0.0, 1e-300);
  ck_assert_double_eq(d.x[3], 16.0);
  bsq_dataset_free(&d);
  drop(path);
}
END_TEST

START_TEST(test_data_csv_allows_max_features) {
  size_t cap = 32 * (BSQ_MAX_FEATURES + 2);
  char *text = malloc(cap);
  size_t n = 0;
  for (int r = 0; r < 3; r++)
    for (int c = 0; c <= BSQ_MAX_FEATURES; c++) {
      if (r == 0)
        n += (size_t)snprintf(text + n, cap - n, "c%d", c);
      else
        n += (size_t)snprintf(text + n, cap - n, "%d", r * c);
      text[n++] = c == BSQ_MAX_FEATURES ? '\n' : ',';
    }
  text[n] = '\0';
  bsq_dataset d;
  bsq_diag g = {{0}};
  char *path;
  int rc = load_text(&d, text, NULL, &g, &path);
  ck_assert_msg(rc == BSQ_OK, "%s", g.msg);
  ck_assert_int_eq(d.F, BSQ_MAX_FEATURES);
  ck_assert_double_eq(d.y[1], 2.0 * BSQ_MAX_FEATURES);
  bsq_dataset_free(&d);
  drop(path);

  /* one more column is too many */
  n = strlen("c0,");
  memmove(text + n, text, strlen(text) + 1);
  memcpy(text, "cx,", n);
  rc = load_text(&d, text, NULL, &g, &path);
  ck_assert_int_eq(rc, BSQ_EPARSE);
  char want[600];
  snprintf(want, sizeof want, "%s:1: too many columns: %d (at most %d)", path,
           BSQ_MAX_FEATURES + 2, BSQ_MAX_FEATURES + 1);
  ck_assert_str_eq(g.msg, want);
  assert_empty(&d);
  drop(path);
  free(text);
}
END_TEST

START_TEST(test_data_csv_shortens_long_column_list_and_long_cell) {
  /* 100 columns named col00..col99: the list stops near 200 characters */
  char text[2048];
  size_t n = 0;
  for (int c = 0; c < 100; c++)
    n += (size_t)snprintf(text + n, sizeof text - n, "col%02d%c", c,
                          c == 99 ? '\n' : ',');
  snprintf(text + n, sizeof text - n, "%s", "");
  bsq_dataset d;
  bsq_diag g;
  char *path;
  ck_assert_int_eq(load_text(&d, text, "nope", &g, &path), BSQ_EINVAL);
  char want[1024];
  n = (size_t)snprintf(want, sizeof want,
                       "%s: no column named \"nope\" (columns: col00", path);
  /* each further name costs 7 characters; 5 + 27 * 7 = 194 <= 200 */
  for (int c = 1; c < 28; c++)
    n += (size_t)snprintf(want + n, sizeof want - n, ", col%02d", c);
  snprintf(want + n, sizeof want - n, ", ... 72 more)");
  ck_assert_str_eq(g.msg, want);
  assert_empty(&d);
  drop(path);

  /* a long bad cell is quoted up to 60 characters, then "..." */
  char cell[101];
  memset(cell, 'z', 100);
  cell[100] = '\0';
  snprintf(text, sizeof text, "a,b\n1,2\n%s,3\n", cell);
  ck_assert_int_eq(load_text(&d, text, NULL, &g, &path), BSQ_EPARSE);
  snprintf(want, sizeof want,
           "%s:3:1: column \"a\": not a number: \"%.60s...\"", path, cell);
  ck_assert_str_eq(g.msg, want);
  assert_empty(&d);
  drop(path);
}
END_TEST

START_TEST(test_data_friedman1_smallest) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 2, 0), BSQ_OK);
  ck_assert_int_eq(d.rows, 2);
  bsq_dataset_free(&d);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */

/* Each bad file and the message it must give, after "PATH". */
static const struct {
  const char *text, *target;
  int rc;
  const char *msg;
} csv_errors[] = {
    {"", NULL, BSQ_EFORMAT, ": empty file (no header)"},
    {"\xEF\xBB\xBF\r\n  \n", NULL, BSQ_EFORMAT, ": empty file (no header)"},
    {"a,b\n", NULL, BSQ_EFORMAT, ": no data rows"},
    {"a,b\r\n\r\n\r\n", NULL, BSQ_EFORMAT, ": no data rows"},
    {"a,b,c\n1,2,3\n4,5\n", NULL, BSQ_EPARSE,
     ":3: expected 3 columns, found 2"},
    {"a,b\n1,2\n3,4,\n", NULL, BSQ_EPARSE, ":3: expected 2 columns, found 3"},
    {"a,b\n\n1,2\n\n3,x\n", NULL, BSQ_EPARSE,
     ":5:2: column \"b\": not a number: \"x\""},
    {"a,b\n1,2\n3,4x\n", NULL, BSQ_EPARSE,
     ":3:2: column \"b\": not a number: \"4x\""},
    {"a,b\n1,\n3,4\n", NULL, BSQ_EPARSE,
     ":2:2: column \"b\": not a number: \"\""},
    {"a,b\n1, \n3,4\n", NULL, BSQ_EPARSE,
     ":2:2: column \"b\": not a number: \"\""},
    {"a,b\n\"1\",2\n3,4\n", NULL, BSQ_EPARSE,
     ":2:1: column \"a\": not a number: \"\"1\"\""},
    {"a,b\n1 2,2\n3,4\n", NULL, BSQ_EPARSE,
     ":2:1: column \"a\": not a number: \"1 2\""},
    {"a,b\nnan,1\n2,3\n", NULL, BSQ_EPARSE,
     ":2:1: column \"a\": not finite: \"nan\""},
    {"a,b\n1,2\n3,-inf\n", NULL, BSQ_EPARSE,
     ":3:2: column \"b\": not finite: \"-inf\""},
    {"a,b\n1,2\n3, Infinity\n", NULL, BSQ_EPARSE,
     ":3:2: column \"b\": not finite: \"Infinity\""},
    {"a,b\n1,2\n1e31,3\n", NULL, BSQ_ERANGE,
     ":3:1: column \"a\": value out of range: \"1e31\""},
    {"a,b\n1,2\n3,-1e400\n", NULL, BSQ_ERANGE,
     ":3:2: column \"b\": value out of range: \"-1e400\""},
    {"a,b,c\n1,2,3\n4,5,6\n", "z", BSQ_EINVAL,
     ": no column named \"z\" (columns: a, b, c)"},
    {"a,b,a\n1,2,3\n", NULL, BSQ_EPARSE, ":1:3: duplicate column name \"a\""},
    {"\"a\",b, a \n1,2,3\n", NULL, BSQ_EPARSE,
     ":1:3: duplicate column name \"a\""},
    {"a,,c\n1,2,3\n", NULL, BSQ_EPARSE, ":1:2: empty column name"},
    {"a,b,\"\"\n1,2,3\n", NULL, BSQ_EPARSE, ":1:3: empty column name"},
    {"a,b,\n1,2,3\n", NULL, BSQ_EPARSE, ":1:3: empty column name"},
    {"y\n1\n2\n", NULL, BSQ_EFORMAT,
     ": need at least one feature column besides the target"},
    {"y\n1\n2\n", "y", BSQ_EFORMAT,
     ": need at least one feature column besides the target"},
    {"a,y\n1,5\n2,5\n3,5\n", NULL, BSQ_EFORMAT,
     ": target column \"y\" is constant"},
    {"a,y\n1,5\n1,6\n", "a", BSQ_EFORMAT, ": target column \"a\" is constant"},
    {"a,b\n1,2\n", NULL, BSQ_EFORMAT, ": need at least 2 data rows, found 1"},
    {"a,b\r\n1,2\r\n\r\n", NULL, BSQ_EFORMAT,
     ": need at least 2 data rows, found 1"},
};

START_TEST(test_data_csv_errors_give_exact_messages) {
  bsq_dataset d;
  bsq_diag g = {{0}};
  char *path;
  int rc = load_text(&d, csv_errors[_i].text, csv_errors[_i].target, &g, &path);
  char want[1024];
  snprintf(want, sizeof want, "%s%s", path, csv_errors[_i].msg);
  ck_assert_str_eq(g.msg, want);
  ck_assert_int_eq(rc, csv_errors[_i].rc);
  assert_empty(&d);
  drop(path);
}
END_TEST

START_TEST(test_data_csv_missing_file_says_cannot_open) {
  char *dir = tu_tmpdir("data");
  char path[1024];
  snprintf(path, sizeof path, "%s/missing.csv", dir);
  bsq_dataset d;
  bsq_diag g;
  ck_assert_int_eq(bsq_dataset_load_csv(&d, path, NULL, &g), BSQ_EIO);
  char want[1200];
  snprintf(want, sizeof want, "%s: cannot open: %s", path, strerror(ENOENT));
  ck_assert_str_eq(g.msg, want);
  assert_empty(&d);
  ck_assert_int_eq(bsq_dataset_load_csv(&d, path, NULL, NULL), BSQ_EIO);
  rmdir(dir);
  free(dir);
}
END_TEST

START_TEST(test_data_friedman1_rejects_fewer_than_two_rows) {
  bsq_dataset d;
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 1, 0), BSQ_EINVAL);
  assert_empty(&d);
  ck_assert_int_eq(bsq_dataset_friedman1(&d, 0, 0), BSQ_EINVAL);
  ck_assert_int_eq(bsq_dataset_friedman1(&d, -5, 0), BSQ_EINVAL);
  assert_empty(&d);
}
END_TEST

START_TEST(test_data_split_rejects_fewer_than_three_rows) {
  bsq_split s;
  ck_assert_int_eq(bsq_split_make(&s, 2, 0), BSQ_EINVAL);
  ck_assert_ptr_null(s.train);
  ck_assert_int_eq(s.n_train + s.n_val + s.n_test, 0);
  ck_assert_int_eq(bsq_split_make(&s, -1, 0), BSQ_EINVAL);
}
END_TEST

/* ---------------------------------------------------------------------- */

/* The in-memory loader reads the same table from the same bytes, need
 * not have a terminating NUL, and names the input by the given name. */
START_TEST(test_data_csv_from_memory_matches_file) {
  static const char text[] = "a,b,y\r\n1,2,3\n4,5e-1,6\n7,8,9 ";
  bsq_dataset f, m;
  bsq_diag g;
  char *path;
  ck_assert_int_eq(load_text(&f, text, NULL, &g, &path), BSQ_OK);
  char *copy = malloc(sizeof text - 1); /* exactly the bytes, no NUL */
  memcpy(copy, text, sizeof text - 1);
  ck_assert_int_eq(bsq_dataset_load_csv_mem(&m, copy, sizeof text - 1,
                                            "mem.csv", NULL, &g),
                   BSQ_OK);
  ck_assert_int_eq(m.rows, f.rows);
  ck_assert_int_eq(m.F, f.F);
  ck_assert_mem_eq(m.x, f.x, sizeof(double) * (size_t)(m.rows * m.F));
  ck_assert_mem_eq(m.y, f.y, sizeof(double) * (size_t)m.rows);
  ck_assert_uint_eq(m.hash, f.hash);
  ck_assert_str_eq(m.source, "mem.csv");
  ck_assert_double_eq(m.y[2], 9.0);
  bsq_dataset_free(&m);
  bsq_dataset_free(&f);
  free(copy);
  drop(path);
}
END_TEST

/* A NUL byte would cut a name or a cell short: it is refused, with its
 * line and column. */
START_TEST(test_data_csv_rejects_nul_byte) {
  static const char text[] = "a,b,y\n1,2,3\n4,5\0,6\n";
  bsq_dataset d;
  bsq_diag g;
  ck_assert_int_eq(
      bsq_dataset_load_csv_mem(&d, text, sizeof text - 1, "n.csv", NULL, &g),
      BSQ_EPARSE);
  ck_assert_str_eq(g.msg, "n.csv:3:2: NUL byte (not a text file)");
  assert_empty(&d);
  static const char head[] = "a,\0b,y\n1,2,3\n4,5,6\n";
  ck_assert_int_eq(
      bsq_dataset_load_csv_mem(&d, head, sizeof head - 1, "n.csv", NULL, &g),
      BSQ_EPARSE);
  ck_assert_str_eq(g.msg, "n.csv:1:2: NUL byte (not a text file)");
  assert_empty(&d);
}
END_TEST

Suite *data_suite(void); /* called by check_main.c as BSQ_SUITE */

Suite *data_suite(void) {
  Suite *s = suite_create("data");

  TCase *core = tcase_create("Core");
  tcase_add_test(core, test_data_csv_loads_values_with_default_target);
  tcase_add_test(core, test_data_csv_picks_target_by_name);
  tcase_add_test(core, test_data_csv_from_memory_matches_file);
  tcase_add_test(core,
                 test_data_csv_bom_crlf_quotes_blank_lines_give_same_values);
  tcase_add_test(core, test_data_friedman1_is_deterministic_in_seed);
  tcase_add_test(core, test_data_friedman1_mean_matches_population);
  tcase_add_loop_test(core, test_data_split_partitions_rows, 0,
                      (int)(sizeof split_rows / sizeof *split_rows));
  tcase_add_test(core, test_data_split_differs_between_seeds);
  tcase_add_test(core,
                 test_data_standardize_gives_zero_mean_unit_std_on_subset);
  suite_add_tcase(s, core);

  TCase *limits = tcase_create("Limits");
  tcase_add_test(limits, test_data_csv_accepts_extreme_but_finite_values);
  tcase_add_test(limits, test_data_csv_allows_max_features);
  tcase_add_test(limits, test_data_csv_shortens_long_column_list_and_long_cell);
  tcase_add_test(limits, test_data_friedman1_smallest);
  suite_add_tcase(s, limits);

  TCase *errors = tcase_create("Errors");
  tcase_add_loop_test(errors, test_data_csv_errors_give_exact_messages, 0,
                      (int)(sizeof csv_errors / sizeof *csv_errors));
  tcase_add_test(errors, test_data_csv_missing_file_says_cannot_open);
  tcase_add_test(errors, test_data_csv_rejects_nul_byte);
  tcase_add_test(errors, test_data_friedman1_rejects_fewer_than_two_rows);
  tcase_add_test(errors, test_data_split_rejects_fewer_than_three_rows);
  suite_add_tcase(s, errors);
  return s;
}
