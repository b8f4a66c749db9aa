/* Check suite for model/nn.c: layers, loss and optimizer, and the thread
 * pool they run on (model/pool.c: the layers' parallel-for and the job
 * pool). The SIMD kernels against the generic code: check_simd.c.
 *
 * Gradient checks: every backward is compared with central finite
 * differences of a scalar loss computed in double from the float forward.
 * For a layer the loss is a fixed random projection L = sum_i c_i out_i
 * (so dout = c); for the whole network it is the MSE. The step actually
 * taken is the float-representable one, (p + h) - p, not h itself.
 *
 * Tolerances (grad_mismatch): |analytic - numeric| <= ATOL + RTOL * max(|a|,
 * |n|) with RTOL = 1e-2 and ATOL = 1e-4 (the numeric side carries float
 * rounding of the forward outputs divided by 2h, about 1e-5 here). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "pool.h"
#include "rng.h"

#define RTOL 1e-2
#define ATOL 1e-4

/* ---- helpers ------------------------------------------------------------ */

static float *falloc(size_t n) {
  float *p = calloc(n ? n : 1, sizeof *p);
  ck_assert_ptr_nonnull(p);
  return p;
}

static double *dalloc(size_t n) {
  double *p = calloc(n ? n : 1, sizeof *p);
  ck_assert_ptr_nonnull(p);
  return p;
}

static void fill_uniform(float *a, size_t n, bsq_rng *r, double lo,
                         double hi) {
  for (size_t i = 0; i < n; i++)
    a[i] = (float)(lo + (hi - lo) * bsq_rng_uniform(r));
}

/* Uniform magnitude in [lo, hi] with a random sign: away from zero. */
static void fill_away_from_zero(float *a, size_t n, bsq_rng *r, double lo,
                                double hi) {
  fill_uniform(a, n, r, lo, hi);
  for (size_t i = 0; i < n; i++)
    if (bsq_rng_uniform(r) < 0.5) a[i] = -a[i];
}

static double dot(const float *c, const float *x, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += (double)c[i] * (double)x[i];
  return s;
}

typedef double (*loss_fn)(void *ctx);

/* g[i] = (L(p_i + h) - L(p_i - h)) / (step up + step down), in double. */
static void numgrad(double *g, float *p, size_t n, float h, loss_fn loss,
                    void *ctx) {
  for (size_t i = 0; i < n; i++) {
    const float p0 = p[i];
    const float up = p0 + h, down = p0 - h;
    p[i] = up;
    double lp = loss(ctx);
    p[i] = down;
    double lm = loss(ctx);
    p[i] = p0;
    g[i] = (lp - lm) / ((double)up - (double)down);
  }
}

/* Index of the first disagreement, or -1 if all agree. */
static int grad_mismatch(const float *ana, const double *num, size_t n,
                         double rtol, double atol) {
  for (size_t i = 0; i < n; i++) {
    double a = ana[i], g = num[i];
    double scale = fmax(fabs(a), fabs(g));
    if (!(fabs(a - g) <= atol + rtol * scale)) return (int)i;
  }
  return -1;
}

static void assert_grad(const char *what, const float *ana, const double *num,
                        size_t n) {
  int bad = grad_mismatch(ana, num, n, RTOL, ATOL);
  ck_assert_msg(bad < 0, "%s: gradient %d: analytic %.9g, numeric %.9g", what,
                bad, bad < 0 ? 0.0 : (double)ana[bad], bad < 0 ? 0.0 : num[bad]);
}

static double max_abs(const double *a, size_t n) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
  return m;
}

/* Three features with 1, 3 and 7 thresholds, interleaved on purpose. */
enum { SB_F = 3, SB_D = 11 };
static const int sb_feat_of[SB_D] = {2, 0, 1, 2, 1, 2, 2, 1, 2, 2, 2};

/* ---- soft bits ---------------------------------------------------------- */

typedef struct {
  float *out; /* (B, D) */
  float *x;   /* (B, F) */
  float *thr; /* (D) */
  float *c;   /* (B, D) projection */
  int B;
  float tau;
} sb_ctx;

static double sb_loss(void *p) {
  sb_ctx *k = p;
  bsq_softbits_forward(k->out, k->x, k->thr, sb_feat_of, k->B, SB_F, SB_D,
                       k->tau);
  return dot(k->c, k->out, (size_t)k->B * SB_D);
}

static void sb_setup(sb_ctx *k, int B, float tau, uint64_t seed) {
  bsq_rng r;
  bsq_rng_seed(&r, seed);
  k->B = B;
  k->tau = tau;
  k->out = falloc((size_t)B * SB_D);
  k->x = falloc((size_t)B * SB_F);
  k->thr = falloc(SB_D);
  k->c = falloc((size_t)B * SB_D);
  fill_uniform(k->x, (size_t)B * SB_F, &r, -1.5, 1.5);
  fill_uniform(k->thr, SB_D, &r, -1.0, 1.0);
  fill_uniform(k->c, (size_t)B * SB_D, &r, -1.0, 1.0);
}

static void sb_free(sb_ctx *k) {
  free(k->out);
  free(k->x);
  free(k->thr);
  free(k->c);
}

/* Analytic gradients of sb_loss wrt thr and x, starting from zero. */
static void sb_grads(sb_ctx *k, float *dthr, float *dx, float tau_backward) {
  sb_loss(k);
  bsq_zero(dthr, SB_D);
  if (dx) bsq_zero(dx, (size_t)k->B * SB_F);
  bsq_softbits_backward(dx, dthr, k->c, k->out, sb_feat_of, k->B, SB_F, SB_D,
                        tau_backward);
}

START_TEST(test_nn_softbits_grad_thresholds) {
  const float taus[] = {1.0f, 0.7f, 0.25f};
  for (size_t t = 0; t < sizeof taus / sizeof taus[0]; t++) {
    sb_ctx k;
    sb_setup(&k, 5, taus[t], 11 + t);
    float dthr[SB_D];
    double num[SB_D];
    sb_grads(&k, dthr, NULL, k.tau);
    numgrad(num, k.thr, SB_D, 1e-3f, sb_loss, &k);
    ck_assert_double_gt(max_abs(num, SB_D), 1e-2); /* not vacuous */
    assert_grad("softbits dthr", dthr, num, SB_D);
    sb_free(&k);
  }
}
END_TEST

START_TEST(test_nn_softbits_grad_x) {
  const float taus[] = {1.0f, 0.25f};
  for (size_t t = 0; t < sizeof taus / sizeof taus[0]; t++) {
    sb_ctx k;
    sb_setup(&k, 4, taus[t], 21 + t);
    const size_t nx = (size_t)k.B * SB_F;
    float dthr[SB_D];
    float *dx = falloc(nx);
    double *num = dalloc(nx);
    sb_grads(&k, dthr, dx, k.tau);
    numgrad(num, k.x, nx, 1e-3f, sb_loss, &k);
    ck_assert_double_gt(max_abs(num, nx), 1e-2);
    assert_grad("softbits dx", dx, num, nx);
    free(dx);
    free(num);
    sb_free(&k);
  }
}
END_TEST

/* The comparison helper must catch wrong gradients, or the checks above
 * prove nothing. */
