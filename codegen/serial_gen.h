/* bsq — the time-multiplexed encoder (`--arch serial`, docs/design.md
 * 3.5): its description and its Verilog.
 *
 * One code per beat on s_axis_tdata (as wide as the widest feature),
 * channels 0..F-1 in order, s_axis_tlast on channel F-1. One shared
 * quantizer: a pipelined binary search over the channel's thresholds, one
 * comparator per level bit of the widest feature (S = max b_f stages).
 * Stage s compares the code with the entry of a constant table selected
 * by {channel, the s level bits decided so far}. A feature with b_f < S
 * bits has its list padded with never-exceeded entries (its code range's
 * top), so the S-bit search gives its level in the low b_f bits. The
 * levels of a frame are written into one frame register, field by field,
 * which feeds the packer; the frame is valid after channel F-1 of a frame
 * with a well-placed tlast (model/serial.h has the rule). Everything is
 * computed here (bsq_serial_design_build) and only printed by the emitters.
 *
 * Files: NAME_encoder.v (top: tlast check, channel counter, error flag
 * and drop counter, input register, quantizer, packer) and NAME_quant.v
 * (shared quantizer and frame register). bsq synth's bank around the same
 * quantizer is bsq_emit_serial_bank. */
#ifndef BSQ_SERIAL_GEN_H
#define BSQ_SERIAL_GEN_H

#include <stdint.h>

#include "gen.h"

/* One table entry: what stage s compares a channel's code with. */
typedef struct {
  int64_t v;     /* value, in the comparator's domain */
  int thr;       /* the feature's sorted threshold index, or -1: padding */
  char lit[48];  /* v as a literal at the comparator width */
} bsq_gen_sentry;

struct bsq_gen_serial {
  int tw;        /* s_axis_tdata width: the widest W_f */
  int cw;        /* channel index width, >= 1 */
  int xw;        /* comparator width */
  int xsigned;   /* compare as signed (some code or entry is negative) */
  int same_ext;  /* every feature has the same width and signedness */
  int S;         /* search stages: max b_f */
  int drop_bits; /* drop_count_o width */
  bsq_gen_sentry *rom; /* (S, F, 2^(S-1)): entry [s][c][p], p < 2^s */
};

/* The description of d (already built for arch serial); NULL when out of
 * memory. */
struct bsq_gen_serial *bsq_serial_design_build(const bsq_design *d,
                                               const bsq_encoder *e);
void bsq_serial_design_free(struct bsq_gen_serial *s);

char *bsq_emit_serial_quant(const bsq_design *d);
char *bsq_emit_serial_top(const bsq_design *d);
/* The synthesis bank NAME_bank (ports clk, rst_n, codes_i = one sample,
 * valid_o, levels_o): input register and a free-running channel counter,
 * one sample per clock, the quantizer always enabled. */
char *bsq_emit_serial_bank(const bsq_design *d, const char *arch, int latency);

#endif
