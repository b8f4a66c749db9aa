/* Catalogue of bad inputs: every file under tests/bad/ is given to the real
 * `bsq` binary, which must refuse it with the exit code and the exact
 * message listed here (naming the file and the line, column or field),
 * and leave no output file and no temporary behind. Two CSV quirks, a
 * UTF-8 BOM and CRLF line ends, must instead be accepted and train the
 * very same model as the plain file.
 *
 * The messages are the product's; this table is what they must say. In a
 * message "@" stands for the path of the input as given on the command
 * line. CSV inputs go through `bsq train`, sensor specs through `bsq train
 * --data sensor_data.csv --sensor`, raw-code CSVs through `bsq train
 * --sensor codes_spec.json`, bit budgets through `bsq alloc --data FILE
 * --frame-bits N`, bit widths that the input widths cannot take through
 * `bsq compare`, `bsq pareto` (--data FILE) and `bsq tune` (--sensor FILE),
 * model files through `bsq gen`,
 * stream files through `bsq decode` with tests/bad/ref_model.json (the
 * model ref_stream.bin was encoded for). */
#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "testutil.h"

#define BAD_DIR BSQ_SOURCE_DIR "/tests/bad"

typedef struct {
  const char *file;  /* under tests/bad/ */
  const char *extra; /* more arguments, or "" */
  int exit;
  const char *msg;   /* all of stderr after "bsq CMD: ", without the '\n' */
} bad_case;

