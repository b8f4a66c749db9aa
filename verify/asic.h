/* bsq — ASIC cost of a generated quantizer bank: liberty mapping (Yosys),
 * static timing and power (OpenSTA), gate-level check and switching
 * activity (Icarus with the library's Verilog cell models).
 *
 * Work directory layout (all written here, nothing else is touched):
 *   WORK/ARCH/synth.ys  yosys.log  stat.txt  netlist.v  netlist_named.v
 *   WORK/ARCH/sta_timing.tcl  sta_timing.log
 *   WORK/ARCH/codes.hex  levels.hex  tb.v  sim.vvp  sim.log  act.vcd
 *   WORK/ARCH/activity.txt (net, transitions per clock, duty)
 *   WORK/ARCH/sta_power.tcl  sta_power.log  power_a0.txt  power_a1.txt
 *
 * Tools are found in PATH (or named in the options) and run through
 * verify/run.h; the library never prints and never reads the environment.
 * A missing tool or a missing default liberty is BSQ_ETOOL naming the
 * Debian package (opensta, qflow-tech-osu018, iverilog, yosys). */
#ifndef BSQ_ASIC_H
#define BSQ_ASIC_H

#include <stddef.h>
#include <stdint.h>

#include "bank.h" /* BSQ_SYN_FLASH, BSQ_SYN_SEARCH, BSQ_SYN_NAIVE */
#include "err.h"

#define BSQ_ASIC_DEFAULT_LIBERTY \
  "/usr/share/qflow/tech/osu018/osu018_stdcells.lib"
#define BSQ_ASIC_DEFAULT_CELLS "/usr/share/qflow/tech/osu018/osu018_stdcells.v"
#define BSQ_ASIC_MAX_TYPES 64

typedef struct {
  const char *liberty;     /* NULL: BSQ_ASIC_DEFAULT_LIBERTY */
  const char *cell_models; /* Verilog models of the liberty's cells for the
                              gate-level simulation; NULL: the OSU 0.18 ones
                              when liberty is the default, else required */
  double clock_mhz;        /* timing target for the slack (0: the clock
                              the frame rate needs, one frame per clock) */
  double frame_rate_hz;    /* power and energy are at this rate (0: 1 MHz) */
  double in_delay_ns;      /* input delay w.r.t. clk (stated in the report) */
  double out_delay_ns;     /* output delay w.r.t. clk */
  int swap_gate;           /* negative test: the gate-level netlist gets its
                              first XOR2/XNOR2 (else NAND2/AND2, NOR2/OR2)
                              swapped for its complement; must then fail */
  const char *yosys, *sta, *iverilog, *vvp; /* NULL: "yosys", "sta", ... */
} bsq_asic_opts;

/* Defaults: OSU 0.18 liberty, 1 MHz frames, clock 0 (= frame rate). */
void bsq_asic_opts_default(bsq_asic_opts *o);

/* 0 when the liberty (and the cell models the gate-level check needs) can
 * be read and `sta` starts; else BSQ_ETOOL naming the Debian package
 * (qflow-tech-osu018 for the default files, opensta for sta) or BSQ_EIO
 * for a user file. *sta_version gets sta's version line. */
int bsq_asic_check_tools(const bsq_asic_opts *o, char *sta_version,
                         size_t cap, bsq_diag *diag);

typedef struct {
  char name[32];
  int count;
  int sequential; /* the liberty cell has an ff or latch group */
  double area;    /* one cell's area, liberty units */
} bsq_asic_cell;

typedef struct {
  /* ---- mapping (bsq_synth_asic) */
  char liberty_name[64]; /* library(NAME) */
  char area_unit[32];    /* liberty has no area unit attribute: "um^2" by
                            convention (checked for OSU 0.18 against LEF) */
  double area;           /* stat -liberty chip area */
  int cells;             /* all cells */
  int dffs;              /* sequential cells */
  int ntypes;
  bsq_asic_cell type[BSQ_ASIC_MAX_TYPES]; /* by type, as yosys lists them */
  int buffered;          /* ABC buffered and sized for drive_cell at every
                            input and a load of `load` (liberty units) at
                            every output; 0: the library has no inverter
                            or no load unit, unconstrained mapping */
  char drive_cell[32];
  double load;
  int latency;           /* register stages codes -> levels (bank header) */
  int samples_per_frame; /* clocks per frame: 1, or F for serial (header) */
  /* ---- timing (OpenSTA, library's default corner) */
  double clock_mhz;        /* the target the slack is at */
  double in_delay_ns, out_delay_ns;
  double critical_path_ns; /* reg -> reg: clock period minus its slack
                              (clk->Q + logic + setup); 0 if no such path */
  int critical_path_reg2reg; /* 1: reg -> reg; 0: no such path, the worst
                                path (from an input, with in_delay_ns) */
  double fmax_mhz_sta;     /* 1000 / critical_path_ns */
  double slack_ns;         /* worst slack at clock_mhz, all path groups */
  char path_start[96], path_end[96]; /* instance/pin, and the named net */
  /* ---- gate-level check and power (bsq_asic_gate_check_and_power) */
  int gate_level_check;    /* 1 passed, 0 failed, -1 not run */
  double cycles_per_frame; /* whole encoder: clocks per frame measured with
                              the output always ready (0: a bank, 1 or F) */
  int gate_frames;         /* frames simulated */
  int mismatch_frame, mismatch_feature; /* first mismatch, -1 if none */
  int nets_annotated;      /* nets given a measured activity */
  uint64_t toggles;        /* 0<->1 transitions of all nets in the window */
  int window_cycles;
  double frame_rate_hz;
  double power_clock_mhz;  /* one frame per clock: frame_rate */
  double p_internal_uw, p_switching_uw, p_leakage_uw, p_total_uw;
  double energy_pj_per_frame;  /* p_total / frame_rate */
  double leakage_pj_per_frame; /* p_leakage / frame_rate */
} bsq_synth_asic_result;

