/* bsq — synthesis flows, latency cross-check and equivalence proof (see
 * synth.h).
 *
 * Legend: F features, b_f bits, n_f = 2^b_f - 1 thresholds, W_f code
 * width, IN = sum W_f input bits, B = sum b_f level bits, L latency in
 * register stages from codes_i to levels_o.
 */
#define _POSIX_C_SOURCE 200809L
#include "synth.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quant.h"
#include "stim.h"
#include "util.h"

#define ARCH(a) bsq_synth_arch_name(a)

static int write_text(const char *dir, const char *file, const char *text,
                      bsq_diag *diag) {
  char path[4096];
  if (bsq_pathf(path, sizeof path, "%s/%s", dir, file))
    return bsq_diag_set(diag, BSQ_EINVAL, "%s: path too long", dir);
  return bsq_write_if_changed(path, text, strlen(text), NULL, diag);
}

/* ---- running Yosys and reading what it wrote ----------------------------- */

static int run_yosys(const char *work, const char *tag, const char *script,
                     bsq_diag *diag) {
  char sfile[4096], log[4096];
  bsq_pathf(sfile, sizeof sfile, "%s/%s.ys", work, tag);
  bsq_pathf(log, sizeof log, "%s/%s.log", work, tag);
  int rc = write_text(work, strrchr(sfile, '/') + 1, script, diag);
  if (rc) return rc;
  remove(log);
  char *argv[] = {"yosys", "-q", "-l", log, "-s", sfile, NULL};
  int st = bsq_run(argv, NULL, "/dev/null", "/dev/null");
  return st ? bsq_tool_failed(diag, "yosys", st, "yosys", log) : BSQ_OK;
}

static cJSON *read_json(const char *path) {
  char *text = NULL;
  if (bsq_read_file(path, &text, NULL, NULL) != BSQ_OK) return NULL;
  cJSON *j = cJSON_Parse(text);
  free(text);
  return j;
}

/* The one module of a flattened `stat -json`. */
static const cJSON *stat_module(const cJSON *root) {
  const cJSON *mods = cJSON_GetObjectItemCaseSensitive(root, "modules");
  return mods && mods->child ? mods->child : NULL;
}

static long json_long(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (cJSON_IsNumber(v)) return (long)v->valuedouble;
  if (cJSON_IsString(v)) return strtol(v->valuestring, NULL, 10);
  return -1;
}

/* The files and top of a unit: the bank (quant + bank), the whole
 * encoder (quant + encoder + packer) or the encoder in its I/O wrapper. */
static void read_files(char *out, size_t cap, const char *dir, const char *name,
                       int arch, int unit) {
  /* the framer of a design with frame sync, when it is there */
  char fr[4200] = "";
  if (unit != BSQ_UNIT_BANK) {
    bsq_pathf(fr, sizeof fr, "%s/bsq_framer.v", dir);
    if (access(fr, R_OK) == 0) bsq_pathf(fr, sizeof fr, " %s/bsq_framer.v", dir);
    else fr[0] = '\0';
  }
  if (unit == BSQ_UNIT_BANK)
    bsq_pathf(out, cap, "read_verilog %s/%s_%s_quant.v %s/%s_%s_bank.v",
              dir, name, ARCH(arch), dir, name, ARCH(arch));
  else if (unit == BSQ_UNIT_ENC)
    bsq_pathf(out, cap,
              "read_verilog %s/%s_%s_quant.v %s/%s_%s_encoder.v "
              "%s/bsq_packer.v%s",
              dir, name, ARCH(arch), dir, name, ARCH(arch), dir, fr);
  else
    bsq_pathf(out, cap,
              "read_verilog %s/%s_%s_quant.v %s/%s_%s_encoder.v "
              "%s/bsq_packer.v %s/%s_%s_io.v%s",
              dir, name, ARCH(arch), dir, name, ARCH(arch), dir, dir, name,
              ARCH(arch), fr);
}

