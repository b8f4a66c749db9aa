/* bsq — co-simulation stimulus: the code vectors `bsq sim` drives into the
 * generated encoder, and the files the simulators read.
 *
 * Sections, in order (docs/design.md, section 4):
 *   sweep   every code of every feature when W_f <= 16, otherwise lo, hi
 *           and T-1, T, T+1 of every in-range threshold; feature f walks
 *           its own list, so the section is as long as the longest list
 *   random  uniform codes and codes next to a random threshold, half each
 *   data    the rows of the model's own data set, if it can be rebuilt
 *
 * The vector file (read by sim/harness.cpp) is a bsq_vec_header followed
 * by nframes * F int64 codes, feature 0 first (model/stream.h). */
#ifndef BSQ_STIM_H
#define BSQ_STIM_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "model.h"
#include "serial.h"
#include "stream.h"
#include "sync.h"

typedef struct {
  int F;
  uint64_t n, n_sweep, n_random, n_data;
  int64_t *codes; /* (n, F) */
  char note[600]; /* why dataset frames are missing, if they are */
} bsq_stim;

typedef struct {
  uint64_t random_frames; /* random section length */
  uint64_t data_frames;   /* at most this many data set rows; 0: none */
  uint64_t seed;
  int sweep;              /* include the sweep section */
} bsq_stim_opts;

int bsq_stim_build(bsq_stim *s, const bsq_model *m, const bsq_stim_opts *o,
                   bsq_diag *diag);
void bsq_stim_free(bsq_stim *s);

/* The binary vector file for the Verilator harness. */
int bsq_stim_write(const bsq_stim *s, const bsq_model *m, const char *path,
                   bsq_diag *diag);

/* Icarus: DIR/frames.hex (one s_axis_tdata per line) and DIR/expect.hex
 * (one {tlast, word} per line): the C model's packer over every frame in
 * order, no reset; the words of the final partial word are not included
 * (the RTL keeps them). *nwords gets the word count.
 * With sync = N > 0 (frame sync, model/sync.h) a line of frames.hex is
 * {tuser, s_axis_tdata}: the flush flag, set on one frame in 8 (drawn from
 * seed) and on the last; the words are the C model's framer's over the
 * same frames and flags, from its reset on, so every frame's bits are in. */
int bsq_stim_write_hex(const bsq_stim *s, const bsq_model *m, int K,
                       bsq_mode mode, int sync, uint64_t seed, const char *dir,
                       uint64_t *nwords, bsq_diag *diag);

/* One hex line of the low `bits` bits of buf (little-endian bytes), most
 * significant digit first, as $readmemh reads it. */
void bsq_stim_put_hex(FILE *fp, const uint8_t *buf, int bits);

/* ---- serial input (`--arch serial`): one code per beat ---------------- */

/* The beats of s: frame i's codes on channels 0..F-1, tlast on the last.
 * Every `bad_every`-th frame of the random section (0: none) gets a
 * misplaced tlast instead, early and late in turn (late only for F = 1):
 * early ends the frame on a channel before F-1, late leaves tlast off
 * channel F-1 and sends one to three extra beats, the last with tlast. */
typedef struct {
  uint64_t n, n_early, n_late;
  bsq_beat *beat; /* (n) */
} bsq_beats;

int bsq_stim_beats(bsq_beats *bt, const bsq_stim *s, const bsq_model *m,
                   uint64_t bad_every, bsq_diag *diag);
void bsq_beats_free(bsq_beats *bt);
/* The binary beat file for the serial harness (model/serial.h). */
int bsq_beats_write(const bsq_beats *bt, const bsq_stim *s,
                    const bsq_model *m, const char *path, bsq_diag *diag);
/* Icarus: DIR/beats.hex (one {tlast, s_axis_tdata} per line) and
 * DIR/expect.hex (one {tlast, word} per line) from the serial reference
 * over every beat, no reset; *nwords, *err and *drops get what the
 * reference ends with. With sync = N > 0 a line of beats.hex is
 * {tuser, tlast, s_axis_tdata}, tuser set on one beat in 8 (from seed) and
 * on the last; a frame the reference completes goes through the C model's
 * framer with the tuser of its tlast beat. */
int bsq_beats_write_hex(const bsq_beats *bt, const bsq_model *m, int K,
                        bsq_mode mode, int sync, uint64_t seed,
                        const char *dir, uint64_t *nwords, int *err,
                        unsigned *drops, bsq_diag *diag);

#endif
