/* bsq — the generator: description (bsq_design_build), then printing
 * (emit_*; the C header in cheader.c); writing the files is genwrite.c.
 * See gen.h.
 *
 * Legend: F features, b_f bits of feature f, n_f = 2^b_f - 1 thresholds,
 * W_f input code width, B = sum b_f frame bits, K output word bits,
 * S quantizer register stages (flash 2, search max b_f).
 */
#include "gen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "serial_gen.h"
#include "sync.h"
#include "util.h"

/* ---- options ------------------------------------------------------------ */

const char *bsq_arch_name(bsq_arch a) {
  return a == BSQ_ARCH_SEARCH   ? "search"
         : a == BSQ_ARCH_SERIAL ? "serial"
                                : "flash";
}

int bsq_arch_parse(const char *s, bsq_arch *a) {
  if (s && !strcmp(s, "flash")) {
    *a = BSQ_ARCH_FLASH;
    return BSQ_OK;
  }
  if (s && !strcmp(s, "search")) {
    *a = BSQ_ARCH_SEARCH;
    return BSQ_OK;
  }
  if (s && !strcmp(s, "serial")) {
    *a = BSQ_ARCH_SERIAL;
    return BSQ_OK;
  }
  return BSQ_EINVAL;
}

void bsq_gen_opts_default(bsq_gen_opts *o) {
  memset(o, 0, sizeof *o);
  o->arch = BSQ_ARCH_FLASH;
  o->word_bits = 32;
  o->mode = BSQ_MODE_ALIGNED;
  strcpy(o->name, "bsq");
  o->pipeline = 1;
  o->datapath_reset = 1;
}

static int is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_digit(int c) { return c >= '0' && c <= '9'; }

int bsq_gen_name_check(const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > BSQ_GEN_NAME_MAX || !is_alpha(name[0])) return BSQ_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!is_alpha(name[i]) && !is_digit(name[i]) && name[i] != '_')
      return BSQ_EINVAL;
  /* lowRISC: no module names ending in _<digit> (they read as instances). */
  size_t i = n;
  while (i > 0 && is_digit(name[i - 1])) i--;
  if (i < n && i > 0 && name[i - 1] == '_') return BSQ_EINVAL;
  return BSQ_OK;
}

int bsq_gen_opts_set(bsq_gen_opts *o, const char *key, const char *value,
                     bsq_diag *diag) {
  if (!strcmp(key, "arch")) {
    if (bsq_arch_parse(value, &o->arch))
      return bsq_diag_set(diag, BSQ_EINVAL,
                          "arch must be flash, search or serial, not '%s'", value);
  } else if (!strcmp(key, "word-bits")) {
    char *end;
    long k = strtol(value, &end, 10);
    if (!*value || *end || k < 1 || k > BSQ_MAX_WORD)
      return bsq_diag_set(diag, BSQ_EINVAL, "word-bits must be 1..%d, not '%s'",
                          BSQ_MAX_WORD, value);
    o->word_bits = (int)k;
  } else if (!strcmp(key, "mode")) {
    if (bsq_mode_parse(value, &o->mode))
      return bsq_diag_set(diag, BSQ_EINVAL,
                          "mode must be continuous or aligned, not '%s'",
                          value);
  } else if (!strcmp(key, "name")) {
    if (bsq_gen_name_check(value))
      return bsq_diag_set(diag, BSQ_EINVAL,
                          "name must be an identifier [A-Za-z][A-Za-z0-9_]* "
                          "of at most %d characters, not ending in _<digits>, "
                          "not '%s'",
                          BSQ_GEN_NAME_MAX, value);
    memcpy(o->name, value, strlen(value) + 1);
  } else if (!strcmp(key, "pipeline")) {
    if (strcmp(value, "0") && strcmp(value, "1"))
      return bsq_diag_set(diag, BSQ_EINVAL, "pipeline must be 0 or 1, not '%s'",
                          value);
    o->pipeline = value[0] == '1';
  } else if (!strcmp(key, "datapath-reset")) {
    if (strcmp(value, "on") && strcmp(value, "off"))
      return bsq_diag_set(diag, BSQ_EINVAL,
                          "datapath-reset must be on or off, not '%s'", value);
    o->datapath_reset = !strcmp(value, "on");
  } else if (!strcmp(key, "reset-sync")) {
    if (strcmp(value, "on") && strcmp(value, "off"))
      return bsq_diag_set(diag, BSQ_EINVAL,
                          "reset-sync must be on or off, not '%s'", value);
    o->reset_sync = !strcmp(value, "on");
  } else if (!strcmp(key, "byte-tdata")) {
    if (strcmp(value, "on") && strcmp(value, "off"))
      return bsq_diag_set(diag, BSQ_EINVAL,
                          "byte-tdata must be on or off, not '%s'", value);
    o->byte_tdata = !strcmp(value, "on");
  } else if (!strcmp(key, "sync")) {
    char *end;
    long n = strtol(value, &end, 10);
    if (!*value || *end || n < 0 || n > BSQ_SYNC_MAX_GROUP)
      return bsq_diag_set(diag, BSQ_EINVAL,
                          "sync must be 0 (off) or a group of 1..%d frames, "
                          "not '%s'",
                          BSQ_SYNC_MAX_GROUP, value);
    o->sync = (int)n;
  } else {
    return bsq_diag_set(diag, BSQ_EINVAL, "%s: not a design option", key);
  }
  return BSQ_OK;
}

const char *bsq_gen_reset_name(const bsq_gen_opts *o) {
  return o->reset_sync ? "rst_n_s" : "rst_n";
}

void bsq_gen_emit_reset_sync(bsq_buf *b, const bsq_gen_opts *o) {
  if (!o->reset_sync) return;
  bsq_buf_printf(b,
                 "  // ---- reset synchronizer: rst_n_s falls with rst_n at "
                 "once (asynchronous\n"
                 "  // assert) and rises on the second rising clk edge after "
                 "rst_n rises\n"
                 "  // (synchronous release); every register below resets "
                 "on rst_n_s\n"
                 "  reg  [1:0] rst_sync_q;\n"
                 "  wire       rst_n_s;\n"
                 "  always @(posedge clk or negedge rst_n) begin\n"
                 "    if (!rst_n) rst_sync_q <= 2'b00;\n"
                 "    else        rst_sync_q <= {rst_sync_q[0], 1'b1};\n"
                 "  end\n"
                 "  assign rst_n_s = rst_sync_q[1];\n\n");
}

