/* bsq — bit-exact co-simulation of a generated encoder against the C
 * model (`bsq sim`): Verilator with the harness in sim/harness.cpp, and
 * Icarus with the testbench sim/bsq_tb.v, on the same stimulus
 * (codegen/stim.h).
 *
 * bsq_sim_run() is the whole check: the design (generated, or read from a
 * directory `bsq gen` wrote), the stimulus, one or both simulators, a
 * bsq_sim_report. bsq_sim_verilator() / bsq_sim_icarus() are its two runs,
 * for a caller that has its own design and vectors. */
#ifndef BSQ_SIM_H
#define BSQ_SIM_H

#include <stdint.h>

#include "err.h"
#include "gen.h"
#include "model.h"
#include "run.h"
#include "stim.h"

/* One simulator's run. */
typedef struct {
  int ran;             /* the simulation ran */
  int ok;              /* ... and every word and frame checked out */
  uint64_t frames, words, mismatches, accepted, total, discarded, partial,
      cycles;
  uint64_t axi_violations; /* broken AXI4-Stream rules (sim/harness_common.h) */
  /* frame sync (Verilator): what the C model's receiver found in the words
   * the design sent (sim/harness_common.h SyncRx); bad: frames it found
   * that were not those sent */
  uint64_t sync_frames, sync_groups, sync_resyncs, sync_skipped_bits,
      sync_dropped, sync_tail, sync_bad;
  double seconds;      /* simulation time (not the build) */
  double build_seconds; /* building the simulator, or finding it cached */
  int cached;          /* Verilator: the harness came from the cache */
  /* The first mismatch the simulator reported; -1 where it did not say. */
  int64_t first_cycle, first_word, first_frame, first_code;
  int first_feature, first_exp_level, first_got_level;
  char first[512];     /* its %Error line, "" when there was none */
  char first_axi[512]; /* the first broken rule's %Error line, or "" */
  char error[512];     /* why there is no result, when there is none */
} bsq_sim_result;

/* What one run simulates. */
typedef struct {
  const bsq_tool_paths *paths;
  const char *work;        /* existing directory: build, logs, outputs */
  const char *rtl;         /* directory with NAME_encoder.v, NAME_quant.v,
                              bsq_packer.v */
  const char *model_path;  /* the model file (the harness loads it) */
  const char *vec_path;    /* vectors (bsq_stim_write), Verilator only */
  const char *trace;       /* waveform file, Verilator only; NULL none */
  bsq_gen_opts opt;        /* the design's name, K, mode */
  double backpressure;     /* stall probability in [0, 1) */
  uint64_t seed;
  uint64_t reset_at;       /* frame before which to reset; UINT64_MAX none */
  uint64_t drop_word;      /* fault injection; UINT64_MAX none */
  bsq_log_fn log;          /* simulator lines (BSQ_LOG_TOOL); may be NULL */
  void *log_user;
  const char *cache_dir;   /* build cache (verify/simcache.h); NULL none */
  const bsq_beats *beats;  /* arch serial: the beats vec_path holds (Icarus
                              drives them too); NULL otherwise */
} bsq_sim_job;

/* Both: 0 pass; BSQ_EMISMATCH the simulation failed or gave no result
 * (r->error says why when it gave none); BSQ_ETOOL a tool is missing or
 * the build failed (*tail_log, when not NULL, gets the log to show), or
 * another code, with diag. The simulator's %Error lines go to the log. */
int bsq_sim_verilator(const bsq_sim_job *j, const bsq_model *m,
                      bsq_sim_result *r, char *tail_log, size_t cap,
                      bsq_diag *diag);
int bsq_sim_icarus(const bsq_sim_job *j, const bsq_model *m,
                   const bsq_stim *s, bsq_sim_result *r, char *tail_log,
                   size_t cap, bsq_diag *diag);

/* Frames per second of a run, 0 when it took no time. */
double bsq_sim_fps(const bsq_sim_result *r);

typedef struct {
  const bsq_tool_paths *paths;
  const char *work;        /* existing work directory */
  const char *rtl_dir;     /* simulate this design (name, arch, K, mode from
                              its marker line); NULL: generate from opt */
  const char *model_path;  /* the model file m was loaded from */
  bsq_gen_opts opt;        /* design options when generating */
  uint64_t frames;         /* random frames and at most this many data set
                              frames (default 10000) */
  int sweep, reset;        /* code sweep, reset mid-stream (default 1, 1) */
  double backpressure;     /* default 0.3 (0: no stalls at all) */
  uint64_t seed;           /* default 1 */
  uint64_t drop_word;      /* default UINT64_MAX */
  const char *trace;       /* default NULL */
  int verilator, icarus;   /* which simulators (default Verilator only) */
  bsq_log_fn log;          /* notes, warnings, simulator lines, failures */
  void *log_user;
  const char *cache_dir;   /* keep and reuse Verilator builds here
                              (verify/simcache.h); default NULL: none */
} bsq_sim_cfg;

void bsq_sim_cfg_default(bsq_sim_cfg *c);

typedef struct {
  bsq_gen_opts opt;        /* the design simulated */
  char model_hash[17];
  int F, B, in_bits;
  uint64_t n_sweep, n_random, n_data;
  uint64_t n_beats, n_early, n_late; /* arch serial: beats, and frames with
                                        a misplaced tlast among them */
  bsq_sim_result verilator, icarus;
  char tail_log[4096];     /* a failed tool's log to show, or "" */
} bsq_sim_report;

/* 0 every simulator passed; BSQ_EMISMATCH the runs finished and one
 * failed (the report is complete); another code: stopped, diag says why
 * (and r->tail_log may name the tool's log). */
int bsq_sim_run(const bsq_sim_cfg *c, const bsq_model *m, bsq_sim_report *r,
                bsq_diag *diag);

/* The report of a run of c as one JSON object and a newline ("pass": the
 * value given), or as text: the design line (after the caller's prefix),
 * the stimulus line, then each simulator's counts. Malloc'ed (caller
 * frees); NULL when out of memory. */
char *bsq_sim_report_json(const bsq_sim_cfg *c, const bsq_sim_report *r,
                          int pass);
char *bsq_sim_report_text(const bsq_sim_cfg *c, const bsq_sim_report *r);

#endif
