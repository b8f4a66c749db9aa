/* bsq — hardware reports with open tools (`bsq synth`): how the banks of
 * codegen/bank.h are synthesized, the latency cross-check, the formal
 * equivalence proof, and the whole pipeline as one call with its report.
 *
 * Flows (Yosys, nextpnr-ice40), one work directory per run:
 *   generic  synth -flatten; stat                      -> cells by type
 *   ice40    synth_ice40 -flatten; stat                -> LUT4, SB_CARRY,
 *            flip-flops; nextpnr-ice40 --hx8k --package ct256 --seed s for
 *            each seed -> ICESTORM_LC and Fmax; the median Fmax is reported
 *   cmos     synth -flatten; async2sync; dffunmap; abc -g cmos2;
 *            stat -tech cmos                           -> transistors
 *   asic     dfflibmap + abc -liberty; OpenSTA; Icarus gate-level sim
 *            of the model's frames                      -> area, timing,
 *            energy per frame, gate-level check (verify/asic.h)
 * Proof: bsq_synth_prove(). Latency cross-check: bsq_synth_latency_sim().
 * Pipeline: bsq_synth_run(): designs -> latency in simulation -> flows ->
 * proof, into a bsq_synth_report, written by bsq_synth_report_json/_md. */
#ifndef BSQ_SYNTH_H
#define BSQ_SYNTH_H

#include <stddef.h>

#include "asic.h"
#include "bank.h"
#include "err.h"
#include "gen.h"
#include "model.h"
#include "run.h"

#define BSQ_SYNTH_MAX_SEEDS 9
#define BSQ_SYNTH_MAX_NOTES 8

/* The units synthesized (BSQ_UNIT_*): asic.h. */

/* iCE40 HX8K ct256 user I/O: an encoder with more ports is placed and
 * routed in its I/O wrapper. */
#define BSQ_ICE40_IO 206

/* nextpnr-ice40's target clock without --clock-mhz. */
#define BSQ_ICE40_DEFAULT_MHZ 100.0

/* Figures for one architecture; -1 (or < 0 for doubles) = not measured. */
typedef struct {
  int present;          /* the files exist and were synthesized */
  int latency;          /* from the design (marker line) */
  int samples_per_frame; /* clocks per frame: 1, or F for serial (marker) */
  int latency_sim;      /* measured in simulation */
  long cells_generic;
  char cells_by_type[2048]; /* JSON object text, "{}" when not run */
  long luts, carry_cells, dffs, brams, logic_cells;
  double fmax_mhz;      /* median over the seeds */
  double freq_mhz;      /* nextpnr --freq */
  double slack_ns;      /* 1/freq - 1/fmax (median); < -1e8: not measured */
  int io_wrapped;       /* placed and routed in the I/O wrapper: logic cells
                           and Fmax include it (LUTs, carry cells and
                           flip-flops are the encoder's own) */
  double fmax_seed[BSQ_SYNTH_MAX_SEEDS];
  int nseeds;
  long transistors;
  int equivalent;       /* -1 not proven; 1 level function equal to flash's
                           for every feature (flash: search and naive both
                           equal to it); 0 otherwise */
  int asic_mapped;      /* the asic target mapped and timed it */
  bsq_synth_asic_result asic; /* gate_level_check -1: not simulated */
} bsq_synth_arch;

/* The three flows on one unit (BSQ_UNIT_*) of architecture arch:
 * dir/NAME_<arch>_{quant,bank}.v, or NAME_<arch>_{quant,encoder,io}.v and
 * bsq_packer.v; logs go to work. BSQ_ETOOL (tool missing or failed, diag
 * says which and where the log is). For ice40, nextpnr aims at freq_mhz;
 * *pnr_note gets a note when nextpnr-ice40 is absent or cannot place the
 * unit (the Yosys figures are still filled in) and 0 is returned. */
int bsq_synth_generic(const char *dir, const char *work, const char *name,
                      int arch, int unit, bsq_synth_arch *r, bsq_diag *diag);
int bsq_synth_ice40(const char *dir, const char *work, const char *name,
                    int arch, int unit, int seeds, double freq_mhz,
                    bsq_synth_arch *r, char *pnr_note, size_t note_cap,
                    bsq_diag *diag);
int bsq_synth_cmos(const char *dir, const char *work, const char *name,
                   int arch, int unit, bsq_synth_arch *r, bsq_diag *diag);

/* Runs the bank under Icarus on random frames, one per clock, and finds
 * the delay L at which levels_o equals the C model's levels of the frame
 * presented L clocks earlier, on every cycle. 0 and *latency, BSQ_EMISMATCH
 * (no delay fits: the design is not bit-exact or not one frame per clock),
 * or BSQ_ETOOL. */
int bsq_synth_latency_sim(const bsq_model *m, const char *dir,
                          const char *work, const char *name, int arch,
                          int *latency, bsq_diag *diag);

