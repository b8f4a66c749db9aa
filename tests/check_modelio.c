/* Check suite for model/modelio.c: the model file (JSON, version 1).
 *
 * The test model has F = 3 features with bits {1, 3, 4} (D = 1 + 7 + 15 =
 * 23 thresholds) and hidden layers {5, 4}: dims = [23, 5, 4, 1], L = 3.
 * Feature 2 is built by hand so that its integer thresholds are known:
 * width 16 unsigned, offset 0, scale 1, mu 1000, sigma 100, and trained
 * threshold k sits at rank q(k) = 7k mod 15, giving sorted T[j] = 651 + 50j
 * and perm[j] = 13j mod 15. The error table relies on those numbers. */
#include <check.h>
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "model.h"
#include "rng.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------ */

static void make_model(bsq_model *m) {
  static const int bits[3] = {1, 3, 4}, hidden[2] = {5, 4};
  static char *const names[3] = {"x1", "temp \"c\"\t\xc2\xb5", "x3"};
  ck_assert_int_eq(bsq_model_init(m, 3, bits, 2, hidden), BSQ_OK);
  ck_assert_int_eq(bsq_model_set_names(m, names, "y"), BSQ_OK);
  bsq_rng r;
  bsq_rng_seed(&r, 42);
  for (size_t i = 0; i < m->nparams; i++)
    m->params[i] = (float)(0.5 * bsq_rng_normal(&r));
  m->W[0][0] = -0.0f;  /* sign of zero must survive */
  m->W[0][1] = 1e-40f; /* subnormal */
  m->W[0][2] = 0.1f;
  m->b[2][0] = FLT_MAX;

  bsq_encoder *e = &m->enc;
  ck_assert_int_eq(bsq_format_fit(&e->fmt[0], 12, 1, -2.0, 3.0, 0.05), 0);
  ck_assert_int_eq(bsq_format_fit(&e->fmt[1], 8, 0, 0.0, 10.0, 0.05), 0);
  e->fmt[2] = (bsq_format){16, 0, 0.0, 1.0};
  m->mu[0] = 0.5;
  m->sigma[0] = 1.0 / 3.0;
  m->mu[1] = 5.0 + bsq_rng_normal(&r);
  m->sigma[1] = 2.0 + bsq_rng_uniform(&r);
  m->mu[2] = 1000.0;
  m->sigma[2] = 100.0;
  for (int k = 0; k < 15; k++)
    m->thr[e->toff[2] + k] = (float)(((7 * k) % 15 - 7) * 0.5 + 0.013);
  m->y_mu = 5.123456789012345;
  m->y_sigma = 1.0 / 7.0;
  bsq_model_quantize(m);
  for (int j = 0; j < 15; j++) {
    ck_assert_int_eq(e->T[e->toff[2] + j], 651 + 50 * j);
    ck_assert_int_eq(e->perm[e->toff[2] + j], (13 * j) % 15);
  }

  bsq_train_cfg *c = &m->cfg;
  c->nbits = 3;
  memcpy(c->bits, bits, sizeof bits);
  c->nhidden = 2;
  memcpy(c->hidden, hidden, sizeof hidden);
  c->epochs = 7;
  c->batch = 64;
  c->lr = 3e-4f;
  c->tau_decay = 1e-4f;
  c->dropout = 0.1f;
  c->seed = 12345;
  c->range_margin = 0.05;
  c->init_minmax = 1;
  snprintf(m->data_source, sizeof m->data_source, "friedman1:rows=200:seed=7");
  m->data_hash = 0x0123456789abcdefULL;
  m->rows = 200;
  m->best_epoch = 5;
  m->train_seconds = 12.5; /* not written */
  m->mse_val = 0.25;
  m->mse_test = 1.0 / 3.0;
  m->mse_test_hw = 0.3456;
}