START_TEST(test_nn_gradcheck_detects_perturbation) {
  sb_ctx k;
  sb_setup(&k, 5, 0.7f, 31);
  float dthr[SB_D], bad[SB_D];
  double num[SB_D];
  sb_grads(&k, dthr, NULL, k.tau);
  numgrad(num, k.thr, SB_D, 1e-3f, sb_loss, &k);
  ck_assert_int_eq(grad_mismatch(dthr, num, SB_D, RTOL, ATOL), -1);

  /* One element off by 2 %. */
  int big = 0;
  for (int d = 1; d < SB_D; d++)
    if (fabs(num[d]) > fabs(num[big])) big = d;
  memcpy(bad, dthr, sizeof bad);
  bad[big] *= 1.02f;
  ck_assert_int_eq(grad_mismatch(bad, num, SB_D, RTOL, ATOL), big);

  /* Everything off by 5 %. */
  for (int d = 0; d < SB_D; d++) bad[d] = dthr[d] * 1.05f;
  ck_assert_int_ge(grad_mismatch(bad, num, SB_D, RTOL, ATOL), 0);

  /* One sign flipped. */
  memcpy(bad, dthr, sizeof bad);
  bad[3] = -bad[3];
  ck_assert_double_gt(fabs(num[3]), 10 * ATOL);
  ck_assert_int_eq(grad_mismatch(bad, num, SB_D, RTOL, ATOL), 3);

  /* A plausible bug: the backward forgets the 1/tau factor. */
  sb_grads(&k, bad, NULL, 1.0f);
  ck_assert_int_ge(grad_mismatch(bad, num, SB_D, RTOL, ATOL), 0);

  /* A NaN never passes. */
  memcpy(bad, dthr, sizeof bad);
  bad[0] = NAN;
  ck_assert_int_eq(grad_mismatch(bad, num, SB_D, RTOL, ATOL), 0);
  sb_free(&k);
}
END_TEST

START_TEST(test_nn_softbits_sigmoid_accuracy) {
  /* One feature, one threshold at 0, tau 1: out = sigmoid(x) exactly as
   * float x, against the double-precision sigmoid. Below x = -64 ln 2 the
   * tail is cut to 0 (nn.c: no denormal products in the GEMMs). */
  enum { B = 17201 };
  const double cut = 64.0 * log(2.0);
  float *x = falloc(B), *out = falloc(B);
  const float thr = 0.0f;
  const int feat = 0;
  for (int b = 0; b < B; b++) x[b] = -86.0f + 0.01f * (float)b;
  bsq_softbits_forward(out, x, &thr, &feat, B, 1, 1, 1.0f);
  double worst = 0.0;
  int cut_seen = 0;
  for (int b = 0; b < B; b++) {
    double ref = 1.0 / (1.0 + exp(-(double)x[b]));
    if (x[b] < -cut - 1e-5) {
      ck_assert_msg(out[b] == 0.0f, "x=%g: %g, want the cut tail 0",
                    (double)x[b], (double)out[b]);
      cut_seen++;
    } else if (x[b] > -cut + 1e-5) {
      worst = fmax(worst, fabs((double)out[b] - ref) / ref);
    }
  }
  ck_assert_int_gt(cut_seen, 4000);
  ck_assert_double_le(worst, 5e-7); /* a few float ulp */
  /* the smallest value kept is about 2^-64, a normal float */
  float lo = 0.0f, lx = -44.36f;
  bsq_softbits_forward(&lo, &lx, &thr, &feat, 1, 1, 1, 1.0f);
  ck_assert_double_gt(lo, ldexp(1.0, -64));
  ck_assert_double_lt(lo, ldexp(1.0, -63));
  free(x);
  free(out);
}
END_TEST

START_TEST(test_nn_softbits_saturates_without_nan) {
  const float xs[] = {1e30f, -1e30f, INFINITY, -INFINITY, 100.0f, -100.0f,
                      0.0f};
  const float expect_hi[] = {1, 0, 1, 0, 1, 0, 0.5f};
  enum { B = sizeof xs / sizeof xs[0] };
  const float thr = 0.0f;
  const int feat = 0;
  float out[B];
  const float taus[] = {1.0f, 1e-4f};
  for (int t = 0; t < 2; t++) {
    bsq_softbits_forward(out, xs, &thr, &feat, B, 1, 1, taus[t]);
    for (int b = 0; b < B; b++) {
      ck_assert_msg(out[b] >= 0.0f && out[b] <= 1.0f, "x=%g gives %g",
                    (double)xs[b], (double)out[b]);
      ck_assert_float_eq_tol(out[b], expect_hi[b], 1e-30f);
    }
    /* The gradient in saturation is zero, not NaN. */
    float dthr = 0.0f, dx[B] = {0}, dout[B];
    for (int b = 0; b < B; b++) dout[b] = 1.0f;
    bsq_softbits_backward(dx, &dthr, dout, out, &feat, B, 1, 1, taus[t]);
    ck_assert(isfinite(dthr));
    for (int b = 0; b < B; b++) ck_assert(isfinite(dx[b]));
  }
  /* A NaN input is not hidden. */
  const float nan_x = NAN;
  bsq_softbits_forward(out, &nan_x, &thr, &feat, 1, 1, 1, 1.0f);
  ck_assert(isnan(out[0]));
}
END_TEST

/* ---- hard bits ---------------------------------------------------------- */

START_TEST(test_nn_hardbits_exact_greater_than) {
  static const struct {
    float x, t, want;
  } cases[] = {
      {0.5f, 0.5f, 0.0f}, /* equal gives 0 */
      {0x1.000002p-1f, 0.5f, 1.0f},
      {0x1.fffffep-2f, 0.5f, 0.0f},
      {-0.0f, 0.0f, 0.0f},
      {0.0f, -0.0f, 0.0f},
      {1e-45f, 0.0f, 1.0f},
      {-3.0f, -3.5f, 1.0f},
      {-3.5f, -3.0f, 0.0f},
      {INFINITY, 1e38f, 1.0f},
      {-INFINITY, -1e38f, 0.0f},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const int feat = 0;
    float out = -1.0f;
    bsq_hardbits_forward(&out, &cases[i].x, &cases[i].t, &feat, 1, 1, 1);
    ck_assert_msg(out == cases[i].want, "case %zu: %a > %a gave %g", i,
                  (double)cases[i].x, (double)cases[i].t, (double)out);
  }
}
END_TEST

START_TEST(test_nn_hardbits_is_limit_of_softbits) {
  enum { B = 64 };
  bsq_rng r;
  bsq_rng_seed(&r, 41);
  float x[B * SB_F], thr[SB_D], hard[B * SB_D], soft[B * SB_D];
  fill_uniform(x, B * SB_F, &r, -2.0, 2.0);
  fill_uniform(thr, SB_D, &r, -1.5, 1.5);
  /* Keep every input at least 0.01 from every threshold of its feature. */
  for (int b = 0; b < B; b++)
    for (int d = 0; d < SB_D; d++) {
      float *xv = &x[b * SB_F + sb_feat_of[d]];
      if (fabsf(*xv - thr[d]) < 0.01f) *xv = thr[d] + 0.02f;
    }
  for (int b = 0; b < B; b++)
    for (int d = 0; d < SB_D; d++)
      ck_assert_float_ge(fabsf(x[b * SB_F + sb_feat_of[d]] - thr[d]), 0.01f);

  bsq_hardbits_forward(hard, x, thr, sb_feat_of, B, SB_F, SB_D);
  double prev = INFINITY;
  const float taus[] = {1e-1f, 1e-2f, 1e-3f, 1e-4f};
  for (int t = 0; t < 4; t++) {
    bsq_softbits_forward(soft, x, thr, sb_feat_of, B, SB_F, SB_D, taus[t]);
    double worst = 0.0;
    for (int i = 0; i < B * SB_D; i++) {
      ck_assert(hard[i] == 0.0f || hard[i] == 1.0f);
      worst = fmax(worst, fabs((double)soft[i] - (double)hard[i]));
    }
    /* sigmoid(-0.01 / tau) bounds the distance. */
    ck_assert_double_le(worst, 1.0 / (1.0 + exp(0.01 / taus[t])) + 1e-7);
    ck_assert_double_le(worst, prev);
    prev = worst;
  }
  ck_assert_double_le(prev, 1e-30); /* tau 1e-4: 0.01 / tau = 100 */
}
END_TEST

/* ---- linear ------------------------------------------------------------- */

static void linear_naive(double *out, const float *inp, const float *w,
                         const float *b, int B, int I, int O) {
  for (int r = 0; r < B; r++)
    for (int o = 0; o < O; o++) {
      double s = b ? (double)b[o] : 0.0;
      for (int i = 0; i < I; i++)
        s += (double)inp[r * I + i] * (double)w[o * I + i];
      out[r * O + o] = s;
    }
}