/* What is synthesized: the quantizer bank, or the whole encoder (the
 * quantizers, the packer and the AXI4-Stream handshake, NAME_<arch>_encoder
 * as `bsq gen` writes it); ENC_IO: the encoder, placed and routed inside
 * its I/O wrapper NAME_<arch>_io (when its ports outnumber the iCE40's
 * pins). */
enum { BSQ_UNIT_BANK = 0, BSQ_UNIT_ENC = 1, BSQ_UNIT_ENC_IO = 2 };

/* The output load ABC maps for, fF (asic.c lib_constraints). */
#define BSQ_ASIC_LOAD_FF 10.0

/* arch is BSQ_SYN_FLASH, BSQ_SYN_SEARCH, BSQ_SYN_NAIVE or BSQ_SYN_SERIAL
 * (one code per clock: the clock is F times the frame rate, and the
 * gate-level check drives F codes per frame and checks valid_o too).
 * Maps DIR/NAME_ARCH_quant.v + NAME_ARCH_bank.v (top NAME_ARCH_bank, ports
 * clk, rst_n, codes_i, levels_o) to the liberty, then times the netlist
 * with OpenSTA at o->clock_mhz (rst_n a false path). Fills the mapping and
 * timing fields of r; the rest is reset (gate_level_check = -1).
 * BSQ_ETOOL when a tool fails (diag names it and its log), BSQ_EPARSE
 * when its output cannot be read, BSQ_EIO for files. */
int bsq_synth_asic(const char *dir, const char *work, const char *name,
                   int arch, const bsq_asic_opts *o,
                   bsq_synth_asic_result *r, bsq_diag *diag);
/* The same for unit BSQ_UNIT_BANK or BSQ_UNIT_ENC: the whole encoder
 * (DIR/NAME_ARCH_encoder.v, the quantizers, bsq_packer.v and bsq_framer.v
 * when there; input delays on s_axis_* and m_axis_tready), in
 * WORK/ARCH_enc. Latency and the clock come from the bank's header,
 * which must be in DIR too. No gate-level check or power for the
 * encoder here (bsq_asic_encoder_check_and_power). */
int bsq_synth_asic_unit(const char *dir, const char *work, const char *name,
                        int arch, int unit, const bsq_asic_opts *o,
                        bsq_synth_asic_result *r, bsq_diag *diag);

/* After bsq_synth_asic_unit(..., BSQ_UNIT_ENC, ...) on the same
 * work/name/arch: simulates the mapped whole encoder with Icarus and the
 * cell models on N frames (N >= 16): tdata (N beats of ceil(tdata_bits/8)
 * bytes, bsq_tdata_pack) on s_axis_tdata as fast as s_axis_tready takes
 * them, m_axis_tready always high; every word that leaves is compared with
 * words (NW, K bits: what the C model's packer gives for the N frames, in
 * order; with tuser, the encoder has frame sync: s_axis_tuser is held low
 * and words are the framer's). A wrong word, or one missing, gives
 * BSQ_EMISMATCH naming it (its
 * index in mismatch_frame). Activities over the frames after the first
 * tenth; r->cycles_per_frame from the same window; power at the clock
 * o->frame_rate_hz needs at that many clocks a frame; energy per frame. */
int bsq_asic_encoder_check_and_power(const char *work, const char *name,
                                     int arch, const bsq_asic_opts *o,
                                     int tdata_bits, int K, int tuser, int N,
                                     const uint8_t *tdata, int NW,
                                     const uint64_t *words,
                                     bsq_synth_asic_result *r, bsq_diag *diag);

/* After bsq_synth_asic on the same work/name/arch: simulates the mapped
 * netlist with Icarus and the cell models on N frames, one per clock:
 * codes (N, F) are the input codes, levels (N, F) the levels the C model
 * gives for them (bsq_encoder_levels); width (F) and bits (F) the layout.
 * Every frame's levels are compared; the first mismatch gives
 * BSQ_EMISMATCH with diag "frame N feature F: got G, expected E".
 * The toggles of every net of the netlist are counted over the frames
 * after the pipeline has filled (transitions per clock, duty). OpenSTA
 * gives every instance's power at activity 0 and 1 per clock at a clock of
 * o->frame_rate_hz (one frame per clock); each instance's power is the
 * interpolation at the measured activity of its outputs, summed into the
 * power and energy fields. N must exceed r->latency. */
int bsq_asic_gate_check_and_power(const char *work, const char *name,
                                  int arch, const bsq_asic_opts *o, int F,
                                  const int *width, const int *bits, int N,
                                  const int64_t *codes, const uint8_t *levels,
                                  bsq_synth_asic_result *r, bsq_diag *diag);

#endif