/* Every field of b equals a's, bit for bit (train_seconds is not saved). */
static void assert_same(const bsq_model *a, const bsq_model *b) {
  const bsq_encoder *ea = &a->enc, *eb = &b->enc;
  ck_assert_int_eq(a->F, b->F);
  for (int f = 0; f < a->F; f++)
    ck_assert_str_eq(a->names[f], b->names[f]);
  ck_assert_str_eq(a->target, b->target);
  ck_assert_int_eq(ea->F, eb->F);
  ck_assert_int_eq(ea->D, eb->D);
  ck_assert_int_eq(ea->B, eb->B);
  ck_assert_mem_eq(ea->bits, eb->bits, sizeof(int) * (size_t)a->F);
  ck_assert_mem_eq(ea->toff, eb->toff, sizeof(int) * (size_t)(a->F + 1));
  for (int f = 0; f < a->F; f++) {
    ck_assert_int_eq(ea->fmt[f].width, eb->fmt[f].width);
    ck_assert_int_eq(ea->fmt[f].is_signed, eb->fmt[f].is_signed);
    ck_assert_mem_eq(&ea->fmt[f].offset, &eb->fmt[f].offset, sizeof(double));
    ck_assert_mem_eq(&ea->fmt[f].scale, &eb->fmt[f].scale, sizeof(double));
  }
  ck_assert_mem_eq(ea->T, eb->T, sizeof(int64_t) * (size_t)ea->D);
  ck_assert_mem_eq(ea->perm, eb->perm, sizeof(int) * (size_t)ea->D);
  ck_assert_mem_eq(a->feat_of, b->feat_of, sizeof(int) * (size_t)ea->D);
  ck_assert_mem_eq(a->mu, b->mu, sizeof(double) * (size_t)a->F);
  ck_assert_mem_eq(a->sigma, b->sigma, sizeof(double) * (size_t)a->F);
  ck_assert_mem_eq(&a->y_mu, &b->y_mu, sizeof(double));
  ck_assert_mem_eq(&a->y_sigma, &b->y_sigma, sizeof(double));
  ck_assert_int_eq(a->L, b->L);
  ck_assert_mem_eq(a->dims, b->dims, sizeof(int) * (size_t)(a->L + 1));
  ck_assert_uint_eq(a->nparams, b->nparams);
  ck_assert_mem_eq(a->params, b->params, sizeof(float) * a->nparams);
  ck_assert_ptr_eq(b->thr, b->params);
  for (int l = 0; l < a->L; l++) {
    ck_assert_int_eq(a->W[l] - a->params, b->W[l] - b->params);
    ck_assert_int_eq(a->b[l] - a->params, b->b[l] - b->params);
  }
  const bsq_train_cfg *ca = &a->cfg, *cb = &b->cfg;
  ck_assert_int_eq(ca->method, cb->method);
  ck_assert_int_eq(ca->nbits, cb->nbits);
  ck_assert_mem_eq(ca->bits, cb->bits, sizeof(int) * (size_t)ca->nbits);
  ck_assert_int_eq(ca->nhidden, cb->nhidden);
  ck_assert_mem_eq(ca->hidden, cb->hidden, sizeof(int) * (size_t)ca->nhidden);
  ck_assert_int_eq(ca->epochs, cb->epochs);
  ck_assert_int_eq(ca->batch, cb->batch);
  ck_assert_mem_eq(&ca->lr, &cb->lr, sizeof(float));
  ck_assert_mem_eq(&ca->tau_decay, &cb->tau_decay, sizeof(float));
  ck_assert_mem_eq(&ca->dropout, &cb->dropout, sizeof(float));
  ck_assert_mem_eq(&ca->weight_decay, &cb->weight_decay, sizeof(float));
  ck_assert_uint_eq(ca->seed, cb->seed);
  ck_assert_int_eq(ca->input_width, cb->input_width);
  ck_assert_int_eq(ca->input_signed, cb->input_signed);
  ck_assert_mem_eq(&ca->range_margin, &cb->range_margin, sizeof(double));
  ck_assert_int_eq(ca->init_minmax, cb->init_minmax);
  ck_assert_str_eq(a->data_source, b->data_source);
  ck_assert_uint_eq(a->data_hash, b->data_hash);
  ck_assert_int_eq(a->rows, b->rows);
  ck_assert_int_eq(a->best_epoch, b->best_epoch);
  ck_assert_mem_eq(&a->mse_val, &b->mse_val, sizeof(double));
  ck_assert_mem_eq(&a->mse_test, &b->mse_test, sizeof(double));
  ck_assert_mem_eq(&a->mse_test_hw, &b->mse_test_hw, sizeof(double));
  ck_assert_uint_eq(bsq_model_hash(a), bsq_model_hash(b));
}

static void assert_zeroed(const bsq_model *m) {
  static const bsq_model zero;
  ck_assert_msg(memcmp(m, &zero, sizeof zero) == 0,
                "model not zeroed after a failed load");
}

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  ck_assert_ptr_nonnull(p);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* Number of entries in dir whose name contains ".tmp.". */
static int count_tmp(const char *dir) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  int n = 0;
  for (struct dirent *de; (de = readdir(d));)
    if (strstr(de->d_name, ".tmp."))
      n++;
  closedir(d);
  return n;
}

/* Puts repl where node is in parent, keeping node's key if it has one. */
static void replace(cJSON *parent, cJSON *node, cJSON *repl) {
  ck_assert_ptr_nonnull(repl);
  if (node->string) {
    size_t n = strlen(node->string) + 1;
    repl->string = malloc(n); /* cJSON_Delete frees it */
    ck_assert_ptr_nonnull(repl->string);
    memcpy(repl->string, node->string, n);
  }
  ck_assert(cJSON_ReplaceItemViaPointer(parent, node, repl));
}

/* Replaces every number in the tree by a raw "%.17g" item, so that the
 * test's re-printing does not go through cJSON's inexact number printer. */
static void rawify(cJSON *node) {
  for (cJSON *it = node->child, *next; it; it = next) {
    next = it->next;
    if (cJSON_IsNumber(it)) {
      char s[40];
      snprintf(s, sizeof s, "%.17g", it->valuedouble);
      replace(node, it, cJSON_CreateRaw(s));
    } else {
      rawify(it);
    }
  }
}

/* Splits "a.b[2].c" at its last component: returns the parent node and
 * sets *key (object member) or *idx (array element, key = NULL). */
static cJSON *locate(cJSON *root, const char *path, char *key, int *idx) {
  cJSON *parent = NULL, *cur = root;
  const char *s = path;
  while (*s) {
    parent = cur;
    if (*s == '[') {
      char *end;
      *idx = (int)strtol(s + 1, &end, 10);
      key[0] = '\0';
      cur = cJSON_GetArrayItem(parent, *idx);
      s = end + 1;
    } else {
      if (*s == '.')
        s++;
      size_t n = strcspn(s, ".[");
      memcpy(key, s, n);
      key[n] = '\0';
      cur = cJSON_GetObjectItemCaseSensitive(parent, key);
      s += n;
    }
    if (*s)
      ck_assert_msg(cur != NULL, "bad test path %s", path);
  }
  return parent;
}

