/* bsq — Verilog and C-header generator for a trained encoder.
 *
 * Like Lemon: bsq_design_build() computes the whole description (widths,
 * bit positions, integer thresholds as sized literals with their comments,
 * pipeline stages, which signals are used), then the emit_* functions print
 * it without making decisions. Same model and options in, byte-identical
 * files out; a file whose content is unchanged is not rewritten.
 *
 * Files written by bsq_gen_write() into DIR:
 *   NAME_encoder.v   top: AXI4-Stream in/out, input register, quantizer,
 *                    packer
 *   NAME_quant.v     the per-feature quantizers (flash or search)
 *   bsq_packer.v     the gearbox, copied from the caller's rtl_dir
 *   bsq_framer.v     with --sync only: the frame sync, copied likewise
 *   NAME_encoder.h   the same encoder in dependency-free C99 (firmware)
 */
#ifndef BSQ_GEN_H
#define BSQ_GEN_H

#include <stdint.h>

#include "err.h"
#include "model.h"
#include "quant.h"
#include "util.h"

#define BSQ_GEN_NAME_MAX 48
/* The marker line of every generated top (bsq_gen_read_params). */
#define BSQ_GEN_PARAMS_MARK "// bsq-design:"

typedef enum {
  BSQ_ARCH_FLASH = 0,
  BSQ_ARCH_SEARCH = 1,
  BSQ_ARCH_SERIAL = 2 /* one code per beat, one shared quantizer (serial.h) */
} bsq_arch;

const char *bsq_arch_name(bsq_arch a);
int bsq_arch_parse(const char *s, bsq_arch *a);

typedef struct {
  bsq_arch arch;
  int word_bits;  /* K, 1..64 */
  bsq_mode mode;
  char name[BSQ_GEN_NAME_MAX + 1]; /* module prefix, default "bsq" */
  /* RTL choices for the quantizers (the defaults keep the files as they
   * always were; --pipeline and --datapath-reset of gen, sim and synth): */
  int pipeline;       /* 1 (default): flash registers the thermometer,
                         search registers every search step; 0: the
                         comparators feed the level register directly */
  int datapath_reset; /* 1 (default) every register resets; 0 only the
                         valid chain does, data registers are plain flops */
  int reset_sync;     /* 0 (default): rst_n is used as it comes (release it
                         synchronously outside); 1: a two-flop synchronizer
                         inside the top, asynchronous assert, release on
                         the second clk edge (--reset-sync of gen, sim,
                         synth) */
  int byte_tdata;     /* 0 (default): s_axis_tdata and m_axis_tdata as wide
                         as their contents; 1: padded to whole bytes (for
                         vendor AXI4-Stream IP), pad bits ignored on input
                         and zero on output (--byte-tdata of gen, sim) */
  int sync;           /* 0 (default): no frame sync; 1..BSQ_SYNC_MAX_GROUP:
                         a marker before every group of at most this many
                         frames, and the flush input s_axis_tuser
                         (model/sync.h, rtl/bsq_framer.v; --sync of gen,
                         sim, synth) */
} bsq_gen_opts;

void bsq_gen_opts_default(bsq_gen_opts *o);
/* Sets one option by name: key "arch", "word-bits", "mode", "name",
 * "pipeline" (0 or 1), "datapath-reset" or "reset-sync" (on or off),
 * "sync" (0..BSQ_SYNC_MAX_GROUP).
 * 0, or BSQ_EINVAL with diag starting with the key and saying what is
 * allowed ("mode must be continuous or aligned, not 'x'"). */
int bsq_gen_opts_set(bsq_gen_opts *o, const char *key, const char *value,
                     bsq_diag *diag);
/* The top's reset synchronizer (nothing when reset_sync is off), and the
 * name of the reset every register of the top and below uses: "rst_n_s"
 * behind the synchronizer, "rst_n" without. */
const char *bsq_gen_reset_name(const bsq_gen_opts *o);
void bsq_gen_emit_reset_sync(bsq_buf *b, const bsq_gen_opts *o);
/* Frame sync in a top (each prints nothing when opt.sync is 0): the
 * header paragraph on the marker and s_axis_tuser; the localparams
 * SYNC_GROUP, SYNC_SLOTS, SYNC_MARKER; the flush flag's chain from
 * s_axis_tuser beside the input register and the d->stages quantizer
 * stages to q_flush (a wire the caller declares; the chain advances on en).
 * bsq_gen_emit_gearbox prints the framer (with sync) and the packer
 * between q_valid/q_levels/pk_ready and m_axis, and returns the name of
 * the ready the quantizers' en must use. */
struct bsq_design;
void bsq_gen_emit_sync_doc(bsq_buf *b, const struct bsq_design *d);
void bsq_gen_emit_sync_params(bsq_buf *b, const struct bsq_design *d);
void bsq_gen_emit_flush_chain(bsq_buf *b, const struct bsq_design *d,
                              const char *rn);
