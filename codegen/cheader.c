/* bsq — the C firmware header: the same encoder as the RTL (codes in,
 * levels, packed words out) in dependency-free C99, printed from the
 * design bsq_design_build computed (see gen.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "sync.h"
#include "util.h"

static void upper(char *out, size_t cap, const char *s) {
  size_t i = 0;
  for (; s[i] && i + 1 < cap; i++)
    out[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
  out[i] = '\0';
}

/* The comment of threshold j of feature g: the integer compare, and what
 * it means in physical units, offset + T * scale (code > T exactly when
 * the value exceeds it, since scale > 0). */
static void thr_comment(char *out, size_t cap, const bsq_gen_feat *g, int j) {
  const bsq_gen_thr *t = &g->thr[j];
  const char *fold = t->kind == BSQ_CMP_ALWAYS  ? ", below the range: always"
                     : t->kind == BSQ_CMP_NEVER ? ", at the top: never"
                                                : "";
  if (g->from == BSQ_FMT_CODES) {
    snprintf(out, cap, "feature %d \"%s\" t%d (trained %d): code > %" PRId64
                       " (raw code%s)",
             g->index, g->name, j, t->trained, t->T, fold);
    return;
  }
  snprintf(out, cap, "feature %d \"%s\" t%d (trained %d): code > %" PRId64
                     ", value > %.10g%s%s (trained %s%s)",
           g->index, g->name, j, t->trained, t->T,
           g->offset + (double)t->T * g->scale, g->unit[0] ? " " : "",
           g->unit, t->phys, fold);
}

/* One line per feature: its bits of the input word, width, signedness,
 * code range and the map from code to physical value. */
static void input_table(bsq_buf *b, const bsq_design *d) {
  bsq_buf_printf(b, "/* Input codes, one per feature as its ADC delivers it "
                    "(codes[f]; the\n * Verilog's s_axis_tdata bits in "
                    "brackets, feature 0 from bit 0):\n");
  for (int f = 0; f < d->F; f++) {
    const bsq_gen_feat *g = &d->feat[f];
    bsq_buf_printf(b, " *   feature %d \"%s\" [%d:%d]: %d-bit %s, %" PRId64
                      "..%" PRId64 ", ",
                   f, g->name, g->in_lsb + g->width - 1, g->in_lsb, g->width,
                   g->is_signed ? "signed" : "unsigned", g->lo, g->hi);
    if (g->from == BSQ_FMT_CODES)
      bsq_buf_printf(b, "raw ADC codes (sensor spec)\n");
    else
      bsq_buf_printf(b, "value = %.10g + code * %.10g%s%s (%s)\n", g->offset,
                     g->scale, g->unit[0] ? " " : "", g->unit,
                     g->from == BSQ_FMT_SENSOR ? "sensor spec"
                                               : "fitted to the data");
    if (g->bits == 0)
      bsq_buf_printf(b, " *     0 bits: not sent, its code is ignored\n");
  }
  bsq_buf_printf(b, " */\n");
}

static void c_lit(char *out, size_t cap, int64_t v, int wide) {
  if (wide) snprintf(out, cap, "INT64_C(%" PRId64 ")", v);
  else if (v == INT32_MIN) snprintf(out, cap, "(-2147483647 - 1)");
  else snprintf(out, cap, "%" PRId64, v);
}

/* Frame sync (model/sync.h) for firmware: the marker's slots as bytes, a
 * group counter beside the packer, NAME_sync_start (the RTL's reset: the
 * first marker) and NAME_encode_sync (a frame, and the next marker when it
 * ends its group). Printed only with --sync, so that other headers stay as
 * they were. */