static cJSON *node_at(cJSON *root, const char *path) {
  char key[64];
  int idx = 0;
  cJSON *parent = locate(root, path, key, &idx);
  return key[0] ? cJSON_GetObjectItemCaseSensitive(parent, key)
                : cJSON_GetArrayItem(parent, idx);
}

enum { OP_NUM, OP_STR, OP_RAW, OP_DEL, OP_POP, OP_SWAP };

typedef struct {
  const char *path;
  int op;
  double num;      /* OP_NUM value; OP_SWAP: swap elements num, num + 1 */
  const char *str; /* OP_STR, OP_RAW */
  int rc;
  const char *msg; /* full message; a %s gets the model's true hash */
} mutation;

static void mutate(cJSON *root, const mutation *mu) {
  char key[64];
  int idx = 0;
  cJSON *parent = locate(root, mu->path, key, &idx);
  cJSON *node = node_at(root, mu->path), *repl = NULL;
  ck_assert_msg(node != NULL, "bad test path %s", mu->path);
  switch (mu->op) {
  case OP_NUM:
    repl = cJSON_CreateNumber(mu->num);
    break;
  case OP_STR:
    repl = cJSON_CreateString(mu->str);
    break;
  case OP_RAW:
    repl = cJSON_CreateRaw(mu->str);
    break;
  case OP_DEL:
    cJSON_Delete(cJSON_DetachItemViaPointer(parent, node));
    return;
  case OP_POP: {
    int n = cJSON_GetArraySize(node);
    ck_assert_int_gt(n, 0);
    cJSON_DeleteItemFromArray(node, n - 1);
    return;
  }
  case OP_SWAP: {
    int i = (int)mu->num;
    cJSON *a = cJSON_GetArrayItem(node, i),
          *b = cJSON_GetArrayItem(node, i + 1);
    ck_assert(a && b);
    cJSON *ta = cJSON_CreateRaw(a->valuestring);
    cJSON *tb = cJSON_CreateRaw(b->valuestring);
    replace(node, a, tb);
    replace(node, b, ta);
    return;
  }
  default:
    ck_abort_msg("bad op");
  }
  replace(parent, node, repl);
}

/* ---- Core ---------------------------------------------------------------- */

START_TEST(test_modelio_round_trip_is_bit_exact) {
  bsq_model m, l;
  bsq_diag d = {{0}};
  make_model(&m);
  char *dir = tu_tmpdir("modelio");
  char *path = join(dir, "m.json");
  ck_assert_int_eq(bsq_model_save(&m, path, &d), BSQ_OK);
  int rc = bsq_model_load(&l, path, &d);
  ck_assert_msg(rc == BSQ_OK, "load: %s", d.msg);
  assert_same(&m, &l);
  ck_assert(l.train_seconds == 0.0);
  bsq_model_free(&l);
  bsq_model_free(&m);
  remove(path);
  free(path);
  free(dir);
}
END_TEST

START_TEST(test_modelio_output_is_deterministic) {
  bsq_model m, l;
  bsq_diag d = {{0}};
  make_model(&m);
  char *a = bsq_model_to_json(&m), *b = bsq_model_to_json(&m);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_str_eq(a, b);
  ck_assert_ptr_null(strstr(a, "seconds")); /* nothing time-dependent */

  char *dir = tu_tmpdir("modelio");
  char *p1 = join(dir, "one.json"), *p2 = join(dir, "two.json");
  ck_assert_int_eq(bsq_model_save(&m, p1, &d), BSQ_OK);
  ck_assert_int_eq(bsq_model_save(&m, p2, &d), BSQ_OK);
  size_t n1, n2;
  char *f1 = tu_read(p1, &n1), *f2 = tu_read(p2, &n2);
  ck_assert_uint_eq(n1, n2);
  ck_assert_mem_eq(f1, f2, n1);
  ck_assert_str_eq(f1, a);

  /* load then save again: the same bytes */
  ck_assert_int_eq(bsq_model_from_json(&l, a, strlen(a), "a", &d), BSQ_OK);
  char *c = bsq_model_to_json(&l);
  ck_assert_str_eq(a, c);

  bsq_model_free(&l);
  bsq_model_free(&m);
  remove(p1);
  remove(p2);
  free(a);
  free(b);
  free(c);
  free(f1);
  free(f2);
  free(p1);
  free(p2);
  free(dir);
}
END_TEST