const char *bsq_gen_emit_gearbox(bsq_buf *b, const struct bsq_design *d,
                                 const char *rn);
/* --byte-tdata: the pad bits that make `bits` a whole number of bytes (0
 * when off), and the top's declarations for them: pk_word (the packer's
 * word, zero-extended into m_axis_tdata by bsq_gen_emit_gearbox) and a
 * sink for s_axis_tdata's pad above in_bits. */
int bsq_gen_pad_bits(int bits, int byte_tdata);
void bsq_gen_emit_tdata_pad(bsq_buf *b, const struct bsq_design *d,
                            int in_bits);
/* A valid prefix: [A-Za-z][A-Za-z0-9_]*, at most BSQ_GEN_NAME_MAX chars,
 * not ending in '_' followed by digits only. 0 or BSQ_EINVAL. */
int bsq_gen_name_check(const char *name);

/* How a threshold compares: against a literal, or folded to a constant. */
enum { BSQ_CMP_LIT = 0, BSQ_CMP_ALWAYS = 1, BSQ_CMP_NEVER = 2 };

typedef struct {
  int64_t T;          /* integer threshold */
  int kind;           /* BSQ_CMP_* */
  int trained;        /* index in trained order */
  char lit[48];       /* sized literal at the feature's width W; a
                         never-exceeded threshold is T = hi, which fits */
  char lit_wide[48];  /* sized signed literal at W + 1 bits */
  char phys[40];      /* physical threshold, %.9g */
} bsq_gen_thr;

/* One stage of the pipelined binary search of one feature. */
typedef struct {
  int wide;      /* compares at W + 1 bits (a folded-low entry is present) */
  int constant;  /* every entry folded: no comparator */
  int uses_x;    /* the comparator reads the code */
  int needs_x;   /* this or a later stage reads the code */
} bsq_gen_stage;

typedef struct {
  int index;
  char name[72];      /* escaped for comments */
  int bits, width, is_signed, n;
  int in_lsb;         /* first bit in s_axis_tdata */
  int out_lsb;        /* first bit in the frame */
  int code_used;      /* some comparator reads the code */
  int64_t lo, hi;
  double offset, scale; /* value = offset + code * scale */
  bsq_fmt_from from;  /* fitted, sensor spec or raw codes */
  char unit[BSQ_UNIT_MAX]; /* of a sensor format, or "" */
  bsq_gen_thr *thr;   /* (n) ascending */
  bsq_gen_stage stage[BSQ_MAX_BITS];
} bsq_gen_feat;

typedef struct bsq_design {
  bsq_gen_opts opt;
  int F, B, K, in_bits;
  int stages;         /* quantizer register stages: 2 (flash) or max b_f */
  int words_per_frame;
  uint64_t hash;
  char hash_hex[17];
  int c_wide;         /* C header needs int64_t codes */
  bsq_gen_feat *feat; /* (F) */
  struct bsq_gen_serial *ser; /* arch serial: its description, else NULL */
  int sync_slots;     /* opt.sync on: marker slots M (bsq_sync_marker_slots) */
  char *sync_marker;  /* opt.sync on: the marker as a sized literal of
                         M * B bits, slot i in bits i*B .. i*B+B-1 (from
                         bsq_sync_marker_slot); else NULL */
} bsq_design;

int bsq_design_build(bsq_design *d, const bsq_model *m,
                     const bsq_gen_opts *o, bsq_diag *diag);
void bsq_design_free(bsq_design *d);

/* A sized Verilog literal of v at width w (signed: 12'sd5, -12'sd5, the
 * most negative value as its bit pattern 12'sh800). */
void bsq_gen_lit(char *out, size_t cap, int64_t v, int w, int is_signed);

/* The comment line of threshold j of feature g (sorted position, trained
 * index, integer and physical value), shared by the Verilog and C
 * emitters. */
void bsq_gen_thr_comment(char *out, size_t cap, const bsq_gen_feat *g, int j);

/* Each returns a malloc'ed NUL-terminated file text, or NULL (out of
 * memory). */
char *bsq_emit_quant(const bsq_design *d);
char *bsq_emit_top(const bsq_design *d);
char *bsq_emit_c_header(const bsq_design *d);

/* Writes every file into dir (created if missing); bsq_packer.v (and with
 * sync on bsq_framer.v) is copied from rtl_dir (where bsq ships its hand-written RTL; the caller knows).
 * Files whose content is already the same are left alone; *nwritten (may
 * be NULL) counts those written. */
int bsq_gen_write(const bsq_design *d, const char *rtl_dir, const char *dir,
                  int *nwritten, bsq_diag *diag);

/* The marker line every generated top carries, and its parser: recovers
 * name, arch, K, mode and the RTL choices (sync among them) from an
 * existing NAME_encoder.v (bsq sim --rtl, bsq lint). */
int bsq_gen_read_params(const char *dir, bsq_gen_opts *o, char *hash_hex,
                        bsq_diag *diag);

#endif