static void emit_sync(bsq_buf *b, const bsq_design *d, const char *n,
                      const char *N) {
  int M = bsq_sync_marker_slots(d->B, d->K), fb = (d->B + 7) / 8;
  bsq_buf_printf(b,
                 "/* Frame sync (--sync %d, model/sync.h): a marker of %d "
                 "slot%s of %d bits before\n"
                 " * every group of at most %d frames; a group ends after its "
                 "last frame or\n"
                 " * a frame flagged flush, and the next marker follows at "
                 "once. Usage:\n"
                 " *   unsigned g = 0; int n = %s_sync_start(&p, &g, w, last);\n"
                 " *   n = %s_encode_sync(&p, &g, codes, flush, w, last);\n"
                 " * with w and last of %s_SYNC_MAX_WORDS. */\n",
                 d->opt.sync, M, M > 1 ? "s" : "", d->B, d->opt.sync, n, n, N);
  bsq_buf_printf(b,
                 "#define %s_SYNC_GROUP %du\n#define %s_MARKER_SLOTS %d\n"
                 "#define %s_SYNC_MAX_WORDS ((%s_MARKER_SLOTS + 1) * "
                 "%s_MAX_WORDS)\n\n",
                 N, d->opt.sync, N, M, N, N, N);
  bsq_buf_printf(b, "/* slot i's bits: byte i * %d + j / 8, bit j %% 8 */\n"
                    "static const uint8_t %s_marker[%d] = {",
                 fb, n, M * fb);
  for (int i = 0; i < M; i++) {
    uint8_t slot[BSQ_MAX_FEATURES * BSQ_MAX_BITS / 8];
    bsq_sync_marker_slot(d->B, d->K, i, slot);
    for (int j = 0; j < fb; j++)
      bsq_buf_printf(b, "%s0x%02x", i == 0 && j == 0 ? "" : ", ", slot[j]);
  }
  bsq_buf_printf(b, "};\n\n");
  bsq_buf_printf(
      b,
      "/* Pushes the marker's slots, each as the packer takes a frame. */\n"
      "static inline int %s_marker_push(%s_packer *p, uint64_t *words,\n"
      "                                 uint8_t *tlast) {\n"
      "  int n = 0;\n  unsigned i, j;\n"
      "  for (i = 0; i < %s_MARKER_SLOTS; i++) {\n"
      "    for (j = 0; j < %s_FRAME_BITS; j++) {\n"
      "      unsigned bit = %s_marker[i * %du + j / 8u] >> (j %% 8u) & 1u;\n"
      "      p->acc |= (uint64_t)bit << p->nacc;\n"
      "      if (++p->nacc == %s_WORD_BITS) {\n"
      "        words[n] = p->acc;\n        tlast[n++] = 0;\n"
      "        p->acc = 0;\n        p->nacc = 0;\n      }\n    }\n"
      "#if %s_ALIGNED\n"
      "    if (p->nacc > 0) {\n"
      "      words[n] = p->acc;\n      tlast[n++] = 0;\n"
      "      p->acc = 0;\n      p->nacc = 0;\n    }\n"
      "    tlast[n - 1] = 1;\n#endif\n"
      "  }\n  return n;\n}\n\n",
      n, n, N, N, n, fb, N, N);
  bsq_buf_printf(
      b,
      "/* The RTL's reset: discards the partial word, starts the first group\n"
      " * (*group counts its frames) and pushes its marker. */\n"
      "static inline int %s_sync_start(%s_packer *p, unsigned *group,\n"
      "                                uint64_t *words, uint8_t *tlast) {\n"
      "  %s_packer_reset(p);\n  *group = 0;\n"
      "  return %s_marker_push(p, words, tlast);\n}\n\n"
      "/* One frame; flush != 0 ends its group (its last bits leave at once). "
      "*/\n"
      "static inline int %s_encode_sync(%s_packer *p, unsigned *group,\n"
      "                                 const %s_code_t *codes, int flush,\n"
      "                                 uint64_t *words, uint8_t *tlast) {\n"
      "  int n = %s_encode(p, codes, words, tlast);\n"
      "  if (++*group == %s_SYNC_GROUP || flush) {\n"
      "    *group = 0;\n"
      "    n += %s_marker_push(p, words + n, tlast + n);\n  }\n"
      "  return n;\n}\n\n",
      n, n, n, n, n, n, n, n, N, n);
}