START_TEST(test_modelio_writes_the_documented_fields) {
  bsq_model m;
  make_model(&m);
  char *s = bsq_model_to_json(&m);
  cJSON *root = cJSON_Parse(s);
  ck_assert_ptr_nonnull(root);
  ck_assert_str_eq(node_at(root, "format")->valuestring, "bsq-model");
  ck_assert(node_at(root, "version")->valuedouble == 1.0);
  ck_assert_str_eq(node_at(root, "generator")->valuestring, "bsq " BSQ_VERSION);
  char h[20];
  snprintf(h, sizeof h, "%016llx", (unsigned long long)bsq_model_hash(&m));
  ck_assert_str_eq(node_at(root, "hash")->valuestring, h);
  ck_assert_str_eq(node_at(root, "target.name")->valuestring, "y");
  ck_assert_str_eq(node_at(root, "features[1].name")->valuestring,
                   "temp \"c\"\t\xc2\xb5");
  ck_assert(cJSON_IsFalse(node_at(root, "features[2].signed")));
  ck_assert(cJSON_IsTrue(node_at(root, "features[0].signed")));
  ck_assert(node_at(root, "features[2].thresholds[14]")->valuedouble == 1351);
  ck_assert(node_at(root, "features[2].perm[1]")->valuedouble == 13);
  ck_assert_int_eq(cJSON_GetArraySize(node_at(root, "mlp.dims")), 4);
  ck_assert_int_eq(cJSON_GetArraySize(node_at(root, "mlp.layers[1].weight")),
                   4);
  ck_assert_int_eq(cJSON_GetArraySize(node_at(root, "mlp.layers[1].weight[0]")),
                   5);
  ck_assert_str_eq(node_at(root, "training.method")->valuestring, "bw-sq");
  ck_assert(node_at(root, "training.seed")->valuedouble == 12345);
  ck_assert_str_eq(node_at(root, "training.data.hash")->valuestring,
                   "0123456789abcdef");
  ck_assert_str_eq(node_at(root, "training.hyperparameters.init")->valuestring,
                   "minmax");
  ck_assert(node_at(root, "metrics.mse_val")->valuedouble == 0.25);
  /* floats are written short, not as their 17-digit double expansion */
  ck_assert_ptr_nonnull(strstr(s, "[-0, 1e-40, 0.1, "));
  cJSON_Delete(root);
  free(s);
  bsq_model_free(&m);
}
END_TEST

START_TEST(test_modelio_big_seed_and_unmeasured_metrics_round_trip) {
  bsq_model m, l;
  bsq_diag d = {{0}};
  make_model(&m);
  m.cfg.seed = UINT64_MAX; /* beyond 2^53: written as a decimal string */
  m.cfg.nbits = 1;
  m.mse_test_hw = NAN; /* not measured: written as null */
  char *s = bsq_model_to_json(&m);
  ck_assert_ptr_nonnull(strstr(s, "\"seed\":\t\"18446744073709551615\""));
  ck_assert_ptr_nonnull(strstr(s, "\"mse_test_hw\":\tnull"));
  int rc = bsq_model_from_json(&l, s, strlen(s), "m.json", &d);
  ck_assert_msg(rc == BSQ_OK, "%s", d.msg);
  ck_assert_uint_eq(l.cfg.seed, UINT64_MAX);
  ck_assert_int_eq(l.cfg.nbits, 1);
  ck_assert(isnan(l.mse_test_hw));
  bsq_model_free(&l);
  bsq_model_free(&m);
  free(s);
}
END_TEST

START_TEST(test_modelio_ignores_unknown_fields) {
  bsq_model m, l;
  bsq_diag d = {{0}};
  make_model(&m);
  char *s = bsq_model_to_json(&m);
  cJSON *root = cJSON_Parse(s);
  rawify(root);
  cJSON_AddStringToObject(root, "comment", "added by hand");
  cJSON_AddNumberToObject(node_at(root, "features[0]"), "calibration", 3);
  char *t = cJSON_Print(root);
  int rc = bsq_model_from_json(&l, t, strlen(t), "m.json", &d);
  ck_assert_msg(rc == BSQ_OK, "%s", d.msg);
  assert_same(&m, &l);
  bsq_model_free(&l);
  bsq_model_free(&m);
  cJSON_Delete(root);
  free(s);
  free(t);
}
END_TEST

START_TEST(test_modelio_save_replaces_an_existing_file) {
  bsq_model m;
  bsq_diag d = {{0}};
  make_model(&m);
  char *dir = tu_tmpdir("modelio");
  char *path = tu_write(dir, "m.json", "old contents\n");
  ck_assert_int_eq(bsq_model_save(&m, path, &d), BSQ_OK);
  char *want = bsq_model_to_json(&m), *got = tu_read(path, NULL);
  ck_assert_str_eq(got, want);
  ck_assert_int_eq(count_tmp(dir), 0);
  remove(path);
  free(want);
  free(got);
  free(path);
  free(dir);
  bsq_model_free(&m);
}
END_TEST

/* ---- Errors ---------------------------------------------------------------
 */