void bsq_gen_emit_sync_doc(bsq_buf *b, const bsq_design *d) {
  if (!d->opt.sync) return;
  int serial = d->opt.arch == BSQ_ARCH_SERIAL;
  bsq_buf_printf(
      b,
      "//\n"
      "// Frame sync (--sync %d, model/sync.h): the stream is a marker, then "
      "1..%d\n"
      "// frames, a marker, and so on. A marker is %d slot%s of %d bits "
      "(SYNC_MARKER,\n"
      "// %d bits: the CCSDS sync marker 1ACFFC1D, MSB first, repeated): the "
      "packer\n// takes a slot as a frame.\n"
      "// A group ends after %d frame%s or after a frame flagged "
      "s_axis_tuser\n"
      "// (flush), and the next marker follows at once, which pushes the "
      "group's last\n"
      "// bit out of the packer. The first marker follows the reset. "
      "s_axis_tuser is\n"
      "// sampled %s; while a marker goes out\n"
      "// (%d cycle%s) s_axis_tready is low once the pipeline is full. A "
      "receiver finds\n"
      "// the frames by the markers (bsq_sync_unpack, `bsq decode`).\n",
      d->opt.sync, d->opt.sync, d->sync_slots, d->sync_slots > 1 ? "s" : "",
      d->B, d->sync_slots * d->B, d->opt.sync,
      d->opt.sync > 1 ? "s" : "",
      serial ? "with the beat that carries s_axis_tlast (the frame's last\n"
               "// channel); a dropped frame's flag goes with it"
             : "with the frame's beat and travels with it",
      d->sync_slots, d->sync_slots > 1 ? "s" : "");
}

void bsq_gen_emit_flush_chain(bsq_buf *b, const bsq_design *d, const char *rn) {
  if (!d->opt.sync) return;
  int S = d->stages;
  bsq_buf_printf(b,
                 "  // ---- the flush flag (s_axis_tuser), beside its frame "
                 "through the input\n"
                 "  // register and the %d quantizer stage%s (advanced by en "
                 "as they are)\n",
                 S, S > 1 ? "s" : "");
  bsq_buf_printf(b, "  reg  [%d:0] flush_q;\n  wire [%d:0] flush_d;\n", S, S);
  if (S == 1)
    bsq_buf_printf(b, "  assign flush_d = en ? {flush_q[0], s_axis_tuser} : "
                      "flush_q;\n");
  else
    bsq_buf_printf(b, "  assign flush_d = en ? {flush_q[%d:0], s_axis_tuser} : "
                      "flush_q;\n", S - 1);
  bsq_buf_printf(b,
                 "  always @(posedge clk or negedge %s) begin\n"
                 "    if (!%s) flush_q <= %d'd0;\n"
                 "    else        flush_q <= flush_d;\n"
                 "  end\n"
                 "  assign q_flush = flush_q[%d];\n\n",
                 rn, rn, S + 1, S);
}

const char *bsq_gen_emit_gearbox(bsq_buf *b, const bsq_design *d,
                                 const char *rn) {
  const char *valid = "q_valid", *data = "q_levels";
  if (d->opt.sync) {
    valid = "fr_valid";
    data = "fr_data";
    bsq_buf_printf(b,
                   "  // ---- frame sync: a marker after reset and after each "
                   "group\n"
                   "  wire fr_valid;\n"
                   "  wire fr_ready;\n"
                   "  wire [%d:0] fr_data;\n"
                   "  bsq_framer #(\n"
                   "    .FrameBits (FRAME_BITS),\n"
                   "    .Group     (SYNC_GROUP),\n"
                   "    .Slots     (SYNC_SLOTS),\n"
                   "    .Marker    (SYNC_MARKER)\n"
                   "  ) u_framer (\n"
                   "    .clk       (clk),\n"
                   "    .rst_n     (%s),\n"
                   "    .in_valid  (q_valid),\n"
                   "    .in_ready  (fr_ready),\n"
                   "    .in_data   (q_levels),\n"
                   "    .in_flush  (q_flush),\n"
                   "    .out_valid (fr_valid),\n"
                   "    .out_ready (pk_ready),\n"
                   "    .out_data  (fr_data)\n"
                   "  );\n\n",
                   d->B - 1, rn);
  }
  bsq_buf_printf(b, "  // ---- gearbox\n"
                "  bsq_packer #(\n"
                "    .FrameBits (FRAME_BITS),\n"
                "    .WordBits  (WORD_BITS),\n"
                "    .Aligned   (ALIGNED)\n"
                "  ) u_packer (\n"
                "    .clk         (clk),\n"
                "    .rst_n       (%s),\n"
                "    .frame_valid (%s),\n"
                "    .frame_ready (pk_ready),\n"
                "    .frame_data  (%s),\n"
                "    .word_valid  (m_axis_tvalid),\n"
                "    .word_ready  (m_axis_tready),\n"
                "    .word_data   (%s),\n"
                "    .word_last   (m_axis_tlast)\n"
                "  );\n\n", rn, valid, data,
                bsq_gen_pad_bits(d->K, d->opt.byte_tdata) ? "pk_word" : "m_axis_tdata");
  int pad = bsq_gen_pad_bits(d->K, d->opt.byte_tdata);
  if (pad)
    bsq_buf_printf(b, "  // --byte-tdata: m_axis_tdata's pad (%d bit%s above the "
                      "word) is zero\n"
                      "  assign m_axis_tdata = {%d'd0, pk_word};\n\n",
                   pad, pad > 1 ? "s" : "", pad);
  return d->opt.sync ? "fr_ready" : "pk_ready";
}

int bsq_gen_pad_bits(int bits, int byte_tdata) {
  return byte_tdata ? (8 - bits % 8) % 8 : 0;
}

void bsq_gen_emit_tdata_pad(bsq_buf *b, const bsq_design *d, int in_bits) {
  int pin = bsq_gen_pad_bits(in_bits, d->opt.byte_tdata);
  int pout = bsq_gen_pad_bits(d->K, d->opt.byte_tdata);
  if (pout) bsq_buf_printf(b, "  wire [%d:0] pk_word;\n", d->K - 1);
  if (pin)
    bsq_buf_printf(b, "  // --byte-tdata: s_axis_tdata's pad (%d bit%s above the "
                      "codes) is read by nothing\n"
                      "  wire unused_tdata_pad;\n"
                      "  assign unused_tdata_pad = ^s_axis_tdata[%d:%d];\n",
                   pin, pin > 1 ? "s" : "", in_bits + pin - 1, in_bits);
  if (pin || pout) bsq_buf_printf(b, "\n");
}

void bsq_gen_emit_sync_params(bsq_buf *b, const bsq_design *d) {
  if (!d->opt.sync) return;
  bsq_buf_printf(b,
                 "  localparam integer SYNC_GROUP = %d;\n"
                 "  localparam integer SYNC_SLOTS = %d;\n"
                 "  localparam [%d:0] SYNC_MARKER = %s;\n",
                 d->opt.sync, d->sync_slots, d->sync_slots * d->B - 1,
                 d->sync_marker);
}

/* ---- description ---------------------------------------------------------- */

/* A sized Verilog literal of v at width w: unsigned 12'd1875; signed
 * 12'sd5, -12'sd5, and the most negative value as its bit pattern 12'sh800
 * (its magnitude does not fit the width). */
void bsq_gen_lit(char *out, size_t cap, int64_t v, int w, int is_signed) {
  if (!is_signed) {
    snprintf(out, cap, "%d'd%" PRIu64, w, (uint64_t)v);
  } else if (v >= 0) {
    snprintf(out, cap, "%d'sd%" PRId64, w, v);
  } else if (-v < ((int64_t)1 << (w - 1))) {
    snprintf(out, cap, "-%d'sd%" PRId64, w, -v);
  } else {
    uint64_t pat = (uint64_t)v & (w >= 64 ? ~0ULL : ((1ULL << w) - 1));
    snprintf(out, cap, "%d'sh%" PRIx64, w, pat);
  }
}

