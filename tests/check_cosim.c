/* Co-simulation: generated Verilog against the C model, through `bsq sim`
 * (Verilator, and Icarus for one design), over a matrix of designs built in
 * memory; and negative tests proving the checker can fail. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "model.h"
#include "rng.h"
#include "testutil.h"

/* One design of the matrix. Per-feature arrays cycle when shorter than F. */
typedef struct {
  int F;
  int nb, bits[8];
  int nw, width[8];
  int ns, sgn[8];
  int K;
  const char *mode, *arch;
  double bp;
  const char *data; /* data_source, or NULL */
  const char *rtl;  /* RTL choices (bsq gen options), or NULL: the defaults */
} design;

static const design MATRIX[] = {
    /* F  bits              widths               signed       K   mode arch bp */
    {1, 1, {1}, 1, {1}, 1, {0}, 1, "continuous", "flash", 0.0, NULL, NULL},
    {1, 1, {8}, 1, {8}, 1, {1}, 1, "aligned", "search", 0.5, NULL, NULL},
    {2, 2, {2, 3}, 2, {4, 5}, 1, {0}, 5, "continuous", "search", 0.5, NULL, NULL},
    {3, 3, {1, 4, 8}, 3, {16, 12, 10}, 3, {0, 1, 0}, 8, "aligned", "flash", 0.0, NULL, NULL},
    {4, 1, {5}, 1, {11}, 1, {1}, 16, "continuous", "flash", 0.5, NULL, NULL},
    {5, 1, {6}, 1, {13}, 1, {0}, 32, "aligned", "search", 0.0, NULL, NULL},
    {8, 1, {7}, 1, {14}, 1, {1}, 64, "continuous", "search", 0.5, NULL, NULL},
    {10, 1, {4}, 1, {12}, 1, {0}, 32, "aligned", "flash", 0.5,
     "friedman1:rows=400:seed=7", NULL},
    {16, 8, {1, 2, 3, 4, 5, 6, 7, 8}, 8, {2, 3, 5, 7, 9, 11, 13, 16}, 2, {0, 1},
     64, "aligned", "flash", 0.5, NULL, NULL},
    {32, 1, {2}, 1, {3}, 2, {0, 1}, 16, "continuous", "search", 0.0, NULL, NULL},
    {32, 3, {8, 1, 3}, 1, {6}, 1, {0}, 5, "aligned", "flash", 0.5, NULL, NULL},
    {2, 2, {3, 5}, 2, {20, 32}, 2, {1, 0}, 8, "continuous", "flash", 0.5, NULL, NULL},
    {3, 1, {4}, 3, {32, 20, 9}, 1, {1}, 64, "aligned", "search", 0.0, NULL, NULL},
    {6, 1, {3}, 1, {15}, 1, {1}, 1, "aligned", "flash", 0.5, NULL, NULL},
    {1, 1, {8}, 1, {16}, 1, {0}, 64, "continuous", "search", 0.0, NULL, NULL},
    {7, 1, {2}, 1, {7}, 2, {0, 1}, 5, "aligned", "search", 0.5, NULL, NULL},
    {12, 1, {8}, 1, {9}, 1, {0}, 8, "continuous", "flash", 0.0, NULL, NULL},
    {1, 1, {3}, 1, {2}, 1, {0}, 16, "aligned", "search", 0.5, NULL, NULL},
    /* the ASIC RTL choices: no thermometer or search registers, plain data
     * flip-flops (never reset: the reset mid-stream must not matter) */
    {5, 3, {4, 1, 7}, 3, {12, 6, 16}, 2, {0, 1}, 8, "aligned", "flash", 0.5,
     NULL, "--pipeline 0 --datapath-reset off"},
    {6, 4, {2, 8, 5, 3}, 2, {10, 16}, 3, {1, 0, 0}, 16, "continuous", "search",
     0.5, NULL, "--pipeline 0 --datapath-reset off"},
    {4, 2, {6, 3}, 2, {9, 14}, 1, {1}, 32, "aligned", "search", 0.5, NULL,
     "--pipeline 0"},
    {3, 2, {8, 2}, 1, {13}, 1, {0}, 5, "continuous", "flash", 0.5, NULL,
     "--datapath-reset off"},
    {10, 1, {4}, 1, {12}, 1, {0}, 32, "aligned", "search", 0.5,
     "friedman1:rows=400:seed=7", "--datapath-reset off"},
    /* the reset synchronizer: the reset mid-stream asserts at once and is
     * released two clocks later */
    {4, 2, {3, 5}, 2, {10, 7}, 2, {0, 1}, 8, "continuous", "flash", 0.3,
     NULL, "--reset-sync on"},
    /* serial: one code per beat, mixed bits, widths and signedness (and
     * test_cosim_serial_icarus_agrees) */
    {1, 1, {3}, 1, {7}, 1, {1}, 5, "continuous", "serial", 0.5, NULL, NULL},
    {10, 1, {4}, 1, {12}, 1, {0}, 32, "aligned", "serial", 0.0,
     "friedman1:rows=400:seed=7", NULL},
    {2, 2, {3, 5}, 2, {20, 32}, 2, {1, 0}, 8, "continuous", "serial", 0.5, NULL, NULL},
    {6, 3, {8, 1, 3}, 3, {16, 6, 3}, 3, {1, 0, 0}, 64, "aligned", "serial", 0.2, NULL, NULL},
    {4, 2, {3, 5}, 2, {10, 6}, 2, {1, 0}, 16, "aligned", "serial", 0.5, NULL,
     "--datapath-reset off"},
    /* features of 0 bits (not sent: codes in tdata, ignored), the first
     * and the last among them, in each architecture */
    {5, 5, {0, 3, 2, 0, 4}, 2, {10, 7}, 2, {0, 1}, 8, "continuous", "flash",
     0.5, NULL, NULL},
    {4, 4, {0, 2, 3, 0}, 2, {8, 12}, 1, {0}, 5, "aligned", "serial", 0.5, NULL,
     NULL},
    /* index 30: in the sanitizer build's every-3rd run (a last feature of
     * 0 bits once made the stimulus read past the thresholds) */
    {4, 4, {2, 0, 5, 0}, 1, {9}, 1, {1}, 16, "aligned", "search", 0.5, NULL,
     "--pipeline 0"},
    /* frame sync: a marker after every group, s_axis_tuser flushing at
     * random; the receiver must find every frame (test_cosim_matrix) */
    {5, 2, {3, 4}, 2, {8, 10}, 1, {0}, 8, "continuous", "flash", 0.4, NULL,
     "--sync 4"},
    {4, 1, {3}, 1, {7}, 1, {1}, 16, "aligned", "search", 0.4, NULL,
     "--sync 1"},
    {3, 2, {2, 5}, 1, {9}, 2, {0, 1}, 5, "continuous", "serial", 0.4, NULL,
     "--sync 3"},
    /* --byte-tdata: 23 code bits in 24, 7-bit words in 8; serial: 11-bit
     * beats in 16, 13-bit words in 16, with frame sync */
    {3, 2, {3, 4}, 2, {9, 5}, 1, {0}, 7, "aligned", "flash", 0.3, NULL,
     "--byte-tdata on"},
    {4, 1, {3}, 1, {11}, 2, {0, 1}, 13, "continuous", "serial", 0.3, NULL,
     "--byte-tdata on --sync 2"},
};
#define NMATRIX ((int)(sizeof MATRIX / sizeof MATRIX[0]))

