/* Check suite for model/nn_simd.c: each SIMD kernel tier the CPU has
 * against the generic code (nn.c, baseline ISA, OpenBLAS).
 *
 *   AVX2     the generic loops compiled for AVX2: the same bits (the
 *            threshold gradient: given the same input); the
 *            hand-written GEMMs: within float rounding of OpenBLAS
 *            (fused multiply-adds, sums in another order), the bias
 *            gradient the same bits
 *   AVX-512  the hand-written kernels: within float rounding; Adam, the
 *            hard bits and the ReLU (AVX2 copies on that tier) the same
 *            bits; the GEMMs the same bits as the AVX2 tier's
 *
 * A tier the CPU lacks is reported on stdout as "skipped: ..." and its
 * test is not registered (Check has no skip status: the tests that ran
 * are the ones counted). With neither tier the whole executable is
 * skipped: simd_suite() returns NULL and check_main.c exits with 77,
 * which CTest reports as skipped. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "rng.h"

static void fill_uniform(float *a, size_t n, bsq_rng *r, double lo,
                         double hi) {
  for (size_t i = 0; i < n; i++)
    a[i] = (float)(lo + (hi - lo) * bsq_rng_uniform(r));
}

/* One training-sized step of every kernel: soft bits (B, D) of F = 10
 * features, a 150 -> 32 layer forward and backward, the threshold
 * gradient and three Adam steps; then the ReLU and the hard bits; then,
 * for the GEMMs' other shapes, a 32 -> 21 layer fused with the ReLU
 * (forward, and backward through the ReLU below it) and a 21 -> 1 one. */
enum { TS_B = 515, TS_F = 10, TS_D = 150, TS_O = 32, TS_H = 21 };

typedef struct {
  float s[TS_B * TS_D], a[TS_B * TS_O], ds[TS_B * TS_D];
  float dw[TS_O * TS_D], db[TS_O], dthr[TS_D], p[TS_O * TS_D];
  float relu[TS_B * TS_O], drelu[TS_B * TS_O], hard[TS_B * TS_D];
  float h[TS_B * TS_H], dh[TS_B * TS_O], dwh[TS_H * TS_O], dbh[TS_H];
  float y[TS_B], dwy[TS_H], dhy[TS_B * TS_H];
} step_out;

typedef struct {
  float x[TS_B * TS_F], thr[TS_D], w[TS_O * TS_D], b[TS_O];
  float dout[TS_B * TS_O], m[TS_O * TS_D], v[TS_O * TS_D], g[TS_O * TS_D];
  float z[TS_B * TS_O], gz[TS_B * TS_O];
  float wh[TS_H * TS_O], bh[TS_H], gh[TS_B * TS_H], wy[TS_H], by[1];
  int feat_of[TS_D];
} step_in;

/* The step on kernel tier `mode` (bsq_nn_simd); asserts the tier is the
 * one asked for, so that no comparison below is of a tier with itself. */