/* Feature names go into // and C comments: printable ASCII only, no
 * backslash (line splice), no comment terminator. */
static void escape_name(char *out, size_t cap, const char *s) {
  size_t j = 0;
  if (!s) s = "";
  for (size_t i = 0; s[i] && j + 2 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c > 0x7e || c == '\\') c = '?';
    if (c == '/' && s[i + 1] == '*') c = '?';
    if (c == '*' && s[i + 1] == '/') c = '?';
    out[j++] = (char)c;
  }
  out[j] = '\0';
}

void bsq_design_free(bsq_design *d) {
  bsq_serial_design_free(d->ser);
  free(d->sync_marker);
  if (d->feat)
    for (int f = 0; f < d->F; f++) free(d->feat[f].thr);
  free(d->feat);
  memset(d, 0, sizeof *d);
}

/* Sorted index compared at stage s for prefix p (the s level bits already
 * decided): the middle of the remaining block of 2^(b-s) - 1 thresholds. */
static int search_index(int b, int s, int p) {
  return p * (1 << (b - s)) + (1 << (b - s - 1)) - 1;
}

/* The frame sync marker of M slots of B bits, as the C model defines it
 * (bsq_sync_marker_slot), as one sized hex literal: slot i in bits
 * i*B .. i*B+B-1, the framer's Marker parameter. */
static int build_marker(bsq_design *d) {
  int B = d->B, M = bsq_sync_marker_slots(B, d->K), bits = M * B;
  uint8_t *all = calloc((size_t)(bits + 7) / 8, 1);
  uint8_t *slot = calloc((size_t)(B + 7) / 8, 1);
  int digits = (bits + 3) / 4;
  /* "bits'h" and the digits */
  d->sync_marker = malloc((size_t)digits + 16);
  if (!all || !slot || !d->sync_marker) {
    free(all);
    free(slot);
    return BSQ_ENOMEM;
  }
  for (int i = 0; i < M; i++) {
    memset(slot, 0, (size_t)(B + 7) / 8);
    bsq_sync_marker_slot(B, d->K, i, slot);
    for (int j = 0; j < B; j++)
      if ((slot[j >> 3] >> (j & 7)) & 1) {
        int k = i * B + j;
        all[k >> 3] = (uint8_t)(all[k >> 3] | (1u << (k & 7)));
      }
  }
  char *p = d->sync_marker + sprintf(d->sync_marker, "%d'h", bits);
  for (int dg = digits - 1; dg >= 0; dg--) {
    int v = 0;
    for (int k = 3; k >= 0; k--) {
      int bit = dg * 4 + k;
      v = (v << 1) | (bit < bits ? (all[bit >> 3] >> (bit & 7)) & 1 : 0);
    }
    *p++ = "0123456789abcdef"[v];
  }
  *p = '\0';
  d->sync_slots = M;
  free(all);
  free(slot);
  return BSQ_OK;
}

int bsq_design_build(bsq_design *d, const bsq_model *m, const bsq_gen_opts *o,
                     bsq_diag *diag) {
  memset(d, 0, sizeof *d);
  const bsq_encoder *e = &m->enc;
  if (o->word_bits < 1 || o->word_bits > BSQ_MAX_WORD)
    return bsq_diag_set(diag, BSQ_EINVAL, "word bits %d not in 1..%d",
                        o->word_bits, BSQ_MAX_WORD);
  if (bsq_gen_name_check(o->name))
    return bsq_diag_set(diag, BSQ_EINVAL, "bad design name '%s'", o->name);
  if (o->arch != BSQ_ARCH_FLASH && o->arch != BSQ_ARCH_SEARCH &&
      o->arch != BSQ_ARCH_SERIAL)
    return bsq_diag_set(diag, BSQ_EINVAL, "bad architecture");
  if (o->sync < 0 || o->sync > BSQ_SYNC_MAX_GROUP)
    return bsq_diag_set(diag, BSQ_EINVAL, "sync group %d not in 0..%d",
                        o->sync, BSQ_SYNC_MAX_GROUP);
  if (o->mode != BSQ_MODE_CONTINUOUS && o->mode != BSQ_MODE_ALIGNED)
    return bsq_diag_set(diag, BSQ_EINVAL, "bad stream mode");
  d->opt = *o;
  d->F = e->F;
  d->B = e->B;
  d->K = o->word_bits;
  d->words_per_frame = (d->B + d->K - 1) / d->K;
  d->hash = bsq_model_hash(m);
  snprintf(d->hash_hex, sizeof d->hash_hex, "%016" PRIx64, d->hash);
  d->feat = calloc((size_t)d->F, sizeof *d->feat);
  if (!d->feat) goto oom;
  int in_lsb = 0, out_lsb = 0, maxb = 1;
  for (int f = 0; f < d->F; f++) {
    bsq_gen_feat *g = &d->feat[f];
    const bsq_format *fmt = &e->fmt[f];
    g->index = f;
    escape_name(g->name, sizeof g->name, m->names ? m->names[f] : NULL);
    g->bits = e->bits[f];
    g->width = fmt->width;
    g->is_signed = fmt->is_signed != 0;
    g->n = e->toff[f + 1] - e->toff[f];
    g->lo = bsq_format_lo(fmt);
    g->hi = bsq_format_hi(fmt);
    g->offset = fmt->offset;
    g->scale = fmt->scale;
    g->from = m->fmt_from ? m->fmt_from[f] : BSQ_FMT_FIT;
    if (m->unit) memcpy(g->unit, m->unit[f], sizeof g->unit);
    if (g->width < 1 || g->width > BSQ_MAX_WIDTH) {
      bsq_design_free(d);
      return bsq_diag_set(diag, BSQ_EINVAL, "feature %d: width %d not in 1..%d",
                          f, fmt->width, BSQ_MAX_WIDTH);
    }
    g->in_lsb = in_lsb;
    g->out_lsb = out_lsb;
    in_lsb += g->width;
    out_lsb += g->bits;
    if (g->bits > maxb) maxb = g->bits;
    if (g->lo - 1 < INT32_MIN || g->hi > INT32_MAX) d->c_wide = 1;
    g->thr = calloc((size_t)g->n, sizeof *g->thr);
    if (!g->thr) goto oom;
    for (int j = 0; j < g->n; j++) {
      bsq_gen_thr *t = &g->thr[j];
      int di = e->toff[f] + j;
      t->T = e->T[di];
      t->trained = e->perm[di];
      if (t->T < g->lo - 1 || t->T > g->hi || (j > 0 && t->T < e->T[di - 1])) {
        bsq_design_free(d);
        return bsq_diag_set(diag, BSQ_EINVAL,
                            "feature %d: threshold %d (%" PRId64
                            ") out of range or not sorted",
                            f, j, e->T[di]);
      }
      t->kind = t->T < g->lo    ? BSQ_CMP_ALWAYS
                : t->T >= g->hi ? BSQ_CMP_NEVER
                                : BSQ_CMP_LIT;
      if (t->kind != BSQ_CMP_ALWAYS) /* never exceeded: T = hi, in range */
        bsq_gen_lit(t->lit, sizeof t->lit, t->T, g->width, g->is_signed);
      bsq_gen_lit(t->lit_wide, sizeof t->lit_wide, t->T, g->width + 1, 1);
      double t_phys = (double)m->thr[e->toff[f] + t->trained] * m->sigma[f] +
                      m->mu[f];
      snprintf(t->phys, sizeof t->phys, "%.9g", t_phys);
      if (t->kind == BSQ_CMP_LIT) g->code_used = 1;
    }
    /* Search stages: stage s decides level bit b-1-s. */
    for (int s = 0; s < g->bits; s++) {
      bsq_gen_stage *st = &g->stage[s];
      st->constant = 1;
      for (int p = 0; p < (1 << s); p++) {
        const bsq_gen_thr *t = &g->thr[search_index(g->bits, s, p)];
        if (t->kind == BSQ_CMP_ALWAYS) st->wide = 1;
        if (t->kind == BSQ_CMP_LIT) st->constant = 0;
      }
      if (st->constant) st->wide = 0;
      st->uses_x = !st->constant;
    }
    for (int s = g->bits - 1; s >= 0; s--)
      g->stage[s].needs_x =
          g->stage[s].uses_x || (s + 1 < g->bits && g->stage[s + 1].needs_x);
  }
  d->in_bits = in_lsb;
  /* serial: its S = max b_f stages whatever the pipeline choice */
  d->stages = o->arch == BSQ_ARCH_FLASH ? 1 + (o->pipeline != 0)
              : o->pipeline || o->arch == BSQ_ARCH_SERIAL ? maxb
                                                          : 1;
  if (o->arch == BSQ_ARCH_SERIAL &&
      (d->ser = bsq_serial_design_build(d, e)) == NULL)
    goto oom;
  if (o->sync > 0 && build_marker(d) != BSQ_OK) goto oom;
  return BSQ_OK;
oom:
  bsq_design_free(d);
  return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
}