/* BSQ_COSIM_STRIDE=s runs every s-th design only (0, s, 2s, ...): for the
 * sanitizer build, where each design's harness is compiled instrumented
 * and runs several times slower. Unset: the whole matrix. */
static int matrix_stride = 1;
/* BSQ_COSIM_SHARD=i/n runs the i-th of n interleaved parts of what the
 * stride keeps, and the other tests in one part each (ctest registers the
 * suite as n tests, so that the parts run side by side). */
static int matrix_k[NMATRIX], matrix_n;

/* Builds a model for design t: formats fitted to [-1, 1] (friedman1 data:
 * [0, 1]), random thresholds reaching past both ends of the code range (so
 * some fold to constants), a few ties. Saves it to dir/model.json. */
static char *make_model(const design *t, const char *dir, uint64_t seed) {
  int bits[32];
  for (int f = 0; f < t->F; f++) bits[f] = t->bits[f % t->nb];
  int hidden[1] = {2};
  bsq_model m;
  ck_assert_int_eq(bsq_model_init(&m, t->F, bits, 1, hidden), 0);
  char *names[32], buf[32][16];
  for (int f = 0; f < t->F; f++) {
    snprintf(buf[f], sizeof buf[f], "x%d", f + 1);
    names[f] = buf[f];
  }
  ck_assert_int_eq(bsq_model_set_names(&m, names, "y"), 0);
  double lo = t->data ? 0.0 : -1.0, hi = 1.0;
  bsq_rng r;
  bsq_rng_seed(&r, seed);
  for (int f = 0; f < t->F; f++) {
    ck_assert_int_eq(bsq_format_fit(&m.enc.fmt[f], t->width[f % t->nw],
                                    t->sgn[f % t->ns], lo, hi, 0.0),
                     0);
    for (int d = m.enc.toff[f]; d < m.enc.toff[f + 1]; d++) {
      double span = hi - lo;
      m.thr[d] = (float)(lo - 0.15 * span + 1.3 * span * bsq_rng_uniform(&r));
      if (d > m.enc.toff[f] && bsq_rng_below(&r, 10) == 0)
        m.thr[d] = m.thr[d - 1]; /* a tie */
    }
  }
  if (t->data) snprintf(m.data_source, sizeof m.data_source, "%s", t->data);
  bsq_model_quantize(&m);
  size_t n = strlen(dir) + 16;
  char *path = malloc(n);
  ck_assert_ptr_nonnull(path);
  snprintf(path, n, "%s/model.json", dir);
  bsq_diag diag;
  ck_assert_msg(bsq_model_save(&m, path, &diag) == 0, "%s", diag.msg);
  bsq_model_free(&m);
  return path;
}

