/* bsq — hardware reports with open tools (`bsq synth`): what is
 * synthesized, how it is synthesized, and the formal equivalence proof.
 *
 * The unit measured is the quantizer bank, the same for every architecture
 * so that the figures compare: input register (all feature codes) ->
 * quantizers -> levels, registered. The bit packer and the AXI handshake
 * are not included (they are the same for every architecture). Three
 * architectures, all generated from the same integer thresholds:
 *   flash   NAME_flash_quant.v  (bsq_emit_quant, arch flash)
 *   search  NAME_search_quant.v (bsq_emit_quant, arch search)
 *   naive   NAME_naive_quant.v  the encoder as written by hand: level =
 *           sum of (x > T) terms, registered (bsq_emit_naive_quant)
 * Each has a wrapper NAME_<arch>_bank.v (bsq_emit_bank) whose marker line
 * records the latency the generator built in:
 *   // bsq-synth: arch=flash quant=NAME_flash_quant latency=3
 * Latency counts register stages from codes_i to levels_o (the input
 * register included); throughput is one frame per clock for all three.
 *
 * Flows (Yosys, nextpnr-ice40), one work directory per run:
 *   generic  synth -flatten; stat                      -> cells by type
 *   ice40    synth_ice40 -flatten; stat                -> LUT4, SB_CARRY,
 *            flip-flops; nextpnr-ice40 --hx8k --package ct256 --seed s for
 *            each seed -> ICESTORM_LC and Fmax; the median Fmax is reported
 *   cmos     synth -flatten; async2sync; dffunmap; abc -g cmos2;
 *            stat -tech cmos                           -> transistors
 * Proof: bsq_synth_prove(). Latency cross-check: bsq_synth_latency_sim(). */
#ifndef BSQ_SYNTH_H
#define BSQ_SYNTH_H

#include "err.h"
#include "gen.h"
#include "model.h"

enum { BSQ_SYN_FLASH = 0, BSQ_SYN_SEARCH = 1, BSQ_SYN_NAIVE = 2,
       BSQ_SYN_NARCH = 3 };
#define BSQ_SYNTH_MAX_SEEDS 9
#define BSQ_SYNTH_MARK "// bsq-synth:"

const char *bsq_synth_arch_name(int a);

/* Figures for one architecture; -1 (or < 0 for doubles) = not measured. */
typedef struct {
  int present;          /* the files exist and were synthesized */
  int latency;          /* from the design (marker line) */
  int latency_sim;      /* measured in simulation */
  long cells_generic;
  char cells_by_type[2048]; /* JSON object text, "{}" when not run */
  long luts, carry_cells, dffs, brams, logic_cells;
  double fmax_mhz;      /* median over the seeds */
  double fmax_seed[BSQ_SYNTH_MAX_SEEDS];
  int nseeds;
  long transistors;
  int equivalent;       /* -1 not proven; 1 level function equal to flash's
                           for every feature (flash: search and naive both
                           equal to it); 0 otherwise */
} bsq_synth_arch;

/* The naive quantizer (module NAME_quant for d->opt.name = NAME): same
 * ports as bsq_emit_quant's, level = sum of (x > T) comparisons,
 * registered once. malloc'ed text or NULL. */
char *bsq_emit_naive_quant(const bsq_design *d);

/* The bank wrapper NAME_bank around module NAME_quant: input register,
 * quantizers always enabled, levels out. latency = register stages from
 * codes_i to levels_o. malloc'ed text or NULL. */
char *bsq_emit_bank(const bsq_design *d, const char *arch, int latency);

/* Writes NAME_<arch>_quant.v and NAME_<arch>_bank.v for the architectures
 * with want[a] set (naive always allowed) into dir. */
int bsq_synth_write_rtl(const bsq_model *m, const char *name,
                        const int want[BSQ_SYN_NARCH], const char *dir,
                        bsq_diag *diag);

/* Reads the marker of dir/NAME_<arch>_bank.v: 0 and *latency, or
 * BSQ_EIO (file absent) / BSQ_EFORMAT (no valid marker). */
int bsq_synth_read_bank(const char *dir, const char *name, int arch,
                        int *latency, bsq_diag *diag);

/* The three flows on dir/NAME_<arch>_{quant,bank}.v; logs go to work.
 * BSQ_ETOOL (tool missing or failed, diag says which and where the log
 * is). For ice40, *pnr_note gets a note when nextpnr-ice40 is absent (the
 * Yosys figures are still filled in) and 0 is returned. */
int bsq_synth_generic(const char *dir, const char *work, const char *name,
                      int arch, bsq_synth_arch *r, bsq_diag *diag);
int bsq_synth_ice40(const char *dir, const char *work, const char *name,
                    int arch, int seeds, bsq_synth_arch *r, char *pnr_note,
                    size_t note_cap, bsq_diag *diag);
int bsq_synth_cmos(const char *dir, const char *work, const char *name,
                   int arch, bsq_synth_arch *r, bsq_diag *diag);

/* Runs the bank under Icarus on random frames, one per clock, and finds
 * the delay L at which levels_o equals the C model's levels of the frame
 * presented L clocks earlier, on every cycle. 0 and *latency, BSQ_EMISMATCH
 * (no delay fits: the design is not bit-exact or not one frame per clock),
 * or BSQ_ETOOL. */
int bsq_synth_latency_sim(const bsq_model *m, const char *dir,
                          const char *work, const char *name, int arch,
                          int *latency, bsq_diag *diag);

/* Formal equivalence with Yosys: for every feature, the level computed by
 * the search and by the naive quantizer equals flash's for every input
 * code. The quantizers run side by side on the same codes, their outputs
 * delayed to a common latency L; `sat -seq L+2 -prove-skip L -prove`
 * from an arbitrary initial state checks the two steps after the pipeline
 * has filled, where each output is a function of the free codes presented
 * L - 1 cycles earlier only (a feed-forward pipeline): every code, every
 * initial state.
 * eq[a][f] (a = search, naive) gets 1 proven equal, 0 counterexample
 * found; rows of absent architectures are -1. latency[a] are the bank
 * latencies. 0 when the proofs ran (whatever their outcome), BSQ_ETOOL. */
int bsq_synth_prove(const bsq_design *d, const char *dir, const char *work,
                    const char *name, const int present[BSQ_SYN_NARCH],
                    const int latency[BSQ_SYN_NARCH], int *eq /* (3, F) */,
                    bsq_diag *diag);

#endif