static void top_name(char *out, size_t cap, const char *name, int arch,
                     int unit) {
  snprintf(out, cap, "%s_%s_%s", name, ARCH(arch),
           unit == BSQ_UNIT_BANK ? "bank"
           : unit == BSQ_UNIT_ENC ? "encoder" : "io");
}

static const char *unit_tag(int unit) {
  return unit == BSQ_UNIT_BANK ? "" : "_enc";
}

int bsq_synth_generic(const char *dir, const char *work, const char *name,
                      int arch, int unit, bsq_synth_arch *r, bsq_diag *diag) {
  char rd[24000], script[32768], js[4096], tag[32], top[160];
  read_files(rd, sizeof rd, dir, name, arch, unit);
  top_name(top, sizeof top, name, arch, unit);
  snprintf(tag, sizeof tag, "%s%s_generic", ARCH(arch), unit_tag(unit));
  bsq_pathf(js, sizeof js, "%s/%s.json", work, tag);
  bsq_pathf(script, sizeof script,
            "%s\nsynth -flatten -top %s\ntee -q -o %s stat -json\n", rd,
            top, js);
  int rc = run_yosys(work, tag, script, diag);
  if (rc) return rc;
  cJSON *root = read_json(js);
  const cJSON *mod = root ? stat_module(root) : NULL;
  if (!mod) {
    cJSON_Delete(root);
    return bsq_diag_set(diag, BSQ_ETOOL, "%s: no statistics from yosys", js);
  }
  r->cells_generic = json_long(mod, "num_cells");
  const cJSON *by = cJSON_GetObjectItemCaseSensitive(mod, "num_cells_by_type");
  char *txt = by ? cJSON_PrintUnformatted(by) : NULL;
  snprintf(r->cells_by_type, sizeof r->cells_by_type, "%s", txt ? txt : "{}");
  free(txt);
  cJSON_Delete(root);
  return BSQ_OK;
}