static const char *json_field(const char *json, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *p = strstr(json, pat);
  return p ? p + strlen(pat) : NULL;
}

START_TEST(test_cosim_matrix) {
  const int k = matrix_k[_i]; /* the design */
  const design *t = &MATRIX[k];
  char *dir = tu_tmpdir("cosim");
  char *model = make_model(t, dir, 100u + (uint64_t)k);
  char args[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "sim '%s' --arch %s --word-bits %d --mode %s --frames 1500 "
           "--backpressure %g --seed %d --json %s",
           model, t->arch, t->K, t->mode, t->bp, k + 1, t->rtl ? t->rtl : "");
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "design %d (F=%d K=%d %s %s bp=%g %s): exit %d\n%s%s",
                k, t->F, t->K, t->mode, t->arch, t->bp, t->rtl ? t->rtl : "",
                rc, out ? out : "",
                err ? err : "");
  const char *v = json_field(out, "mismatches");
  ck_assert_ptr_nonnull(v);
  ck_assert_int_eq(atoi(v), 0);
  v = json_field(out, "frames");
  ck_assert_ptr_nonnull(v);
  ck_assert_int_gt(atoi(v), 1000);
  ck_assert_ptr_nonnull(strstr(out, "\"pass\": true}"));
  if (t->data) ck_assert_ptr_null(strstr(out, "\"data\": 0,"));
  if (t->rtl && strstr(t->rtl, "--sync")) { /* the receiver found them all */
    const char *sy = strstr(out, "\"sync\": {\"frames\": ");
    ck_assert_ptr_nonnull(sy);
    ck_assert_int_gt(atoi(json_field(sy, "groups")), 100);
    ck_assert_int_eq(atoi(json_field(sy, "bad_frames")), 0);
    ck_assert_int_eq(atoi(json_field(sy, "frames")),
                     atoi(json_field(out, "frames")));
  }
  if (!strcmp(t->arch, "serial")) { /* misplaced tlasts were driven */
    v = json_field(out, "tlast_late");
    ck_assert_ptr_nonnull(v);
    ck_assert_int_gt(atoi(v), 0);
    if (t->F > 1) ck_assert_int_gt(atoi(json_field(out, "tlast_early")), 0);
  }
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* Icarus runs the same RTL on the same vectors; both pass; the Verilator
 * run leaves the waveform it was asked for. */