/* ---- printing: Verilog ---------------------------------------------------- */

static void emit_header(bsq_buf *b, const bsq_design *d, const char *file,
                        const char *what) {
  bsq_buf_printf(b, "// %s — %s\n", file, what);
  bsq_buf_printf(b, "// Generated by bsq %s from model %s: generated, do not edit.\n",
            BSQ_VERSION, d->hash_hex);
  bsq_buf_printf(b, "// arch %s, %d features, %d-bit frames, %d-bit words, %s "
               "stream.\n",
            bsq_arch_name(d->opt.arch), d->F, d->B, d->K,
            bsq_mode_name(d->opt.mode));
}

static const char *kind_note(int kind) {
  return kind == BSQ_CMP_ALWAYS  ? ": below the code range, always exceeded"
         : kind == BSQ_CMP_NEVER ? ": at the top of the code range, never "
                                   "exceeded"
                                 : "";
}

void bsq_gen_thr_comment(char *out, size_t cap, const bsq_gen_feat *g, int j) {
  const bsq_gen_thr *t = &g->thr[j];
  snprintf(out, cap, "// feature %d \"%s\" t%d (trained %d) T = %" PRId64
                     " (phys %s%s%s)%s",
           g->index, g->name, j, t->trained, t->T, t->phys,
           g->unit[0] ? " " : "", g->unit, kind_note(t->kind));
}

static void emit_feature_banner(bsq_buf *b, const bsq_gen_feat *g) {
  bsq_buf_printf(b, "\n  // ---- feature %d \"%s\": %d bit%s, %d-bit %s codes_i[%d:%d] "
               "-> levels[%d:%d]\n",
            g->index, g->name, g->bits, g->bits > 1 ? "s" : "", g->width,
            g->is_signed ? "signed" : "unsigned", g->in_lsb + g->width - 1,
            g->in_lsb, g->out_lsb + g->bits - 1, g->out_lsb);
  bsq_buf_printf(b, "  wire [%d:0] f%d_code;\n", g->width - 1, g->index);
  bsq_buf_printf(b, "  assign f%d_code = codes_i[%d:%d];\n", g->index,
            g->in_lsb + g->width - 1, g->in_lsb);
}

static void emit_unused_code(bsq_buf *b, const bsq_gen_feat *g) {
  bsq_buf_printf(b, "  // every threshold folded to a constant: the code is not "
               "needed\n");
  bsq_buf_printf(b, "  wire unused_f%d_code;\n", g->index);
  bsq_buf_printf(b, "  assign unused_f%d_code = ^f%d_code;\n", g->index, g->index);
}

/* A feature of 0 bits is not sent: its codes stay in the input layout
 * (the sensor wiring does not change) and are read by nothing. */
static void emit_zero_feature(bsq_buf *b, const bsq_gen_feat *g) {
  bsq_buf_printf(b, "\n  // ---- feature %d \"%s\": 0 bits, not sent; its %d-bit "
                 "%s codes_i[%d:%d]\n  // stay in the input layout and are "
                 "ignored\n",
                 g->index, g->name, g->width,
                 g->is_signed ? "signed" : "unsigned", g->in_lsb + g->width - 1,
                 g->in_lsb);
  bsq_buf_printf(b, "  wire unused_f%d_code;\n", g->index);
  bsq_buf_printf(b, "  assign unused_f%d_code = ^codes_i[%d:%d];\n", g->index,
                 g->in_lsb + g->width - 1, g->in_lsb);
}

/* The frame from the sent features' levels, feature 0 in the LSBs. */
static void emit_levels_concat(bsq_buf *b, const bsq_design *d) {
  const char *sep = "";
  bsq_buf_printf(b, "{");
  for (int f = d->F - 1; f >= 0; f--) {
    if (d->feat[f].bits == 0) continue;
    bsq_buf_printf(b, "%sf%d_level", sep, f);
    sep = ", ";
  }
  bsq_buf_printf(b, "}");
}

/* Name of the comparison function for a feature's code class. */
static void gt_name(char *out, size_t cap, int width, int is_signed) {
  snprintf(out, cap, "gt_%c%d", is_signed ? 's' : 'u', width);
}

/* One `x > t` function per code class (width, signedness), for the
 * comparisons against constants (flash, the first search stage). Against a constant t the loop unrolls into a chain of
 * AND/OR gates from the LSB up (t[i] = 1: x[i] & r, t[i] = 0: x[i] | r):
 * comparing with a constant is prefix logic, and written this way the
 * synthesis tool maps it to LUTs it can share and restructure instead of a
 * subtractor on a carry chain (one carry cell per code bit per threshold).
 * Signed codes compare as offset binary: the sign bit's roles swap. */
