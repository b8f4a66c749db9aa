/* bsq — the designs `bsq synth` measures, beside the encoder gen.h writes.
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
 * The proof harness (bsq_emit_prove) puts the quantizers side by side.
 *   serial  NAME_serial_quant.v, NAME_serial_bank.v (codegen/serial_gen.h):
 *           one code per clock on codes_i, the frame on levels_o with
 *           valid_o once every F clocks; its marker adds
 *           samples_per_frame=F, and latency counts from the frame's last
 *           code. It is checked by simulation, not by the proof. */
#ifndef BSQ_BANK_H
#define BSQ_BANK_H

#include "err.h"
#include "gen.h"
#include "model.h"

enum { BSQ_SYN_FLASH = 0, BSQ_SYN_SEARCH = 1, BSQ_SYN_NAIVE = 2,
       BSQ_SYN_SERIAL = 3, BSQ_SYN_NARCH = 4 };
#define BSQ_SYNTH_MARK "// bsq-synth:"

const char *bsq_synth_arch_name(int a);

/* The naive quantizer (module NAME_quant for d->opt.name = NAME): same
 * ports as bsq_emit_quant's, level = sum of (x > T) comparisons,
 * registered once. malloc'ed text or NULL. */
char *bsq_emit_naive_quant(const bsq_design *d);

/* The bank wrapper NAME_bank around module NAME_quant: input register,
 * quantizers always enabled, levels out. latency = register stages from
 * codes_i to levels_o. malloc'ed text or NULL. */
char *bsq_emit_bank(const bsq_design *d, const char *arch, int latency);

/* NAME_prove: the quantizers NAME_<arch>_quant of the present
 * architectures side by side on the same codes, outputs delayed to the
 * largest latency, one output eq_<arch>_f<f> per feature and architecture
 * other than flash (level equal to flash's). malloc'ed text or NULL. */
char *bsq_emit_prove(const bsq_design *d, const char *name,
                     const int present[BSQ_SYN_NARCH],
                     const int latency[BSQ_SYN_NARCH]);

/* Writes NAME_<arch>_quant.v and NAME_<arch>_bank.v for the architectures
 * with want[a] set (naive always allowed) into dir. choices (NULL: the
 * defaults) gives the RTL choices pipeline and datapath_reset of flash and
 * search (and of their banks' input register); the naive reference is
 * always generated with the defaults. */
int bsq_synth_write_rtl(const bsq_model *m, const char *name,
                        const int want[BSQ_SYN_NARCH],
                        const bsq_gen_opts *choices, const char *dir,
                        bsq_diag *diag);

/* The whole encoders `bsq synth` measures beside the banks: for flash and
 * search when want[a] is set (naive has none; serial's top, with its tlast
 * check, is not measured yet), NAME_<arch>_encoder.v as
 * `bsq gen` writes it (its default word width and mode; the RTL choices of
 * `choices`, NULL: defaults) and its I/O wrapper NAME_<arch>_io.v, with
 * packer_v (rtl/bsq_packer.v) copied in as bsq_packer.v (and, with
 * choices->sync, bsq_framer.v from beside it). The quantizer
 * modules are those bsq_synth_write_rtl writes. */
int bsq_synth_write_encoders(const bsq_model *m, const char *name,
                             const int want[BSQ_SYN_NARCH],
                             const bsq_gen_opts *choices,
                             const char *packer_v, const char *dir,
                             bsq_diag *diag);

/* NAME_io: NAME_encoder (in_bits of s_axis_tdata, K of m_axis_tdata)
 * with s_axis_tdata shifted in from one pin and each word sent shifted out
 * on one pin; the other handshake ports (s_axis_tuser when tuser: a design
 * with frame sync) as they are. malloc'ed or NULL. */
char *bsq_emit_io_wrapper(const char *name, int in_bits, int K, int tuser);

/* Reads the marker of dir/NAME_<arch>_bank.v: 0 and *latency, or
 * BSQ_EIO (file absent) / BSQ_EFORMAT (no valid marker). */
int bsq_synth_read_bank(const char *dir, const char *name, int arch,
                        int *latency, bsq_diag *diag);
/* samples_per_frame of that marker: F for serial, 1 when absent. */
int bsq_synth_read_bank_spf(const char *dir, const char *name, int arch);

#endif