START_TEST(test_cosim_icarus_agrees) {
  design t = {3, 3, {2, 3, 1}, 3, {6, 9, 4}, 2, {0, 1}, 5,
              "continuous", "search", 0.3, NULL, NULL};
  char *dir = tu_tmpdir("icarus");
  char *model = make_model(&t, dir, 77);
  char args[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "sim '%s' --arch search --word-bits 5 --mode continuous "
           "--frames 800 --backpressure 0.3 --simulator both --json "
           "--trace '%s/wave.vcd'",
           model, dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  const char *ic = strstr(out, "\"icarus\": {");
  ck_assert_ptr_nonnull(ic);
  ck_assert_ptr_nonnull(strstr(ic, "\"mismatches\": 0"));
  ck_assert_ptr_nonnull(strstr(ic, "\"pass\": true"));
  ck_assert_ptr_nonnull(strstr(out, "\"speed_ratio\": "));
  /* the waveform asked for is there */
  char wave[1024];
  snprintf(wave, sizeof wave, "%s/wave.vcd", dir);
  char *vcd = tu_read(wave, NULL);
  ck_assert_ptr_nonnull(vcd);
  ck_assert_ptr_nonnull(strstr(vcd, "$enddefinitions"));
  ck_assert_ptr_nonnull(strstr(vcd, "m_axis_tdata"));
  free(vcd);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* Adds one to the first in-range threshold literal of the flash quantizer
 * of feature `feat`; returns 0 if one was found. */
static int alter_threshold(const char *path, int feat) {
  size_t len;
  char *text = tu_read(path, &len);
  if (!text) return -1;
  char pat[32];
  snprintf(pat, sizeof pat, "assign f%d_therm[", feat);
  char *p = text;
  while ((p = strstr(p, pat)) != NULL) {
    char *eol = strchr(p, '\n');
    char *lit = strstr(p, "'d");
    if (lit && (!eol || lit < eol)) {
      char *num = lit + 2;
      long v = strtol(num, NULL, 10);
      char *end = num + strspn(num, "0123456789");
      size_t n = len + 32;
      char *out = malloc(n);
      snprintf(out, n, "%.*s%ld%s", (int)(num - text), text, v + 1, end);
      FILE *fp = fopen(path, "wb");
      fputs(out, fp);
      fclose(fp);
      free(out);
      free(text);
      return 0;
    }
    p++;
  }
  free(text);
  return -1;
}

START_TEST(test_cosim_detects_altered_threshold) {
  design t = {3, 1, {3}, 1, {8}, 1, {0}, 8, "aligned", "flash", 0.0, NULL, NULL};
  char *dir = tu_tmpdir("neg-thr");
  char *model = make_model(&t, dir, 5);
  char args[1024], path[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "gen '%s' -o '%s/rtl' --word-bits 8", model, dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(path, sizeof path, "%s/rtl/bsq_quant.v", dir);
  ck_assert_int_eq(alter_threshold(path, 1), 0);
  snprintf(args, sizeof args, "sim '%s' --rtl '%s/rtl' --frames 300", model,
           dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3, "exit %d\n%s%s", rc, out, err);
  ck_assert_msg(strstr(err, "feature=1 \"x2\"") != NULL, "%s", err);
  ck_assert_ptr_nonnull(strstr(out, "FAIL"));
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* Replaces the first `from` in the file at path by `to`; 0 if found. */
static int replace_in(const char *path, const char *from, const char *to) {
  size_t len;
  char *t = tu_read(path, &len);
  char *at = t ? strstr(t, from) : NULL;
  if (!at) {
    free(t);
    return -1;
  }
  FILE *fp = fopen(path, "w");
  ck_assert_ptr_nonnull(fp);
  fwrite(t, 1, (size_t)(at - t), fp);
  fputs(to, fp);
  fputs(at + strlen(from), fp);
  fclose(fp);
  free(t);
  return 0;
}

/* --byte-tdata: an output pad bit set breaks rule pad-zero; a top that
 * reads an input pad bit (the garbage the harness drives there)
 * mismatches; Icarus is refused. */
START_TEST(test_cosim_byte_tdata_faults) {
  design t = {3, 2, {3, 4}, 2, {9, 5}, 1, {0}, 7, "aligned", "flash", 0.3,
              NULL, NULL};
  char *dir = tu_tmpdir("neg-byte");
  char *model = make_model(&t, dir, 41);
  char args[1024], path[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "gen '%s' -o '%s/rtl' --word-bits 7 --byte-tdata on", model, dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(path, sizeof path, "%s/rtl/bsq_encoder.v", dir);
  ck_assert_int_eq(replace_in(path, "{1'd0, pk_word}", "{1'd1, pk_word}"), 0);
  snprintf(args, sizeof args, "sim '%s' --rtl '%s/rtl' --frames 300", model,
           dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3 && strstr(err, "rule=pad-zero"), "exit %d\n%s%s", rc,
                out, err);
  free(out);
  free(err);
  ck_assert_int_eq(replace_in(path, "{1'd1, pk_word}", "{1'd0, pk_word}"), 0);
  ck_assert_int_eq(replace_in(path, "s_axis_tdata[22:0]", "s_axis_tdata[23:1]"), 0);
  rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3 && strstr(err, "EXP="), "exit %d\n%s%s", rc, out, err);
  free(out);
  free(err);
  snprintf(args, sizeof args, "sim '%s' --byte-tdata on --simulator icarus",
           model);
  rc = tu_bsq(args, NULL, &err);
  ck_assert_msg(rc != 0 && strstr(err, "Verilator only"), "exit %d\n%s", rc, err);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* The serial encoder on Icarus too: the same beats, misplaced tlasts
 * included, the error flag and drop counter checked at the end. */
START_TEST(test_cosim_serial_icarus_agrees) {
  design t = {4, 3, {3, 2, 4}, 2, {7, 10}, 2, {1, 0}, 16,
              "aligned", "serial", 0.3, NULL, NULL};
  char *dir = tu_tmpdir("serial-icarus");
  char *model = make_model(&t, dir, 31);
  char args[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "sim '%s' --arch serial --word-bits 16 --mode aligned "
           "--frames 600 --backpressure 0.3 --simulator both --json",
           model);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  const char *ic = strstr(out, "\"icarus\": {");
  ck_assert_ptr_nonnull(ic);
  ck_assert_ptr_nonnull(strstr(ic, "\"mismatches\": 0"));
  ck_assert_ptr_nonnull(strstr(ic, "\"pass\": true"));
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* Adds one to the first table entry of feature `feat` in the serial
 * quantizer (stage 0, the case on the channel: its middle threshold); returns 0 if one was found. */
static int alter_serial_entry(const char *path, int feat) {
  size_t len;
  char *text = tu_read(path, &len);
  if (!text) return -1;
  char pat[48];
  snprintf(pat, sizeof pat, "// feature %d \"x%d\" t", feat, feat + 1);
  char *p = strstr(text, pat);
  int rc = -1;
  if (p) {
    char *bol = p;
    while (bol > text && bol[-1] != '\n') bol--;
    /* unsigned 8'd12 or signed 9'sd12 / -9'sd12 (some entry is negative) */
    char *lit = strstr(bol, "'sd");
    if (!lit || lit > p) lit = strstr(bol, "'d");
    if (lit && lit < p && strstr(bol, "thr_s0 =") && strstr(bol, "thr_s0 =") < p) {
      char *num = lit + (lit[1] == 's' ? 3 : 2);
      long v = strtol(num, NULL, 10);
      char *end = num + strspn(num, "0123456789");
      size_t n = len + 32;
      char *out = malloc(n);
      snprintf(out, n, "%.*s%ld%s", (int)(num - text), text, v + 1, end);
      FILE *fp = fopen(path, "wb");
      fputs(out, fp);
      fclose(fp);
      free(out);
      rc = 0;
    }
  }
  free(text);
  return rc;
}

START_TEST(test_cosim_serial_detects_altered_entry) {
  design t = {3, 1, {3}, 1, {8}, 1, {0}, 8, "aligned", "serial", 0.0, NULL,
              NULL};
  char *dir = tu_tmpdir("neg-serial");
  char *model = make_model(&t, dir, 5);
  char args[1024], path[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "gen '%s' -o '%s/rtl' --arch serial "
                              "--word-bits 8", model, dir);
  ck_assert_int_eq(tu_bsq(args, NULL, NULL), 0);
  snprintf(path, sizeof path, "%s/rtl/bsq_quant.v", dir);
  ck_assert_int_eq(alter_serial_entry(path, 1), 0);
  snprintf(args, sizeof args, "sim '%s' --rtl '%s/rtl' --frames 300", model,
           dir);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3, "exit %d\n%s%s", rc, out, err);
  ck_assert_msg(strstr(err, "feature=1 \"x2\"") != NULL, "%s", err);
  ck_assert_ptr_nonnull(strstr(out, "FAIL"));
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

START_TEST(test_cosim_detects_dropped_word) {
  design t = {4, 1, {4}, 1, {6}, 1, {1}, 16, "continuous", "search", 0.2, NULL, NULL};
  char *dir = tu_tmpdir("neg-drop");
  char *model = make_model(&t, dir, 9);
  char args[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "sim '%s' --arch search --word-bits 16 --mode continuous "
           "--frames 300 --backpressure 0.2 --no-reset --drop-word 40 --json",
           model);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3, "exit %d\n%s%s", rc, out, err);
  ck_assert_ptr_nonnull(strstr(err, "feature="));
  ck_assert_ptr_nonnull(strstr(out, "\"pass\": false"));
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

/* Frame sync on Icarus too: the testbench drives s_axis_tuser from its
 * file and gets the C model's framer's words, markers included; and with
 * one output word lost on the way (the same design) the receiver loses sync, searches, finds the next marker and goes
 * on: every frame it delivers is one that was sent, in order, only the
 * damaged group is dropped, and `bsq sim` exits 3. */
/* The matrix's flash continuous --sync 4 row, with its model: the harness
 * build is the matrix run's, from the cache. */
#define SYNC_ROW (NMATRIX - 5)
#define SYNC_DESIGN (MATRIX[SYNC_ROW])
#define SYNC_SEED (100u + (uint64_t)SYNC_ROW)

START_TEST(test_cosim_sync_icarus_agrees) {
  ck_assert_str_eq(SYNC_DESIGN.rtl, "--sync 4");
  char *dir = tu_tmpdir("sync-icarus");
  char *model = make_model(&SYNC_DESIGN, dir, SYNC_SEED);
  char args[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "sim '%s' --word-bits 8 --mode continuous --sync 4 --frames 400 "
           "--no-sweep --backpressure 0.3 --simulator both --json",
           model);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 0, "exit %d\n%s%s", rc, out, err);
  ck_assert_ptr_nonnull(strstr(out, "\"sync\": 4,"));
  const char *ic = strstr(out, "\"icarus\": {");
  ck_assert_ptr_nonnull(ic);
  ck_assert_ptr_nonnull(strstr(ic, "\"mismatches\": 0"));
  ck_assert_ptr_nonnull(strstr(ic, "\"pass\": true"));
  /* the markers are in Icarus's words too: more than the frames fill */
  int B = 0;
  for (int f = 0; f < SYNC_DESIGN.F; f++) B += SYNC_DESIGN.bits[f % SYNC_DESIGN.nb];
  ck_assert_int_gt(atoi(json_field(ic, "words")) * SYNC_DESIGN.K,
                   atoi(json_field(ic, "frames")) * B);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

START_TEST(test_cosim_sync_resyncs_after_lost_word) {
  ck_assert_str_eq(SYNC_DESIGN.rtl, "--sync 4");
  char *dir = tu_tmpdir("sync-lost");
  char *model = make_model(&SYNC_DESIGN, dir, SYNC_SEED);
  char args[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "sim '%s' --word-bits 8 --mode continuous --sync 4 --frames 600 "
           "--backpressure 0.3 --no-reset --drop-word 200 --json",
           model);
  int rc = tu_bsq(args, &out, &err);
  ck_assert_msg(rc == 3, "exit %d\n%s%s", rc, out, err);
  const char *sy = strstr(out, "\"sync\": {\"frames\": ");
  ck_assert_ptr_nonnull(sy);
  int found = atoi(json_field(sy, "frames"));
  int total = atoi(json_field(out, "total"));
  ck_assert_int_ge(atoi(json_field(sy, "resyncs")), 1);
  ck_assert_int_eq(atoi(json_field(sy, "bad_frames")), 0);
  /* the damaged group (at most N = 4 frames, or its neighbour's marker
   * with it: 8) is lost, the rest is found */
  int lost = atoi(json_field(sy, "dropped_frames"));
  ck_assert_int_ge(lost, 1);
  ck_assert_int_le(lost, 8);
  ck_assert_int_le(total - found, 8);
  ck_assert_int_gt(found, 1000);
  free(out);
  free(err);
  free(model);
  free(dir);
}
END_TEST

Suite *cosim_suite(void); /* called by check_main.c */

Suite *cosim_suite(void) {
  Suite *s = suite_create("cosim");
  TCase *tc = tcase_create("Core");
  tcase_set_timeout(tc, 600);
  const char *stride = getenv("BSQ_COSIM_STRIDE");
  matrix_stride = stride ? atoi(stride) : 1;
  if (matrix_stride < 1 || matrix_stride > NMATRIX) matrix_stride = 1;
  int shard = 0, nshard = 1;
  const char *sh = getenv("BSQ_COSIM_SHARD");
  if (sh && (sscanf(sh, "%d/%d", &shard, &nshard) != 2 || nshard < 1 ||
             shard < 0 || shard >= nshard)) {
    fprintf(stderr, "BSQ_COSIM_SHARD=%s: expected i/n with 0 <= i < n\n", sh);
    shard = 0, nshard = 1;
  }
  matrix_n = 0;
  for (int j = 0; j * matrix_stride < NMATRIX; j++)
    if (j % nshard == shard) matrix_k[matrix_n++] = j * matrix_stride;
  if (matrix_n > 0) tcase_add_loop_test(tc, test_cosim_matrix, 0, matrix_n);
  if (shard == nshard - 1) {
    tcase_add_test(tc, test_cosim_icarus_agrees);
    tcase_add_test(tc, test_cosim_serial_icarus_agrees);
    tcase_add_test(tc, test_cosim_sync_icarus_agrees);
  }
  suite_add_tcase(s, tc);
  if (shard == 0) {
    TCase *te = tcase_create("Errors");
    tcase_set_timeout(te, 600);
    tcase_add_test(te, test_cosim_detects_altered_threshold);
    tcase_add_test(te, test_cosim_detects_dropped_word);
    tcase_add_test(te, test_cosim_serial_detects_altered_entry);
    tcase_add_test(te, test_cosim_sync_resyncs_after_lost_word);
    tcase_add_test(te, test_cosim_byte_tdata_faults);
    suite_add_tcase(s, te);
  }
  return s;
}