char *bsq_emit_c_header(const bsq_design *d) {
  bsq_buf b;
  bsq_buf_init(&b);
  /* C names carry NAME_enc so that name "bsq" cannot clash with the
   * library's own bsq_packer. */
  char n[BSQ_GEN_NAME_MAX + 8], N[BSQ_GEN_NAME_MAX + 8];
  snprintf(n, sizeof n, "%s_enc", d->opt.name);
  upper(N, sizeof N, n);
  bsq_buf_printf(&b, "/* %s_encoder.h — the trained encoder in C99 for firmware.\n",
            d->opt.name);
  bsq_buf_printf(&b, " * Generated by bsq %s from model %s: generated, do not "
                "edit.\n",
            BSQ_VERSION, d->hash_hex);
  bsq_buf_printf(&b,
            " * %d features, %d-bit frames, %d-bit words, %s stream: the same "
            "words as\n"
            " * %s_encoder.v. Usage:\n"
            " *   %s_packer p; %s_packer_reset(&p);\n"
            " *   uint64_t w[%s_MAX_WORDS]; uint8_t last[%s_MAX_WORDS];\n"
            " *   int n = %s_encode(&p, codes, w, last);  // n words completed\n"
            " * Codes are the integer sensor codes (feature 0 first); one "
            "outside its\n * format's range saturates to the nearest end, as "
            "an ADC does (and as\n * the library does). Depends on "
            "<stdint.h> only. */\n",
            d->F, d->B, d->K, bsq_mode_name(d->opt.mode), d->opt.name, n, n,
            N, N, n);
  char U[BSQ_GEN_NAME_MAX + 1];
  upper(U, sizeof U, d->opt.name);
  bsq_buf_printf(&b, "#ifndef %s_ENCODER_H\n#define %s_ENCODER_H\n\n", U, U);
  bsq_buf_printf(&b, "#include <stdint.h>\n\n");
  bsq_buf_printf(&b, "#define %s_FEATURES %d\n#define %s_FRAME_BITS %d\n"
                "#define %s_WORD_BITS %d\n#define %s_ALIGNED %d\n"
                "#define %s_MAX_WORDS (%s_FRAME_BITS / %s_WORD_BITS + 2)\n\n",
            N, d->F, N, d->B, N, d->K, N, d->opt.mode == BSQ_MODE_ALIGNED, N, N,
            N);
  input_table(&b, d);
  bsq_buf_printf(&b, "typedef %s %s_code_t; /* holds every feature's codes */\n\n",
                 d->c_wide ? "int64_t" : "int32_t", n);
  bsq_buf_printf(&b, "static const uint8_t %s_bits[%d] = {", n, d->F);
  for (int f = 0; f < d->F; f++)
    bsq_buf_printf(&b, "%s%d", f ? ", " : "", d->feat[f].bits);
  bsq_buf_printf(&b, "};\n");
  bsq_buf_printf(&b, "static const uint16_t %s_toff[%d] = {", n, d->F + 1);
  int off = 0;
  for (int f = 0; f <= d->F; f++) {
    bsq_buf_printf(&b, "%s%d", f ? ", " : "", off);
    if (f < d->F) off += d->feat[f].n;
  }
  bsq_buf_printf(&b, "};\n\n");
  bsq_buf_printf(&b, "/* Integer thresholds, ascending per feature. */\n");
  bsq_buf_printf(&b, "static const %s_code_t %s_thr[%d] = {\n", n, n, off);
  for (int f = 0; f < d->F; f++) {
    const bsq_gen_feat *g = &d->feat[f];
    for (int j = 0; j < g->n; j++) {
      char lit[48], cm[320], val[64];
      c_lit(lit, sizeof lit, g->thr[j].T, d->c_wide);
      snprintf(val, sizeof val, "    %s,", lit);
      thr_comment(cm, sizeof cm, g, j);
      bsq_buf_printf(&b, "%-28s /* %s */\n", val, cm);
    }
  }
  bsq_buf_printf(&b, "};\n\n");
  /* the code range of each feature, for ADC saturation in NAME_level */
  const char *ends[2] = {"lo", "hi"};
  for (int k = 0; k < 2; k++) {
    bsq_buf_printf(&b, "static const %s_code_t %s_%s[%d] = {", n, n, ends[k], d->F);
    for (int f = 0; f < d->F; f++) {
      char lit[48];
      c_lit(lit, sizeof lit, k ? d->feat[f].hi : d->feat[f].lo, d->c_wide);
      bsq_buf_printf(&b, "%s%s", f ? ", " : "", lit);
    }
    bsq_buf_printf(&b, "};\n");
  }
  bsq_buf_printf(&b, "\n");
  bsq_buf_printf(&b,
            "typedef struct {\n  uint64_t acc;  /* partial word, nacc bits */\n"
            "  unsigned nacc;\n} %s_packer;\n\n",
            n);
  bsq_buf_printf(&b,
            "/* Discards any partial word (the RTL's reset). */\n"
            "static inline void %s_packer_reset(%s_packer *p) {\n"
            "  p->acc = 0;\n  p->nacc = 0;\n}\n\n",
            n, n);
  bsq_buf_printf(&b,
            "/* level = #{ j : code > thr[j] }, by binary search over the "
            "sorted\n * thresholds (as the search RTL does), after saturating "
            "the code to\n * the feature's range. */\n"
            "static inline unsigned %s_level(unsigned f, %s_code_t code) {\n"
            "  const %s_code_t *t = %s_thr + %s_toff[f];\n"
            "  unsigned level = 0, step;\n"
            "  if (code < %s_lo[f]) code = %s_lo[f];\n"
            "  if (code > %s_hi[f]) code = %s_hi[f];\n"
            "  for (step = (1u << %s_bits[f]) >> 1; step > 0; step >>= 1)\n"
            "    if (code > t[level + step - 1u]) level += step;\n"
            "  return level;\n}\n\n",
            n, n, n, n, n, n, n, n, n, n);
  bsq_buf_printf(&b,
            "/* Encodes one frame and appends it to the stream; writes the "
            "completed\n * words (K bits each, LSB first) and their tlast flags; "
            "returns how many. */\n"
            "static inline int %s_encode(%s_packer *p, const %s_code_t "
            "*codes,\n"
            "                            uint64_t *words, uint8_t *tlast) {\n"
            "  int n = 0;\n  unsigned f;\n"
            "  for (f = 0; f < %s_FEATURES; f++) {\n"
            "    unsigned level = %s_level(f, codes[f]);\n"
            "    unsigned left = %s_bits[f];\n"
            "    while (left > 0) {\n"
            "      unsigned take = %s_WORD_BITS - p->nacc;\n"
            "      if (take > left) take = left;\n"
            "      p->acc |= (uint64_t)(level & ((1u << take) - 1u)) << "
            "p->nacc;\n"
            "      level >>= take;\n      left -= take;\n"
            "      p->nacc += take;\n"
            "      if (p->nacc == %s_WORD_BITS) {\n"
            "        words[n] = p->acc;\n        tlast[n++] = 0;\n"
            "        p->acc = 0;\n        p->nacc = 0;\n      }\n    }\n  }\n",
            n, n, n, N, n, n, N, N);
  bsq_buf_printf(&b, "#if %s_ALIGNED\n"
                "  if (p->nacc > 0) { /* frame ends mid-word: pad it */\n"
                "    words[n] = p->acc;\n    tlast[n++] = 0;\n"
                "    p->acc = 0;\n    p->nacc = 0;\n  }\n"
                "  if (n > 0) tlast[n - 1] = 1;\n#endif\n"
                "  return n;\n}\n\n",
            N);
  if (d->opt.sync) emit_sync(&b, d, n, N);
  bsq_buf_printf(&b, "#endif\n");
  return bsq_buf_finish(&b);
}
