/* The run plan of a comparison (flow/plan.h): methods x bits x seeds, the
 * FP parent of every Po-* run, the order of the jobs. */
#include <check.h>
#include <string.h>

#include "model.h"
#include "plan.h"
#include "tune.h"

static const int BITS[] = {2, 3, 5};

static void make(bsq_plan *p, const int *want, int nseeds,
                 const bsq_train_cfg *base, const bsq_tuning *tuned) {
  bsq_plan_spec s = {want, BITS, 3, nseeds, 40, base, tuned};
  ck_assert_int_eq(bsq_plan_make(p, &s, 10), 0);
}

/* How often (method, bits, seed) occurs among the runs. */
static int count(const bsq_plan *p, int m, int bits, int si) {
  int n = 0;
  for (int i = 0; i < p->nruns; i++)
    n += (int)p->runs[i].method == m && p->runs[i].bits == bits &&
         p->runs[i].seed_i == si;
  return n;
}

START_TEST(test_plan_covers_methods_bits_seeds_once) {
  int want[BSQ_METHOD_COUNT];
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) want[m] = 1;
  bsq_train_cfg base;
  bsq_train_cfg_default(&base);
  bsq_plan p;
  make(&p, want, 4, &base, NULL);
  int npo = 0;
  for (int m = 0; m < BSQ_METHOD_COUNT; m++)
    npo += bsq_method_get(m)->fp_parent;
  /* FP once per seed, every other method per width and seed */
  ck_assert_int_eq(p.nruns, 4 * (1 + (BSQ_METHOD_COUNT - 1) * 3));
  ck_assert_int_eq(p.njobs, 4 * (1 + (BSQ_METHOD_COUNT - 1 - npo) * 3));
  for (int si = 0; si < 4; si++) {
    ck_assert_int_eq(count(&p, BSQ_METHOD_FP, 32, si), 1);
    for (int m = 0; m < BSQ_METHOD_COUNT; m++)
      for (int b = 0; b < 3; b++)
        if (m != BSQ_METHOD_FP) ck_assert_int_eq(count(&p, m, BITS[b], si), 1);
  }
  for (int i = 0; i < p.nruns; i++) {
    const bsq_plan_run *r = &p.runs[i];
    ck_assert_int_eq(r->cfg.method, r->method);
    ck_assert_uint_eq(r->cfg.seed, 40 + (uint64_t)r->seed_i);
    ck_assert_int_eq(r->cfg.nbits, 1);
    ck_assert_int_eq(r->cfg.bits[0], r->method == BSQ_METHOD_FP ? 1 : r->bits);
  }
  bsq_plan_free(&p);
  ck_assert_ptr_null(p.runs);
}
END_TEST

START_TEST(test_plan_po_runs_quantize_the_fp_run_of_their_seed) {
  int want[BSQ_METHOD_COUNT] = {0};
  want[BSQ_METHOD_PO_MQ] = want[BSQ_METHOD_PO_QQ] = want[BSQ_METHOD_LSQ] = 1;
  bsq_train_cfg base;
  bsq_train_cfg_default(&base);
  bsq_plan p;
  make(&p, want, 3, &base, NULL); /* FP itself is not wanted: still trained */
  int nfp = 0;
  for (int i = 0; i < p.nruns; i++) {
    const bsq_plan_run *r = &p.runs[i];
    nfp += r->method == BSQ_METHOD_FP;
    if (!bsq_method_get(r->method)->fp_parent) {
      ck_assert_int_eq(r->parent, -1);
      continue;
    }
    ck_assert_int_ge(r->parent, 0);
    const bsq_plan_run *f = &p.runs[r->parent];
    ck_assert_int_eq(f->method, BSQ_METHOD_FP);
    ck_assert_int_eq(f->seed_i, r->seed_i);
    ck_assert_uint_eq(f->cfg.seed, r->cfg.seed);
  }
  ck_assert_int_eq(nfp, 3);
  /* the jobs: every run without a parent once, the others never */
  for (int i = 0; i < p.nruns; i++) {
    int n = 0;
    for (int j = 0; j < p.njobs; j++) n += p.jobs[j] == i;
    ck_assert_int_eq(n, p.runs[i].parent < 0 ? 1 : 0);
  }
  bsq_plan_free(&p);
}
END_TEST

START_TEST(test_plan_jobs_most_costly_first) {
  int want[BSQ_METHOD_COUNT];
  for (int m = 0; m < BSQ_METHOD_COUNT; m++) want[m] = 1;
  bsq_train_cfg base;
  bsq_train_cfg_default(&base);
  bsq_plan p;
  make(&p, want, 2, &base, NULL);
  for (int j = 1; j < p.njobs; j++) {
    double a = bsq_plan_cost(&p.runs[p.jobs[j - 1]], 10),
           b = bsq_plan_cost(&p.runs[p.jobs[j]], 10);
    ck_assert(a > b || (a == b && p.jobs[j - 1] < p.jobs[j]));
  }
  /* Bw-SQ at 5 bits feeds the network 10 * 31 bits: more than FP's 10 */
  bsq_plan_run bw = {.method = BSQ_METHOD_BW_SQ, .bits = 5},
               fp = {.method = BSQ_METHOD_FP, .bits = 32};
  bw.cfg.epochs = fp.cfg.epochs = 10;
  ck_assert_double_eq(bsq_plan_cost(&bw, 10), 10 * (10 * 31 + 64.0));
  ck_assert_double_eq(bsq_plan_cost(&fp, 10), 10 * (10 + 64.0));
  bsq_plan_free(&p);
}
END_TEST

/* With a tuning, each run has its method's chosen setting; a Po-* run has
 * FP's (that of its parent). */
START_TEST(test_plan_takes_the_tuned_settings) {
  int want[BSQ_METHOD_COUNT] = {0};
  want[BSQ_METHOD_BW_SQ] = want[BSQ_METHOD_PO_QQ] = 1;
  bsq_train_cfg base;
  bsq_train_cfg_default(&base);
  bsq_tune_entry e[2];
  memset(e, 0, sizeof e);
  e[0].method = BSQ_METHOD_FP;
  e[0].cfg = base;
  e[0].cfg.lr = 0.25f;
  e[1].method = BSQ_METHOD_BW_SQ;
  e[1].bits = 3;
  e[1].cfg = base;
  e[1].cfg.lr = 0.5f;
  bsq_tuning t = {.n = 2, .e = e};
  bsq_plan p;
  make(&p, want, 2, &base, &t);
  for (int i = 0; i < p.nruns; i++) {
    const bsq_plan_run *r = &p.runs[i];
    float lr = r->method == BSQ_METHOD_BW_SQ ? (r->bits == 3 ? 0.5f : base.lr)
                                             : 0.25f; /* FP, Po-QQ */
    ck_assert_float_eq(r->cfg.lr, lr);
  }
  bsq_plan_free(&p);
}
END_TEST

Suite *plan_suite(void);
Suite *plan_suite(void) {
  Suite *s = suite_create("plan");
  TCase *core = tcase_create("Core");
  tcase_add_test(core, test_plan_covers_methods_bits_seeds_once);
  tcase_add_test(core, test_plan_po_runs_quantize_the_fp_run_of_their_seed);
  tcase_add_test(core, test_plan_jobs_most_costly_first);
  tcase_add_test(core, test_plan_takes_the_tuned_settings);
  suite_add_tcase(s, core);
  return s;
}