#define E "m.json: "
static const mutation mutations[] = {
    {"format", OP_STR, 0, "bsq-modle", BSQ_EFORMAT,
     E "not a bsq model file (format)"},
    {"format", OP_DEL, 0, NULL, BSQ_EFORMAT, E "not a bsq model file (format)"},
    {"version", OP_NUM, 2, NULL, BSQ_EVERSION,
     E "version 2 is newer than this bsq (supports 1)"},
    {"version", OP_NUM, 1.5, NULL, BSQ_EFORMAT,
     E "version: missing or not an integer"},
    {"version", OP_STR, 0, "1", BSQ_EFORMAT,
     E "version: missing or not an integer"},
    {"version", OP_DEL, 0, NULL, BSQ_EFORMAT,
     E "version: missing or not an integer"},
    {"version", OP_NUM, 0, NULL, BSQ_EFORMAT,
     E "version: 0 is not supported (supports 1)"},
    {"generator", OP_NUM, 1, NULL, BSQ_EFORMAT,
     E "generator: missing or not a string"},
    {"hash", OP_STR, 0, "0123456789abcdef", BSQ_EHASH,
     E "hash mismatch: file says 0123456789abcdef, content gives %s"},
    {"hash", OP_STR, 0, "0123456789ABCDEF", BSQ_EFORMAT,
     E "hash: not 16 lowercase hex digits"},
    {"hash", OP_DEL, 0, NULL, BSQ_EFORMAT, E "hash: missing or not a string"},
    /* content changes that pass every structure check: only the hash
       catches them */
    {"target.mu", OP_NUM, 0.5, NULL, BSQ_EHASH,
     E "hash mismatch: file says %s, content gives "},
    {"target", OP_DEL, 0, NULL, BSQ_EFORMAT,
     E "target: missing or not an object"},
    {"target.name", OP_DEL, 0, NULL, BSQ_EFORMAT,
     E "target.name: missing or not a string"},
    {"target.sigma", OP_NUM, 0, NULL, BSQ_EFORMAT,
     E "target.sigma: 0 is not positive"},
    {"features", OP_RAW, 0, "[]", BSQ_EFORMAT, E "features: empty"},
    {"features", OP_RAW, 0, "{}", BSQ_EFORMAT,
     E "features: missing or not an array"},
    {"features[1]", OP_NUM, 3, NULL, BSQ_EFORMAT,
     E "features[1]: not an object"},
    {"features[1].bits", OP_DEL, 0, NULL, BSQ_EFORMAT,
     E "features[1].bits: missing or not an integer"},
    {"features[0].bits", OP_NUM, -1, NULL, BSQ_EFORMAT,
     E "features[0].bits: -1 is outside 0..8"},
    /* 0 bits is legal (not sent), but then the feature has no MLP input */
    {"features[0].bits", OP_NUM, 0, NULL, BSQ_EFORMAT,
     E "mlp.dims[0]: expected 22 (the number of thresholds), found 23"},
    {"features[0].bits", OP_NUM, 9, NULL, BSQ_EFORMAT,
     E "features[0].bits: 9 is outside 0..8"},
    {"features[0].bits", OP_NUM, 2, NULL, BSQ_EFORMAT,
     E "mlp.dims[0]: expected 25 (the number of thresholds), found 23"},
    {"features[0].width", OP_NUM, 0, NULL, BSQ_EFORMAT,
     E "features[0].width: 0 is outside 1..32"},
    {"features[0].width", OP_NUM, 33, NULL, BSQ_EFORMAT,
     E "features[0].width: 33 is outside 1..32"},
    {"features[1].signed", OP_NUM, 0, NULL, BSQ_EFORMAT,
     E "features[1].signed: missing or not a boolean"},
    {"features[0].name", OP_NUM, 1, NULL, BSQ_EFORMAT,
     E "features[0].name: missing or not a string"},
    {"features[2].scale", OP_STR, 0, "1", BSQ_EFORMAT,
     E "features[2].scale: missing or not a number"},
    {"features[2].scale", OP_NUM, -1, NULL, BSQ_EFORMAT,
     E "features[2].scale: -1 is not positive"},
    {"features[2].scale", OP_RAW, 0, "1e999", BSQ_EFORMAT,
     E "features[2].scale: not a finite number"},
    {"features[1].mu", OP_DEL, 0, NULL, BSQ_EFORMAT,
     E "features[1].mu: missing or not a number"},
    {"features[2].sigma", OP_NUM, 0, NULL, BSQ_EFORMAT,
     E "features[2].sigma: 0 is not positive"},
    {"features[2].thresholds", OP_POP, 0, NULL, BSQ_EFORMAT,
     E "features[2].thresholds: expected 15 values, found 14"},
    {"features[2].thresholds", OP_STR, 0, "x", BSQ_EFORMAT,
     E "features[2].thresholds: missing or not an array"},
    {"features[2].thresholds[5]", OP_NUM, 70000, NULL, BSQ_EFORMAT,
     E "features[2].thresholds[5]: 70000 is outside -1..65535"},
    {"features[2].thresholds[5]", OP_NUM, -1, NULL, BSQ_EFORMAT,
     E "features[2].thresholds: not sorted at index 5"},
    {"features[2].thresholds[5]", OP_NUM, 901.5, NULL, BSQ_EFORMAT,
     E "features[2].thresholds[5]: not an integer"},
    {"features[2].thresholds[14]", OP_NUM, 1352, NULL, BSQ_EFORMAT,
     E "features[2].thresholds[14]: does not match thresholds_float "
       "(expected 1351)"},
    {"features[2].perm", OP_POP, 0, NULL, BSQ_EFORMAT,
     E "features[2].perm: expected 15 values, found 14"},
    {"features[2].perm[0]", OP_NUM, 15, NULL, BSQ_EFORMAT,
     E "features[2].perm: not a permutation of 0..14"},
    {"features[2].perm[0]", OP_NUM, 13, NULL, BSQ_EFORMAT,
     E "features[2].perm: not a permutation of 0..14"},
    {"features[2].perm[3]", OP_STR, 0, "3", BSQ_EFORMAT,
     E "features[2].perm[3]: not an integer"},
    {"features[2].perm", OP_SWAP, 1, NULL, BSQ_EFORMAT,
     E "features[2].perm[1]: does not match thresholds_float (expected 13)"},
    {"features[2].thresholds_float", OP_POP, 0, NULL, BSQ_EFORMAT,
     E "features[2].thresholds_float: expected 15 values, found 14"},
    {"features[2].thresholds_float[3]", OP_STR, 0, "a", BSQ_EFORMAT,
     E "features[2].thresholds_float[3]: not a number"},
    {"features[2].thresholds_float[3]", OP_NUM, 1e300, NULL, BSQ_EFORMAT,
     E "features[2].thresholds_float[3]: 1e+300 does not fit a float"},
    {"features[2].thresholds_float[0]", OP_NUM, 3.0, NULL, BSQ_EFORMAT,
     E "features[2].thresholds[0]: does not match thresholds_float "
       "(expected 701)"},
    {"mlp", OP_DEL, 0, NULL, BSQ_EFORMAT, E "mlp: missing or not an object"},
    {"mlp.dims[0]", OP_NUM, 22, NULL, BSQ_EFORMAT,
     E "mlp.dims[0]: expected 23 (the number of thresholds), found 22"},
    {"mlp.dims[3]", OP_NUM, 2, NULL, BSQ_EFORMAT,
     E "mlp.dims[3]: expected 1, found 2"},
    {"mlp.dims[1]", OP_NUM, 0, NULL, BSQ_EFORMAT,
     E "mlp.dims[1]: 0 is outside 1..65536"},
    {"mlp.dims[1]", OP_NUM, 65537, NULL, BSQ_EFORMAT,
     E "mlp.dims[1]: 65537 is outside 1..65536"},
    {"mlp.dims", OP_RAW, 0, "[23]", BSQ_EFORMAT,
     E "mlp.dims: expected 2..17 values, found 1"},
    {"mlp.dims", OP_RAW, 0, "[23,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]",
     BSQ_EFORMAT, E "mlp.dims: expected 2..17 values, found 18"},
    {"mlp.layers", OP_POP, 0, NULL, BSQ_EFORMAT,
     E "mlp.layers: expected 3 values, found 2"},
    {"mlp.layers[1]", OP_RAW, 0, "[]", BSQ_EFORMAT,
     E "mlp.layers[1]: not an object"},
    {"mlp.layers[1].weight", OP_POP, 0, NULL, BSQ_EFORMAT,
     E "mlp.layers[1].weight: expected 4 rows, found 3"},
    {"mlp.layers[1].weight[2]", OP_POP, 0, NULL, BSQ_EFORMAT,
     E "mlp.layers[1].weight[2]: expected 5 values, found 4"},
    {"mlp.layers[1].weight[2]", OP_NUM, 1, NULL, BSQ_EFORMAT,
     E "mlp.layers[1].weight[2]: not an array"},
    {"mlp.layers[0].bias", OP_POP, 0, NULL, BSQ_EFORMAT,
     E "mlp.layers[0].bias: expected 5 values, found 4"},
    {"mlp.layers[0].weight[0][0]", OP_STR, 0, "w", BSQ_EFORMAT,
     E "mlp.layers[0].weight[0][0]: not a number"},
    {"mlp.layers[2].bias", OP_DEL, 0, NULL, BSQ_EFORMAT,
     E "mlp.layers[2].bias: missing or not an array"},
    {"training", OP_DEL, 0, NULL, BSQ_EFORMAT,
     E "training: missing or not an object"},
    {"training.method", OP_STR, 0, "0123456789abcdef", BSQ_EFORMAT,
     E "training.method: longer than 15 bytes"},
    {"training.seed", OP_NUM, -1, NULL, BSQ_EFORMAT,
     E "training.seed: -1 is outside 0..9007199254740992"},
    {"training.seed", OP_STR, 0, "12x", BSQ_EFORMAT,
     E "training.seed: \"12x\" is not a decimal integer"},
    {"training.seed", OP_STR, 0, "18446744073709551616", BSQ_EFORMAT,
     E "training.seed: 18446744073709551616 is outside "
       "0..18446744073709551615"},
    {"training.rows", OP_NUM, 1.5, NULL, BSQ_EFORMAT,
     E "training.rows: missing or not an integer"},
    {"training.best_epoch", OP_STR, 0, "5", BSQ_EFORMAT,
     E "training.best_epoch: missing or not an integer"},
    {"training.data", OP_DEL, 0, NULL, BSQ_EFORMAT,
     E "training.data: missing or not an object"},
    {"training.data.hash", OP_STR, 0, "xyz", BSQ_EFORMAT,
     E "training.data.hash: not 16 lowercase hex digits"},
    {"training.hyperparameters.bits", OP_POP, 0, NULL, BSQ_EFORMAT,
     E "training.hyperparameters.bits: expected 1 or 3 values, found 2"},
    {"training.hyperparameters.bits[0]", OP_NUM, 9, NULL, BSQ_EFORMAT,
     E "training.hyperparameters.bits[0]: 9 is outside 0..8"},
    {"training.hyperparameters.hidden[0]", OP_NUM, 0, NULL, BSQ_EFORMAT,
     E "training.hyperparameters.hidden[0]: 0 is outside 1..65536"},
    {"training.hyperparameters.hidden", OP_RAW, 0,
     "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]", BSQ_EFORMAT,
     E "training.hyperparameters.hidden: expected at most 15 values, found "
       "16"},
    {"training.hyperparameters.input_signed", OP_NUM, 1, NULL, BSQ_EFORMAT,
     E "training.hyperparameters.input_signed: missing or not a boolean"},
    {"training.hyperparameters.input_width", OP_NUM, 33, NULL, BSQ_EFORMAT,
     E "training.hyperparameters.input_width: 33 is outside 1..32"},
    {"training.hyperparameters.init", OP_STR, 0, "median", BSQ_EFORMAT,
     E "training.hyperparameters.init: \"median\" is not quantile or minmax"},
    {"training.hyperparameters.lr", OP_DEL, 0, NULL, BSQ_EFORMAT,
     E "training.hyperparameters.lr: missing or not a number"},
    {"training.hyperparameters.batch", OP_NUM, 0, NULL, BSQ_EFORMAT,
     E "training.hyperparameters.batch: 0 is outside 1..2147483647"},
    {"metrics", OP_DEL, 0, NULL, BSQ_EFORMAT,
     E "metrics: missing or not an object"},
    {"metrics.mse_test", OP_STR, 0, "x", BSQ_EFORMAT,
     E "metrics.mse_test: missing or not a number"},
};