static const bad_case CASES[] = {
    /* --- CSV tables: bsq train --data FILE */
    {"csv_empty.csv", "", 2, "@: empty file (no header)"},
    {"csv_blank_lines_only.csv", "", 2, "@: empty file (no header)"},
    {"csv_header_only.csv", "", 2, "@: no data rows"},
    {"csv_ragged_short.csv", "", 2, "@:3: expected 3 columns, found 2"},
    {"csv_ragged_long.csv", "", 2, "@:4: expected 3 columns, found 4"},
    {"csv_non_numeric.csv", "", 2,
     "@:3:2: column \"b\": not a number: \"five\""},
    {"csv_empty_cell.csv", "", 2, "@:3:2: column \"b\": not a number: \"\""},
    {"csv_nan.csv", "", 2, "@:4:1: column \"a\": not finite: \"nan\""},
    {"csv_inf.csv", "", 2, "@:3:2: column \"b\": not finite: \"-inf\""},
    {"csv_overflow_1e999.csv", "", 2,
     "@:3:3: column \"y\": value out of range: \"1e999\""},
    {"csv_enormous_1e308.csv", "", 2,
     "@:2:1: column \"a\": value out of range: \"1e308\""},
    {"csv_target_constant.csv", "", 2, "@: target column \"y\" is constant"},
    {"csv_target_missing.csv", "--target z", 2,
     "@: no column named \"z\" (columns: a, b, y)"},
    {"csv_single_row.csv", "", 2, "@: need at least 2 data rows, found 1"},
    {"csv_two_rows.csv", "", 2,
     "@: need at least 3 data rows to split into train, validation and "
     "test, found 2"},
    {"csv_duplicate_names.csv", "", 2, "@:1:3: duplicate column name \"a\""},
    {"csv_empty_name.csv", "", 2, "@:1:2: empty column name"},
    {"csv_one_column.csv", "", 2,
     "@: need at least one feature column besides the target"},
    {"csv_nul_byte.csv", "", 2, "@:3:2: NUL byte (not a text file)"},
    /* more thresholds than distinct codes: refused before training */
    {"csv_bits_above_width.csv", "--input-width 1", 2,
     "feature \"a\": 2 bits need 3 distinct thresholds, but its 1-bit input "
     "codes have only 1 (bits must be at most the input width)"},

    /* --- sensor specs: bsq train --data sensor_data.csv --sensor FILE */
    {"sensor_unknown_column.json", "", 2,
     "@: features[1].name: \"hum\" is not a column of " BAD_DIR
     "/sensor_data.csv"},
    {"sensor_target_column.json", "", 2,
     "@: features[0].name: \"y\" is the target column, not a feature, of "
     BAD_DIR "/sensor_data.csv"},
    {"sensor_duplicate_name.json", "", 2,
     "@: features[2].name: \"light\" is already features[0]"},
    {"sensor_width_0.json", "", 2, "@: features[0].width: 0 is outside 1..32"},
    {"sensor_width_33.json", "", 2,
     "@: features[1].width: 33 is outside 1..32"},
    {"sensor_lsb_zero.json", "", 2,
     "@: features[1].lsb: 0 is not a finite number > 0"},
    {"sensor_lsb_negative.json", "", 2,
     "@: features[0].lsb: -0.0078125 is not a finite number > 0"},
    {"sensor_lsb_not_finite.json", "", 2,
     "@: features[0].lsb: inf is not a finite number > 0"},
    {"sensor_codes_with_lsb.json", "", 2,
     "@: features[0].lsb: not allowed with \"codes\": true (the column holds "
     "raw codes)"},
    {"sensor_missing_width.json", "", 2,
     "@: features[1].width: missing (the ADC's code width, 1..32)"},
    {"sensor_missing_lsb.json", "", 2,
     "@: features[1].lsb: missing (the physical value of one code step; or "
     "\"codes\": true for raw codes)"},
    {"sensor_not_json.json", "", 2, "@:2:65: not valid JSON (byte 79)"},
    {"sensor_width_below_bits.json", "", 2,
     "feature \"temp\": 2 bits need 3 distinct thresholds, but its 1-bit "
     "input codes have only 1 (bits must be at most the input width)"},

    /* --- raw-code columns: bsq train --data FILE --sensor codes_spec.json */
    {"codes_not_integer.csv", "", 2,
     "@:3:1: column \"light\": 500.5 is not an integer code"},
    {"codes_out_of_range.csv", "", 2,
     "@:4:1: column \"light\": 1024 is outside the 10-bit unsigned code range "
     "0..1023 (raw codes are not saturated)"},
    {"codes_negative_unsigned.csv", "", 2,
     "@:3:1: column \"light\": -1 is outside the 10-bit unsigned code range "
     "0..1023 (raw codes are not saturated)"},
    {"codes_signed_below.csv", "", 2,
     "@:4:2: column \"temp\": -2049 is outside the 12-bit signed code range "
     "-2048..2047 (raw codes are not saturated)"},

    /* --- model files: bsq gen FILE */
    {"model_empty.json", "", 2, "@:1:1: not valid JSON (byte 0)"},
    {"model_truncated.json", "", 2, "@:39:52: not valid JSON (byte 836)"},
    {"model_trailing_garbage.json", "", 2,
     "@:76:1: not valid JSON (byte 1674)"},
    {"model_not_bsq.json", "", 2, "@: not a bsq model file (format)"},
    {"model_future_version.json", "", 2,
     "@: version 2 is newer than this bsq (supports 1)"},
    {"model_thresholds_unsorted.json", "", 2,
     "@: features[1].thresholds: not sorted at index 2"},
    {"model_threshold_out_of_range.json", "", 2,
     "@: features[1].thresholds[6]: 8 is outside -9..7"},
    {"model_threshold_mismatch.json", "", 2,
     "@: features[1].thresholds[6]: does not match thresholds_float "
     "(expected 4)"},
    {"model_bits_all_0.json", "", 2,
     "@: features: every feature has 0 bits: nothing is sent"},
    {"model_bits_0_values.json", "", 2,
     "@: features[0].bits: 0, but mlp.input \"values\" needs at least 1 bit "
     "per feature"},
    {"model_bits_9.json", "", 2, "@: features[1].bits: 9 is outside 0..8"},
    {"model_width_0.json", "", 2, "@: features[0].width: 0 is outside 1..32"},
    {"model_width_33.json", "", 2,
     "@: features[0].width: 33 is outside 1..32"},
    {"model_thresholds_short.json", "", 2,
     "@: features[1].thresholds: expected 7 values, found 6"},
    {"model_perm_long.json", "", 2,
     "@: features[1].perm: expected 7 values, found 8"},
    {"model_perm_duplicate.json", "", 2,
     "@: features[1].perm: not a permutation of 0..6"},
    {"model_weight_row_short.json", "", 2,
     "@: mlp.layers[0].weight[0]: expected 8 values, found 7"},
    {"model_weight_not_number.json", "", 2,
     "@: mlp.layers[0].weight[0][1]: not a number"},
    {"model_bias_long.json", "", 2,
     "@: mlp.layers[1].bias: expected 1 value, found 2"},
    {"model_dims_wrong.json", "", 2,
     "@: mlp.dims[0]: expected 8 (the number of thresholds), found 9"},
    {"model_dims_huge.json", "", 2, /* refused before allocating 2 GB */
     "@: mlp.layers[0].weight: expected 65536 rows, found 2"},
    {"model_scale_zero.json", "", 2, "@: features[1].scale: 0 is not positive"},
    {"model_hash_mismatch.json", "", 2,
     "@: hash mismatch: file says 3e97d253d3efb8c1, content gives "
     "3e97d253d3efb8c0"},

    /* --- bit budgets: bsq alloc --data FILE --frame-bits N (2 features) */
    {"alloc_budget_negative.csv", "--frame-bits -1", 2,
     "--frame-bits -1: below 0"},
    {"alloc_budget_zero.csv", "--frame-bits 0", 2,
     "--frame-bits 0: at least 1 is needed (a frame of 0 bits sends "
     "nothing)"},
    {"alloc_budget_above.csv", "--frame-bits 17", 2,
     "--frame-bits 17: above 2 features x 8 bits = 16"},
    {"alloc_budget_fraction.csv", "--frame-bits 2.5", 2,
     "--frame-bits '2.5': not an integer"},
    {"alloc_max_bits_above_width.csv", "--frame-bits 2 --input-width 2", 2,
     "--max-bits 8: feature \"a\": 8 bits need 255 distinct thresholds, but "
     "its 2-bit input codes have only 3 (bits must be at most the input "
     "width)"},

    /* --- bit widths against input widths, before any training:
     * bsq compare / pareto --data FILE, bsq tune --data sensor_data.csv
     * --sensor FILE */
    {"compare_bits_above_width.csv", "--bits 2,4 --input-width 2", 2,
     "--bits 4: feature \"a\": 4 bits need 15 distinct thresholds, but its "
     "2-bit input codes have only 3 (bits must be at most the input width)"},
    {"pareto_max_bits_above_width.csv", "--input-width 2", 2,
     "--max-bits 8: feature \"a\": 8 bits need 255 distinct thresholds, but "
     "its 2-bit input codes have only 3 (bits must be at most the input "
     "width)"},
    {"tune_sensor_width_below_bits.json", "--bits 2,3", 2,
     "--bits 2: feature \"temp\": 2 bits need 3 distinct thresholds, but its "
     "1-bit input codes have only 1 (bits must be at most the input width)"},

    /* --- frame streams: bsq decode ref_model.json FILE */
    {"stream_empty.bin", "", 2, "@: truncated header (0 of 56 bytes)"},
    {"stream_header_truncated.bin", "", 2,
     "@: truncated header (40 of 56 bytes)"},
    {"stream_truncated.bin", "", 2,
     "@: truncated: 4 frames need 4 bytes of words, found 3"},
    {"stream_trailing_garbage.bin", "", 2,
     "@: 3 bytes of trailing garbage after the last word"},
    {"stream_bad_magic.bin", "", 2, "@: not a bsq stream (magic)"},
    {"stream_version_2.bin", "", 2, "@: stream version 2 is not supported (1)"},
    {"stream_word_width_65.bin", "", 2, "@: word width 65 is outside 1..64"},
    {"stream_bits_above_k.bin", "", 2, "@: word 3 has bits set above bit 4"},
    {"stream_sync_group_70000.bin", "", 2,
     "@: frame-sync group 70000 is outside 0..65535"},
    {"stream_frame_count_wrong.bin", "", 2,
     "@: 4 words cannot hold 9 frames of 4 bits"},
    {"stream_frame_bits_wrong.bin", "", 2,
     "@: 2 features / 5 frame bits, the model has 2 / 4"},
    {"stream_other_model.bin", "", 2,
     "@: stream was encoded for model 0123456789abcdef, " BAD_DIR
     "/ref_model.json is 3e97d253d3efb8c0"},
};
#define NCASES ((int)(sizeof CASES / sizeof CASES[0]))

