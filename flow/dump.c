/* bsq — the export of one training's starting point (dump.h). */
#include "dump.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>


static const char *dump_path(bsq_dump *u, const char *name) {
  snprintf(u->path, sizeof u->path, "%s/%s", u->dir, name);
  return u->path;
}

static void put_floats(FILE *f, const char *key, const float *v, size_t n,
                       int last) {
  fprintf(f, "  \"%s\": [", key);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%.9g", i ? ", " : "", (double)v[i]);
  fprintf(f, "]%s\n", last ? "" : ",");
}

static void put_ints(FILE *f, const char *key, const int *v, int n, int last) {
  fprintf(f, "  \"%s\": [", key);
  for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", v[i]);
  fprintf(f, "]%s\n", last ? "" : ",");
}

static void dump_init(const bsq_model *m, const bsq_split *s, void *user) {
  bsq_dump *u = user;
  FILE *f = u->init.fp;
  const bsq_train_cfg *c = &m->cfg;
  fprintf(f, "{\n  \"method\": \"%s\",\n  \"input\": \"%s\",\n",
          bsq_method_name(c->method), bsq_input_name(m->input));
  fprintf(f, "  \"rows\": %d,\n  \"F\": %d,\n  \"D\": %d,\n", u->d->rows,
          m->F, m->enc.D);
  fprintf(f, "  \"epochs\": %d,\n  \"batch\": %d,\n  \"lr\": %.9g,\n"
             "  \"tau_decay\": %.9g,\n  \"dropout\": %.9g,\n"
             "  \"weight_decay\": %.9g,\n",
          c->epochs, c->batch, (double)c->lr, (double)c->tau_decay,
          (double)c->dropout, (double)c->weight_decay);
  fprintf(f, "  \"y_mu\": %.17g,\n  \"y_sigma\": %.17g,\n", m->y_mu,
          m->y_sigma);
  fprintf(f, "  \"mu\": [");
  for (int i = 0; i < m->F; i++) fprintf(f, "%s%.17g", i ? ", " : "", m->mu[i]);
  fprintf(f, "],\n  \"sigma\": [");
  for (int i = 0; i < m->F; i++)
    fprintf(f, "%s%.17g", i ? ", " : "", m->sigma[i]);
  fprintf(f, "],\n  \"formats\": [");
  for (int i = 0; i < m->F; i++)
    fprintf(f, "%s{\"offset\": %.17g, \"scale\": %.17g, \"lo\": %lld, "
               "\"hi\": %lld}",
            i ? ", " : "", m->enc.fmt[i].offset, m->enc.fmt[i].scale,
            (long long)bsq_format_lo(&m->enc.fmt[i]),
            (long long)bsq_format_hi(&m->enc.fmt[i]));
  fprintf(f, "],\n");
  put_ints(f, "bits", m->enc.bits, m->F, 0);
  put_ints(f, "feat_of", m->feat_of, m->enc.D, 0);
  put_ints(f, "dims", m->dims, m->L + 1, 0);
  put_floats(f, "thresholds", m->thr, (size_t)m->enc.D, 0);
  fprintf(f, "  \"layers\": [\n");
  for (int l = 0; l < m->L; l++) {
    fprintf(f, "  {\n");
    put_floats(f, "weight", m->W[l], (size_t)m->dims[l] * (size_t)m->dims[l + 1],
               0);
    put_floats(f, "bias", m->b[l], (size_t)m->dims[l + 1], 1);
    fprintf(f, "  }%s\n", l + 1 < m->L ? "," : "");
  }
  fprintf(f, "  ],\n");
  put_ints(f, "train", s->train, s->n_train, 0);
  put_ints(f, "val", s->val, s->n_val, 0);
  put_ints(f, "test", s->test, s->n_test, 1);
  fprintf(f, "}\n");
  /* the data itself: friedman1 is generated, so a reference cannot
   * re-read it from a file */
  FILE *g = u->data.fp;
  size_t nx = (size_t)u->d->rows * (size_t)u->d->F;
  if (fwrite(u->d->x, sizeof(double), nx, g) != nx ||
      fwrite(u->d->y, sizeof(double), (size_t)u->d->rows, g) !=
          (size_t)u->d->rows)
    u->ok = 0;
}

static void dump_batch(int epoch, int batch, const int *rows, int n,
                       double loss, void *user) {
  bsq_dump *u = user;
  for (int i = 0; i < n; i++) {
    int32_t r = rows[i];
    if (fwrite(&r, sizeof r, 1, u->batches.fp) != 1) u->ok = 0;
  }
  fprintf(u->losses.fp, "%d,%d,%.9g\n", epoch, batch, loss);
}

static void dump_progress(const bsq_progress *p, void *user) {
  bsq_dump *u = user;
  fprintf(u->epochs.fp, "%d,%.9g,%.9g,%.9g\n", p->epoch, p->train_loss,
          p->val_mse, p->tau);
  if (u->progress) u->progress(p, u->user);
}

int bsq_dump_open(bsq_dump *u, const char *dir, const bsq_dataset *d,
                  bsq_progress_fn progress, void *user, bsq_diag *diag) {
  memset(u, 0, sizeof *u);
  u->dir = dir;
  u->d = d;
  u->progress = progress;
  u->user = user;
  bsq_atomic_file *fs[5] = {&u->init, &u->data, &u->batches, &u->losses,
                            &u->epochs};
  const char *names[5] = {"init.json", "data.bin", "batches.bin",
                          "losses.csv", "epochs.csv"};
  for (int i = 0; i < 5; i++) {
    if (bsq_atomic_open(fs[i], dump_path(u, names[i]), diag)) {
      for (int j = 0; j < i; j++) bsq_atomic_close(fs[j], 0, NULL);
      return BSQ_EIO;
    }
  }
  fprintf(u->losses.fp, "epoch,batch,loss\n");
  fprintf(u->epochs.fp, "epoch,train_loss,val_mse,tau\n");
  u->ok = 1;
  return BSQ_OK;
}

bsq_train_hooks bsq_dump_hooks(bsq_dump *u) {
  return (bsq_train_hooks){dump_progress, dump_init, dump_batch, u};
}

int bsq_dump_close(bsq_dump *u, int ok, bsq_diag *diag) {
  bsq_atomic_file *fs[5] = {&u->init, &u->data, &u->batches, &u->losses,
                            &u->epochs};
  int rc = BSQ_OK;
  for (int i = 0; i < 5; i++) /* every file closed; the first error told */
    if (bsq_atomic_close(fs[i], ok && u->ok, rc == BSQ_OK ? diag : NULL) &&
        rc == BSQ_OK)
      rc = BSQ_EIO;
  return rc;
}