START_TEST(test_modelio_rejects_each_bad_field_with_its_path) {
  bsq_model m, l;
  make_model(&m);
  char *text = bsq_model_to_json(&m);
  char hash[20];
  snprintf(hash, sizeof hash, "%016llx",
           (unsigned long long)bsq_model_hash(&m));

  /* the unmutated, re-printed text loads: the table tests one change each */
  cJSON *root = cJSON_Parse(text);
  rawify(root);
  char *out = cJSON_Print(root);
  bsq_diag d = {{0}};
  int rc = bsq_model_from_json(&l, out, strlen(out), "m.json", &d);
  ck_assert_msg(rc == BSQ_OK, "baseline: %s", d.msg);
  bsq_model_free(&l);
  cJSON_Delete(root);
  free(out);

  for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++) {
    const mutation *mu = &mutations[i];
    root = cJSON_Parse(text);
    ck_assert_ptr_nonnull(root);
    rawify(root);
    mutate(root, mu);
    out = cJSON_Print(root);
    ck_assert_ptr_nonnull(out);
    char want[512];
    snprintf(want, sizeof want, mu->msg, hash);
    memset(&d, 0, sizeof d);
    rc = bsq_model_from_json(&l, out, strlen(out), "m.json", &d);
    /* a content change: the file's hash is right, the content's is not */
    if (mu->msg[strlen(mu->msg) - 1] == ' ') /* prefix only */
      ck_assert_msg(strncmp(d.msg, want, strlen(want)) == 0,
                    "row %zu (%s): got \"%s\", want prefix \"%s\"", i, mu->path,
                    d.msg, want);
    else
      ck_assert_msg(strcmp(d.msg, want) == 0,
                    "row %zu (%s): got \"%s\", want \"%s\"", i, mu->path, d.msg,
                    want);
    ck_assert_msg(rc == mu->rc, "row %zu (%s): rc %d (%s), want %d", i,
                  mu->path, rc, bsq_strerror(rc), mu->rc);
    assert_zeroed(&l);
    cJSON_Delete(root);
    free(out);
  }
  free(text);
  bsq_model_free(&m);
}
END_TEST