/* Files that are inputs of the accepted cases or references, not cases. */
static const char *const OTHER_FILES[] = {
    "ok_csv_bom.csv", "ok_csv_crlf.csv", "ref_model.json", "ref_stream.bin",
    "sensor_data.csv", "codes_spec.json"};

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

static char *str_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  ck_assert_int_ge(n, 0);
  char *s = malloc((size_t)n + 1);
  ck_assert_ptr_nonnull(s);
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

/* msg with every "@" replaced by path. */
static char *expand(const char *msg, const char *path) {
  size_t n = strlen(msg) + 1;
  for (const char *p = msg; *p; p++)
    if (*p == '@') n += strlen(path);
  char *s = malloc(n), *q = s;
  ck_assert_ptr_nonnull(s);
  for (const char *p = msg; *p; p++) {
    if (*p == '@') {
      strcpy(q, path);
      q += strlen(path);
    } else {
      *q++ = *p;
    }
  }
  *q = '\0';
  return s;
}

/* Names of the entries of dir (other than . and ..), comma-separated;
 * "" when it is empty. */
static char *dir_listing(const char *dir) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  char *list = str_printf("%s", "");
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    char *l = str_printf("%s%s%s", list, *list ? "," : "", de->d_name);
    free(list);
    list = l;
  }
  closedir(d);
  return list;
}