/* The same for the serial bank (arch BSQ_SYN_SERIAL, verify/synth_serial.c;
 * bsq_synth_latency_sim calls it): one code per clock, and the frame's
 * levels must show with valid_o exactly once every F clocks, L clocks
 * after its last code entered; valid_o low in between. */
int bsq_synth_latency_sim_serial(const bsq_model *m, const char *dir,
                                 const char *work, const char *name,
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

/* ---- the pipeline --------------------------------------------------------- */

typedef struct {
  const char *rtl_dir; /* the designs: a directory an earlier run kept
                          (NAME_<arch>_{quant,bank}.v, used as they are), or
                          NULL: generate them (and model.json) into work */
  const char *work;    /* existing work directory: scripts, logs, designs */
  const char *name;    /* module prefix (default "bsq") */
  const char *packer_v; /* rtl/bsq_packer.v: the whole encoders are
                          generated and measured beside the banks (flash
                          and search); NULL: banks only */
  int want[BSQ_SYN_NARCH]; /* architectures (default all; naive always) */
  int t_generic, t_ice40, t_cmos; /* targets (default all) */
  int t_asic;          /* 0 off, 1 on (sta or the liberty missing is
                          BSQ_ETOOL), 2 on when they are there, else a note
                          (the default: part of `all`) */
  bsq_asic_opts asic;  /* liberty, cell models, clock, frame rate, delays */
  int asic_frames;     /* frames of the gate-level check and activity
                          (default 1000): the model's data set rows, or
                          random frames when it cannot be rebuilt */
  bsq_gen_opts choices; /* pipeline, datapath_reset of flash and search
                          when the designs are generated (defaults: as
                          `bsq gen` writes them); sync: the whole encoders
                          with frame sync (--sync N) */
  int prove;           /* the proof (needs flash and search; serial is
                          checked by simulation instead) */
  int pick;            /* --arch auto: pick the smallest of flash, search
                          and serial (by the target's area figure) that
                          meets asic.frame_rate_hz (at asic.clock_mhz when
                          given, else at the clock its Fmax allows) */
  int seeds;           /* nextpnr seeds, 1..BSQ_SYNTH_MAX_SEEDS (default 3) */
  int jobs;            /* tool runs side by side (the latency check, the
                          flows of each bank, asic, the proof); default 0:
                          one per core. The report does not depend on it */
  bsq_log_fn log;      /* progress and failed checks; may be NULL */
  void *log_user;
} bsq_synth_cfg;

void bsq_synth_cfg_default(bsq_synth_cfg *c);

typedef struct {
  char model_hash[17];
  int F, in_bits, B;
  int t_generic, t_ice40, t_cmos, seeds;
  int t_asic;          /* the asic target ran */
  char yosys_ver[256], nextpnr_ver[256]; /* "" when not found */
  char sta_ver[64];
  char liberty[512];   /* asic: the liberty file, its name and area unit */
  char liberty_name[64], area_unit[32];
  double clock_mhz, frame_rate_hz, power_clock_mhz, in_delay_ns, out_delay_ns;
  int asic_frames, asic_data_frames; /* frames simulated; from the data set */
  int generated;       /* the designs were generated with these choices: */
  int pipeline, datapath_reset, sync;
  bsq_synth_arch r[BSQ_SYN_NARCH];
  bsq_synth_arch e[BSQ_SYN_NARCH]; /* the whole encoders (present: measured) */
  int enc_K, enc_aligned, enc_io; /* their word width, mode, and ports */
  int proved;          /* the proof ran */
  int all_eq;          /* ... and found every architecture equal */
  int nfailed;         /* failed checks (latency, proof) */
  int picked;          /* --arch auto: the architecture (BSQ_SYN_*), or -1
                          none meets the frame rate */
  char pick_why[800];  /* ... and why, for the report and stderr */
  char notes[BSQ_SYNTH_MAX_NOTES][800];
  int nnotes;
} bsq_synth_report;

/* Runs the pipeline on model m. 0: every check passed; BSQ_EMISMATCH: the
 * run finished but a latency cross-check or the proof failed (each sent to
 * the log as BSQ_LOG_ERROR; the report is complete); any other code: the
 * run stopped, diag says why, the report is not to be printed. */
int bsq_synth_run(const bsq_synth_cfg *c, const bsq_model *m,
                  bsq_synth_report *r, bsq_diag *diag);

/* The report as JSON (no final newline) and as a Markdown table; malloc'ed
 * text or NULL (out of memory). */
char *bsq_synth_report_json(const bsq_synth_report *r);
char *bsq_synth_report_md(const bsq_synth_report *r);

/* Writes the Markdown report to md_path and the JSON report beside it
 * (md_path with .json for .md, or md_path.json). 0, BSQ_EIO, BSQ_ENOMEM. */
int bsq_synth_report_write(const bsq_synth_report *r, const char *md_path,
                           bsq_diag *diag);

#endif