int bsq_synth_cmos(const char *dir, const char *work, const char *name,
                   int arch, int unit, bsq_synth_arch *r, bsq_diag *diag) {
  char rd[24000], script[32768], js[4096], tag[32], top[160];
  read_files(rd, sizeof rd, dir, name, arch, unit);
  top_name(top, sizeof top, name, arch, unit);
  snprintf(tag, sizeof tag, "%s%s_cmos", ARCH(arch), unit_tag(unit));
  bsq_pathf(js, sizeof js, "%s/%s.json", work, tag);
  /* async2sync + dffunmap: plain $_DFF_P_ flops, which stat -tech cmos
   * counts (it leaves reset and enable flops out, as "+"). */
  bsq_pathf(script, sizeof script,
            "%s\nsynth -flatten -top %s\nasync2sync\ndffunmap\n"
            "abc -g cmos2\nopt_clean\ntee -q -o %s stat -json -tech cmos\n",
            rd, top, js);
  int rc = run_yosys(work, tag, script, diag);
  if (rc) return rc;
  cJSON *root = read_json(js);
  const cJSON *mod = root ? stat_module(root) : NULL;
  long t = mod ? json_long(mod, "estimated_num_transistors") : -1;
  const cJSON *tv =
      mod ? cJSON_GetObjectItemCaseSensitive(mod, "estimated_num_transistors")
          : NULL;
  int partial = cJSON_IsString(tv) && strchr(tv->valuestring, '+');
  cJSON_Delete(root);
  if (t < 0 || partial)
    return bsq_diag_set(diag, BSQ_ETOOL,
                        "%s: no complete transistor estimate from yosys", js);
  r->transistors = t;
  return BSQ_OK;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Yosys synth_ice40 of one unit: its cell counts into r, its netlist to
 * net. */
static int ice40_cells(const char *dir, const char *work, const char *name,
                       int arch, int unit, const char *tag, const char *net,
                       bsq_synth_arch *r, bsq_diag *diag) {
  char rd[24000], script[32768], js[4096], top[160];
  read_files(rd, sizeof rd, dir, name, arch, unit);
  top_name(top, sizeof top, name, arch, unit);
  bsq_pathf(js, sizeof js, "%s/%s.json", work, tag);
  bsq_pathf(script, sizeof script,
            "%s\nsynth_ice40 -flatten -top %s -json %s\n"
            "tee -q -o %s stat -json\n",
            rd, top, net, js);
  int rc = run_yosys(work, tag, script, diag);
  if (rc) return rc;
  cJSON *root = read_json(js);
  const cJSON *mod = root ? stat_module(root) : NULL;
  const cJSON *by =
      mod ? cJSON_GetObjectItemCaseSensitive(mod, "num_cells_by_type") : NULL;
  if (!by) {
    cJSON_Delete(root);
    return bsq_diag_set(diag, BSQ_ETOOL, "%s: no statistics from yosys", js);
  }
  r->luts = r->carry_cells = r->dffs = r->brams = 0;
  for (const cJSON *c = by->child; c; c = c->next) {
    long n = (long)c->valuedouble;
    if (!strcmp(c->string, "SB_LUT4")) r->luts += n;
    else if (!strcmp(c->string, "SB_CARRY")) r->carry_cells += n;
    else if (!strncmp(c->string, "SB_DFF", 6)) r->dffs += n;
    else if (!strncmp(c->string, "SB_RAM", 6)) r->brams += n;
  }
  cJSON_Delete(root);
  return BSQ_OK;
}

int bsq_synth_ice40(const char *dir, const char *work, const char *name,
                    int arch, int unit, int seeds, double freq_mhz,
                    bsq_synth_arch *r, char *pnr_note, size_t note_cap,
                    bsq_diag *diag) {
  char net[4096], tag[32];
  snprintf(tag, sizeof tag, "%s%s_ice40", ARCH(arch), unit_tag(unit));
  bsq_pathf(net, sizeof net, "%s/%s_net.json", work, tag);
  int rc = ice40_cells(dir, work, name, arch,
                       unit == BSQ_UNIT_BANK ? unit : BSQ_UNIT_ENC, tag, net,
                       r, diag);
  if (rc) return rc;
  if (unit == BSQ_UNIT_ENC_IO && seeds > 0) {
    /* the counts are the encoder's own; place and route the wrapped one */
    bsq_synth_arch w;
    char wtag[40];
    snprintf(wtag, sizeof wtag, "%s_io_ice40", ARCH(arch));
    bsq_pathf(net, sizeof net, "%s/%s_net.json", work, wtag);
    if ((rc = ice40_cells(dir, work, name, arch, unit, wtag, net, &w, diag)))
      return rc;
    r->io_wrapped = 1;
  }
  char freq[32];
  snprintf(freq, sizeof freq, "%.6g", freq_mhz);
  r->freq_mhz = freq_mhz;
  r->slack_ns = -1e9;
  /* place and route, one run per seed */
  r->nseeds = 0;
  r->fmax_mhz = -1;
  r->logic_cells = -1;
  for (int s = 1; s <= seeds && s <= BSQ_SYNTH_MAX_SEEDS; s++) {
    char rep[4096], log[4096], seed[16];
    bsq_pathf(rep, sizeof rep, "%s/%s%s_pnr_seed%d.json", work, ARCH(arch),
              unit_tag(unit), s);
    bsq_pathf(log, sizeof log, "%s/%s%s_pnr_seed%d.log", work, ARCH(arch),
              unit_tag(unit), s);
    snprintf(seed, sizeof seed, "%d", s);
    remove(log);
    /* --freq: the clock the placer and router aim at; missing it is not
     * an error (the slack says by how much) */
    char *argv[] = {"nextpnr-ice40", "--hx8k", "--package", "ct256",
                    "--json", net, "--seed", seed, "--freq", freq,
                    "--timing-allow-fail", "--report", rep,
                    "--log", log, "-q", NULL};
    int st = bsq_run(argv, NULL, "/dev/null", "/dev/null");
    if (st == 127) {
      snprintf(pnr_note, note_cap,
               "nextpnr-ice40 not found in PATH: no place and route, so no "
               "logic cells or Fmax (Yosys ice40 cell counts are reported)");
      return BSQ_OK;
    }
    if (st != 0) {
      /* typically: the design does not fit the device; say so, keep the
       * Yosys figures */
      char last[300] = "";
      FILE *lf = fopen(log, "r");
      if (lf) {
        char line[1024];
        while (fgets(line, sizeof line, lf))
          if (strstr(line, "ERROR"))
            snprintf(last, sizeof last, "%.*s", (int)strcspn(line, "\r\n"),
                     line);
        fclose(lf);
      }
      snprintf(pnr_note, note_cap,
               "nextpnr-ice40 could not place and route the %s %s (seed %d, "
               "exit %d%s%s): no logic cells or Fmax for it; log %s",
               ARCH(arch), unit == BSQ_UNIT_BANK ? "bank" : "encoder", s, st,
               last[0] ? ": " : "", last, log);
      r->nseeds = 0;
      r->logic_cells = -1;
      return BSQ_OK;
    }
    cJSON *rj = read_json(rep);
    const cJSON *fm = rj ? cJSON_GetObjectItemCaseSensitive(rj, "fmax") : NULL;
    const cJSON *ut =
        rj ? cJSON_GetObjectItemCaseSensitive(rj, "utilization") : NULL;
    const cJSON *lc = ut ? cJSON_GetObjectItemCaseSensitive(ut, "ICESTORM_LC")
                         : NULL;
    const cJSON *clk = fm ? fm->child : NULL;
    const cJSON *ach =
        clk ? cJSON_GetObjectItemCaseSensitive(clk, "achieved") : NULL;
    if (!cJSON_IsNumber(ach) || !lc) {
      cJSON_Delete(rj);
      return bsq_diag_set(diag, BSQ_ETOOL,
                          "%s: no Fmax or ICESTORM_LC in the nextpnr report",
                          rep);
    }
    r->fmax_seed[r->nseeds++] = ach->valuedouble;
    r->logic_cells = json_long(lc, "used");
    cJSON_Delete(rj);
  }
  double sorted[BSQ_SYNTH_MAX_SEEDS];
  memcpy(sorted, r->fmax_seed, sizeof(double) * (size_t)r->nseeds);
  qsort(sorted, (size_t)r->nseeds, sizeof(double), cmp_double);
  if (r->nseeds > 0) {
    r->fmax_mhz = r->nseeds % 2
                      ? sorted[r->nseeds / 2]
                      : 0.5 * (sorted[r->nseeds / 2 - 1] + sorted[r->nseeds / 2]);
    /* worst register-to-register slack at --freq, of the median run */
    r->slack_ns = 1000.0 / freq_mhz - 1000.0 / r->fmax_mhz;
  }
  return BSQ_OK;
}

/* ---- latency in simulation ------------------------------------------------ */

/* Parses a hex line, most significant digit first, into the low `bits`
 * bits of buf (little-endian bytes, zeroed first); -1 on an x/z or bad
 * digit. */
static int hex_bytes(const char *s, uint8_t *buf, int bits) {
  size_t len = strcspn(s, "\r\n");
  memset(buf, 0, (size_t)(bits + 7) / 8);
  for (size_t k = 0; k < len; k++) {
    char c = s[len - 1 - k];
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0) return -1;
    for (int i = 0; i < 4; i++) {
      int at = 4 * (int)k + i;
      if (at < bits && ((v >> i) & 1))
        buf[at >> 3] = (uint8_t)(buf[at >> 3] | (1u << (at & 7)));
    }
  }
  return 0;
}