/* "m.json:LINE:COL: not valid JSON (byte AT)" for byte `at` of text. */
static void json_error_msg(char *want, size_t n, const char *text, size_t at) {
  long long line = 1, col = 1;
  for (size_t i = 0; i < at; i++, col++)
    if (text[i] == '\n') line++, col = 0;
  snprintf(want, n, "m.json:%lld:%lld: not valid JSON (byte %zu)", line, col,
           at);
}

START_TEST(test_modelio_rejects_bad_json) {
  bsq_model m, l;
  bsq_diag d = {{0}};
  make_model(&m);
  char *text = bsq_model_to_json(&m);
  size_t n = strlen(text), cut = n / 2;
  char want[256];

  /* truncated file */
  int rc = bsq_model_from_json(&l, text, cut, "m.json", &d);
  ck_assert_int_eq(rc, BSQ_EPARSE);
  json_error_msg(want, sizeof want, text, cut - 1);
  ck_assert_ptr_nonnull(strstr(want, "m.json:"));
  ck_assert_str_eq(d.msg, want);
  assert_zeroed(&l);

  /* trailing garbage after the value */
  char *tail = malloc(n + 8);
  memcpy(tail, text, n);
  memcpy(tail + n, "  x", 4);
  rc = bsq_model_from_json(&l, tail, n + 3, "m.json", &d);
  ck_assert_int_eq(rc, BSQ_EPARSE);
  json_error_msg(want, sizeof want, tail, n + 2);
  ck_assert_str_eq(d.msg, want);
  assert_zeroed(&l);
  free(tail);

  static const struct {
    const char *text;
    int rc;
    const char *msg;
  } rows[] = {
      {"", BSQ_EPARSE, "m.json:1:1: not valid JSON (byte 0)"},
      {"{\"format\": \"bsq-model\",, }", BSQ_EPARSE,
       "m.json:1:25: not valid JSON (byte 24)"},
      {"[]", BSQ_EFORMAT, "m.json: not a bsq model file (format)"},
      {"null", BSQ_EFORMAT, "m.json: not a bsq model file (format)"},
      {"{\"format\": \"bsq-model\", \"version\": 3}", BSQ_EVERSION,
       "m.json: version 3 is newer than this bsq (supports 1)"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    rc = bsq_model_from_json(&l, rows[i].text, strlen(rows[i].text), "m.json",
                             &d);
    ck_assert_msg(rc == rows[i].rc, "row %zu: rc %d", i, rc);
    ck_assert_str_eq(d.msg, rows[i].msg);
    assert_zeroed(&l);
  }
  free(text);
  bsq_model_free(&m);
}
END_TEST

START_TEST(test_modelio_rejects_too_many_features) {
  bsq_model l;
  bsq_diag d = {{0}};
  size_t cap = 256 + 3 * (BSQ_MAX_FEATURES + 1);
  char *s = malloc(cap);
  ck_assert_ptr_nonnull(s);
  int n =
      snprintf(s, cap,
               "{\"format\": \"bsq-model\", \"version\": 1, \"generator\": "
               "\"x\", \"hash\": \"0000000000000000\", \"target\": "
               "{\"name\": \"y\", \"mu\": 0, \"sigma\": 1}, \"features\": [");
  for (int f = 0; f <= BSQ_MAX_FEATURES; f++)
    n += snprintf(s + n, cap - (size_t)n, "%s{}", f ? "," : "");
  strcpy(s + n, "]}");
  int rc = bsq_model_from_json(&l, s, strlen(s), "m.json", &d);
  ck_assert_int_eq(rc, BSQ_EFORMAT);
  ck_assert_str_eq(d.msg, "m.json: features: 1025 entries, at most 1024");
  assert_zeroed(&l);
  free(s);
}
END_TEST

START_TEST(test_modelio_load_reports_unreadable_file) {
  bsq_model l;
  bsq_diag d = {{0}};
  char *dir = tu_tmpdir("modelio");
  char *path = join(dir, "absent.json");
  ck_assert_int_eq(bsq_model_load(&l, path, &d), BSQ_EIO);
  char want[600];
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
           path);
  ck_assert_str_eq(d.msg, want);
  assert_zeroed(&l);

  /* a file's own name appears in its messages */
  char *bad = tu_write(dir, "bad.json", "{\"format\": \"other\"}");
  ck_assert_int_eq(bsq_model_load(&l, bad, &d), BSQ_EFORMAT);
  snprintf(want, sizeof want, "%s: not a bsq model file (format)", bad);
  ck_assert_str_eq(d.msg, want);
  assert_zeroed(&l);
  remove(bad);
  free(bad);
  free(path);
  free(dir);
}
END_TEST