static void remove_dir(char *dir) {
  char *list = dir_listing(dir);
  char *save = NULL;
  for (char *n = strtok_r(list, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
    char *p = str_printf("%s/%s", dir, n);
    unlink(p);
    free(p);
  }
  free(list);
  rmdir(dir);
  free(dir);
}

/* The bsq command line for input `path`, writing into dir. */
static char *command_for(const char *file, const char *path, const char *extra,
                         const char *dir, const char **cmd) {
  if (!strncmp(file, "csv_", 4) || !strncmp(file, "ok_csv_", 7)) {
    *cmd = "train";
    return str_printf("train --data '%s' %s -o '%s/out.json' --epochs 1 "
                      "--hidden 2 --bits 2 -q",
                      path, extra, dir);
  }
  if (!strncmp(file, "sensor_", 7)) {
    *cmd = "train";
    return str_printf("train --data '%s/sensor_data.csv' --sensor '%s' %s -o "
                      "'%s/out.json' --epochs 1 --hidden 2 --bits 2 -q",
                      BAD_DIR, path, extra, dir);
  }
  if (!strncmp(file, "codes_", 6)) {
    *cmd = "train";
    return str_printf("train --data '%s' --sensor '%s/codes_spec.json' %s -o "
                      "'%s/out.json' --epochs 1 --hidden 2 --bits 2 -q",
                      path, BAD_DIR, extra, dir);
  }
  if (!strncmp(file, "alloc_", 6)) {
    *cmd = "alloc";
    return str_printf("alloc --data '%s' %s -o '%s/out.json' --epochs 1 "
                      "--hidden 2 -q",
                      path, extra, dir);
  }
  if (!strncmp(file, "compare_", 8)) {
    *cmd = "compare";
    return str_printf("compare --data '%s' %s -o '%s/out.md' --epochs 1 "
                      "--hidden 2 --seeds 1 -q",
                      path, extra, dir);
  }
  if (!strncmp(file, "pareto_", 7)) {
    *cmd = "pareto";
    return str_printf("pareto --data '%s' --frame-bits 2 %s -o '%s/out.md' "
                      "--epochs 1 --hidden 2 --seeds 1 -q",
                      path, extra, dir);
  }
  if (!strncmp(file, "tune_", 5)) {
    *cmd = "tune";
    return str_printf("tune --data '%s/sensor_data.csv' --sensor '%s' %s -o "
                      "'%s/out.md' --trials 1 --epochs 2 -q",
                      BAD_DIR, path, extra, dir);
  }
  if (!strncmp(file, "model_", 6)) {
    *cmd = "gen";
    return str_printf("gen '%s' %s -o '%s/rtl'", path, extra, dir);
  }
  ck_assert_msg(!strncmp(file, "stream_", 7), "%s: unknown kind", file);
  *cmd = "decode";
  return str_printf("decode '%s/ref_model.json' '%s' %s -o '%s/pred.csv'",
                    BAD_DIR, path, extra, dir);
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */

START_TEST(test_catalogue_rejects_with_exact_message) {
  const bad_case *c = &CASES[_i];
  char *path = str_printf("%s/%s", BAD_DIR, c->file);
  ck_assert_msg(tu_exists(path), "%s: missing", path);
  char *dir = tu_tmpdir("catalogue");
  const char *cmd;
  char *args = command_for(c->file, path, c->extra, dir, &cmd);
  char *out = NULL, *err = NULL;
  int rc = tu_bsq(args, &out, &err);
  char *body = expand(c->msg, path);
  char *want = str_printf("bsq %s: %s\n", cmd, body);
  ck_assert_msg(rc == c->exit, "%s: exit %d, expected %d; stderr:\n%s",
                c->file, rc, c->exit, err ? err : "");
  ck_assert_ptr_nonnull(err);
  ck_assert_str_eq(err, want);
  /* nothing written: no output, no temporary, not even a directory */
  char *left = dir_listing(dir);
  ck_assert_msg(!*left, "%s: left behind: %s", c->file, left);
  free(left);
  free(want);
  free(body);
  free(out);
  free(err);
  free(args);
  free(path);
  remove_dir(dir);
}
END_TEST

/* Every file under tests/bad/ is a case (or a listed reference), so a file
 * added without its expected message fails here. */
START_TEST(test_catalogue_covers_every_file) {
  char *list = dir_listing(BAD_DIR);
  int n = 0;
  char *save = NULL;
  for (char *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
    int known = 0;
    for (int i = 0; i < NCASES; i++) known |= !strcmp(CASES[i].file, f);
    for (size_t i = 0; i < sizeof OTHER_FILES / sizeof *OTHER_FILES; i++)
      known |= !strcmp(OTHER_FILES[i], f);
    ck_assert_msg(known, "tests/bad/%s has no entry in the catalogue", f);
    n++;
  }
  free(list);
  ck_assert_int_eq(n, NCASES + (int)(sizeof OTHER_FILES / sizeof *OTHER_FILES));
  ck_assert_int_ge(NCASES, 30);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Core: what must be accepted                                             */

/* Trains on path into dir/out.json; returns the model's hash and checks
 * the column names came through without the BOM or a CR. */
static uint64_t train_hash(const char *path, const char *dir) {
  const char *cmd;
  char *args = command_for("ok_csv_", path, "", dir, &cmd);
  char *out = NULL, *err = NULL;
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "%s: exit %d\n%s", path, rc, err ? err : "");
  ck_assert_str_eq(err, "");
  char *model = str_printf("%s/out.json", dir);
  bsq_model m;
  bsq_diag g = {{0}};
  ck_assert_msg(bsq_model_load(&m, model, &g) == 0, "%s", g.msg);
  ck_assert_int_eq(m.F, 2);
  ck_assert_str_eq(m.names[0], "a");
  ck_assert_str_eq(m.names[1], "b");
  ck_assert_str_eq(m.target, "y");
  uint64_t h = bsq_model_hash(&m);
  bsq_model_free(&m);
  char *left = dir_listing(dir);
  ck_assert_str_eq(left, "out.json"); /* and no temporary */
  free(left);
  free(model);
  free(out);
  free(err);
  free(args);
  return h;
}

START_TEST(test_catalogue_accepts_bom_and_crlf) {
  /* the plain file: the CRLF one with LF line ends */
  char *crlf = str_printf("%s/ok_csv_crlf.csv", BAD_DIR);
  size_t len;
  char *text = tu_read(crlf, &len);
  ck_assert_ptr_nonnull(text);
  ck_assert_ptr_nonnull(strstr(text, "\r\n"));
  size_t k = 0;
  for (size_t i = 0; i < len; i++)
    if (text[i] != '\r') text[k++] = text[i];
  text[k] = '\0';
  char *pdir = tu_tmpdir("plain");
  char *plain = tu_write(pdir, "plain.csv", text);
  char *bom = str_printf("%s/ok_csv_bom.csv", BAD_DIR);
  char *bom_text = tu_read(bom, NULL);
  ck_assert_ptr_nonnull(bom_text);
  ck_assert_int_eq(memcmp(bom_text, "\xEF\xBB\xBF", 3), 0);
  ck_assert_str_eq(bom_text + 3, text); /* same table, BOM in front */

  char *d1 = tu_tmpdir("ok"), *d2 = tu_tmpdir("ok"), *d3 = tu_tmpdir("ok");
  uint64_t h_plain = train_hash(plain, d1);
  uint64_t h_crlf = train_hash(crlf, d2);
  uint64_t h_bom = train_hash(bom, d3);
  ck_assert_uint_eq(h_crlf, h_plain); /* same data, same model */
  ck_assert_uint_eq(h_bom, h_plain);
  remove_dir(d1);
  remove_dir(d2);
  remove_dir(d3);
  unlink(plain);
  rmdir(pdir);
  free(pdir);
  free(plain);
  free(bom_text);
  free(bom);
  free(text);
  free(crlf);
}
END_TEST

Suite *catalogue_suite(void);
Suite *catalogue_suite(void) {
  Suite *s = suite_create("catalogue");
  TCase *tc = tcase_create("Core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_catalogue_accepts_bom_and_crlf);
  suite_add_tcase(s, tc);
  tc = tcase_create("Errors");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_catalogue_covers_every_file);
  tcase_add_loop_test(tc, test_catalogue_rejects_with_exact_message, 0, NCASES);
  suite_add_tcase(s, tc);
  return s;
}
