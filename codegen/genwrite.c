/* bsq — writing a generated design into a directory (only the files whose
 * content changed), and reading back the parameters of one written
 * earlier (see gen.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "sync.h"
#include "util.h"

/* Writes text to dir/file unless it already holds exactly that. */
static int write_if_changed(const char *dir, const char *file, const char *text,
                            int *nwritten, bsq_diag *diag) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int written = 0;
  int rc = bsq_write_if_changed(path, text, strlen(text), &written, diag);
  if (rc == BSQ_OK && nwritten) *nwritten += written;
  return rc;
}

int bsq_gen_write(const bsq_design *d, const char *rtl_dir, const char *dir,
                  int *nwritten, bsq_diag *diag) {
  if (nwritten) *nwritten = 0;
  int rc = bsq_mkdir_p(dir, diag);
  if (rc) return rc;
  char file[128];
  char *packer = NULL;
  snprintf(file, sizeof file, "%s", "bsq_packer.v");
  char src[4096];
  if (snprintf(src, sizeof src, "%s/%s", rtl_dir, file) >= (int)sizeof src)
    return bsq_diag_set(diag, BSQ_EINVAL, "%s: path too long", rtl_dir);
  rc = bsq_read_file(src, &packer, NULL, diag);
  if (rc) return rc;
  char *framer = NULL; /* with frame sync only */
  if (d->opt.sync) {
    if (snprintf(src, sizeof src, "%s/bsq_framer.v", rtl_dir) >= (int)sizeof src)
      rc = bsq_diag_set(diag, BSQ_EINVAL, "%s: path too long", rtl_dir);
    else
      rc = bsq_read_file(src, &framer, NULL, diag);
    if (rc) {
      free(packer);
      return rc;
    }
  }
  char *texts[3] = {bsq_emit_top(d), bsq_emit_quant(d), bsq_emit_c_header(d)};
  const char *suffix[3] = {"_encoder.v", "_quant.v", "_encoder.h"};
  for (int i = 0; i < 3 && rc == BSQ_OK; i++) {
    if (!texts[i]) {
      rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
      break;
    }
    snprintf(file, sizeof file, "%s%s", d->opt.name, suffix[i]);
    rc = write_if_changed(dir, file, texts[i], nwritten, diag);
  }
  if (rc == BSQ_OK)
    rc = write_if_changed(dir, "bsq_packer.v", packer, nwritten, diag);
  if (rc == BSQ_OK && framer)
    rc = write_if_changed(dir, "bsq_framer.v", framer, nwritten, diag);
  for (int i = 0; i < 3; i++) free(texts[i]);
  free(packer);
  free(framer);
  return rc;
}

/* Names in dir ending in suffix, sorted (malloc'ed). */
static int list_dir(const char *dir, const char *suffix, char ***out, int *n) {
  *out = NULL;
  *n = 0;
  DIR *dp = opendir(dir);
  if (!dp) return -1;
  struct dirent *de;
  size_t sl = strlen(suffix);
  int cap = 0;
  while ((de = readdir(dp)) != NULL) {
    size_t l = strlen(de->d_name);
    if (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0) continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 8;
      char **grown = realloc(*out, (size_t)cap * sizeof *grown);
      if (!grown) break;
      *out = grown;
    }
    char *copy = malloc(l + 1);
    if (!copy) break;
    memcpy(copy, de->d_name, l + 1);
    (*out)[(*n)++] = copy;
  }
  closedir(dp);
  for (int i = 1; i < *n; i++) /* insertion sort: few files */
    for (int j = i; j > 0 && strcmp((*out)[j - 1], (*out)[j]) > 0; j--) {
      char *t = (*out)[j];
      (*out)[j] = (*out)[j - 1];
      (*out)[j - 1] = t;
    }
  return 0;
}

int bsq_gen_read_params(const char *dir, bsq_gen_opts *o, char *hash_hex,
                        bsq_diag *diag) {
  bsq_gen_opts_default(o);
  int rc = bsq_diag_set(diag, BSQ_EFORMAT,
                        "%s: no generated *_encoder.v with a '" BSQ_GEN_PARAMS_MARK
                        "' line",
                        dir);
  char **files = NULL;
  int nf = 0;
  if (list_dir(dir, "_encoder.v", &files, &nf) != 0) return rc;
  for (int i = 0; i < nf && rc != BSQ_OK; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    char *text = NULL;
    if (bsq_read_file(path, &text, NULL, NULL) != BSQ_OK) continue;
    char *mark = strstr(text, BSQ_GEN_PARAMS_MARK);
    if (mark) {
      char name[BSQ_GEN_NAME_MAX + 2], arch[16], mode[16], hash[17];
      int k;
      if (sscanf(mark, BSQ_GEN_PARAMS_MARK " name=%49s arch=%15s word_bits=%d "
                                   "mode=%15s model=%16s",
                 name, arch, &k, mode, hash) == 5 &&
          !bsq_gen_name_check(name) && !bsq_arch_parse(arch, &o->arch) &&
          !bsq_mode_parse(mode, &o->mode) && k >= 1 && k <= BSQ_MAX_WORD) {
        memcpy(o->name, name, strlen(name) + 1); /* checked: fits */
        o->word_bits = k;
        /* optional RTL choices, on the same line after model= */
        char *eol = strchr(mark, '\n');
        if (eol) *eol = '\0';
        if (strstr(mark, " pipeline=0")) o->pipeline = 0;
        if (strstr(mark, " datapath_reset=off")) o->datapath_reset = 0;
        if (strstr(mark, " reset_sync=on")) o->reset_sync = 1;
        if (strstr(mark, " byte_tdata=on")) o->byte_tdata = 1;
        const char *sy = strstr(mark, " sync=");
        if (sy) {
          int n = 0;
          if (sscanf(sy, " sync=%d", &n) != 1 || n < 1 ||
              n > BSQ_SYNC_MAX_GROUP) {
            rc = bsq_diag_set(diag, BSQ_EFORMAT,
                              "%s: bad sync= on its '" BSQ_GEN_PARAMS_MARK
                              "' line (1..%d)",
                              path, BSQ_SYNC_MAX_GROUP);
            free(text);
            break;
          }
          o->sync = n;
        }
        if (hash_hex) snprintf(hash_hex, 17, "%s", hash);
        rc = BSQ_OK;
      }
    }
    free(text);
  }
  for (int i = 0; i < nf; i++) free(files[i]);
  free(files);
  return rc;
}