int bsq_synth_latency_sim(const bsq_model *m, const char *dir,
                          const char *work, const char *name, int arch,
                          int *latency, bsq_diag *diag) {
  if (arch == BSQ_SYN_SERIAL)
    return bsq_synth_latency_sim_serial(m, dir, work, name, latency, diag);
  enum { NFRAMES = 256, EXTRA = 24 };
  const bsq_encoder *e = &m->enc;
  int F = e->F, IN = 0, B = e->B;
  for (int f = 0; f < F; f++) IN += e->fmt[f].width;
  bsq_stim stim;
  bsq_stim_opts so = {NFRAMES, 0, 7, 0};
  int rc = bsq_stim_build(&stim, m, &so, diag);
  if (rc) return rc;
  uint64_t n = stim.n;
  char sim[4096], hex[4096], tb[4096], vvp[4096], out[4096], log[4096];
  bsq_pathf(sim, sizeof sim, "%s/%s_sim", work, ARCH(arch));
  mkdir(sim, 0777);
  bsq_pathf(hex, sizeof hex, "%s/codes.hex", sim);
  bsq_pathf(tb, sizeof tb, "%s/tb.v", sim);
  bsq_pathf(vvp, sizeof vvp, "%s/tb.vvp", sim);
  bsq_pathf(out, sizeof out, "%s/levels.txt", sim);
  bsq_pathf(log, sizeof log, "%s/iverilog.log", sim);
  /* one s_axis_tdata-layout line per frame in, one frame per line out */
  uint8_t *bits = calloc((size_t)(IN > B ? IN : B) / 8 + 9, 1);
  uint8_t *lv = calloc(n * (size_t)F, 1); /* (n, F) expected levels */
  bsq_atomic_file af;
  if (!bits || !lv) {
    rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    goto done;
  }
  if ((rc = bsq_atomic_open(&af, hex, diag)))
    goto done;
  FILE *fp = af.fp;
  for (uint64_t i = 0; i < n; i++) {
    const int64_t *c = stim.codes + i * (uint64_t)F;
    bsq_tdata_pack(e, c, bits);
    bsq_stim_put_hex(fp, bits, IN);
    bsq_encoder_levels(e, c, lv + i * (uint64_t)F);
  }
  if ((rc = bsq_atomic_close(&af, 1, diag)))
    goto done;
  if ((rc = bsq_atomic_open(&af, tb, diag)))
    goto done;
  fp = af.fp;
  /* Codes change while clk is low; levels are sampled just after each
   * rising edge: line k holds levels_o after edge k, frame k entered
   * before edge k. */
  fprintf(fp,
          "`timescale 1ns/1ps\nmodule bsq_latency_tb;\n"
          "  reg clk = 1'b0, rst_n = 1'b0;\n  reg [%d:0] codes = %d'd0;\n"
          "  reg [%d:0] mem [0:%d];\n  wire [%d:0] levels;\n"
          "  integer i, fd;\n"
          "  %s_%s_bank dut (.clk(clk), .rst_n(rst_n), .codes_i(codes), "
          ".levels_o(levels));\n"
          "  initial begin\n    $readmemh(\"%s\", mem);\n"
          "    fd = $fopen(\"%s\", \"w\");\n    #3 rst_n = 1'b1;\n"
          "    for (i = 0; i < %d; i = i + 1) begin\n"
          "      codes = mem[i < %d ? i : %d];\n"
          "      #5 clk = 1'b1;\n      #1 $fdisplay(fd, \"%%h\", levels);\n"
          "      #4 clk = 1'b0;\n    end\n    $fclose(fd);\n    $finish;\n"
          "  end\nendmodule\n",
          IN - 1, IN, IN - 1, (int)n - 1, B - 1, name, ARCH(arch), hex, out,
          (int)n + EXTRA, (int)n, (int)n - 1);
  if ((rc = bsq_atomic_close(&af, 1, diag)))
    goto done;
  char fq[4096], fb[4096];
  bsq_pathf(fq, sizeof fq, "%s/%s_%s_quant.v", dir, name, ARCH(arch));
  bsq_pathf(fb, sizeof fb, "%s/%s_%s_bank.v", dir, name, ARCH(arch));
  char *iargv[] = {"iverilog", "-g2001", "-o", vvp, "-s", "bsq_latency_tb",
                   tb, fq, fb, NULL};
  remove(log);
  int st = bsq_run(iargv, NULL, log, log);
  const char *tool = "iverilog";
  if (st == 0) {
    char *vargv[] = {"vvp", "-n", vvp, NULL};
    tool = "vvp";
    st = bsq_run(vargv, NULL, log, log);
  }
  if (st != 0) {
    if (st == 127) rc = bsq_tool_missing(diag, tool);
    else rc = bsq_diag_set(diag, BSQ_ETOOL,
                           "icarus failed on the %s bank; log %s", ARCH(arch),
                           log);
    goto done;
  }
  /* the output lines, as levels per feature */
  uint64_t nl = n + EXTRA;
  uint8_t *got = calloc(nl * (size_t)F, 1);
  int *okline = calloc(nl, sizeof *okline);
  fp = fopen(out, "r");
  uint64_t lines = 0;
  if (got && okline && fp) {
    char line[1024];
    while (lines < nl && fgets(line, sizeof line, fp)) {
      if (hex_bytes(line, bits, B) == 0) {
        okline[lines] = 1;
        bsq_frame_unpack(e, bits, got + lines * (uint64_t)F);
      }
      lines++;
    }
  }
  if (fp) fclose(fp);
  /* smallest L with got[k] = expected[k - L + 1] for every frame; failing
   * that, the L that fits the most frames, to name the first mismatch */
  int found = -1, best = 1;
  uint64_t best_fit = 0;
  for (int L = 1; L <= EXTRA && found < 0 && lines == nl; L++) {
    uint64_t fit = 0;
    for (uint64_t i = 0; i < n; i++) {
      uint64_t k = i + (uint64_t)L - 1;
      fit += okline[k] && !memcmp(got + k * (uint64_t)F, lv + i * (uint64_t)F,
                                  (size_t)F);
    }
    if (fit == n) found = L;
    if (fit > best_fit) best_fit = fit, best = L;
  }
  if (found >= 0) {
    *latency = found;
  } else if (lines != nl) {
    rc = bsq_diag_set(diag, BSQ_ETOOL, "%s: %" PRIu64 " lines, expected %"
                      PRIu64 " (simulation in %s)", out, lines, nl, sim);
  } else {
    char where[256] = "";
    for (uint64_t i = 0; i < n && !where[0]; i++) {
      uint64_t k = i + (uint64_t)best - 1;
      for (int f = 0; f < F && !where[0]; f++)
        if (!okline[k] || got[k * (uint64_t)F + (uint64_t)f] !=
                              lv[i * (uint64_t)F + (uint64_t)f])
          snprintf(where, sizeof where,
                   "; at latency %d, frame %" PRIu64 " feature %d \"%s\" "
                   "code %" PRId64 ": expected level %d, got %d",
                   best, i, f, m->names ? m->names[f] : "",
                   stim.codes[i * (uint64_t)F + (uint64_t)f],
                   lv[i * (uint64_t)F + (uint64_t)f],
                   okline[k] ? got[k * (uint64_t)F + (uint64_t)f] : -1);
    }
    rc = bsq_diag_set(diag, BSQ_EMISMATCH,
                      "%s bank: no latency of 1..%d cycles makes its levels "
                      "equal the C model's on all %" PRIu64 " frames%s",
                      ARCH(arch), EXTRA, n, where);
  }
  free(got);
  free(okline);
done:
  free(bits);
  free(lv);
  bsq_stim_free(&stim);
  return rc;
}