/* Small shapes, and ones that reach every case of the AVX-512 kernels
 * (1 to 4 vectors of outputs with a partial last one, row and column
 * tails, the O = 1 dot product, a 64-column panel plus a tail, more rows
 * than a thread chunk) and of the BLAS path (O > 64, or I too wide to
 * keep w^T on the stack). */
static const int lin_shapes[][3] = {/* B, I, O */
                                    {1, 1, 1},    {1, 3, 17},   {3, 17, 1},
                                    {17, 3, 3},   {3, 1, 17},   {17, 17, 17},
                                    {2, 5, 3},    {1, 17, 3},   {17, 1, 1},
                                    {64, 33, 17}, {37, 150, 32}, {13, 40, 50},
                                    {9, 70, 64},  {5, 300, 1},  {70, 20, 65},
                                    {130, 33, 17}, {11, 600, 33}, {200, 7, 40}};

START_TEST(test_nn_linear_matches_naive) {
  bsq_rng r;
  bsq_rng_seed(&r, 51);
  for (size_t s = 0; s < sizeof lin_shapes / sizeof lin_shapes[0]; s++) {
    const int B = lin_shapes[s][0], I = lin_shapes[s][1], O = lin_shapes[s][2];
    float *inp = falloc((size_t)B * I), *w = falloc((size_t)O * I);
    float *b = falloc((size_t)O), *out = falloc((size_t)B * O);
    double *ref = dalloc((size_t)B * O);
    fill_uniform(inp, (size_t)B * I, &r, -1, 1);
    fill_uniform(w, (size_t)O * I, &r, -1, 1);
    fill_uniform(b, (size_t)O, &r, -1, 1);
    for (int with_bias = 0; with_bias < 2; with_bias++) {
      const float *bias = with_bias ? b : NULL;
      for (int i = 0; i < B * O; i++) out[i] = 1e9f; /* overwritten */
      bsq_linear_forward(out, inp, w, bias, B, I, O);
      linear_naive(ref, inp, w, bias, B, I, O);
      for (int i = 0; i < B * O; i++)
        ck_assert_msg(fabs(out[i] - ref[i]) <= 1e-5 * (I + 1),
                      "B=%d I=%d O=%d bias=%d [%d]: %g vs %g", B, I, O,
                      with_bias, i, (double)out[i], ref[i]);
    }
    free(inp);
    free(w);
    free(b);
    free(out);
    free(ref);
  }
}
END_TEST

/* The fused calls are the separate ones, bit for bit: forward_ex with a
 * shared w^T and the ReLU is forward, then relu_forward; backward_ex with
 * pos is backward into zeros, then relu_backward. Some inputs are exactly
 * 0, -0 and NaN (the ReLU's edge cases). */
START_TEST(test_nn_linear_fused_matches_separate) {
  bsq_rng r;
  bsq_rng_seed(&r, 57);
  for (size_t s = 0; s < sizeof lin_shapes / sizeof lin_shapes[0]; s++) {
    const int B = lin_shapes[s][0], I = lin_shapes[s][1], O = lin_shapes[s][2];
    const size_t ni = (size_t)B * I, nw = (size_t)O * I, no = (size_t)B * O;
    float *inp = falloc(ni), *w = falloc(nw), *b = falloc((size_t)O);
    float *o1 = falloc(no), *o2 = falloc(no), *dout = falloc(no);
    float *pos = falloc(ni), *d1 = falloc(ni), *d2 = falloc(ni);
    float *t = falloc(ni), *dw1 = falloc(nw), *dw2 = falloc(nw);
    float *db1 = falloc((size_t)O), *db2 = falloc((size_t)O);
    size_t nwt = bsq_linear_wt_floats(I, O);
    float *wt = nwt ? aligned_alloc(64, sizeof(float) * nwt)
                    : NULL;
    fill_uniform(inp, ni, &r, -1, 1);
    fill_uniform(w, nw, &r, -1, 1);
    fill_uniform(b, (size_t)O, &r, -1, 1);
    fill_uniform(dout, no, &r, -1, 1);
    fill_uniform(pos, ni, &r, -1, 1);
    pos[0] = 0.0f;
    if (ni > 1) pos[1] = -0.0f;
    if (ni > 2) pos[2] = NAN;
    if (nwt) bsq_linear_wt(wt, w, I, O);
    for (int relu = 0; relu < 2; relu++) {
      bsq_linear_forward(o1, inp, w, b, B, I, O);
      if (relu) bsq_relu_forward(o1, o1, no);
      bsq_linear_forward_ex(o2, inp, w, wt, b, B, I, O, relu);
      ck_assert_msg(memcmp(o1, o2, sizeof(float) * no) == 0,
                    "forward B=%d I=%d O=%d relu=%d", B, I, O, relu);
      bsq_linear_forward_ex(o2, inp, w, NULL, b, B, I, O, relu);
      ck_assert_msg(memcmp(o1, o2, sizeof(float) * no) == 0,
                    "forward, own w^T, B=%d I=%d O=%d", B, I, O);
    }
    bsq_zero(t, ni);
    bsq_zero(d1, ni);
    bsq_zero(dw1, nw);
    bsq_zero(db1, (size_t)O);
    bsq_linear_backward(t, dw1, db1, dout, inp, w, B, I, O);
    bsq_relu_backward(d1, t, pos, ni);
    bsq_zero(d2, ni);
    bsq_zero(dw2, nw);
    bsq_zero(db2, (size_t)O);
    bsq_linear_backward_ex(d2, dw2, db2, dout, inp, w, B, I, O, pos);
    ck_assert_msg(memcmp(d1, d2, sizeof(float) * ni) == 0 &&
                      memcmp(dw1, dw2, sizeof(float) * nw) == 0 &&
                      memcmp(db1, db2, sizeof(float) * (size_t)O) == 0,
                  "backward B=%d I=%d O=%d", B, I, O);
    float *all[] = {inp, w, b, o1, o2, dout, pos, d1, d2, t, dw1, dw2, db1, db2, wt};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) free(all[k]);
  }
}
END_TEST

static void linear_backward_naive(double *dinp, double *dw, double *db,
                                  const float *dout, const float *inp,
                                  const float *w, int B, int I, int O) {
  for (int r = 0; r < B; r++)
    for (int i = 0; i < I; i++)
      for (int o = 0; o < O; o++)
        dinp[r * I + i] += (double)dout[r * O + o] * (double)w[o * I + i];
  for (int o = 0; o < O; o++)
    for (int i = 0; i < I; i++)
      for (int r = 0; r < B; r++)
        dw[o * I + i] += (double)dout[r * O + o] * (double)inp[r * I + i];
  for (int r = 0; r < B; r++)
    for (int o = 0; o < O; o++) db[o] += dout[r * O + o];
}

static void assert_close(const char *what, const int *shape, const float *got,
                         const double *want, size_t n, double tol) {
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(fabs(got[i] - want[i]) <= tol,
                  "%s B=%d I=%d O=%d [%zu]: %.9g vs %.9g", what, shape[0],
                  shape[1], shape[2], i, (double)got[i], want[i]);
}

/* Backward on top of nonzero gradients (it accumulates), against double
 * sums. */