static void run_step(step_out *o, int mode, float tau) {
  static step_in in;
  bsq_rng r;
  bsq_rng_seed(&r, 151);
  fill_uniform(in.x, TS_B * TS_F, &r, -2, 2);
  fill_uniform(in.thr, TS_D, &r, -1.5, 1.5);
  fill_uniform(in.w, TS_O * TS_D, &r, -0.1, 0.1);
  fill_uniform(in.b, TS_O, &r, -0.1, 0.1);
  fill_uniform(in.dout, TS_B * TS_O, &r, -1, 1);
  fill_uniform(in.g, TS_O * TS_D, &r, -1, 1);
  fill_uniform(in.z, TS_B * TS_O, &r, -1, 1);
  fill_uniform(in.gz, TS_B * TS_O, &r, -1, 1);
  fill_uniform(in.wh, TS_H * TS_O, &r, -0.3, 0.3);
  fill_uniform(in.bh, TS_H, &r, -0.1, 0.1);
  fill_uniform(in.gh, TS_B * TS_H, &r, -1, 1);
  fill_uniform(in.wy, TS_H, &r, -0.3, 0.3);
  fill_uniform(in.by, 1, &r, -0.1, 0.1);
  in.z[0] = 0.0f, in.z[1] = -0.0f, in.z[2] = NAN;
  in.x[3] = in.thr[3 * 15 + 2]; /* x == t gives 0 */
  for (int d = 0; d < TS_D; d++) in.feat_of[d] = d / 15;
  memset(in.m, 0, sizeof in.m);
  memset(in.v, 0, sizeof in.v);
  memset(o, 0, sizeof *o);
  bsq_nn_simd(mode);
  ck_assert_int_eq(bsq_nn_simd(-1), mode);
  bsq_softbits_forward(o->s, in.x, in.thr, in.feat_of, TS_B, TS_F, TS_D, tau);
  bsq_linear_forward(o->a, o->s, in.w, in.b, TS_B, TS_D, TS_O);
  bsq_linear_backward(o->ds, o->dw, o->db, in.dout, o->s, in.w, TS_B, TS_D,
                      TS_O);
  bsq_softbits_backward(NULL, o->dthr, o->ds, o->s, in.feat_of, TS_B, TS_F,
                        TS_D, tau);
  memcpy(o->p, in.w, sizeof in.w);
  const bsq_adam_cfg cfg = {.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f,
                            .eps = 1e-8f, .weight_decay = 0.01f};
  for (int t = 1; t <= 3; t++) /* a fixed gradient: Adam alone */
    bsq_adam_step(o->p, in.g, in.m, in.v, TS_O * TS_D, &cfg, t);
  bsq_relu_forward(o->relu, in.z, TS_B * TS_O);
  bsq_relu_backward(o->drelu, in.gz, o->relu, TS_B * TS_O);
  bsq_hardbits_forward(o->hard, in.x, in.thr, in.feat_of, TS_B, TS_F, TS_D);
  bsq_linear_forward_ex(o->h, o->relu, in.wh, NULL, in.bh, TS_B, TS_O, TS_H,
                        1);
  bsq_linear_backward_ex(o->dh, o->dwh, o->dbh, in.gh, o->relu, in.wh, TS_B,
                         TS_O, TS_H, o->relu);
  bsq_linear_forward(o->y, o->h, in.wy, in.by, TS_B, TS_H, 1);
  bsq_linear_backward(o->dhy, o->dwy, NULL, in.gh /* (B, 1): column 0 */,
                      o->h, in.wy, TS_B, TS_H, 1);
  bsq_nn_simd(BSQ_SIMD_AUTO);
}

/* The best tier this CPU has. */
static int cpu_best(void) {
  int was = bsq_nn_simd(BSQ_SIMD_AUTO);
  int best = bsq_nn_simd(-1);
  if (was != best) bsq_nn_simd(was);
  return best;
}

/* One kernel's output of two tiers: equal within tol relative to
 * max(1, |b|) (0: the same bits), NaN matching NaN. */
typedef struct {
  const char *what;
  const float *a, *b;
  size_t n;
  double tol;
} cmp_row;

static void check_rows(const char *tiers, const cmp_row *cmp, size_t n) {
  for (size_t k = 0; k < n; k++) {
    if (cmp[k].tol == 0.0) {
      ck_assert_msg(memcmp(cmp[k].a, cmp[k].b, cmp[k].n * sizeof(float)) == 0,
                    "%s: %s differs", tiers, cmp[k].what);
      continue;
    }
    for (size_t i = 0; i < cmp[k].n; i++)
      ck_assert_msg(fabs((double)cmp[k].a[i] - cmp[k].b[i]) <=
                            cmp[k].tol * fmax(1.0, fabs((double)cmp[k].b[i])) ||
                        (isnan(cmp[k].a[i]) && isnan(cmp[k].b[i])),
                    "%s: %s[%zu]: %.9g vs %.9g", tiers, cmp[k].what, i,
                    (double)cmp[k].a[i], (double)cmp[k].b[i]);
  }
}

/* The rows of step_out, each with its tolerance: g for the GEMMs, e for
 * the elementwise kernels. */