static void emit_gt_functions(bsq_buf *b, const bsq_design *d) {
  int seen[2][BSQ_MAX_WIDTH + 1];
  memset(seen, 0, sizeof seen);
  for (int f = 0; f < d->F; f++) {
    const bsq_gen_feat *g = &d->feat[f];
    if (!g->code_used || seen[g->is_signed][g->width]) continue;
    seen[g->is_signed][g->width] = 1;
    char fn[16];
    gt_name(fn, sizeof fn, g->width, g->is_signed);
    int W = g->width, top = g->is_signed ? W - 1 : W;
    bsq_buf_printf(b, "\n  // %s(x, t) = x > t, %d-bit %s: an AND/OR chain from "
                 "the LSB up\n",
              fn, W, g->is_signed ? "signed" : "unsigned");
    bsq_buf_printf(b, "  function %s;\n    input [%d:0] x;\n    input [%d:0] t;\n"
                 "%s    begin\n      %s = 1'b0;\n",
              fn, W - 1, W - 1, top > 0 ? "    integer i;\n" : "", fn);
    if (top > 0)
      bsq_buf_printf(b, "      for (i = 0; i < %d; i = i + 1)\n"
                   "        %s = t[i] ? (x[i] & %s) : (x[i] | %s);\n",
                top, fn, fn, fn);
    if (g->is_signed)
      bsq_buf_printf(b, "      %s = t[%d] ? (~x[%d] | %s) : (~x[%d] & %s);"
                   "  // sign bit\n",
                fn, W - 1, W - 1, fn, W - 1, fn);
    bsq_buf_printf(b, "    end\n  endfunction\n");
  }
}

/* Flash: n comparators -> thermometer (registered) -> level (registered).
 * The thermometer is monotone (T sorted), so with L ones, bit k of L =
 * parity of #{m >= 1 : therm[m 2^k - 1]} = XOR of those bits. */
static void emit_flash_feature(bsq_buf *b, const bsq_gen_feat *g,
                               int reg_therm) {
  int f = g->index;
  emit_feature_banner(b, g);
  if (!g->code_used) emit_unused_code(b, g);
  bsq_buf_printf(b, "  wire [%d:0] f%d_therm;\n", g->n - 1, f);
  char lhs[64], rhs[128], cm[256], fn[16];
  gt_name(fn, sizeof fn, g->width, g->is_signed);
  int colw = 0;
  for (int pass = 0; pass < 2; pass++) {
    for (int j = 0; j < g->n; j++) {
      const bsq_gen_thr *t = &g->thr[j];
      snprintf(lhs, sizeof lhs, "f%d_therm[%d]", f, j);
      if (t->kind == BSQ_CMP_LIT)
        snprintf(rhs, sizeof rhs, "%s(f%d_code, %s)", fn, f, t->lit);
      else snprintf(rhs, sizeof rhs, "1'b%d", t->kind == BSQ_CMP_ALWAYS);
      char line[256];
      char widest[32];
      snprintf(widest, sizeof widest, "f%d_therm[%d]", f, g->n - 1);
      snprintf(line, sizeof line, "  assign %-*s = %s;", (int)strlen(widest),
               lhs, rhs);
      int len = (int)strlen(line);
      if (pass == 0) {
        if (len > colw) colw = len;
      } else {
        bsq_gen_thr_comment(cm, sizeof cm, g, j);
        bsq_buf_printf(b, "%-*s  %s\n", colw, line, cm);
      }
    }
  }
  if (reg_therm)
    bsq_buf_printf(b, "  reg  [%d:0] f%d_therm_q;\n  wire [%d:0] f%d_therm_d;\n"
                 "  assign f%d_therm_d = en ? f%d_therm : f%d_therm_q;\n",
              g->n - 1, f, g->n - 1, f, f, f, f);
  bsq_buf_printf(b, "  wire [%d:0] f%d_level;\n", g->bits - 1, f);
  bsq_buf_printf(b, "  // thermometer -> binary: bit k = XOR of therm[m * 2^k - 1]\n");
  for (int k = g->bits - 1; k >= 0; k--) {
    bsq_buf_printf(b, "  assign f%d_level[%d] =", f, k);
    const char *sep = " ";
    for (int mm = 1; mm * (1 << k) - 1 < g->n; mm++) {
      if (mm > 1 && (mm - 1) % 6 == 0) sep = "\n      ^ "; /* wrap long XORs */
      bsq_buf_printf(b, "%sf%d_therm%s[%d]", sep, f, reg_therm ? "_q" : "",
                mm * (1 << k) - 1);
      sep = " ^ ";
    }
    bsq_buf_printf(b, ";\n");
  }
}

/* Search: stage s of feature f compares the code with the threshold the
 * prefix p (level bits decided so far) selects; registers carry the code
 * (while a later stage needs it) and the prefix. */