START_TEST(test_nn_linear_backward_matches_naive) {
  bsq_rng r;
  bsq_rng_seed(&r, 53);
  for (size_t s = 0; s < sizeof lin_shapes / sizeof lin_shapes[0]; s++) {
    const int B = lin_shapes[s][0], I = lin_shapes[s][1], O = lin_shapes[s][2];
    const size_t ni = (size_t)B * I, nw = (size_t)O * I, no = (size_t)B * O;
    float *inp = falloc(ni), *w = falloc(nw), *dout = falloc(no);
    float *dinp = falloc(ni), *dw = falloc(nw), *db = falloc((size_t)O);
    double *rdinp = dalloc(ni), *rdw = dalloc(nw), *rdb = dalloc((size_t)O);
    fill_uniform(inp, ni, &r, -1, 1);
    fill_uniform(w, nw, &r, -1, 1);
    fill_uniform(dout, no, &r, -1, 1);
    fill_uniform(dinp, ni, &r, -1, 1);
    fill_uniform(dw, nw, &r, -1, 1);
    fill_uniform(db, (size_t)O, &r, -1, 1);
    for (size_t i = 0; i < ni; i++) rdinp[i] = dinp[i];
    for (size_t i = 0; i < nw; i++) rdw[i] = dw[i];
    for (int o = 0; o < O; o++) rdb[o] = db[o];
    bsq_linear_backward(dinp, dw, db, dout, inp, w, B, I, O);
    linear_backward_naive(rdinp, rdw, rdb, dout, inp, w, B, I, O);
    assert_close("dinp", lin_shapes[s], dinp, rdinp, ni, 1e-5 * (O + 1));
    assert_close("dw", lin_shapes[s], dw, rdw, nw, 1e-5 * (B + 1));
    assert_close("db", lin_shapes[s], db, rdb, (size_t)O, 1e-5 * (B + 1));
    free(inp);
    free(w);
    free(dout);
    free(dinp);
    free(dw);
    free(db);
    free(rdinp);
    free(rdw);
    free(rdb);
  }
}
END_TEST

typedef struct {
  float *out, *inp, *w, *b, *c;
  int B, I, O;
} lin_ctx;

static double lin_loss(void *p) {
  lin_ctx *k = p;
  bsq_linear_forward(k->out, k->inp, k->w, k->b, k->B, k->I, k->O);
  return dot(k->c, k->out, (size_t)k->B * (size_t)k->O);
}

START_TEST(test_nn_linear_grad) {
  static const int shapes[][3] = {{4, 7, 3}, {1, 3, 17}, {3, 17, 1}};
  bsq_rng r;
  bsq_rng_seed(&r, 61);
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    lin_ctx k = {.B = shapes[s][0], .I = shapes[s][1], .O = shapes[s][2]};
    const size_t ni = (size_t)k.B * k.I, nw = (size_t)k.O * k.I;
    const size_t no = (size_t)k.B * k.O, nb = (size_t)k.O;
    k.out = falloc(no);
    k.inp = falloc(ni);
    k.w = falloc(nw);
    k.b = falloc(nb);
    k.c = falloc(no);
    fill_uniform(k.inp, ni, &r, -1, 1);
    fill_uniform(k.w, nw, &r, -1, 1);
    fill_uniform(k.b, nb, &r, -1, 1);
    fill_uniform(k.c, no, &r, -1, 1);
    float *dinp = falloc(ni), *dw = falloc(nw), *db = falloc(nb);
    lin_loss(&k);
    bsq_linear_backward(dinp, dw, db, k.c, k.inp, k.w, k.B, k.I, k.O);

    double *num = dalloc(ni + nw + nb);
    /* Linear in each parameter: the central difference is exact up to
     * rounding, so a wide step keeps the rounding noise small. */
    numgrad(num, k.inp, ni, 1e-2f, lin_loss, &k);
    assert_grad("linear dinp", dinp, num, ni);
    numgrad(num, k.w, nw, 1e-2f, lin_loss, &k);
    assert_grad("linear dw", dw, num, nw);
    numgrad(num, k.b, nb, 1e-2f, lin_loss, &k);
    assert_grad("linear db", db, num, nb);

    /* dinp may be NULL; the parameter gradients do not change. */
    float *dw2 = falloc(nw), *db2 = falloc(nb);
    bsq_linear_backward(NULL, dw2, db2, k.c, k.inp, k.w, k.B, k.I, k.O);
    ck_assert_mem_eq(dw2, dw, nw * sizeof *dw);
    ck_assert_mem_eq(db2, db, nb * sizeof *db);

    free(dw2);
    free(db2);
    free(num);
    free(dinp);
    free(dw);
    free(db);
    free(k.out);
    free(k.inp);
    free(k.w);
    free(k.b);
    free(k.c);
  }
}
END_TEST

/* ---- relu, dropout, mse ------------------------------------------------- */

enum { EW_N = 23 };

typedef struct {
  float *out, *inp, *c, *mask;
  float p;
  uint64_t seed;
} ew_ctx;

static double relu_loss(void *p) {
  ew_ctx *k = p;
  bsq_relu_forward(k->out, k->inp, EW_N);
  return dot(k->c, k->out, EW_N);
}

START_TEST(test_nn_relu_grad) {
  bsq_rng r;
  bsq_rng_seed(&r, 71);
  float out[EW_N], inp[EW_N], c[EW_N], dinp[EW_N] = {0};
  double num[EW_N];
  fill_away_from_zero(inp, EW_N, &r, 0.1, 1.0); /* away from the kink */
  fill_uniform(c, EW_N, &r, -1, 1);
  ew_ctx k = {.out = out, .inp = inp, .c = c};
  relu_loss(&k);
  bsq_relu_backward(dinp, c, out, EW_N);
  numgrad(num, inp, EW_N, 1e-3f, relu_loss, &k);
  assert_grad("relu dinp", dinp, num, EW_N);
}
END_TEST

START_TEST(test_nn_relu_forward_in_place) {
  float a[6] = {-2.0f, -0.0f, 0.0f, 1e-30f, 3.5f, -1e-30f};
  const float want[6] = {0.0f, 0.0f, 0.0f, 1e-30f, 3.5f, 0.0f};
  float out[6];
  bsq_relu_forward(out, a, 6);
  bsq_relu_forward(a, a, 6);
  for (int i = 0; i < 6; i++) {
    ck_assert_float_eq(out[i], want[i]);
    ck_assert_float_eq(a[i], want[i]);
  }
}
END_TEST

static double dropout_loss(void *p) {
  ew_ctx *k = p;
  bsq_rng r;
  bsq_rng_seed(&r, k->seed); /* same seed: same mask on every call */
  bsq_dropout_forward(k->out, k->mask, k->inp, EW_N, k->p, &r);
  return dot(k->c, k->out, EW_N);
}

START_TEST(test_nn_dropout_grad) {
  bsq_rng r;
  bsq_rng_seed(&r, 81);
  float out[EW_N], inp[EW_N], c[EW_N], mask[EW_N], dinp[EW_N] = {0};
  double num[EW_N];
  fill_uniform(inp, EW_N, &r, -1, 1);
  fill_uniform(c, EW_N, &r, -1, 1);
  ew_ctx k = {.out = out, .inp = inp, .c = c, .mask = mask, .p = 0.3f,
              .seed = 82};
  dropout_loss(&k);
  int dropped = 0;
  for (int i = 0; i < EW_N; i++) dropped += mask[i] == 0.0f;
  ck_assert_int_gt(dropped, 0); /* both kinds of element are checked */
  ck_assert_int_lt(dropped, EW_N);
  bsq_dropout_backward(dinp, c, mask, EW_N);
  numgrad(num, inp, EW_N, 1e-2f, dropout_loss, &k);
  assert_grad("dropout dinp", dinp, num, EW_N);
}
END_TEST

START_TEST(test_nn_dropout_p0_is_identity) {
  bsq_rng r;
  bsq_rng_seed(&r, 91);
  float inp[EW_N], out[EW_N], mask[EW_N];
  fill_uniform(inp, EW_N, &r, -5, 5);
  bsq_dropout_forward(out, mask, inp, EW_N, 0.0f, &r);
  ck_assert_mem_eq(out, inp, sizeof inp);
  for (int i = 0; i < EW_N; i++) ck_assert_float_eq(mask[i], 1.0f);
  /* In place too. */
  float copy[EW_N];
  memcpy(copy, inp, sizeof inp);
  bsq_dropout_forward(inp, mask, inp, EW_N, 0.0f, &r);
  ck_assert_mem_eq(inp, copy, sizeof inp);
}
END_TEST