#define STEP_ROWS(P, Q, g, e)                                                  \
  {{"softbits", P.s, Q.s, TS_B * TS_D, e},                                    \
   {"linear", P.a, Q.a, TS_B * TS_O, g},                                      \
   {"dinp", P.ds, Q.ds, TS_B * TS_D, g},                                      \
   {"dw", P.dw, Q.dw, TS_O * TS_D, 10 * (g)},                                 \
   {"db", P.db, Q.db, TS_O, 10 * (e)},                                        \
   {"dthr", P.dthr, Q.dthr, TS_D, 10 * (g)},                                  \
   {"adam", P.p, Q.p, TS_O * TS_D, 0.0},                                      \
   {"relu", P.relu, Q.relu, TS_B * TS_O, 0.0},                                \
   {"drelu", P.drelu, Q.drelu, TS_B * TS_O, 0.0},                             \
   {"hardbits", P.hard, Q.hard, TS_B * TS_D, 0.0},                            \
   {"linear relu", P.h, Q.h, TS_B * TS_H, g},                                 \
   {"dinp relu", P.dh, Q.dh, TS_B * TS_O, g},                                 \
   {"dw 21", P.dwh, Q.dwh, TS_H * TS_O, 10 * (g)},                            \
   {"db 21", P.dbh, Q.dbh, TS_H, 10 * (e)},                                   \
   {"linear 1", P.y, Q.y, TS_B, g},                                           \
   {"dw 1", P.dwy, Q.dwy, TS_H, 10 * (g)},                                    \
   {"dinp 1", P.dhy, Q.dhy, TS_B * TS_H, g}}

/* The AVX2 tier against the generic one: its copies of the generic loops
 * (soft bits, their threshold gradient, Adam, ReLU, hard bits) and the
 * bias gradients give the same bits, at a soft tau and at one where most
 * soft bits saturate; its GEMMs are within float rounding of OpenBLAS. */
START_TEST(test_simd_avx2_matches_generic) {
  static step_out gen, avx2;
  const float taus[] = {0.3f, 0.01f};
  for (int t = 0; t < 2; t++) {
    run_step(&gen, BSQ_SIMD_GENERIC, taus[t]);
    run_step(&avx2, BSQ_SIMD_AVX2, taus[t]);
    const cmp_row rows[] = STEP_ROWS(avx2, gen, 1e-4, 0.0);
    char what[40];
    snprintf(what, sizeof what, "AVX2 vs generic, tau %g", (double)taus[t]);
    check_rows(what, rows, sizeof rows / sizeof rows[0]);
  }
}
END_TEST

/* The AVX-512 kernels and the generic path agree within float rounding. */
START_TEST(test_simd_avx512_matches_generic) {
  static step_out fast, gen;
  run_step(&gen, BSQ_SIMD_GENERIC, 0.3f);
  run_step(&fast, BSQ_SIMD_AVX512, 0.3f);
  const cmp_row rows[] = STEP_ROWS(fast, gen, 1e-4, 1e-6);
  check_rows("AVX-512 vs generic", rows, sizeof rows / sizeof rows[0]);
}
END_TEST

/* The two tiers' GEMMs are the same chains of fused multiply-adds: the
 * same bits, every shape above. */
START_TEST(test_simd_avx2_gemms_same_bits_as_avx512) {
  static step_out fast, avx2;
  run_step(&avx2, BSQ_SIMD_AVX2, 0.3f);
  run_step(&fast, BSQ_SIMD_AVX512, 0.3f);
  const cmp_row rows[] = {
      {"linear", fast.a, avx2.a, TS_B * TS_O, 0.0},
      {"dw", fast.dw, avx2.dw, TS_O * TS_D, 0.0},
      {"db", fast.db, avx2.db, TS_O, 0.0},
      {"linear relu", fast.h, avx2.h, TS_B * TS_H, 0.0},
      {"dinp relu", fast.dh, avx2.dh, TS_B * TS_O, 0.0},
      {"dw 21", fast.dwh, avx2.dwh, TS_H * TS_O, 0.0},
      {"linear 1", fast.y, avx2.y, TS_B, 0.0},
      {"dw 1", fast.dwy, avx2.dwy, TS_H, 0.0},
      {"dinp 1", fast.dhy, avx2.dhy, TS_B * TS_H, 0.0},
  };
  check_rows("AVX2 vs AVX-512", rows, sizeof rows / sizeof rows[0]);
}
END_TEST

/* Every panel shape of the hand-written GEMMs: widths around the vector
 * (8) and panel (32) sizes, full and part vectors, one row and many,
 * forward with the ReLU and backward through it, each within float
 * rounding of the generic path. */