static void emit_search_feature(bsq_buf *b, const bsq_design *d,
                                const bsq_gen_feat *g) {
  int f = g->index, bits = g->bits, W = g->width;
  int comb = !d->opt.pipeline; /* the whole search in one cycle */
  emit_feature_banner(b, g);
  if (!g->stage[0].needs_x) emit_unused_code(b, g);
  char cm[256], x[48], pv[48];
  for (int s = 0; s < bits; s++) {
    const bsq_gen_stage *st = &g->stage[s];
    if (s == 0 || comb) snprintf(x, sizeof x, "f%d_code", f);
    else snprintf(x, sizeof x, "f%d_x_s%d_q", f, s);
    if (comb) snprintf(pv, sizeof pv, "f%d_p%d", f, s);
    else snprintf(pv, sizeof pv, "f%d_p_s%d_q", f, s);
    bsq_buf_printf(b, "  // stage %d: level bit %d\n", s, bits - 1 - s);
    if (s == 0) {
      const bsq_gen_thr *t = &g->thr[search_index(bits, 0, 0)];
      bsq_gen_thr_comment(cm, sizeof cm, g, search_index(bits, 0, 0));
      bsq_buf_printf(b, "  wire f%d_gt_s0;\n", f);
      if (t->kind == BSQ_CMP_LIT) { /* a constant: prefix logic, as flash */
        char fn[16];
        gt_name(fn, sizeof fn, g->width, g->is_signed);
        bsq_buf_printf(b, "  assign f%d_gt_s0 = %s(%s, %s);  %s\n", f, fn, x, t->lit,
                  cm);
      } else {
        bsq_buf_printf(b, "  assign f%d_gt_s0 = 1'b%d;  %s\n", f,
                  t->kind == BSQ_CMP_ALWAYS, cm);
      }
    } else {
      int np = 1 << s;
      char what[48];
      if (st->constant) {
        snprintf(what, sizeof what, "f%d_gt_s%d", f, s);
        bsq_buf_printf(b, "  reg f%d_gt_s%d;\n", f, s);
      } else {
        snprintf(what, sizeof what, "f%d_thr_s%d", f, s);
        bsq_buf_printf(b, "  reg [%d:0] f%d_thr_s%d;\n", st->wide ? W : W - 1, f, s);
      }
      bsq_buf_printf(b, "  always @* begin\n    case (%s)\n", pv);
      /* Column of the comments: widest "label: what = value;" line. */
      int colw = 0;
      for (int pass = 0; pass < 2; pass++)
        for (int p = 0; p < np; p++) {
          int j = search_index(bits, s, p);
          const bsq_gen_thr *t = &g->thr[j];
          char label[32], val[64], line[192];
          if (p == np - 1) snprintf(label, sizeof label, "default:");
          else snprintf(label, sizeof label, "%d'd%d:", s, p);
          if (st->constant)
            snprintf(val, sizeof val, "1'b%d", t->kind == BSQ_CMP_ALWAYS);
          else if (st->wide)
            snprintf(val, sizeof val, "%s", t->lit_wide);
          else /* a literal, or hi for a never-exceeded one */
            snprintf(val, sizeof val, "%s", t->lit);
          snprintf(line, sizeof line, "      %-*s %s = %s;", s + 8, label,
                   what, val);
          int len = (int)strlen(line);
          if (pass == 0) {
            if (len > colw) colw = len;
          } else {
            bsq_gen_thr_comment(cm, sizeof cm, g, j);
            if (p == np - 1) {
              char pc[32];
              snprintf(pc, sizeof pc, " (p = %d'd%d)", s, p);
              bsq_buf_printf(b, "%-*s  %s%s\n", colw, line, cm, pc);
            } else {
              bsq_buf_printf(b, "%-*s  %s\n", colw, line, cm);
            }
          }
        }
      bsq_buf_printf(b, "    endcase\n  end\n");
      if (!st->constant) {
        bsq_buf_printf(b, "  wire f%d_gt_s%d;\n", f, s);
        if (st->wide && g->is_signed)
          bsq_buf_printf(b, "  assign f%d_gt_s%d = $signed({%s[%d], %s}) > "
                       "$signed(f%d_thr_s%d);\n",
                    f, s, x, W - 1, x, f, s);
        else if (st->wide)
          bsq_buf_printf(b, "  assign f%d_gt_s%d = $signed({1'b0, %s}) > "
                       "$signed(f%d_thr_s%d);\n",
                    f, s, x, f, s);
        else if (g->is_signed)
          bsq_buf_printf(b, "  assign f%d_gt_s%d = $signed(%s) > $signed(f%d_thr_s%d);\n",
                    f, s, x, f, s);
        else
          bsq_buf_printf(b, "  assign f%d_gt_s%d = %s > f%d_thr_s%d;\n", f, s, x, f,
                    s);
      }
    }
    if (comb) { /* the prefix of level bits decided so far, a wire */
      bsq_buf_printf(b, "  wire [%d:0] f%d_p%d;\n", s, f, s + 1);
      if (s == 0) bsq_buf_printf(b, "  assign f%d_p1 = f%d_gt_s0;\n", f, f);
      else
        bsq_buf_printf(b, "  assign f%d_p%d = {f%d_p%d, f%d_gt_s%d};\n", f, s + 1,
                       f, s, f, s);
      continue;
    }
    /* Registers into stage s + 1. */
    if (s + 1 < bits && g->stage[s + 1].needs_x) {
      bsq_buf_printf(b, "  reg  [%d:0] f%d_x_s%d_q;\n  wire [%d:0] f%d_x_s%d_d;\n",
                W - 1, f, s + 1, W - 1, f, s + 1);
      bsq_buf_printf(b, "  assign f%d_x_s%d_d = en ? %s : f%d_x_s%d_q;\n", f, s + 1,
                x, f, s + 1);
    }
    bsq_buf_printf(b, "  reg  [%d:0] f%d_p_s%d_q;\n  wire [%d:0] f%d_p_s%d_d;\n", s,
              f, s + 1, s, f, s + 1);
    if (s == 0)
      bsq_buf_printf(b, "  assign f%d_p_s1_d = en ? f%d_gt_s0 : f%d_p_s1_q;\n", f, f,
                f);
    else
      bsq_buf_printf(b, "  assign f%d_p_s%d_d = en ? {f%d_p_s%d_q, f%d_gt_s%d} : "
                   "f%d_p_s%d_q;\n",
                f, s + 1, f, s, f, s, f, s + 1);
  }
  if (comb) { /* the level register, the only stage */
    bsq_buf_printf(b, "  reg  [%d:0] f%d_p_s1_q;\n  wire [%d:0] f%d_p_s1_d;\n",
                   bits - 1, f, bits - 1, f);
    bsq_buf_printf(b, "  assign f%d_p_s1_d = en ? f%d_p%d : f%d_p_s1_q;\n", f, f,
                   bits, f);
  }
  /* Delay a short feature's level to the common latency. */
  for (int s = bits + 1; s <= d->stages; s++) {
    bsq_buf_printf(b, "  reg  [%d:0] f%d_p_s%d_q;\n  wire [%d:0] f%d_p_s%d_d;\n",
              bits - 1, f, s, bits - 1, f, s);
    bsq_buf_printf(b, "  assign f%d_p_s%d_d = en ? f%d_p_s%d_q : f%d_p_s%d_q;"
                 "  // delay to stage %d\n",
              f, s, f, s - 1, f, s, d->stages);
  }
  bsq_buf_printf(b, "  wire [%d:0] f%d_level;\n  assign f%d_level = f%d_p_s%d_q;\n",
            bits - 1, f, f, f, d->stages);
}

/* All registers of the search pipeline, in one sequential block. */
static void emit_search_regs(bsq_buf *b, const bsq_design *d) {
  int rst = d->opt.datapath_reset != 0;
  bsq_buf_printf(b, "\n  always @(posedge clk or negedge rst_n) begin\n"
               "    if (!rst_n) begin\n");
  /* pass 2 (no datapath reset): the data registers' own block */
  for (int pass = 0; pass < 3; pass++) {
    if (pass == 2) {
      if (rst) break;
      bsq_buf_printf(b, "    end\n  end\n\n  // data registers: no reset (only "
                        "the valid chain resets)\n  always @(posedge clk) "
                        "begin\n    begin\n");
    }
    for (int s = 1; s <= d->stages && pass < 2; s++)
      if (pass == 0) bsq_buf_printf(b, "      vld_s%d_q <= 1'b0;\n", s);
      else bsq_buf_printf(b, "      vld_s%d_q <= vld_s%d_d;\n", s, s);
    for (int f = 0; f < d->F && (rst ? pass < 2 : pass == 2); f++) {
      const bsq_gen_feat *g = &d->feat[f];
      if (g->bits == 0) continue; /* not sent: no registers */
      for (int s = 1; s < g->bits && d->opt.pipeline; s++)
        if (g->stage[s].needs_x) {
          if (pass == 0)
            bsq_buf_printf(b, "      f%d_x_s%d_q <= %d'd0;\n", f, s, g->width);
          else
            bsq_buf_printf(b, "      f%d_x_s%d_q <= f%d_x_s%d_d;\n", f, s, f, s);
        }
      for (int s = 1; s <= d->stages; s++) {
        int w = s <= g->bits && d->opt.pipeline ? s : g->bits;
        if (pass == 0) bsq_buf_printf(b, "      f%d_p_s%d_q <= %d'd0;\n", f, s, w);
        else bsq_buf_printf(b, "      f%d_p_s%d_q <= f%d_p_s%d_d;\n", f, s, f, s);
      }
    }
    if (pass == 0) bsq_buf_printf(b, "    end else begin\n");
  }
  bsq_buf_printf(b, "    end\n  end\n");
}

/* Flash registers: S = d->stages valid stages; with the pipeline the
 * thermometers are stage 1 and the levels stage 2, without it the levels
 * are stage 1. Without datapath reset only the valid chain resets and the
 * data registers sit in a block of their own. */