START_TEST(test_nn_dropout_mask_mean) {
  enum { N = 200000 };
  float *inp = falloc(N), *out = falloc(N), *mask = falloc(N);
  for (int i = 0; i < N; i++) inp[i] = 1.0f;
  const float ps[] = {0.5f, 0.3f};
  for (int t = 0; t < 2; t++) {
    const float p = ps[t], keep = 1.0f / (1.0f - p);
    bsq_rng r;
    bsq_rng_seed(&r, 101);
    bsq_dropout_forward(out, mask, inp, N, p, &r);
    double sum = 0.0;
    long zeros = 0;
    for (int i = 0; i < N; i++) {
      ck_assert_msg(mask[i] == 0.0f || mask[i] == keep, "mask[%d] = %g", i,
                    (double)mask[i]);
      ck_assert_float_eq(out[i], mask[i]);
      sum += mask[i];
      zeros += mask[i] == 0.0f;
    }
    /* Mask std is sqrt(p / (1 - p)) <= 1, so the mean's is <= 1 / sqrt(N)
     * ~ 0.0022: 0.015 is about 7 sigma. */
    ck_assert_double_eq_tol(sum / N, 1.0, 0.015);
    ck_assert_double_eq_tol((double)zeros / N, p, 0.01);
  }
  free(inp);
  free(out);
  free(mask);
}
END_TEST

START_TEST(test_nn_dropout_same_seed_same_mask) {
  enum { N = 1000 };
  float *inp = falloc(N), *out = falloc(N);
  float *m1 = falloc(N), *m2 = falloc(N), *m3 = falloc(N);
  bsq_rng r1, r2, r3;
  bsq_rng_seed(&r1, 7);
  bsq_rng_seed(&r2, 7);
  bsq_rng_seed(&r3, 8);
  bsq_dropout_forward(out, m1, inp, N, 0.5f, &r1);
  bsq_dropout_forward(out, m2, inp, N, 0.5f, &r2);
  bsq_dropout_forward(out, m3, inp, N, 0.5f, &r3);
  ck_assert_mem_eq(m1, m2, N * sizeof *m1);
  ck_assert_int_ne(memcmp(m1, m3, N * sizeof *m1), 0);
  /* The generator moves on: the next mask differs from the first. */
  bsq_dropout_forward(out, m2, inp, N, 0.5f, &r1);
  ck_assert_int_ne(memcmp(m1, m2, N * sizeof *m1), 0);
  free(inp);
  free(out);
  free(m1);
  free(m2);
  free(m3);
}
END_TEST

typedef struct {
  float *pred, *y;
  int B;
} mse_ctx;

static double mse_loss(void *p) {
  mse_ctx *k = p;
  return bsq_mse_forward(k->pred, k->y, k->B);
}

START_TEST(test_nn_mse_value_and_grad) {
  enum { B = 7 };
  bsq_rng r;
  bsq_rng_seed(&r, 111);
  float pred[B], y[B], dpred[B] = {0};
  double num[B];
  fill_uniform(pred, B, &r, -2, 2);
  fill_uniform(y, B, &r, -2, 2);
  double ref = 0.0;
  for (int b = 0; b < B; b++) {
    double e = (double)pred[b] - (double)y[b];
    ref += e * e;
  }
  ref /= B;
  ck_assert_double_eq_tol(bsq_mse_forward(pred, y, B), ref, 1e-12 * ref);
  const float one_p = 3.0f, one_y = 1.0f;
  ck_assert_double_eq(bsq_mse_forward(&one_p, &one_y, 1), 4.0);

  mse_ctx k = {pred, y, B};
  bsq_mse_backward(dpred, pred, y, B, B);
  /* Quadratic: the central difference is exact up to rounding. */
  numgrad(num, pred, B, 1e-2f, mse_loss, &k);
  assert_grad("mse dpred", dpred, num, B);
  for (int b = 0; b < B; b++)
    ck_assert_float_eq_tol(dpred[b], 2.0f * (pred[b] - y[b]) / B, 1e-6f);
  /* A chunk of the batch, rows 3 .. B-1: the same values, still over B. */
  float dchunk[B];
  bsq_zero(dchunk, B);
  bsq_mse_backward(dchunk, pred + 3, y + 3, B - 3, B);
  for (int b = 3; b < B; b++) ck_assert_float_eq(dchunk[b - 3], dpred[b]);
  ck_assert_float_eq(dchunk[B - 3], 0.0f); /* nothing past n written */
}
END_TEST

/* ---- the whole network -------------------------------------------------- */

/* softbits (B, D) -> linear (B, H) -> relu -> dropout -> linear (B, 1) ->
 * mse, everything as training runs it. */
enum { NET_B = 8, NET_H = 6 };

typedef struct {
  float x[NET_B * SB_F], y[NET_B];
  float thr[SB_D];
  float w1[NET_H * SB_D], b1[NET_H], w2[NET_H], b2[1];
  /* activations */
  float s[NET_B * SB_D], a1[NET_B * NET_H], h1[NET_B * NET_H];
  float h2[NET_B * NET_H], mask[NET_B * NET_H], pred[NET_B];
  float tau;
} net;

static double net_loss(void *p) {
  net *n = p;
  bsq_rng r;
  bsq_rng_seed(&r, 5); /* a fixed dropout mask */
  bsq_softbits_forward(n->s, n->x, n->thr, sb_feat_of, NET_B, SB_F, SB_D,
                       n->tau);
  bsq_linear_forward(n->a1, n->s, n->w1, n->b1, NET_B, SB_D, NET_H);
  bsq_relu_forward(n->h1, n->a1, NET_B * NET_H);
  bsq_dropout_forward(n->h2, n->mask, n->h1, NET_B * NET_H, 0.25f, &r);
  bsq_linear_forward(n->pred, n->h2, n->w2, n->b2, NET_B, NET_H, 1);
  double sum = 0.0;
  for (int b = 0; b < NET_B; b++) {
    double e = (double)n->pred[b] - (double)n->y[b];
    sum += e * e;
  }
  return sum / NET_B;
}

static double net_min_preactivation(net *n) {
  net_loss(n);
  double m = INFINITY;
  for (int i = 0; i < NET_B * NET_H; i++) m = fmin(m, fabs((double)n->a1[i]));
  return m;
}