/* ---- equivalence ------------------------------------------------------------ */

int bsq_synth_prove(const bsq_design *d, const char *dir, const char *work,
                    const char *name, const int present[BSQ_SYN_NARCH],
                    const int latency[BSQ_SYN_NARCH], int *eq,
                    bsq_diag *diag) {
  int F = d->F, lmax = 0;
  for (int a = 0; a < BSQ_SYN_NARCH; a++)
    if (present[a] && latency[a] > lmax) lmax = latency[a];
  for (int i = 0; i < BSQ_SYN_NARCH * F; i++) eq[i] = -1;
  if (!present[BSQ_SYN_FLASH])
    return bsq_diag_set(diag, BSQ_EINVAL, "the proof needs the flash design");
  /* the side-by-side module */
  char pfile[128];
  snprintf(pfile, sizeof pfile, "%s_prove.v", name);
  char *text = bsq_emit_prove(d, name, present, latency);
  if (!text) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  int rc = write_text(work, pfile, text, diag);
  free(text);
  if (rc) return rc;
  /* the script: one sat run per feature and architecture, each preceded by
   * a marker line in the log */
  bsq_buf sb, *s = &sb;
  bsq_buf_init(s);
  bsq_buf_printf(s, "read_verilog %s/%s", work, pfile);
  for (int a = 0; a < BSQ_SYN_NARCH; a++)
    if (present[a]) bsq_buf_printf(s, " %s/%s_%s_quant.v", dir, name, ARCH(a));
  /* no ROMs (proc_rom would turn a search stage's threshold case into a
   * memory, which sat does not import), and gate level, so that dropping
   * the other features' outputs prunes their logic bit by bit: each sat
   * run sees one feature's cone only */
  bsq_buf_printf(s, "\nhierarchy -check -top %s_prove\nproc -norom\nflatten\n"
                "async2sync\n"
                "opt -fast\ntechmap\nopt -fast\ndesign -save base\n",
          name);
  for (int a = 1; a < BSQ_SYN_NARCH; a++)
    if (present[a])
      for (int f = 0; f < F; f++)
        bsq_buf_printf(s, "design -load base\nlog BSQ-PROVE %s %d\n"
                      "delete -port o:eq_* o:eq_%s_f%d %%d\nopt_clean\n"
                      "sat -seq %d -prove-skip %d -prove eq_%s_f%d 1\n",
                ARCH(a), f, ARCH(a), f, lmax + 2, lmax, ARCH(a), f);
  char *script = bsq_buf_finish(s);
  if (!script) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  rc = run_yosys(work, "prove", script, diag);
  free(script);
  if (rc) return rc;
  char log[4096];
  bsq_pathf(log, sizeof log, "%s/prove.log", work);
  FILE *lf = fopen(log, "r");
  if (!lf) return bsq_diag_set(diag, BSQ_ETOOL, "%s: cannot read", log);
  char line[2048];
  int cur_a = -1, cur_f = -1;
  while (fgets(line, sizeof line, lf)) {
    char an[16];
    int f;
    const char *mk = strstr(line, "BSQ-PROVE ");
    if (mk && sscanf(mk, "BSQ-PROVE %15s %d", an, &f) == 2) {
      cur_a = -1;
      for (int a = 0; a < BSQ_SYN_NARCH; a++)
        if (!strcmp(an, ARCH(a))) cur_a = a;
      cur_f = f >= 0 && f < F ? f : -1;
      continue;
    }
    if (cur_a < 0 || cur_f < 0) continue;
    if (strstr(line, "SAT proof finished - no model found: SUCCESS!")) {
      eq[cur_a * F + cur_f] = 1;
      cur_a = -1;
    } else if (strstr(line, "SAT proof finished - model found: FAIL!")) {
      eq[cur_a * F + cur_f] = 0;
      cur_a = -1;
    }
  }
  fclose(lf);
  for (int a = 1; a < BSQ_SYN_NARCH; a++)
    for (int f = 0; f < F && present[a]; f++)
      if (eq[a * F + f] < 0)
        return bsq_diag_set(diag, BSQ_ETOOL,
                            "no proof result for %s feature %d; log %s",
                            ARCH(a), f, log);
  return BSQ_OK;
}