START_TEST(test_modelio_save_to_missing_dir_leaves_nothing) {
  bsq_model m;
  bsq_diag d = {{0}};
  make_model(&m);
  char *dir = tu_tmpdir("modelio");
  char *sub = join(dir, "no-such-dir");
  char *path = join(sub, "m.json");
  ck_assert_int_eq(bsq_model_save(&m, path, &d), BSQ_EIO);
  char want[600];
  snprintf(want, sizeof want, "%s: cannot write: No such file or directory",
           path);
  ck_assert_str_eq(d.msg, want);
  ck_assert(!tu_exists(path));
  ck_assert(!tu_exists(sub));
  ck_assert_int_eq(count_tmp(dir), 0);
  free(path);
  free(sub);
  free(dir);
  bsq_model_free(&m);
}
END_TEST

START_TEST(test_modelio_failed_save_keeps_the_old_file) {
  bsq_model m;
  bsq_diag d = {{0}};
  make_model(&m);
  m.W[1][7] = NAN; /* JSON cannot hold it: refused before anything is written */
  char *dir = tu_tmpdir("modelio");
  char *path = tu_write(dir, "m.json", "old contents\n");
  ck_assert_int_eq(bsq_model_save(&m, path, &d), BSQ_EINVAL);
  char want[600];
  snprintf(want, sizeof want,
           "%s: cannot save: mlp.layers[1].weight[1][2]: not a finite number",
           path);
  ck_assert_str_eq(d.msg, want);
  ck_assert_ptr_null(bsq_model_to_json(&m));
  char *got = tu_read(path, NULL);
  ck_assert_str_eq(got, "old contents\n");
  ck_assert_int_eq(count_tmp(dir), 0);
  remove(path);
  free(got);
  free(path);
  free(dir);
  bsq_model_free(&m);
}
END_TEST

Suite *modelio_suite(void); /* called by check_main.c */

Suite *modelio_suite(void) {
  Suite *s = suite_create("modelio");
  TCase *core = tcase_create("Core");
  tcase_add_test(core, test_modelio_round_trip_is_bit_exact);
  tcase_add_test(core, test_modelio_output_is_deterministic);
  tcase_add_test(core, test_modelio_writes_the_documented_fields);
  tcase_add_test(core, test_modelio_big_seed_and_unmeasured_metrics_round_trip);
  tcase_add_test(core, test_modelio_ignores_unknown_fields);
  tcase_add_test(core, test_modelio_save_replaces_an_existing_file);
  suite_add_tcase(s, core);
  TCase *errors = tcase_create("Errors");
  tcase_add_test(errors, test_modelio_rejects_each_bad_field_with_its_path);
  tcase_add_test(errors, test_modelio_rejects_bad_json);
  tcase_add_test(errors, test_modelio_rejects_too_many_features);
  tcase_add_test(errors, test_modelio_load_reports_unreadable_file);
  tcase_add_test(errors, test_modelio_save_to_missing_dir_leaves_nothing);
  tcase_add_test(errors, test_modelio_failed_save_keeps_the_old_file);
  suite_add_tcase(s, errors);
  return s;
}