START_TEST(test_nn_network_grad) {
  net n;
  memset(&n, 0, sizeof n);
  n.tau = 0.5f;
  /* Draw until no hidden pre-activation sits near the ReLU kink: the
   * largest finite-difference step moves one by less than 4e-3. */
  uint64_t seed = 121;
  for (;; seed++) {
    ck_assert_uint_lt(seed, 1121);
    bsq_rng r;
    bsq_rng_seed(&r, seed);
    fill_uniform(n.x, NET_B * SB_F, &r, -1.5, 1.5);
    fill_uniform(n.y, NET_B, &r, -1, 1);
    fill_uniform(n.thr, SB_D, &r, -1, 1);
    fill_uniform(n.w1, NET_H * SB_D, &r, -0.5, 0.5);
    fill_uniform(n.b1, NET_H, &r, -0.3, 0.3);
    fill_uniform(n.w2, NET_H, &r, -1, 1);
    fill_uniform(n.b2, 1, &r, -0.3, 0.3);
    if (net_min_preactivation(&n) > 0.05) break;
  }

  /* Backward, in training order, into zeroed gradients. */
  float dthr[SB_D] = {0}, dx[NET_B * SB_F] = {0};
  float dw1[NET_H * SB_D] = {0}, db1[NET_H] = {0}, dw2[NET_H] = {0},
        db2[1] = {0};
  float dpred[NET_B] = {0}, dh2[NET_B * NET_H] = {0};
  float dh1[NET_B * NET_H] = {0}, da1[NET_B * NET_H] = {0};
  float ds[NET_B * SB_D] = {0};
  net_loss(&n);
  int alive = 0;
  for (int i = 0; i < NET_B * NET_H; i++) alive += n.h2[i] != 0.0f;
  ck_assert_int_gt(alive, NET_B); /* the network is not dead */
  bsq_mse_backward(dpred, n.pred, n.y, NET_B, NET_B);
  bsq_linear_backward(dh2, dw2, db2, dpred, n.h2, n.w2, NET_B, NET_H, 1);
  bsq_dropout_backward(dh1, dh2, n.mask, NET_B * NET_H);
  bsq_relu_backward(da1, dh1, n.h1, NET_B * NET_H);
  bsq_linear_backward(ds, dw1, db1, da1, n.s, n.w1, NET_B, SB_D, NET_H);
  bsq_softbits_backward(dx, dthr, ds, n.s, sb_feat_of, NET_B, SB_F, SB_D,
                        n.tau);

  double num[NET_H * SB_D];
  numgrad(num, n.thr, SB_D, 1e-3f, net_loss, &n);
  ck_assert_double_gt(max_abs(num, SB_D), 1e-2);
  assert_grad("network dthr", dthr, num, SB_D);
  numgrad(num, n.w1, NET_H * SB_D, 1e-3f, net_loss, &n);
  assert_grad("network dw1", dw1, num, NET_H * SB_D);
  numgrad(num, n.b1, NET_H, 1e-3f, net_loss, &n);
  assert_grad("network db1", db1, num, NET_H);
  numgrad(num, n.w2, NET_H, 1e-3f, net_loss, &n);
  assert_grad("network dw2", dw2, num, NET_H);
  numgrad(num, n.b2, 1, 1e-3f, net_loss, &n);
  assert_grad("network db2", db2, num, 1);
  numgrad(num, n.x, NET_B * SB_F, 1e-3f, net_loss, &n);
  assert_grad("network dx", dx, num, NET_B * SB_F);
}
END_TEST

/* ---- accumulation ------------------------------------------------------- */

static void assert_doubled(const char *what, const float *once,
                           const float *twice, size_t n) {
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(fabsf(twice[i] - 2.0f * once[i]) <=
                      1e-6f * fabsf(once[i]) + 1e-12f,
                  "%s[%zu]: once %g, twice %g", what, i, (double)once[i],
                  (double)twice[i]);
}

START_TEST(test_nn_backward_accumulates) {
  bsq_rng r;
  bsq_rng_seed(&r, 131);
  enum { B = 5, I = 7, O = 3, N = B * SB_D };
  float x[B * SB_F], thr[SB_D], s[N], g[N], dthr1[SB_D] = {0},
                                              dthr2[SB_D] = {0};
  float dx1[B * SB_F] = {0}, dx2[B * SB_F] = {0};
  fill_uniform(x, B * SB_F, &r, -1, 1);
  fill_uniform(thr, SB_D, &r, -1, 1);
  fill_uniform(g, N, &r, -1, 1);
  bsq_softbits_forward(s, x, thr, sb_feat_of, B, SB_F, SB_D, 0.5f);
  bsq_softbits_backward(dx1, dthr1, g, s, sb_feat_of, B, SB_F, SB_D, 0.5f);
  for (int k = 0; k < 2; k++)
    bsq_softbits_backward(dx2, dthr2, g, s, sb_feat_of, B, SB_F, SB_D, 0.5f);
  assert_doubled("softbits dthr", dthr1, dthr2, SB_D);
  assert_doubled("softbits dx", dx1, dx2, B * SB_F);

  float inp[B * I], w[O * I], dout[B * O];
  float dinp1[B * I] = {0}, dinp2[B * I] = {0}, dw1[O * I] = {0},
        dw2[O * I] = {0}, db1[O] = {0}, db2[O] = {0};
  fill_uniform(inp, B * I, &r, -1, 1);
  fill_uniform(w, O * I, &r, -1, 1);
  fill_uniform(dout, B * O, &r, -1, 1);
  bsq_linear_backward(dinp1, dw1, db1, dout, inp, w, B, I, O);
  for (int k = 0; k < 2; k++)
    bsq_linear_backward(dinp2, dw2, db2, dout, inp, w, B, I, O);
  assert_doubled("linear dinp", dinp1, dinp2, B * I);
  assert_doubled("linear dw", dw1, dw2, O * I);
  assert_doubled("linear db", db1, db2, O);

  float a[N], h[N], mask[N], e1[N] = {0}, e2[N] = {0};
  fill_away_from_zero(a, N, &r, 0.1, 1);
  bsq_relu_forward(h, a, N);
  bsq_relu_backward(e1, g, h, N);
  for (int k = 0; k < 2; k++) bsq_relu_backward(e2, g, h, N);
  assert_doubled("relu dinp", e1, e2, N);

  bsq_dropout_forward(h, mask, a, N, 0.4f, &r);
  bsq_zero(e1, N);
  bsq_zero(e2, N);
  bsq_dropout_backward(e1, g, mask, N);
  for (int k = 0; k < 2; k++) bsq_dropout_backward(e2, g, mask, N);
  assert_doubled("dropout dinp", e1, e2, N);

  bsq_zero(e1, N);
  bsq_zero(e2, N);
  bsq_mse_backward(e1, a, g, N, N);
  for (int k = 0; k < 2; k++) bsq_mse_backward(e2, a, g, N, N);
  assert_doubled("mse dpred", e1, e2, N);
}
END_TEST

START_TEST(test_nn_zero) {
  float a[9];
  for (int i = 0; i < 9; i++) a[i] = (float)i - 4.5f;
  bsq_zero(a + 1, 7);
  ck_assert_float_eq(a[0], -4.5f);
  for (int i = 1; i < 8; i++) ck_assert(a[i] == 0.0f && !signbit(a[i]));
  ck_assert_float_eq(a[8], 3.5f);
  bsq_zero(NULL, 0);
}
END_TEST

/* ---- threads and kernel paths ----------------------------------------- */

/* One training-sized step of every parallel kernel: soft bits (B, D) of
 * F = 10 features, a 150 -> 32 layer, the threshold gradient and Adam. */
enum { TS_B = 515, TS_F = 10, TS_D = 150, TS_O = 32 };

typedef struct {
  float s[TS_B * TS_D], a[TS_B * TS_O], ds[TS_B * TS_D];
  float dw[TS_O * TS_D], db[TS_O], dthr[TS_D], p[TS_O * TS_D];
} step_out;

/* The step's inputs, one set per call: run_step() may run in several
 * threads at once (the job pool tests below). */
typedef struct {
  float x[TS_B * TS_F], thr[TS_D], w[TS_O * TS_D], b[TS_O];
  float dout[TS_B * TS_O], m[TS_O * TS_D], v[TS_O * TS_D], g[TS_O * TS_D];
  int feat_of[TS_D];
} step_in;

static void run_step(step_out *o, float tau) {
  step_in *in = calloc(1, sizeof *in);
  ck_assert_ptr_nonnull(in);
  bsq_rng r;
  bsq_rng_seed(&r, 151);
  fill_uniform(in->x, TS_B * TS_F, &r, -2, 2);
  fill_uniform(in->thr, TS_D, &r, -1.5, 1.5);
  fill_uniform(in->w, TS_O * TS_D, &r, -0.1, 0.1);
  fill_uniform(in->b, TS_O, &r, -0.1, 0.1);
  fill_uniform(in->dout, TS_B * TS_O, &r, -1, 1);
  fill_uniform(in->g, TS_O * TS_D, &r, -1, 1);
  for (int d = 0; d < TS_D; d++) in->feat_of[d] = d / 15;
  memset(o, 0, sizeof *o);
  bsq_softbits_forward(o->s, in->x, in->thr, in->feat_of, TS_B, TS_F, TS_D,
                       tau);
  bsq_linear_forward(o->a, o->s, in->w, in->b, TS_B, TS_D, TS_O);
  bsq_linear_backward(o->ds, o->dw, o->db, in->dout, o->s, in->w, TS_B, TS_D,
                      TS_O);
  bsq_softbits_backward(NULL, o->dthr, o->ds, o->s, in->feat_of, TS_B, TS_F,
                        TS_D, tau);
  memcpy(o->p, in->w, sizeof in->w);
  const bsq_adam_cfg cfg = {.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f,
                            .eps = 1e-8f, .weight_decay = 0.01f};
  for (int t = 1; t <= 3; t++) /* a fixed gradient: Adam alone */
    bsq_adam_step(o->p, in->g, in->m, in->v, TS_O * TS_D, &cfg, t);
  free(in);
}