static double max_rel_diff(const float *a, const float *b, size_t n) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++)
    m = fmax(m, fabs((double)a[i] - b[i]) / fmax(1.0, fabs((double)b[i])));
  return m;
}

START_TEST(test_simd_gemm_shapes) {
  static const int Is[] = {1, 3, 8, 9, 17, 31, 32, 33, 63, 64, 65, 150};
  static const int Os[] = {1, 2, 7, 8, 9, 16, 17, 25, 31, 32, 33, 57, 63, 64};
  static const int Bs[] = {1, 5, 130};
  bsq_rng r;
  bsq_rng_seed(&r, 7);
  for (size_t a = 0; a < sizeof Is / sizeof Is[0]; a++)
    for (size_t c = 0; c < sizeof Os / sizeof Os[0]; c++)
      for (size_t e = 0; e < sizeof Bs / sizeof Bs[0]; e++) {
        const int I = Is[a], O = Os[c], B = Bs[e];
        const size_t nx = (size_t)B * I, nw = (size_t)O * I, ng = (size_t)B * O;
        float *x = malloc(sizeof(float) * nx), *w = malloc(sizeof(float) * nw);
        float *b = malloc(sizeof(float) * O), *g = malloc(sizeof(float) * ng);
        float *out[2], *dinp[2], *dw[2], *db[2];
        ck_assert(x && w && b && g);
        fill_uniform(x, nx, &r, -1, 1);
        fill_uniform(w, nw, &r, -1, 1);
        fill_uniform(b, (size_t)O, &r, -1, 1);
        fill_uniform(g, ng, &r, -1, 1);
        for (int t = 0; t < 2; t++) {
          out[t] = calloc(ng, sizeof(float));
          dinp[t] = calloc(nx, sizeof(float));
          dw[t] = calloc(nw, sizeof(float));
          db[t] = calloc((size_t)O, sizeof(float));
          ck_assert(out[t] && dinp[t] && dw[t] && db[t]);
          bsq_nn_simd(t ? BSQ_SIMD_AVX2 : BSQ_SIMD_GENERIC);
          bsq_linear_forward_ex(out[t], x, w, NULL, b, B, I, O, 1);
          bsq_linear_backward_ex(dinp[t], dw[t], db[t], g, x, w, B, I, O, x);
        }
        bsq_nn_simd(BSQ_SIMD_AUTO);
        const double d[4] = {max_rel_diff(out[1], out[0], ng),
                             max_rel_diff(dinp[1], dinp[0], nx),
                             max_rel_diff(dw[1], dw[0], nw),
                             max_rel_diff(db[1], db[0], (size_t)O)};
        ck_assert_msg(d[0] <= 1e-5 && d[1] <= 1e-5 && d[2] <= 1e-4 &&
                          d[3] == 0.0,
                      "B %d, I %d, O %d: out %g, dinp %g, dw %g, db %g", B, I,
                      O, d[0], d[1], d[2], d[3]);
        for (int t = 0; t < 2; t++) {
          free(out[t]);
          free(dinp[t]);
          free(dw[t]);
          free(db[t]);
        }
        free(x);
        free(w);
        free(b);
        free(g);
      }
}
END_TEST

Suite *simd_suite(void); /* called by check_main.c through BSQ_SUITE */

Suite *simd_suite(void) {
  int best = cpu_best();
  if (best < BSQ_SIMD_AVX2) {
    printf("skipped: CPU has no AVX2 or AVX-512\n");
    return NULL;
  }
  Suite *s = suite_create("simd");
  TCase *num = tcase_create("Numerics");
  tcase_add_test(num, test_simd_avx2_matches_generic);
  tcase_add_test(num, test_simd_gemm_shapes);
  if (best >= BSQ_SIMD_AVX512) {
    tcase_add_test(num, test_simd_avx512_matches_generic);
    tcase_add_test(num, test_simd_avx2_gemms_same_bits_as_avx512);
  } else {
    printf("skipped: test_simd_avx512_matches_generic, "
           "test_simd_avx2_gemms_same_bits_as_avx512: CPU has no AVX-512\n");
  }
  suite_add_tcase(s, num);
  return s;
}