static void emit_flash_regs(bsq_buf *b, const bsq_design *d) {
  int S = d->stages, therm = S == 2, rst = d->opt.datapath_reset != 0;
  bsq_buf_printf(b, "\n  // ---- register stages: %s\n",
                 therm ? "thermometers (s1), levels (s2)" : "levels (s1)");
  bsq_buf_printf(b, "  wire [%d:0] levels;\n  assign levels = ", d->B - 1);
  emit_levels_concat(b, d);
  bsq_buf_printf(b, ";\n");
  for (int s = 1; s <= S; s++)
    bsq_buf_printf(b, "  reg  vld_s%d_q;\n  wire vld_s%d_d;\n", s, s);
  bsq_buf_printf(b, "  reg  [%d:0] levels_q;\n  wire [%d:0] levels_d;\n",
                 d->B - 1, d->B - 1);
  bsq_buf_printf(b, "  assign vld_s1_d = en ? valid_i : vld_s1_q;\n");
  for (int s = 2; s <= S; s++)
    bsq_buf_printf(b, "  assign vld_s%d_d = en ? vld_s%d_q : vld_s%d_q;\n", s,
                   s - 1, s);
  bsq_buf_printf(b, "  assign levels_d = en ? levels : levels_q;\n\n");
  for (int pass = 0; pass < 2; pass++) {
    bsq_buf_printf(b, pass == 0 ? "  always @(posedge clk or negedge rst_n) begin\n"
                                  "    if (!rst_n) begin\n"
                                : "    end else begin\n");
    for (int s = 1; s <= S; s++)
      if (pass == 0) bsq_buf_printf(b, "      vld_s%d_q <= 1'b0;\n", s);
      else bsq_buf_printf(b, "      vld_s%d_q <= vld_s%d_d;\n", s, s);
    if (!rst) continue;
    for (int f = 0; f < d->F && therm; f++) {
      if (d->feat[f].bits == 0) continue;
      if (pass == 0)
        bsq_buf_printf(b, "      f%d_therm_q <= %d'd0;\n", f, d->feat[f].n);
      else
        bsq_buf_printf(b, "      f%d_therm_q <= f%d_therm_d;\n", f, f);
    }
    if (pass == 0) bsq_buf_printf(b, "      levels_q <= %d'd0;\n", d->B);
    else bsq_buf_printf(b, "      levels_q <= levels_d;\n");
  }
  bsq_buf_printf(b, "    end\n  end\n\n");
  if (!rst) {
    bsq_buf_printf(b, "  // data registers: no reset (only the valid chain "
                      "resets)\n  always @(posedge clk) begin\n");
    for (int f = 0; f < d->F && therm; f++)
      if (d->feat[f].bits > 0)
        bsq_buf_printf(b, "    f%d_therm_q <= f%d_therm_d;\n", f, f);
    bsq_buf_printf(b, "    levels_q <= levels_d;\n  end\n\n");
  }
  bsq_buf_printf(b, "  assign valid_o  = vld_s%d_q;\n"
                    "  assign levels_o = levels_q;\n", S);
}

char *bsq_emit_quant(const bsq_design *d) {
  if (d->opt.arch == BSQ_ARCH_SERIAL) return bsq_emit_serial_quant(d);
  bsq_buf b;
  bsq_buf_init(&b);
  char file[96];
  snprintf(file, sizeof file, "%s_quant.v", d->opt.name);
  emit_header(&b, d, file,
              d->opt.arch == BSQ_ARCH_FLASH
                  ? "per-feature quantizers, flash: constant comparators -> "
                    "thermometer -> level, two register stages"
                  : d->opt.pipeline
                      ? "per-feature quantizers, search: pipelined binary "
                        "search, one comparator per level bit"
                      : "per-feature quantizers, search: binary search in one "
                        "cycle, one comparator per level bit");
  bsq_buf_printf(&b, "//\n// level_f(x) = #{ j : x > T_f[j] } with T_f ascending "
                "(docs/design.md 2.3); each\n// comparator line names the "
                "trained physical threshold it came from. The\n// pipeline "
                "advances when en is high and holds otherwise.\n\n");
  bsq_buf_printf(&b, "`default_nettype none\n\nmodule %s_quant (\n", d->opt.name);
  {
    char rin[24], rout[24];
    snprintf(rin, sizeof rin, "[%d:0]", d->in_bits - 1);
    snprintf(rout, sizeof rout, "[%d:0]", d->B - 1);
    int w = (int)(strlen(rin) > strlen(rout) ? strlen(rin) : strlen(rout));
    const char *ports[7][3] = {{"input ", "", "clk"},      {"input ", "", "rst_n"},
                               {"input ", "", "en"},       {"input ", "", "valid_i"},
                               {"input ", rin, "codes_i"}, {"output", "", "valid_o"},
                               {"output", rout, "levels_o"}};
    for (int i = 0; i < 7; i++)
      bsq_buf_printf(&b, "  %s wire %-*s %s%s\n", ports[i][0], w, ports[i][1],
                ports[i][2], i < 6 ? "," : "");
    bsq_buf_printf(&b, ");\n");
  }
  if (d->opt.arch == BSQ_ARCH_FLASH) {
    emit_gt_functions(&b, d);
    for (int f = 0; f < d->F; f++)
      if (d->feat[f].bits == 0) emit_zero_feature(&b, &d->feat[f]);
      else emit_flash_feature(&b, &d->feat[f], d->opt.pipeline != 0);
    emit_flash_regs(&b, d);
  } else {
    emit_gt_functions(&b, d);
    bsq_buf_printf(&b, "\n  // ---- valid pipeline (%d stages)\n", d->stages);
    for (int s = 1; s <= d->stages; s++) {
      bsq_buf_printf(&b, "  reg  vld_s%d_q;\n  wire vld_s%d_d;\n", s, s);
      if (s == 1) bsq_buf_printf(&b, "  assign vld_s1_d = en ? valid_i : vld_s1_q;\n");
      else
        bsq_buf_printf(&b, "  assign vld_s%d_d = en ? vld_s%d_q : vld_s%d_q;\n", s,
                  s - 1, s);
    }
    for (int f = 0; f < d->F; f++)
      if (d->feat[f].bits == 0) emit_zero_feature(&b, &d->feat[f]);
      else emit_search_feature(&b, d, &d->feat[f]);
    emit_search_regs(&b, d);
    bsq_buf_printf(&b, "\n  assign valid_o  = vld_s%d_q;\n  assign levels_o = ",
              d->stages);
    emit_levels_concat(&b, d);
    bsq_buf_printf(&b, ";\n");
  }
  bsq_buf_printf(&b, "\nendmodule\n\n`default_nettype wire\n");
  return bsq_buf_finish(&b);
}