START_TEST(test_nn_threads_same_bits) {
  static step_out one, many;
  const float taus[] = {1.0f, 0.01f}; /* 0.01: most soft bits saturate */
  int prev = bsq_nn_threads(-1);
  for (int t = 0; t < 2; t++) {
    bsq_nn_threads(1);
    run_step(&one, taus[t]);
    for (int n = 2; n <= 4; n++) {
      bsq_nn_threads(n);
      run_step(&many, taus[t]);
      ck_assert_msg(memcmp(&one, &many, sizeof one) == 0,
                    "tau %g: %d threads differ from 1", (double)taus[t], n);
    }
  }
  bsq_nn_threads(prev);
}
END_TEST

/* ---- the job pool (pool.c), which shares the layers' threads --------- */

/* Jobs of run_step() side by side: each the same bits as the step on the
 * calling thread, for any number of job threads, with the layers' own
 * parallel calls inside each job. */
enum { PJ_N = 7 };

typedef struct {
  step_out *out; /* (PJ_N) */
  int order[PJ_N], seen[PJ_N];
  int after_calls;
} pj_ctx;

static void pj_step(int i, void *ctx) {
  pj_ctx *c = ctx;
  run_step(&c->out[i], i % 2 ? 0.01f : 1.0f);
  c->seen[i]++;
}

static void pj_after(int i, int done, void *ctx) {
  pj_ctx *c = ctx;
  c->order[done - 1] = i;
  c->after_calls++;
}

START_TEST(test_nn_pool_jobs_same_bits_any_threads) {
  static step_out ref[2];
  run_step(&ref[0], 1.0f);
  run_step(&ref[1], 0.01f);
  int prev = bsq_nn_threads(-1);
  bsq_nn_threads(2); /* the layers would use the pool outside a job */
  const int threads[] = {1, 2, 3, PJ_N + 5};
  for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
    pj_ctx c = {.out = calloc(PJ_N, sizeof(step_out))};
    ck_assert_ptr_nonnull(c.out);
    ck_assert_int_eq(bsq_pool_jobs(PJ_N, threads[t], pj_step, pj_after, &c),
                     0);
    ck_assert_int_eq(c.after_calls, PJ_N);
    int in_order[PJ_N] = {0};
    for (int i = 0; i < PJ_N; i++) {
      ck_assert_int_eq(c.seen[i], 1);
      in_order[c.order[i]]++;
      ck_assert_msg(memcmp(&c.out[i], &ref[i % 2], sizeof ref[0]) == 0,
                    "job %d on %d threads differs", i, threads[t]);
    }
    for (int i = 0; i < PJ_N; i++) ck_assert_int_eq(in_order[i], 1);
    free(c.out);
  }
  ck_assert_int_eq(bsq_nn_threads(-1), 2); /* left as it was */
  bsq_nn_threads(prev);
}
END_TEST

/* A job pool called from inside a job runs its jobs on that job's thread;
 * so does one called from a chunk of the layers' parallel-for. */
typedef struct {
  int hits[4][5];
} nest_ctx;

static nest_ctx *nest_cur;

static void nest_leaf(int i, void *ctx) {
  int *row = ctx;
  row[i]++;
}

static void nest_job(int i, void *ctx) {
  nest_ctx *c = ctx;
  ck_assert_int_eq(bsq_pool_jobs(5, 3, nest_leaf, NULL, c->hits[i]), 0);
}

static void nest_chunk(void *ctx, int c) {
  (void)ctx;
  ck_assert_int_eq(bsq_pool_jobs(5, 2, nest_leaf, NULL, nest_cur->hits[c]),
                   0);
}

START_TEST(test_nn_pool_jobs_nested) {
  nest_ctx a = {{{0}}}, b = {{{0}}};
  ck_assert_int_eq(bsq_pool_jobs(4, 2, nest_job, NULL, &a), 0);
  nest_cur = &b;
  int prev = bsq_nn_threads(2);
  bsq_parallel(nest_chunk, NULL, 4);
  bsq_nn_threads(prev);
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 5; k++) {
      ck_assert_int_eq(a.hits[i][k], 1);
      ck_assert_int_eq(b.hits[i][k], 1);
    }
  ck_assert_int_eq(bsq_pool_jobs(0, 4, nest_leaf, NULL, NULL), 0);
}
END_TEST

/* Many chunks (more than one round of the pool's chunk counter) and a
 * parallel-for of zero or one chunk. */
static void count_chunk(void *ctx, int c) {
  unsigned char *hit = ctx;
  hit[c]++;
}

static void count_job(int i, void *ctx) { count_chunk(ctx, i); }

START_TEST(test_nn_pool_every_chunk_once) {
  enum { MANY = 70000 };
  unsigned char *hit = calloc(MANY, 1);
  ck_assert_ptr_nonnull(hit);
  int prev = bsq_nn_threads(3);
  bsq_parallel(count_chunk, hit, MANY);
  ck_assert_int_eq(bsq_pool_jobs(MANY, 3, count_job, NULL, hit), 0);
  bsq_parallel(count_chunk, hit, 1);
  bsq_parallel(count_chunk, hit, 0);
  bsq_nn_threads(prev);
  ck_assert_int_eq(hit[0], 3);
  for (int i = 1; i < MANY; i++) ck_assert_int_eq(hit[i], 2);
  free(hit);
}
END_TEST

/* The generic paths, on a machine with AVX-512 too: the "Generic" and
 * "AVX2" cases run the numerics again under these fixtures (on a CPU
 * without AVX2 the "AVX2" case is the generic one again). The SIMD tiers
 * are compared with the generic code in check_simd.c. */
static void generic_setup(void) { bsq_nn_simd(BSQ_SIMD_GENERIC); }
static void avx2_setup(void) { bsq_nn_simd(BSQ_SIMD_AVX2); }
static void generic_teardown(void) { bsq_nn_simd(BSQ_SIMD_AUTO); }

/* ---- adam --------------------------------------------------------------- */

static const bsq_adam_cfg adam_default = {.lr = 1e-3f,
                                          .beta1 = 0.9f,
                                          .beta2 = 0.999f,
                                          .eps = 1e-8f,
                                          .weight_decay = 0.0f};

START_TEST(test_nn_adam_first_step_is_lr_sign) {
  /* L = 1/2 sum a_i (p_i - c_i)^2; the first bias-corrected step is
   * m / sqrt(v) = g / |g|, i.e. lr * sign(g) in each coordinate. */
  enum { N = 6 };
  float p[N] = {1.0f, -2.0f, 3.0f, 0.5f, -0.25f, 10.0f};
  const float c[N] = {0.0f, 1.0f, 5.0f, -1.0f, -0.3f, 9.0f};
  const float a[N] = {1.0f, 0.1f, 3.0f, 0.01f, 2.0f, 100.0f};
  float g[N], m[N] = {0}, v[N] = {0}, p0[N];
  bsq_adam_cfg cfg = adam_default;
  cfg.lr = 0.01f;
  for (int i = 0; i < N; i++) g[i] = a[i] * (p[i] - c[i]);
  memcpy(p0, p, sizeof p);
  bsq_adam_step(p, g, m, v, N, &cfg, 1);
  for (int i = 0; i < N; i++) {
    double step = (double)p[i] - (double)p0[i];
    double want = g[i] > 0 ? -cfg.lr : cfg.lr;
    ck_assert_double_eq_tol(step, want, 2e-6);
    ck_assert_double_lt(fabs((double)p[i] - c[i]), fabs((double)p0[i] - c[i]));
  }
}
END_TEST

START_TEST(test_nn_adam_minimizes_quadratic) {
  enum { N = 5 };
  float p[N] = {2.0f, -1.5f, 0.3f, 1.0f, -2.5f};
  const float c[N] = {-0.5f, 0.7f, 0.0f, 1.2f, -1.0f};
  const float a[N] = {1.0f, 4.0f, 0.5f, 2.0f, 0.25f};
  float g[N], m[N] = {0}, v[N] = {0};
  bsq_adam_cfg cfg = adam_default;
  cfg.lr = 0.05f;
  double loss0 = 0.0, loss = 0.0;
  for (int i = 0; i < N; i++) loss0 += 0.5 * a[i] * (p[i] - c[i]) * (p[i] - c[i]);
  for (int t = 1; t <= 400; t++) {
    for (int i = 0; i < N; i++) g[i] = a[i] * (p[i] - c[i]);
    bsq_adam_step(p, g, m, v, N, &cfg, t);
  }
  for (int i = 0; i < N; i++) {
    loss += 0.5 * a[i] * (p[i] - c[i]) * (p[i] - c[i]);
    ck_assert_double_eq_tol(p[i], c[i], 0.02);
  }
  ck_assert_double_lt(loss, 1e-4 * loss0);
}
END_TEST

START_TEST(test_nn_adam_matches_reference) {
  /* Several steps with changing gradients against Adam in double. */
  enum { N = 4, T = 25 };
  bsq_rng r;
  bsq_rng_seed(&r, 141);
  bsq_adam_cfg cfg = {.lr = 3e-3f, .beta1 = 0.8f, .beta2 = 0.99f,
                      .eps = 1e-6f, .weight_decay = 0.05f};
  float p[N], g[N], m[N] = {0}, v[N] = {0};
  double rp[N], rm[N] = {0}, rv[N] = {0};
  fill_uniform(p, N, &r, -1, 1);
  for (int i = 0; i < N; i++) rp[i] = p[i];
  for (int t = 1; t <= T; t++) {
    fill_uniform(g, N, &r, -1, 1);
    bsq_adam_step(p, g, m, v, N, &cfg, t);
    for (int i = 0; i < N; i++) {
      double gi = g[i] + (double)cfg.weight_decay * rp[i];
      rm[i] = cfg.beta1 * rm[i] + (1 - (double)cfg.beta1) * gi;
      rv[i] = cfg.beta2 * rv[i] + (1 - (double)cfg.beta2) * gi * gi;
      double mh = rm[i] / (1 - pow(cfg.beta1, t));
      double vh = rv[i] / (1 - pow(cfg.beta2, t));
      rp[i] -= cfg.lr * mh / (sqrt(vh) + cfg.eps);
    }
  }
  for (int i = 0; i < N; i++) ck_assert_double_eq_tol(p[i], rp[i], 1e-5);
}
END_TEST

START_TEST(test_nn_adam_weight_decay) {
  /* Zero gradient: nothing moves without decay; with decay the L2 term
   * alone pulls each parameter towards 0 by lr on the first step. */
  float p[2] = {2.0f, -2.0f}, g[2] = {0}, m[2] = {0}, v[2] = {0};
  bsq_adam_cfg cfg = adam_default;
  cfg.lr = 0.01f;
  bsq_adam_step(p, g, m, v, 2, &cfg, 1);
  ck_assert_float_eq(p[0], 2.0f);
  ck_assert_float_eq(p[1], -2.0f);
  cfg.weight_decay = 0.1f;
  bsq_adam_step(p, g, m, v, 2, &cfg, 1);
  ck_assert_float_eq_tol(p[0], 1.99f, 1e-6f);
  ck_assert_float_eq_tol(p[1], -1.99f, 1e-6f);
}
END_TEST

Suite *nn_suite(void); /* called by check_main.c through BSQ_SUITE */

Suite *nn_suite(void) {
  Suite *s = suite_create("nn");

  TCase *core = tcase_create("Core");
  tcase_set_timeout(core, 60); /* a loaded machine: not a timing test */
  tcase_add_test(core, test_nn_zero);
  tcase_add_test(core, test_nn_hardbits_exact_greater_than);
  tcase_add_test(core, test_nn_hardbits_is_limit_of_softbits);
  tcase_add_test(core, test_nn_linear_matches_naive);
  tcase_add_test(core, test_nn_relu_forward_in_place);
  tcase_add_test(core, test_nn_dropout_p0_is_identity);
  tcase_add_test(core, test_nn_dropout_mask_mean);
  tcase_add_test(core, test_nn_dropout_same_seed_same_mask);
  tcase_add_test(core, test_nn_backward_accumulates);
  tcase_add_test(core, test_nn_adam_first_step_is_lr_sign);
  tcase_add_test(core, test_nn_adam_minimizes_quadratic);
  tcase_add_test(core, test_nn_adam_matches_reference);
  tcase_add_test(core, test_nn_adam_weight_decay);
  suite_add_tcase(s, core);

  TCase *num = tcase_create("Numerics");
  tcase_add_test(num, test_nn_gradcheck_detects_perturbation);
  tcase_add_test(num, test_nn_softbits_grad_thresholds);
  tcase_add_test(num, test_nn_softbits_grad_x);
  tcase_add_test(num, test_nn_softbits_sigmoid_accuracy);
  tcase_add_test(num, test_nn_softbits_saturates_without_nan);
  tcase_add_test(num, test_nn_linear_grad);
  tcase_add_test(num, test_nn_relu_grad);
  tcase_add_test(num, test_nn_dropout_grad);
  tcase_add_test(num, test_nn_mse_value_and_grad);
  tcase_add_test(num, test_nn_network_grad);
  tcase_add_test(num, test_nn_linear_backward_matches_naive);
  tcase_add_test(num, test_nn_linear_fused_matches_separate);
  tcase_add_test(num, test_nn_threads_same_bits);
  suite_add_tcase(s, num);

  TCase *pool = tcase_create("Threads");
  tcase_set_timeout(pool, 60);
  tcase_add_test(pool, test_nn_pool_jobs_same_bits_any_threads);
  tcase_add_test(pool, test_nn_pool_jobs_nested);
  tcase_add_test(pool, test_nn_pool_every_chunk_once);
  suite_add_tcase(s, pool);

  /* the generic loops at the baseline ISA, and their AVX2 copies */
  const char *names[2] = {"Generic", "AVX2"};
  void (*setups[2])(void) = {generic_setup, avx2_setup};
  for (int k = 0; k < 2; k++) {
    TCase *gen = tcase_create(names[k]);
    tcase_add_checked_fixture(gen, setups[k], generic_teardown);
    tcase_add_test(gen, test_nn_softbits_grad_thresholds);
    tcase_add_test(gen, test_nn_softbits_grad_x);
    tcase_add_test(gen, test_nn_softbits_sigmoid_accuracy);
    tcase_add_test(gen, test_nn_softbits_saturates_without_nan);
    tcase_add_test(gen, test_nn_hardbits_exact_greater_than);
    tcase_add_test(gen, test_nn_linear_matches_naive);
    tcase_add_test(gen, test_nn_linear_backward_matches_naive);
    tcase_add_test(gen, test_nn_linear_fused_matches_separate);
    tcase_add_test(gen, test_nn_linear_grad);
    tcase_add_test(gen, test_nn_relu_grad);
    tcase_add_test(gen, test_nn_network_grad);
    tcase_add_test(gen, test_nn_backward_accumulates);
    tcase_add_test(gen, test_nn_adam_matches_reference);
    tcase_add_test(gen, test_nn_threads_same_bits); /* BLAS blocks */
    suite_add_tcase(s, gen);
  }
  return s;
}