char *bsq_emit_top(const bsq_design *d) {
  if (d->opt.arch == BSQ_ARCH_SERIAL) return bsq_emit_serial_top(d);
  bsq_buf b;
  bsq_buf_init(&b);
  char file[96];
  snprintf(file, sizeof file, "%s_encoder.v", d->opt.name);
  emit_header(&b, d, file, "the encoder top: AXI4-Stream codes in, packed "
                           "levels out");
  /* The RTL choices appear only when not the defaults, so that a default
   * design's files stay as they always were. */
  char sync[24] = "";
  if (d->opt.sync) snprintf(sync, sizeof sync, " sync=%d", d->opt.sync);
  bsq_buf_printf(&b, BSQ_GEN_PARAMS_MARK " name=%s arch=%s word_bits=%d mode=%s model=%s%s%s%s%s%s\n",
            d->opt.name, bsq_arch_name(d->opt.arch), d->K,
            bsq_mode_name(d->opt.mode), d->hash_hex,
            d->opt.pipeline ? "" : " pipeline=0",
            d->opt.datapath_reset ? "" : " datapath_reset=off",
            d->opt.reset_sync ? " reset_sync=on" : "", sync,
            d->opt.byte_tdata ? " byte_tdata=on" : "");
  bsq_buf_printf(&b,
            "//\n"
            "// s_axis_tdata carries one frame of input codes, feature 0 in "
            "the LSBs:\n"
            "//   feature                                  tdata        "
            "code       frame\n");
  for (int f = 0; f < d->F; f++) {
    const bsq_gen_feat *g = &d->feat[f];
    char nm[96], td[32], fr[32], cd[32];
    snprintf(nm, sizeof nm, "%d \"%s\"", f, g->name);
    snprintf(td, sizeof td, "[%d:%d]", g->in_lsb + g->width - 1, g->in_lsb);
    snprintf(cd, sizeof cd, "%s%d", g->is_signed ? "s" : "u", g->width);
    if (g->bits == 0) snprintf(fr, sizeof fr, "not sent (0 bits)");
    else snprintf(fr, sizeof fr, "[%d:%d]", g->out_lsb + g->bits - 1, g->out_lsb);
    bsq_buf_printf(&b, "//   %-40s %-12s %-10s %s\n", nm, td, cd, fr);
  }
  bsq_gen_emit_sync_doc(&b, d);
  bsq_buf_printf(&b,
            "//\n"
            "// Pipeline: input register, %d quantizer stage%s, packer (its "
            "outputs are\n"
            "// flops). All stages advance together (en) unless the last "
            "holds a frame\n"
            "// the packer cannot take; s_axis_tready depends on flops only. "
            "One frame per\n"
            "// clock while the output keeps up; nothing is dropped or "
            "repeated.\n\n",
            d->stages, d->stages > 1 ? "s" : "");
  bsq_buf_printf(&b, "`default_nettype none\n\nmodule %s_encoder (\n", d->opt.name);
  {
    char rin[24], rout[24];
    snprintf(rin, sizeof rin, "[%d:0]",
             d->in_bits + bsq_gen_pad_bits(d->in_bits, d->opt.byte_tdata) - 1);
    snprintf(rout, sizeof rout, "[%d:0]",
             d->K + bsq_gen_pad_bits(d->K, d->opt.byte_tdata) - 1);
    int w = (int)(strlen(rin) > strlen(rout) ? strlen(rin) : strlen(rout));
    /* s_axis_tuser (the flush flag) only with frame sync */
    const char *ports[10][3] = {
        {"input ", "", "clk"},           {"input ", "", "rst_n"},
        {"input ", rin, "s_axis_tdata"}, {"input ", "", "s_axis_tvalid"},
        {"output", "", "s_axis_tready"}, {"input ", "", "s_axis_tuser"},
        {"output", rout, "m_axis_tdata"},
        {"output", "", "m_axis_tvalid"}, {"input ", "", "m_axis_tready"},
        {"output", "", "m_axis_tlast"}};
    for (int i = 0; i < 10; i++)
      if (i != 5 || d->opt.sync)
        bsq_buf_printf(&b, "  %s wire %-*s %s%s\n", ports[i][0], w,
                       ports[i][1], ports[i][2], i < 9 ? "," : "");
    bsq_buf_printf(&b, ");\n\n");
  }
  bsq_buf_printf(&b, "  localparam integer FRAME_BITS = %d;\n"
                "  localparam integer WORD_BITS  = %d;\n"
                "  localparam integer ALIGNED    = %d;\n",
            d->B, d->K, d->opt.mode == BSQ_MODE_ALIGNED);
  bsq_gen_emit_sync_params(&b, d);
  bsq_buf_printf(&b, "\n  wire en;\n"
                "  wire q_valid;\n"
                "  wire pk_ready;\n"
                "  wire [%d:0] q_levels;\n%s\n",
            d->B - 1, d->opt.sync ? "  wire q_flush;\n" : "");
  bsq_gen_emit_tdata_pad(&b, d, d->in_bits);
  char tin[40] = "s_axis_tdata";
  if (bsq_gen_pad_bits(d->in_bits, d->opt.byte_tdata))
    snprintf(tin, sizeof tin, "s_axis_tdata[%d:0]", d->in_bits - 1);
  const char *rn = bsq_gen_reset_name(&d->opt);
  bsq_gen_emit_reset_sync(&b, &d->opt);
  bsq_buf_printf(&b, "  // ---- out of reset: s_axis_tready is low while %s is low and until\n"
                "  // the first clock edge after it rises (live_q, a flop)\n"
                "  reg  live_q;\n"
                "  always @(posedge clk or negedge %s) begin\n"
                "    if (!%s) live_q <= 1'b0;\n"
                "    else        live_q <= 1'b1;\n"
                "  end\n\n", rn, rn, rn);
  bsq_buf_printf(&b, "  // ---- input register\n"
                "  reg  in_valid_q;\n"
                "  wire in_valid_d;\n"
                "  reg  [%d:0] codes_q;\n"
                "  wire [%d:0] codes_d;\n"
                "  assign in_valid_d = en ? s_axis_tvalid & live_q : in_valid_q;\n"
                "  assign codes_d    = en ? %s : codes_q;\n\n",
            d->in_bits - 1, d->in_bits - 1, tin);
  if (d->opt.datapath_reset)
    bsq_buf_printf(&b, "  always @(posedge clk or negedge %s) begin\n"
                  "    if (!%s) begin\n"
                  "      in_valid_q <= 1'b0;\n"
                  "      codes_q    <= %d'd0;\n"
                  "    end else begin\n"
                  "      in_valid_q <= in_valid_d;\n"
                  "      codes_q    <= codes_d;\n"
                  "    end\n  end\n\n",
              rn, rn, d->in_bits);
  else
    bsq_buf_printf(&b, "  always @(posedge clk or negedge %s) begin\n"
                  "    if (!%s) in_valid_q <= 1'b0;\n"
                  "    else        in_valid_q <= in_valid_d;\n"
                  "  end\n\n"
                  "  // data register: no reset (only the valid chain resets)\n"
                  "  always @(posedge clk) codes_q <= codes_d;\n\n", rn, rn);
  bsq_buf_printf(&b, "  // ---- quantizers\n"
                "  %s_quant u_quant (\n"
                "    .clk      (clk),\n"
                "    .rst_n    (%s),\n"
                "    .en       (en),\n"
                "    .valid_i  (in_valid_q),\n"
                "    .codes_i  (codes_q),\n"
                "    .valid_o  (q_valid),\n"
                "    .levels_o (q_levels)\n"
                "  );\n\n",
            d->opt.name, rn);
  bsq_gen_emit_flush_chain(&b, d, rn);
  const char *ready = bsq_gen_emit_gearbox(&b, d, rn);
  bsq_buf_printf(&b, "  assign en            = ~q_valid | %s;\n"
                "  assign s_axis_tready = en & live_q;\n\n"
                "endmodule\n\n`default_nettype wire\n", ready);
  return bsq_buf_finish(&b);
}
