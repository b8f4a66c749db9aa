/* bsq — ASIC cost of a quantizer bank: Yosys liberty mapping, OpenSTA
 * timing and power, Icarus gate-level check with measured activity.
 *
 * Tool versions this is written against (Debian bookworm): Yosys 0.23,
 * OpenSTA 2.0.17, Icarus Verilog 11. This OpenSTA has no read_vcd or
 * read_saif, its `set_power_activity -pins` fails (it calls a missing
 * get_pins_error), and sta::set_power_pin_activity on an internal pin is
 * overwritten by its own propagation: only input ports keep a user
 * activity. So the measured toggles are applied per instance, on the line
 * through OpenSTA's power at activity 0 and 1 (see combine_power).
 *
 * Every script is computed here, written into the work directory and run
 * there, so a failed run can be repeated by hand from the same files. */
#define _POSIX_C_SOURCE 200809L
#include "asic.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"
#include "util.h"
#include "vcd.h"

#define PATHCAP 1024

void bsq_asic_opts_default(bsq_asic_opts *o) {
  memset(o, 0, sizeof *o);
  o->frame_rate_hz = 1e6;
}

static double frame_rate(const bsq_asic_opts *o) {
  return o->frame_rate_hz > 0 ? o->frame_rate_hz : 1e6;
}

/* The timing target: one frame per spf clocks (spf = 1, or F codes per
 * frame for serial) unless a clock is given. */
static double clock_mhz(const bsq_asic_opts *o, int spf) {
  return o->clock_mhz > 0 ? o->clock_mhz : frame_rate(o) * spf / 1e6;
}


/* A file the flow reads: the default ones come with a Debian package. */
static int need_file(const char *path, int is_default, bsq_diag *d) {
  if (access(path, R_OK) == 0) return 0;
  if (is_default) return bsq_tool_missing(d, path);
  return bsq_diag_set(d, BSQ_EIO, "%s: cannot read", path);
}

int bsq_asic_check_tools(const bsq_asic_opts *o, char *sta_version,
                         size_t cap, bsq_diag *diag) {
  if (sta_version && cap) sta_version[0] = '\0';
  int rc = need_file(o->liberty ? o->liberty : BSQ_ASIC_DEFAULT_LIBERTY,
                     !o->liberty, diag);
  if (rc) return rc;
  if (o->cell_models || !o->liberty)
    if ((rc = need_file(o->cell_models ? o->cell_models
                                       : BSQ_ASIC_DEFAULT_CELLS,
                        !o->cell_models, diag)))
      return rc;
  char *argv[] = {(char *)(o->sta ? o->sta : "sta"), "-version", NULL};
  char *v = bsq_run_capture(argv);
  if (!v || !v[0]) {
    free(v);
    return bsq_tool_missing(diag, argv[0]);
  }
  if (sta_version && cap) snprintf(sta_version, cap, "%s", v);
  free(v);
  return 0;
}

/* ---- small file helpers ------------------------------------------------- */

/* Not inlined: gcc 12 at -O3 then takes the pointers into the text for
 * pointers to the local `text` and warns (-Wdangling-pointer). */
__attribute__((noinline)) static char *slurp(const char *path) {
  char *text = NULL;
  return bsq_read_file(path, &text, NULL, NULL) == BSQ_OK ? text : NULL;
}

/* Writes a finished script or bench into the work directory. */
static int sb_write(bsq_buf *b, const char *path, bsq_diag *d) {
  char *text = bsq_buf_finish(b);
  if (!text) return bsq_diag_set(d, BSQ_ENOMEM, "%s: out of memory", path);
  int rc = bsq_write_if_changed(path, text, strlen(text), NULL, d);
  free(text);
  return rc;
}

/* Runs argv in cwd, log to `log` (truncated first); a non-zero exit or a
 * line "Error" in the log is a tool failure. */
static int run_tool(char *const argv[], const char *cwd, const char *log,
                    bsq_diag *d) {
  remove(log);
  int st = bsq_run(argv, cwd, log, log);
  return st == 0 ? 0 : bsq_tool_failed(d, argv[0], st, argv[0], log);
}

/* An absolute form of path (bsq_run changes to its cwd before it opens the
 * log files, so every path handed to a tool is absolute). */
static int abs_path(char *out, size_t cap, const char *path) {
  if (path[0] == '/') return bsq_pathf(out, cap, "%s", path);
  char cwd[PATHCAP / 2];
  if (!getcwd(cwd, sizeof cwd)) return -1;
  return bsq_pathf(out, cap, "%s/%s", cwd, path);
}

/* ---- liberty: library name, sequential cells, cell areas ---------------- */

typedef struct {
  char name[64];
  int ncell;
  struct {
    char name[32];
    int seq;
    double area;
    int nout;
    char out[4][16]; /* output pins */
  } cell[256];
} libinfo;

static const char *skip_ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
  return p;
}

/* Copies the name inside "(NAME)" / "( \"NAME\" )" at p. */
static void paren_name(const char *p, char *out, size_t cap) {
  size_t n = 0;
  p = skip_ws(p);
  if (*p == '(') p++;
  p = skip_ws(p);
  if (*p == '"') p++;
  while (*p && *p != ')' && *p != '"' && *p != ' ' && n + 1 < cap)
    out[n++] = *p++;
  out[n] = '\0';
}

/* Not a liberty parser: finds `library (`, each `cell (` and, up to the
 * next cell, `ff (` / `latch (` / `area :`. Enough for the flat files the
 * open libraries ship; a comment that contains these words fools it. */
static int lib_scan(const char *path, libinfo *li, bsq_diag *d) {
  memset(li, 0, sizeof *li);
  char *t = slurp(path);
  if (!t) return bsq_diag_set(d, BSQ_EIO, "%s: cannot read liberty", path);
  const char *p = strstr(t, "library");
  if (p) paren_name(p + 7, li->name, sizeof li->name);
  for (p = t; (p = strstr(p, "cell")) != NULL; p += 4) {
    const char *q = skip_ws(p + 4);
    if (*q != '(' || (p > t && (p[-1] != ' ' && p[-1] != '\t' &&
                                p[-1] != '\n')))
      continue;
    if (li->ncell == (int)(sizeof li->cell / sizeof li->cell[0])) break;
    int k = li->ncell++;
    paren_name(q, li->cell[k].name, sizeof li->cell[k].name);
    const char *next = q;
    for (;;) { /* next "cell (" at a word boundary */
      next = strstr(next + 1, "cell");
      if (!next) break;
      const char *r = skip_ws(next + 4);
      if (*r == '(' && (next[-1] == ' ' || next[-1] == '\t' ||
                        next[-1] == '\n'))
        break;
    }
    size_t span = next ? (size_t)(next - q) : strlen(q);
    const char *a = q;
    while ((a = strstr(a, "area")) != NULL && (size_t)(a - q) < span) {
      const char *c = skip_ws(a + 4);
      if (*c == ':' && (a[-1] == ' ' || a[-1] == '\t' || a[-1] == '\n')) {
        li->cell[k].area = strtod(c + 1, NULL);
        break;
      }
      a += 4;
    }
    /* output pins: pin (NAME) { direction : output ... */
    for (const char *pp = q; (pp = strstr(pp, "pin")) != NULL &&
                             (size_t)(pp - q) < span; pp += 3) {
      const char *c = skip_ws(pp + 3);
      if (*c != '(' || !(pp[-1] == ' ' || pp[-1] == '\t' || pp[-1] == '\n'))
        continue;
      const char *dir = strstr(c, "direction");
      const char *nxt = strstr(c, "pin");
      if (!dir || (nxt && dir > nxt) || (size_t)(dir - q) >= span) continue;
      dir = skip_ws(dir + 9);
      if (*dir == ':') dir = skip_ws(dir + 1);
      if (strncmp(dir, "output", 6) != 0 || li->cell[k].nout >= 4) continue;
      paren_name(c, li->cell[k].out[li->cell[k].nout],
                 sizeof li->cell[k].out[0]);
      li->cell[k].nout++;
    }
    const char *kw[] = {"ff", "latch"};
    for (int i = 0; i < 2; i++) {
      const char *f = q;
      size_t kl = strlen(kw[i]);
      while ((f = strstr(f, kw[i])) != NULL && (size_t)(f - q) < span) {
        const char *c = skip_ws(f + kl);
        if (*c == '(' && (f[-1] == ' ' || f[-1] == '\t' || f[-1] == '\n'))
          li->cell[k].seq = 1;
        f += kl;
      }
    }
  }
  free(t);
  if (!li->name[0] || li->ncell == 0)
    return bsq_diag_set(d, BSQ_EPARSE, "%s: no library or no cells", path);
  return 0;
}

/* ABC's timing constraints: every input driven by the library's smallest
 * inverter, every output loading BSQ_ASIC_LOAD_FF; so that ABC buffers
 * high-fanout nets and sizes gates ("buffer; upsize; dnsize"), as a real
 * flow's synthesis does: without, one net driving hundreds of gates sets
 * the critical path. 0 when the library has no inverter or no
 * capacitive_load_unit of pf or ff (then the mapping is unconstrained). */
static int lib_constraints(const char *path, const libinfo *li, char *cell,
                           size_t cap, double *load) {
  int best = -1;
  for (int i = 0; i < li->ncell; i++) {
    char lo[32];
    size_t n = 0;
    for (; li->cell[i].name[n] && n + 1 < sizeof lo; n++)
      lo[n] = (char)(li->cell[i].name[n] | 0x20);
    lo[n] = '\0';
    if (li->cell[i].seq || li->cell[i].nout != 1 ||
        !(strncmp(lo, "inv", 3) == 0 || strstr(lo, "_inv")))
      continue;
    if (best < 0 || li->cell[i].area < li->cell[best].area) best = i;
  }
  char *t = slurp(path);
  const char *u = t ? strstr(t, "capacitive_load_unit") : NULL;
  double unit = 0; /* fF per unit */
  if (u) {
    const char *c = strchr(u, ',');
    if (c && (size_t)(c - u) < 40) {
      c = skip_ws(c + 1);
      if (!strncmp(c, "pf", 2) || !strncmp(c, "\"pf", 3)) unit = 1000;
      else if (!strncmp(c, "ff", 2) || !strncmp(c, "\"ff", 3)) unit = 1;
      const char *o = strchr(u, '(');
      double mult = o ? strtod(o + 1, NULL) : 0;
      unit *= mult;
    }
  }
  free(t);
  if (best < 0 || unit <= 0) return 0;
  snprintf(cell, cap, "%s", li->cell[best].name);
  *load = BSQ_ASIC_LOAD_FF / unit;
  return 1;
}

static int lib_cell(const libinfo *li, const char *name) {
  for (int i = 0; i < li->ncell; i++)
    if (!strcmp(li->cell[i].name, name)) return i;
  return -1;
}

/* ---- mapping ----------------------------------------------------------- */

/* The bank header says "// bsq-synth: arch=A quant=Q latency=N". */
static int bank_latency(const char *bank, bsq_diag *d) {
  char *t = slurp(bank);
  if (!t) return bsq_diag_set(d, BSQ_EIO, "%s: cannot read", bank);
  const char *p = strstr(t, "latency=");
  int lat = p ? atoi(p + 8) : -1;
  free(t);
  if (lat < 1)
    return bsq_diag_set(d, BSQ_EPARSE, "%s: no latency= in the header", bank);
  return lat;
}

/* samples_per_frame= in the bank header (1 when absent). */
static int bank_spf(const char *bank) {
  char *t = slurp(bank);
  const char *p = t ? strstr(t, "samples_per_frame=") : NULL;
  int spf = p ? atoi(p + 18) : 1;
  free(t);
  return spf >= 1 ? spf : 1;
}

static int parse_stat(const char *path, const libinfo *li,
                      bsq_synth_asic_result *r, bsq_diag *d) {
  char *t = slurp(path);
  if (!t) return bsq_diag_set(d, BSQ_EIO, "%s: cannot read", path);
  int rc = 0;
  const char *p = strstr(t, "Number of cells:");
  const char *a = strstr(t, "Chip area for module");
  if (!p || !a) {
    rc = bsq_diag_set(d, BSQ_EPARSE, "%s: no cell count or chip area", path);
    goto done;
  }
  r->cells = atoi(p + strlen("Number of cells:"));
  const char *colon = strstr(a, "':");
  r->area = colon ? strtod(colon + 2, NULL) : -1.0;
  /* cell lines: "     NAME   COUNT" up to the blank line */
  const char *line = strchr(p, '\n');
  while (line && line < a) {
    line++;
    char nm[32];
    int cnt;
    if (sscanf(line, " %31s %d", nm, &cnt) == 2 && r->ntypes < BSQ_ASIC_MAX_TYPES) {
      bsq_asic_cell *c = &r->type[r->ntypes++];
      snprintf(c->name, sizeof c->name, "%s", nm);
      c->count = cnt;
      int k = lib_cell(li, nm);
      c->sequential = k >= 0 && li->cell[k].seq;
      c->area = k >= 0 ? li->cell[k].area : 0.0;
      if (c->sequential) r->dffs += cnt;
      if (k < 0) {
        rc = bsq_diag_set(d, BSQ_EPARSE,
                          "%s: cell %s is not in the liberty (unmapped)",
                          path, nm);
        goto done;
      }
    }
    line = strchr(line, '\n');
  }
  if (r->area < 0)
    rc = bsq_diag_set(d, BSQ_EPARSE, "%s: unreadable chip area", path);
done:
  free(t);
  return rc;
}

/* The Yosys read line of a unit: the bank (quant + bank) or the whole
 * encoder (quant + encoder + packer, and the framer when it is there). */
static void unit_files(bsq_buf *b, const char *dir, const char *name,
                       const char *arch, int unit) {
  if (unit == BSQ_UNIT_BANK) {
    bsq_buf_printf(b, "read_verilog -DSYNTHESIS %s/%s_%s_quant.v %s/%s_%s_bank.v\n",
                   dir, name, arch, dir, name, arch);
    return;
  }
  char fr[PATHCAP];
  bsq_pathf(fr, sizeof fr, "%s/bsq_framer.v", dir);
  bsq_buf_printf(b, "read_verilog -DSYNTHESIS %s/%s_%s_quant.v "
                    "%s/%s_%s_encoder.v %s/bsq_packer.v%s%s\n",
                 dir, name, arch, dir, name, arch, dir,
                 access(fr, R_OK) == 0 ? " " : "",
                 access(fr, R_OK) == 0 ? fr : "");
}

static int write_yosys(const char *path, const char *lib, const char *dir,
                       const char *name, const char *arch, int unit,
                       const char *top, const char *constr, bsq_diag *d) {
  bsq_buf b = {0};
  bsq_buf_printf(&b, "# bsq ASIC mapping of %s (generated, do not edit)\n", top);
  unit_files(&b, dir, name, arch, unit);
  bsq_buf_printf(&b,
            "hierarchy -check -top %s\n"
            "synth -flatten -top %s\n"
            "dfflibmap -liberty %s\n"
            "abc -liberty %s%s%s\n"
            "setundef -zero\n"
            "# stable instance names g<N>, the same in both netlists\n"
            "rename -enumerate -pattern g%% t:*\n"
            "# with the RTL names, for reading paths and registers\n"
            "write_verilog -noattr -noexpr netlist_named.v\n"
            "# for STA and the gate-level sim: scalar internal nets, no assigns\n"
            "splitnets\n"
            "rename -hide w:* x:* %%d\n"
            "opt_clean -purge\n"
            "tee -o stat.txt stat -liberty %s\n"
            "write_verilog -noattr -noexpr netlist.v\n",
            top, top, lib, lib, constr ? " -constr " : "", constr ? constr : "",
            lib);
  return sb_write(&b, path, d);
}

/* OpenSTA constraints shared by timing and power. */
static void sta_head(bsq_buf *b, const char *lib, const char *top, double period,
                     const bsq_asic_opts *o, int unit) {
  bsq_buf_printf(b,
            "# generated by bsq, do not edit\n"
            "read_liberty %s\n"
            "read_verilog netlist.v\n"
            "link_design %s\n"
            "create_clock -name clk -period %.6g [get_ports clk]\n",
            lib, top, period);
  if (unit == BSQ_UNIT_BANK)
    bsq_buf_printf(b, "set_input_delay %.6g -clock clk [get_ports codes_i*]\n",
                   o->in_delay_ns);
  else
    bsq_buf_printf(b, "set_input_delay %.6g -clock clk [get_ports s_axis_*]\n"
                      "set_input_delay %.6g -clock clk [get_ports m_axis_tready]\n",
                   o->in_delay_ns, o->in_delay_ns);
  bsq_buf_printf(b,
            "set_input_delay 0 -clock clk [get_ports rst_n]\n"
            "set_output_delay %.6g -clock clk [all_outputs]\n"
            "set_false_path -from [get_ports rst_n]\n",
            o->out_delay_ns);
}

/* Writes the script b as ADIR/sta_TAG.tcl and runs OpenSTA on it there;
 * log gets ADIR/sta_TAG.log. */
static int run_sta(const char *adir, const char *tag, bsq_buf *b,
                   const bsq_asic_opts *o, char *log, size_t logcap,
                   bsq_diag *diag) {
  char path[PATHCAP], script[64];
  snprintf(script, sizeof script, "sta_%s.tcl", tag);
  bsq_pathf(path, sizeof path, "%s/%s", adir, script);
  int rc = sb_write(b, path, diag);
  if (rc < 0) return rc;
  bsq_pathf(log, logcap, "%s/sta_%s.log", adir, tag);
  char *argv[] = {(char *)(o->sta ? o->sta : "sta"), "-no_init", "-no_splash",
                  "-exit", script, NULL};
  return run_tool(argv, adir, log, diag);
}

/* Finds "INST (" in a netlist and the net on ".PIN(" of that instance. */
static void inst_pin_net(const char *net, const char *inst, const char *pin,
                         char *out, size_t cap) {
  out[0] = '\0';
  char key[96];
  snprintf(key, sizeof key, " %s (", inst);
  const char *p = strstr(net, key);
  if (!p) return;
  const char *end = strstr(p, ");");
  char pk[40];
  snprintf(pk, sizeof pk, ".%s(", pin);
  const char *q = strstr(p, pk);
  if (!q || (end && q > end)) return;
  q += strlen(pk);
  size_t n = 0;
  while (*q && *q != ')' && n + 1 < cap) out[n++] = *q++;
  while (n > 0 && out[n - 1] == ' ') n--;
  out[n] = '\0';
}

/* "Startpoint: _1921_ (rising ...)" -> "_1921_". */
static void point_after(const char *t, const char *key, char *out, size_t cap) {
  out[0] = '\0';
  const char *p = strstr(t, key);
  if (!p) return;
  p += strlen(key);
  p = skip_ws(p);
  size_t n = 0;
  while (*p && *p != ' ' && *p != '\n' && n + 1 < cap) out[n++] = *p++;
  out[n] = '\0';
}

/* Adds " (net NAME)" from the named netlist: the register's Q net. */
static void name_point(char *pt, size_t cap, const char *named, const char *pin) {
  char inst[64], net[64];
  snprintf(inst, sizeof inst, "%s", pt);
  inst_pin_net(named, inst, pin, net, sizeof net);
  if (net[0]) {
    /* "\\u_quant.f2_therm_q [0]" -> "u_quant.f2_therm_q[0]" */
    char clean[64];
    size_t m = 0;
    for (const char *c = net; *c && m + 1 < sizeof clean; c++)
      if (*c != '\\' && *c != ' ') clean[m++] = *c;
    clean[m] = '\0';
    size_t n = strlen(pt);
    snprintf(pt + n, cap - n, " %s", clean);
  }
}

int bsq_synth_asic(const char *dir, const char *work, const char *name,
                   int arch, const bsq_asic_opts *o, bsq_synth_asic_result *r,
                   bsq_diag *diag) {
  return bsq_synth_asic_unit(dir, work, name, arch, BSQ_UNIT_BANK, o, r, diag);
}

int bsq_synth_asic_unit(const char *dir, const char *work, const char *name,
                        int arch, int unit, const bsq_asic_opts *o,
                        bsq_synth_asic_result *r, bsq_diag *diag) {
  if (!dir || !work || !name || !o || !r || arch < 0 || arch >= BSQ_SYN_NARCH ||
      (unit != BSQ_UNIT_BANK && unit != BSQ_UNIT_ENC))
    return bsq_diag_set(diag, BSQ_EINVAL, "bsq_synth_asic: bad arguments");
  memset(r, 0, sizeof *r);
  r->gate_level_check = -1;
  r->mismatch_frame = r->mismatch_feature = -1;
  const char *lib = o->liberty ? o->liberty : BSQ_ASIC_DEFAULT_LIBERTY;
  const char *an = bsq_synth_arch_name(arch);
  double mhz = 0;
  char adir[PATHCAP], path[PATHCAP], log[PATHCAP], top[128];
  char *t = NULL, *named = NULL;
  libinfo *li = malloc(sizeof *li);
  int rc;
  if (!li) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  char dabs[PATHCAP], wabs[PATHCAP];
  if (abs_path(dabs, sizeof dabs, dir) || abs_path(wabs, sizeof wabs, work) ||
      bsq_pathf(adir, sizeof adir, "%s/%s%s", wabs, an,
                unit == BSQ_UNIT_BANK ? "" : "_enc") ||
      bsq_pathf(top, sizeof top, "%s_%s_%s", name, an,
                unit == BSQ_UNIT_BANK ? "bank" : "encoder")) {
    rc = bsq_diag_set(diag, BSQ_EINVAL, "%s: path too long", work);
    goto fail;
  }
  mkdir(wabs, 0777);
  if (mkdir(adir, 0777) != 0 && access(adir, W_OK) != 0) {
    rc = bsq_diag_set(diag, BSQ_EIO, "%s: cannot create", adir);
    goto fail;
  }
  if ((rc = need_file(lib, !o->liberty, diag)) < 0 ||
      (rc = lib_scan(lib, li, diag)) < 0)
    goto fail;
  snprintf(r->liberty_name, sizeof r->liberty_name, "%s", li->name);
  /* Liberty has no area unit attribute; the open libraries and the
   * foundry ones give um^2 (OSU 0.18: NAND2X1 24 = its LEF 2.4 x 10 um). */
  snprintf(r->area_unit, sizeof r->area_unit, "um^2");
  /* latency and clocks per frame: the bank's header, for either unit */
  bsq_pathf(path, sizeof path, "%s/%s_%s_bank.v", dir, name, an);
  if ((rc = bank_latency(path, diag)) < 0) goto fail;
  r->latency = rc;
  r->samples_per_frame = bank_spf(path);
  mhz = clock_mhz(o, r->samples_per_frame);

  /* ---- Yosys */
  char constr[PATHCAP];
  r->buffered = lib_constraints(lib, li, r->drive_cell, sizeof r->drive_cell,
                                &r->load);
  if (r->buffered) {
    bsq_buf cb = {0};
    bsq_buf_printf(&cb, "set_driving_cell %s\nset_load %.6g\n", r->drive_cell,
                   r->load);
    bsq_pathf(constr, sizeof constr, "%s/abc.constr", adir);
    if ((rc = sb_write(&cb, constr, diag)) < 0) goto fail;
  }
  bsq_pathf(path, sizeof path, "%s/synth.ys", adir);
  if ((rc = write_yosys(path, lib, dabs, name, an, unit, top,
                        r->buffered ? constr : NULL, diag)) < 0)
    goto fail;
  bsq_pathf(log, sizeof log, "%s/yosys.log", adir);
  {
    char *argv[] = {(char *)(o->yosys ? o->yosys : "yosys"), "-q", "-l",
                    "yosys.log", "synth.ys", NULL};
    char quiet[PATHCAP];
    bsq_pathf(quiet, sizeof quiet, "%s/yosys.out", adir);
    remove(quiet);
    int st = bsq_run(argv, adir, quiet, quiet);
    if (st != 0) {
      char what[160];
      bsq_pathf(what, sizeof what, "yosys liberty mapping of %s", top);
      rc = bsq_tool_failed(diag, argv[0], st, what, log);
      goto fail;
    }
  }
  bsq_pathf(path, sizeof path, "%s/stat.txt", adir);
  if ((rc = parse_stat(path, li, r, diag)) < 0) goto fail;

  /* ---- OpenSTA timing */
  {
    bsq_buf b = {0};
    sta_head(&b, lib, top, 1000.0 / mhz, o, unit);
    bsq_buf_printf(&b,
              "puts \"bsq-report: reg2reg\"\n"
              "report_checks -path_delay max -from [all_registers -clock_pins]"
              " -to [all_registers -data_pins] -format full -digits 4\n"
              "puts \"bsq-report: all\"\n"
              "report_checks -path_delay max -format full -digits 4\n"
              "puts \"bsq: wns [sta::worst_slack -max]\"\n");
    if ((rc = run_sta(adir, "timing", &b, o, log, sizeof log, diag)) < 0)
      goto fail;
  }
  t = slurp(log);
  if (!t) {
    rc = bsq_diag_set(diag, BSQ_EIO, "%s: cannot read", log);
    goto fail;
  }
  if (strstr(t, "Error:")) {
    rc = bsq_diag_set(diag, BSQ_ETOOL, "sta reported an error, see %s", log);
    goto fail;
  }
  {
    r->clock_mhz = mhz;
    r->in_delay_ns = o->in_delay_ns;
    r->out_delay_ns = o->out_delay_ns;
    const char *reg = strstr(t, "bsq-report: reg2reg");
    const char *all = strstr(t, "bsq-report: all");
    const char *w = strstr(t, "bsq: wns");
    if (!reg || !all || !w) {
      rc = bsq_diag_set(diag, BSQ_EPARSE, "%s: reports missing", log);
      goto fail;
    }
    r->slack_ns = strtod(w + strlen("bsq: wns"), NULL);
    /* no register-to-register path (a bank without an input register):
     * the worst path of all groups (input -> register) stands in, and
     * critical_path_reg2reg says so */
    const char *sl = strstr(reg, "slack (");
    r->critical_path_reg2reg = sl && sl < all;
    if (!r->critical_path_reg2reg) {
      reg = all;
      sl = strstr(all, "slack (");
      all = w;
    }
    if (sl && sl < all) {
      /* the slack figure precedes "slack (MET)" on its line */
      const char *bol = sl;
      while (bol > reg && bol[-1] != '\n') bol--;
      double s = strtod(bol, NULL);
      r->critical_path_ns = 1000.0 / mhz - s;
      r->fmax_mhz_sta = r->critical_path_ns > 0 ? 1000.0 / r->critical_path_ns
                                                : 0.0;
      point_after(reg, "Startpoint:", r->path_start, sizeof r->path_start);
      point_after(reg, "Endpoint:", r->path_end, sizeof r->path_end);
      bsq_pathf(path, sizeof path, "%s/netlist_named.v", adir);
      named = slurp(path);
      if (named) {
        name_point(r->path_start, sizeof r->path_start, named, "Q");
        name_point(r->path_end, sizeof r->path_end, named, "Q");
      }
    }
  }
  rc = 0;
fail:
  free(t);
  free(named);
  free(li);
  return rc;
}

/* ---- gate-level simulation --------------------------------------------- */

/* Hex of the W-bit two's-complement fields, field 0 in the LSBs. */
static void hex_fields(FILE *fp, int F, const int *w, const int64_t *v) {
  int total = 0;
  for (int f = 0; f < F; f++) total += w[f];
  int nd = (total + 3) / 4;
  for (int dgt = nd - 1; dgt >= 0; dgt--) {
    unsigned nib = 0;
    for (int k = 3; k >= 0; k--) {
      int bit = 4 * dgt + k, off = 0;
      unsigned b = 0;
      for (int f = 0; f < F; f++) {
        if (bit < off + w[f]) {
          if (bit >= off) b = (unsigned)(((uint64_t)v[f] >> (bit - off)) & 1u);
          break;
        }
        off += w[f];
      }
      nib = (nib << 1) | b;
    }
    fputc("0123456789abcdef"[nib], fp);
  }
  fputc('\n', fp);
}

static int write_vectors(const char *adir, int F, const int *width,
                         const int *bits, int N, const int64_t *codes,
                         const uint8_t *levels, bsq_diag *d) {
  char p1[PATHCAP], p2[PATHCAP];
  bsq_pathf(p1, sizeof p1, "%s/codes.hex", adir);
  bsq_pathf(p2, sizeof p2, "%s/levels.hex", adir);
  FILE *fc = fopen(p1, "w"), *fl = fopen(p2, "w");
  int64_t *lv = malloc((size_t)F * sizeof *lv);
  int rc = 0;
  if (!fc || !fl || !lv) {
    rc = bsq_diag_set(d, BSQ_EIO, "%s: cannot write vectors", adir);
    goto done;
  }
  for (int i = 0; i < N; i++) {
    hex_fields(fc, F, width, codes + (size_t)i * (size_t)F);
    for (int f = 0; f < F; f++) lv[f] = levels[(size_t)i * (size_t)F + (size_t)f];
    hex_fields(fl, F, bits, lv);
  }
done:
  if (fc && fclose(fc) != 0 && rc == 0)
    rc = bsq_diag_set(d, BSQ_EIO, "%s: write failed", p1);
  if (fl && fclose(fl) != 0 && rc == 0)
    rc = bsq_diag_set(d, BSQ_EIO, "%s: write failed", p2);
  free(lv);
  return rc;
}

/* Drives one frame per clock at the falling edge; after `lat` rising edges
 * frame i's levels sit on levels_o and are compared field by field with
 * !== (so an X is a mismatch). The window for the activities is from the
 * falling edge that drives frame lat to the one that would drive frame N:
 * N - lat cycles in which every register holds real frames. */
static int write_tb(const char *path, const char *top, int F, const int *width,
                    const int *bits, int N, int lat, bsq_diag *d) {
  int CW = 0, LW = 0;
  for (int f = 0; f < F; f++) CW += width[f], LW += bits[f];
  bsq_buf b = {0};
  bsq_buf_printf(&b,
            "// gate-level check of %s (generated by bsq, do not edit)\n"
            "`timescale 1ns/10ps\n"
            "module bsq_asic_tb;\n"
            "  localparam N = %d, LAT = %d;\n"
            "  reg clk = 1'b0, rst_n = 1'b0;\n"
            "  reg  [%d:0] codes = %d'd0;\n"
            "  wire [%d:0] lv;\n"
            "  reg  [%d:0] mem_c [0:N-1];\n"
            "  reg  [%d:0] mem_l [0:N-1];\n"
            "  reg  [%d:0] exp_l;\n"
            "  integer i, errors;\n"
            "  %s dut (.clk(clk), .rst_n(rst_n), .codes_i(codes), .levels_o(lv));\n"
            "  always #5 clk = ~clk;\n"
            "  initial begin\n"
            "    errors = 0;\n"
            "    $readmemh(\"codes.hex\", mem_c);\n"
            "    $readmemh(\"levels.hex\", mem_l);\n"
            "    $dumpfile(\"act.vcd\");\n"
            "    $dumpvars(1, dut);\n"
            "    @(negedge clk); @(negedge clk); rst_n = 1'b1;\n"
            "    for (i = 0; i < N + LAT; i = i + 1) begin\n"
            "      if (i == LAT) $display(\"bsq-window-start %%0d\", $time);\n"
            "      if (i == N) $display(\"bsq-window-end %%0d %%0d\", $time, N - LAT);\n"
            "      if (i >= LAT) begin\n"
            "        exp_l = mem_l[i - LAT];\n",
            top, N, lat, CW - 1, CW, LW - 1, CW - 1, LW - 1, LW - 1, top);
  int off = 0;
  for (int f = 0; f < F; f++) {
    if (bits[f] > 0)
      bsq_buf_printf(&b,
                "        if (lv[%d:%d] !== exp_l[%d:%d]) begin\n"
                "          if (errors < 20) $display(\"bsq-mismatch frame=%%0d"
                " feature=%d got=%%0d exp=%%0d\", i - LAT, lv[%d:%d],"
                " exp_l[%d:%d]);\n"
                "          errors = errors + 1;\n"
                "        end\n",
                off + bits[f] - 1, off, off + bits[f] - 1, off, f,
                off + bits[f] - 1, off, off + bits[f] - 1, off);
    off += bits[f];
  }
  bsq_buf_printf(&b,
            "      end\n"
            "      if (i < N) codes = mem_c[i];\n"
            "      @(negedge clk);\n"
            "    end\n"
            "    $display(\"bsq-done frames=%%0d errors=%%0d\", N, errors);\n"
            "    $finish;\n"
            "  end\n"
            "endmodule\n");
  return sb_write(&b, path, d);
}

/* Serial: one code per line, as s_axis_tdata carries it (the low W_f bits,
 * sign or zero extended to the widest W), F lines per frame; the levels
 * one frame per line as for the other banks. */
static int write_vectors_serial(const char *adir, int F, const int *width,
                                const int *bits, int N, const int64_t *codes,
                                const uint8_t *levels, bsq_diag *d) {
  char p1[PATHCAP], p2[PATHCAP];
  bsq_pathf(p1, sizeof p1, "%s/codes.hex", adir);
  bsq_pathf(p2, sizeof p2, "%s/levels.hex", adir);
  FILE *fc = fopen(p1, "w"), *fl = fopen(p2, "w");
  int64_t *lv = malloc((size_t)F * sizeof *lv);
  int rc = 0, tw = 1;
  for (int f = 0; f < F; f++)
    if (width[f] > tw) tw = width[f];
  if (!fc || !fl || !lv) {
    rc = bsq_diag_set(d, BSQ_EIO, "%s: cannot write vectors", adir);
    goto done;
  }
  for (int i = 0; i < N; i++) {
    for (int f = 0; f < F; f++) {
      int64_t v = codes[(size_t)i * (size_t)F + (size_t)f];
      /* a signed code keeps its value at tw bits; an unsigned one is >= 0 */
      hex_fields(fc, 1, &tw, &v);
    }
    for (int f = 0; f < F; f++) lv[f] = levels[(size_t)i * (size_t)F + (size_t)f];
    hex_fields(fl, F, bits, lv);
  }
done:
  if (fc && fclose(fc) != 0 && rc == 0)
    rc = bsq_diag_set(d, BSQ_EIO, "%s: write failed", p1);
  if (fl && fclose(fl) != 0 && rc == 0)
    rc = bsq_diag_set(d, BSQ_EIO, "%s: write failed", p2);
  free(lv);
  return rc;
}

/* Serial: drives one code per clock at the falling edge, F per frame;
 * frame k's last code enters at rising edge kF + F - 1 and its levels sit
 * on levels_o with valid_o after LAT rising edges, so they are compared at
 * step kF + F - 1 + LAT; at every other step after the first LAT valid_o
 * must be low (one frame per F clocks). The activity window is steps LAT
 * to NS = N F. */
static int write_tb_serial(const char *path, const char *top, int F,
                           const int *width, const int *bits, int N, int lat,
                           bsq_diag *d) {
  int TW = 1, LW = 0;
  for (int f = 0; f < F; f++) {
    if (width[f] > TW) TW = width[f];
    LW += bits[f];
  }
  bsq_buf b = {0};
  bsq_buf_printf(&b,
            "// gate-level check of %s (generated by bsq, do not edit)\n"
            "`timescale 1ns/10ps\n"
            "module bsq_asic_tb;\n"
            "  localparam N = %d, F = %d, NS = %d, LAT = %d;\n"
            "  reg clk = 1'b0, rst_n = 1'b0;\n"
            "  reg  [%d:0] codes = %d'd0;\n"
            "  wire [%d:0] lv;\n  wire vld;\n"
            "  reg  [%d:0] mem_c [0:NS-1];\n"
            "  reg  [%d:0] mem_l [0:N-1];\n"
            "  reg  [%d:0] exp_l;\n"
            "  integer i, k, errors;\n"
            "  %s dut (.clk(clk), .rst_n(rst_n), .codes_i(codes), "
            ".valid_o(vld), .levels_o(lv));\n"
            "  always #5 clk = ~clk;\n"
            "  initial begin\n"
            "    errors = 0;\n"
            "    $readmemh(\"codes.hex\", mem_c);\n"
            "    $readmemh(\"levels.hex\", mem_l);\n"
            "    $dumpfile(\"act.vcd\");\n"
            "    $dumpvars(1, dut);\n"
            "    @(negedge clk); @(negedge clk); rst_n = 1'b1;\n"
            "    for (i = 0; i < NS + LAT; i = i + 1) begin\n"
            "      if (i == LAT) $display(\"bsq-window-start %%0d\", $time);\n"
            "      if (i == NS) $display(\"bsq-window-end %%0d %%0d\", $time, NS - LAT);\n"
            "      if (i >= LAT && (i - LAT) %% F == F - 1) begin\n"
            "        k = (i - LAT) / F;\n"
            "        exp_l = mem_l[k];\n"
            "        if (vld !== 1'b1) begin\n"
            "          if (errors < 20) $display(\"bsq-mismatch frame=%%0d"
            " feature=0 got=-1 exp=-1 (valid_o low)\", k);\n"
            "          errors = errors + 1;\n"
            "        end\n",
            top, N, F, N * F, lat, TW - 1, TW, LW - 1, TW - 1, LW - 1, LW - 1,
            top);
  int off = 0;
  for (int f = 0; f < F; f++) {
    bsq_buf_printf(&b,
              "        if (lv[%d:%d] !== exp_l[%d:%d]) begin\n"
              "          if (errors < 20) $display(\"bsq-mismatch frame=%%0d"
              " feature=%d got=%%0d exp=%%0d\", k, lv[%d:%d],"
              " exp_l[%d:%d]);\n"
              "          errors = errors + 1;\n"
              "        end\n",
              off + bits[f] - 1, off, off + bits[f] - 1, off, f,
              off + bits[f] - 1, off, off + bits[f] - 1, off);
    off += bits[f];
  }
  bsq_buf_printf(&b,
            "      end else if (i >= LAT && vld !== 1'b0) begin\n"
            "        if (errors < 20) $display(\"bsq-mismatch frame=%%0d"
            " feature=0 got=-1 exp=-1 (valid_o high between frames)\","
            " (i - LAT) / F);\n"
            "        errors = errors + 1;\n"
            "      end\n"
            "      if (i < NS) codes = mem_c[i];\n"
            "      @(negedge clk);\n"
            "    end\n"
            "    $display(\"bsq-done frames=%%0d errors=%%0d\", N, errors);\n"
            "    $finish;\n"
            "  end\n"
            "endmodule\n");
  return sb_write(&b, path, d);
}

/* The negative test: swaps the first instance of a gate for its complement. */
static int swap_one_gate(char *net, char *what, size_t cap) {
  static const char *const pairs[][2] = {
      {"XOR2X1", "XNOR2X1"}, {"XNOR2X1", "XOR2X1"}, {"NAND2X1", "AND2X1"},
      {"NOR2X1", "OR2X1"},   {"AND2X1", "NAND2X1"}, {"OR2X1", "NOR2X1"}};
  for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
    char key[32];
    snprintf(key, sizeof key, "\n  %s ", pairs[k][0]);
    char *p = strstr(net, key);
    if (!p) continue;
    /* same-length rewrite is not possible in general: the caller writes
     * the text around the swapped name */
    snprintf(what, cap, "%s", pairs[k][1]);
    return (int)(p - net) + 3; /* offset of the cell name */
  }
  return -1;
}

/* ---- power from measured activity -------------------------------------- */

/* OpenSTA 2.0.17 keeps a user activity only on top-level input ports: its
 * propagation overwrites every annotated internal pin (set_power_activity
 * -pins is broken too, it loops over an unset variable), and it cannot
 * read a VCD or SAIF. So OpenSTA gives each instance's power at two global
 * activities, 0 and 1 transition per clock (duty 0.5; the clock pins keep
 * their 2 edges per period in both), and the power at the measured
 * activity a_i of the instance's outputs is the line through them:
 *   P_i = P_i(0) + a_i (P_i(1) - P_i(0)),
 * exact for switching (0.5 C V^2 a) and for output-related internal
 * energy, per component. Checked linear: global 0.25 and 0.5 give the
 * interpolated totals to 0.1%. */
typedef struct {
  double v[2][3]; /* [activity 0 / 1][internal, switching, leakage] */
  int seen;
} instpow;

static int parse_inst_power(const char *path, int which, instpow *ip, int n,
                            bsq_diag *d) {
  char *t = slurp(path);
  if (!t) return bsq_diag_set(d, BSQ_EIO, "%s: cannot read", path);
  int got = 0;
  for (char *line = t; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
    double a, b, c, tot;
    char nm[64];
    if (sscanf(line, " %lf %lf %lf %lf %63s", &a, &b, &c, &tot, nm) == 5 &&
        nm[0] == 'g') {
      long k = strtol(nm + 1, NULL, 10);
      if (k >= 0 && k < n) {
        ip[k].v[which][0] = a;
        ip[k].v[which][1] = b;
        ip[k].v[which][2] = c;
        ip[k].seen |= 1 << which;
        got++;
      }
    }
  }
  free(t);
  if (got == 0)
    return bsq_diag_set(d, BSQ_EPARSE, "%s: no instance power lines", path);
  return 0;
}

/* Walks the mapped netlist: "  CELL gN (" then ".PIN(NET)" lines. */
static int combine_power(const char *netlist, const libinfo *li,
                         const instpow *ip, int n, const bsq_net_activity *na, int nna,
                         double out[3], bsq_diag *d) {
  char *t = slurp(netlist);
  if (!t) return bsq_diag_set(d, BSQ_EIO, "%s: cannot read", netlist);
  int rc = 0, inst = 0;
  out[0] = out[1] = out[2] = 0.0;
  for (char *line = t; line && *line;) {
    char *eol = strchr(line, '\n');
    char cell[32], nm[64];
    if (sscanf(line, "  %31s g%63[0-9] (", cell, nm) == 2) {
      int c = lib_cell(li, cell);
      long k = strtol(nm, NULL, 10);
      if (c < 0 || k < 0 || k >= n || ip[k].seen != 3) {
        rc = bsq_diag_set(d, BSQ_EPARSE, "%s: instance g%s (%s) has no power",
                          netlist, nm, cell);
        goto done;
      }
      double a = 0.0;
      int nouts = 0;
      char *end = strstr(line, ");");
      for (int o = 0; o < li->cell[c].nout; o++) {
        char key[24];
        snprintf(key, sizeof key, ".%s(", li->cell[c].out[o]);
        char *pp = strstr(line, key);
        if (!pp || (end && pp > end)) continue;
        pp += strlen(key);
        char net[64];
        size_t m = 0;
        while (pp[m] && pp[m] != ')' && m + 1 < sizeof net) {
          net[m] = pp[m];
          m++;
        }
        net[m] = '\0';
        a += bsq_net_activity_of(na, nna, net);
        nouts++;
      }
      if (nouts) a /= nouts;
      for (int j = 0; j < 3; j++)
        out[j] += ip[k].v[0][j] + a * (ip[k].v[1][j] - ip[k].v[0][j]);
      inst++;
    }
    line = eol ? eol + 1 : NULL;
  }
  if (inst == 0)
    rc = bsq_diag_set(d, BSQ_EPARSE, "%s: no instances", netlist);
done:
  free(t);
  return rc;
}

/* The Verilog cell models the gate-level simulation needs: the user's, or
 * the default library's. */
static int cell_models(const bsq_asic_opts *o, const char **cells,
                       bsq_diag *diag) {
  *cells = o->cell_models;
  if (!*cells && !o->liberty) *cells = BSQ_ASIC_DEFAULT_CELLS;
  if (!*cells)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "a gate-level check with %s needs its Verilog cell"
                        " models", o->liberty);
  return need_file(*cells, !o->cell_models, diag);
}

/* Icarus on ADIR/tb.v (top bsq_asic_tb), the netlist and the cell models;
 * log gets the simulation's log, ADIR/sim.log. */
static int sim_netlist(const char *adir, const bsq_asic_opts *o,
                       const char *netlist, const char *cells, char *log,
                       size_t logcap, bsq_diag *diag) {
  bsq_pathf(log, logcap, "%s/iverilog.log", adir);
  char *cc[] = {(char *)(o->iverilog ? o->iverilog : "iverilog"), "-g2005",
                "-o", "sim.vvp", "-s", "bsq_asic_tb", "tb.v", (char *)netlist,
                (char *)cells, NULL};
  int rc = run_tool(cc, adir, log, diag);
  if (rc < 0) return rc;
  bsq_pathf(log, logcap, "%s/sim.log", adir);
  char *run[] = {(char *)(o->vvp ? o->vvp : "vvp"), "-n", "sim.vvp", NULL};
  return run_tool(run, adir, log, diag);
}

/* The activity window the bench printed: bsq-window-start T0 and
 * bsq-window-end T1 CYCLES ($time in ns). */
static int sim_window(const char *t, const char *log, double *t0, double *t1,
                      int *cycles, bsq_diag *diag) {
  const char *a = strstr(t, "bsq-window-start");
  const char *b = strstr(t, "bsq-window-end");
  if (a) *t0 = strtod(a + strlen("bsq-window-start"), NULL);
  if (b) {
    char *e;
    *t1 = strtod(b + strlen("bsq-window-end"), &e);
    *cycles = (int)strtol(e, NULL, 10);
  }
  if (*t0 < 0 || *t1 <= *t0 || *cycles < 1)
    return bsq_diag_set(diag, BSQ_EPARSE, "%s: no activity window", log);
  return 0;
}

/* Power from the simulation's activities: the toggles of ADIR/act.vcd in
 * [t0, t1] over `cycles` clocks, OpenSTA's power of each instance at
 * activity 0 and 1 at clock_hz, interpolated at its output's activity and
 * summed; energy per frame at frame_rate. Fills r's activity, power and
 * energy fields. */
static int window_power(const char *adir, const char *lib, const char *top,
                        const bsq_asic_opts *o, int unit, double frame_rate,
                        double clock_hz, double t0, double t1, int cycles,
                        bsq_synth_asic_result *r, bsq_diag *diag) {
  char path[PATHCAP], log[PATHCAP];
  char *t = NULL;
  bsq_net_activity *na = NULL;
  int nna = 0, rc;
  libinfo *li = NULL;
  instpow *ip = NULL;
  r->window_cycles = cycles;
  {
    char vcd[PATHCAP], act[PATHCAP];
    bsq_pathf(vcd, sizeof vcd, "%s/act.vcd", adir);
    bsq_pathf(act, sizeof act, "%s/activity.txt", adir);
    /* the bench prints $time in ns (its timescale is 1ns/10ps) */
    if ((rc = bsq_vcd_activity(vcd, act, t0, t1, cycles, &na, &nna,
                               &r->toggles, diag)) < 0)
      goto fail;
    r->nets_annotated = nna;
  }
  {
    bsq_buf b = {0};
    sta_head(&b, lib, top, 1e9 / clock_hz, o, unit);
    bsq_buf_printf(&b,
              "set_power_activity -global -activity 0 -duty 0.5\n"
              "report_power -instances [get_cells *] -digits 8 > power_a0.txt\n"
              "puts \"bsq-report: power a=0\"\n"
              "report_power -digits 6\n"
              "set_power_activity -global -activity 1 -duty 0.5\n"
              "report_power -instances [get_cells *] -digits 8 > power_a1.txt\n"
              "puts \"bsq-report: power a=1\"\n"
              "report_power -digits 6\n");
    if ((rc = run_sta(adir, "power", &b, o, log, sizeof log, diag)) < 0)
      goto fail;
  }
  t = slurp(log);
  if (!t || strstr(t, "Error:")) {
    rc = bsq_diag_set(diag, BSQ_ETOOL, "sta power failed, see %s", log);
    goto fail;
  }
  li = malloc(sizeof *li);
  if (!li) {
    rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    goto fail;
  }
  if ((rc = lib_scan(lib, li, diag)) < 0) goto fail;
  {
    int ninst = 2 * r->cells + 1000; /* g<N> numbers stay below this */
    ip = calloc((size_t)ninst, sizeof *ip);
    if (!ip) {
      rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
      goto fail;
    }
    bsq_pathf(path, sizeof path, "%s/power_a0.txt", adir);
    if ((rc = parse_inst_power(path, 0, ip, ninst, diag)) < 0) goto fail;
    bsq_pathf(path, sizeof path, "%s/power_a1.txt", adir);
    if ((rc = parse_inst_power(path, 1, ip, ninst, diag)) < 0) goto fail;
    double pw[3];
    bsq_pathf(path, sizeof path, "%s/netlist.v", adir);
    if ((rc = combine_power(path, li, ip, ninst, na, nna, pw, diag)) < 0)
      goto fail;
    /* report_power is in W */
    r->p_internal_uw = pw[0] * 1e6;
    r->p_switching_uw = pw[1] * 1e6;
    r->p_leakage_uw = pw[2] * 1e6;
    r->p_total_uw = r->p_internal_uw + r->p_switching_uw + r->p_leakage_uw;
    r->energy_pj_per_frame = r->p_total_uw * 1e-6 / frame_rate * 1e12;
    r->leakage_pj_per_frame = r->p_leakage_uw * 1e-6 / frame_rate * 1e12;
  }
  rc = 0;
fail:
  free(t);
  free(na);
  free(li);
  free(ip);
  return rc;
}

int bsq_asic_gate_check_and_power(const char *work, const char *name,
                                  int arch, const bsq_asic_opts *o, int F,
                                  const int *width, const int *bits, int N,
                                  const int64_t *codes, const uint8_t *levels,
                                  bsq_synth_asic_result *r, bsq_diag *diag) {
  if (!work || !name || !o || !r || arch < 0 || arch >= BSQ_SYN_NARCH || F < 1 ||
      !width || !bits || !codes || !levels || N <= r->latency)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "bsq_asic_gate_check_and_power: bad arguments");
  const char *lib = o->liberty ? o->liberty : BSQ_ASIC_DEFAULT_LIBERTY;
  const char *cells;
  int rc0 = cell_models(o, &cells, diag);
  if (rc0) return rc0;
  double rate = frame_rate(o);
  const char *an = bsq_synth_arch_name(arch);
  char adir[PATHCAP], path[PATHCAP], log[PATHCAP], top[128];
  char *t = NULL, *net = NULL;
  int rc;
  char wabs[PATHCAP];
  if (abs_path(wabs, sizeof wabs, work) ||
      bsq_pathf(adir, sizeof adir, "%s/%s", wabs, an) ||
      bsq_pathf(top, sizeof top, "%s_%s_bank", name, an))
    return bsq_diag_set(diag, BSQ_EINVAL, "%s: path too long", work);
  r->gate_level_check = 0;
  r->gate_frames = N;
  r->mismatch_frame = r->mismatch_feature = -1;
  r->frame_rate_hz = rate;

  /* the netlist the simulation reads: the mapped one, or a mutant */
  const char *simnet = "netlist.v";
  if (o->swap_gate) {
    bsq_pathf(path, sizeof path, "%s/netlist.v", adir);
    net = slurp(path);
    if (!net) {
      rc = bsq_diag_set(diag, BSQ_EIO, "%s: cannot read", path);
      goto fail;
    }
    char repl[32];
    int at = swap_one_gate(net, repl, sizeof repl);
    if (at < 0) {
      rc = bsq_diag_set(diag, BSQ_EINVAL, "%s: no gate to swap", path);
      goto fail;
    }
    size_t oldlen = strcspn(net + at, " ");
    bsq_pathf(path, sizeof path, "%s/netlist_swapped.v", adir);
    FILE *fp = fopen(path, "w");
    if (!fp) {
      rc = bsq_diag_set(diag, BSQ_EIO, "%s: cannot write", path);
      goto fail;
    }
    fwrite(net, 1, (size_t)at, fp);
    fputs(repl, fp);
    fputs(net + (size_t)at + oldlen, fp);
    if (fclose(fp) != 0) {
      rc = bsq_diag_set(diag, BSQ_EIO, "%s: write failed", path);
      goto fail;
    }
    simnet = "netlist_swapped.v";
  }
  int serial = arch == BSQ_SYN_SERIAL, spf = serial ? F : 1;
  if ((rc = (serial ? write_vectors_serial : write_vectors)(
           adir, F, width, bits, N, codes, levels, diag)) < 0)
    goto fail;
  bsq_pathf(path, sizeof path, "%s/tb.v", adir);
  if ((rc = (serial ? write_tb_serial : write_tb)(path, top, F, width, bits, N,
                                                 r->latency, diag)) < 0)
    goto fail;
  if ((rc = sim_netlist(adir, o, simnet, cells, log, sizeof log, diag)) < 0)
    goto fail;
  t = slurp(log);
  if (!t) {
    rc = bsq_diag_set(diag, BSQ_EIO, "%s: cannot read", log);
    goto fail;
  }
  {
    const char *done = strstr(t, "bsq-done");
    const char *mm = strstr(t, "bsq-mismatch");
    if (mm) {
      int fr = -1, fe = -1, got = -1, ex = -1;
      sscanf(mm, "bsq-mismatch frame=%d feature=%d got=%d exp=%d", &fr, &fe,
             &got, &ex);
      r->mismatch_frame = fr;
      r->mismatch_feature = fe;
      rc = bsq_diag_set(diag, BSQ_EMISMATCH,
                        "%s gate-level netlist%s: frame %d feature %d: got %d,"
                        " expected %d (see %s)",
                        an, o->swap_gate ? " (gate swapped)" : "", fr, fe, got,
                        ex, log);
      goto fail;
    }
    if (!done) {
      rc = bsq_diag_set(diag, BSQ_ETOOL, "%s: simulation did not finish", log);
      goto fail;
    }
  }
  r->gate_level_check = 1;

  /* ---- activities and power */
  {
    double t0 = -1, t1 = -1;
    int cycles = 0;
    if ((rc = sim_window(t, log, &t0, &t1, &cycles, diag)) < 0) goto fail;
    r->power_clock_mhz = rate * spf / 1e6;
    if ((rc = window_power(adir, lib, top, o, BSQ_UNIT_BANK, rate, rate * spf,
                           t0, t1, cycles, r, diag)) < 0)
      goto fail;
  }
  rc = 0;
fail:
  free(t);
  free(net);
  return rc;
}

/* ---- the whole encoder's gate-level check and power -------------------- */

/* Hex of `bits` bits of the little-endian bytes p, most significant digit
 * first (for $readmemh). */
static void hex_bytes(FILE *fp, const uint8_t *p, int bits) {
  for (int dgt = (bits + 3) / 4 - 1; dgt >= 0; dgt--) {
    unsigned nib = 0;
    for (int k = 3; k >= 0; k--) {
      int bit = 4 * dgt + k;
      nib = nib << 1 | (bit < bits ? (unsigned)(p[bit / 8] >> (bit % 8) & 1) : 0u);
    }
    fputc("0123456789abcdef"[nib], fp);
  }
  fputc('\n', fp);
}

/* Beats as fast as s_axis_tready takes them (decided at each falling edge
 * from the flops' outputs, so the beat is taken at the next rising edge),
 * m_axis_tready always high, so each cycle m_axis_tvalid is high one word
 * leaves and is compared with the next expected one (!==: an X is a
 * mismatch). The activity window runs from the acceptance of frame W0 to
 * that of the last frame. */
static int write_tb_encoder(const char *path, const char *top, int tw, int K,
                            int tuser, int N, int NW, int w0, bsq_diag *d) {
  bsq_buf b = {0};
  bsq_buf_printf(&b,
      "// gate-level check of %s (generated by bsq, do not edit)\n"
      "`timescale 1ns/10ps\n"
      "module bsq_asic_tb;\n"
      "  localparam N = %d, NW = %d, W0 = %d, LIMIT = %d;\n"
      "  reg clk = 1'b0, rst_n = 1'b0;\n"
      "  reg  [%d:0] tdata = %d'd0;\n"
      "  reg  tvalid = 1'b0;\n"
      "  wire tready, wvalid, wlast;\n"
      "  wire [%d:0] wdata;\n"
      "  reg  [%d:0] mem_t [0:N-1];\n"
      "  reg  [%d:0] mem_w [0:NW-1];\n"
      "  integer i, j, errors, cyc, c0, take;\n"
      "  %s dut (.clk(clk), .rst_n(rst_n), .s_axis_tdata(tdata),\n"
      "      .s_axis_tvalid(tvalid), .s_axis_tready(tready),\n"
      "      .m_axis_tdata(wdata), .m_axis_tvalid(wvalid),\n"
      "      .m_axis_tready(1'b1), .m_axis_tlast(wlast)%s);\n"
      "  always #5 clk = ~clk;\n"
      "  initial begin\n"
      "    errors = 0; i = 0; j = 0; cyc = 0; c0 = 0; take = 0;\n"
      "    $readmemh(\"tdata.hex\", mem_t);\n"
      "    $readmemh(\"words.hex\", mem_w);\n"
      "    $dumpfile(\"act.vcd\");\n"
      "    $dumpvars(1, dut);\n"
      "    @(negedge clk); @(negedge clk); rst_n = 1'b1;\n"
      "    tdata = mem_t[0]; tvalid = 1'b1;\n"
      "    while (j < NW && cyc < LIMIT) begin\n"
      "      @(negedge clk);\n"
      "      cyc = cyc + 1;\n"
      "      if (take) begin\n"
      "        i = i + 1;\n"
      "        if (i == W0) begin\n"
      "          c0 = cyc;\n"
      "          $display(\"bsq-window-start %%0d\", $time);\n"
      "        end\n"
      "        if (i == N) $display(\"bsq-window-end %%0d %%0d %%0d\", $time,\n"
      "                             cyc - c0, N - W0);\n"
      "        if (i < N) tdata = mem_t[i]; else tvalid = 1'b0;\n"
      "      end\n"
      "      take = tvalid && tready;\n"
      "      if (wvalid) begin\n"
      "        if (wdata !== mem_w[j]) begin\n"
      "          if (errors < 20) $display(\"bsq-mismatch word=%%0d got=%%0h exp=%%0h\",\n"
      "                                    j, wdata, mem_w[j]);\n"
      "          errors = errors + 1;\n"
      "        end\n"
      "        j = j + 1;\n"
      "      end\n"
      "    end\n"
      "    if (j < NW) $display(\"bsq-timeout words=%%0d of %%0d\", j, NW);\n"
      "    else $display(\"bsq-done frames=%%0d words=%%0d errors=%%0d\", i, j, errors);\n"
      "    $finish;\n"
      "  end\n"
      "endmodule\n",
      top, N, NW, w0, 8 * (N + NW) + 100, tw - 1, tw, K - 1, tw - 1, K - 1,
      top, tuser ? ",\n      .s_axis_tuser(1'b0)" : "");
  return sb_write(&b, path, d);
}

int bsq_asic_encoder_check_and_power(const char *work, const char *name,
                                     int arch, const bsq_asic_opts *o,
                                     int tdata_bits, int K, int tuser, int N,
                                     const uint8_t *tdata, int NW,
                                     const uint64_t *words,
                                     bsq_synth_asic_result *r, bsq_diag *diag) {
  if (!work || !name || !o || !r || arch < 0 || arch >= BSQ_SYN_NARCH ||
      tdata_bits < 1 || K < 1 || K > 64 || N < 16 || NW < 1 || !tdata || !words)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "bsq_asic_encoder_check_and_power: bad arguments");
  const char *lib = o->liberty ? o->liberty : BSQ_ASIC_DEFAULT_LIBERTY;
  const char *cells;
  int rc = cell_models(o, &cells, diag);
  if (rc) return rc;
  double rate = frame_rate(o);
  const char *an = bsq_synth_arch_name(arch);
  char adir[PATHCAP], path[PATHCAP], log[PATHCAP], top[128], wabs[PATHCAP];
  char *t = NULL;
  if (abs_path(wabs, sizeof wabs, work) ||
      bsq_pathf(adir, sizeof adir, "%s/%s_enc", wabs, an) ||
      bsq_pathf(top, sizeof top, "%s_%s_encoder", name, an))
    return bsq_diag_set(diag, BSQ_EINVAL, "%s: path too long", work);
  r->gate_level_check = 0;
  r->gate_frames = N;
  r->mismatch_frame = r->mismatch_feature = -1;
  r->frame_rate_hz = rate;
  {
    char p1[PATHCAP], p2[PATHCAP];
    bsq_pathf(p1, sizeof p1, "%s/tdata.hex", adir);
    bsq_pathf(p2, sizeof p2, "%s/words.hex", adir);
    FILE *ft = fopen(p1, "w"), *fw = fopen(p2, "w");
    int tb = (tdata_bits + 7) / 8;
    if (ft && fw) {
      for (int i = 0; i < N; i++) hex_bytes(ft, tdata + (size_t)i * (size_t)tb, tdata_bits);
      for (int i = 0; i < NW; i++) {
        uint8_t wb[8];
        for (int k = 0; k < 8; k++) wb[k] = (uint8_t)(words[i] >> (8 * k));
        hex_bytes(fw, wb, K);
      }
    }
    int bad = !ft || !fw;
    if (ft && fclose(ft) != 0) bad = 1;
    if (fw && fclose(fw) != 0) bad = 1;
    if (bad) return bsq_diag_set(diag, BSQ_EIO, "%s: cannot write vectors", adir);
  }
  int w0 = N / 10 > r->latency + 2 ? N / 10 : r->latency + 2;
  if (w0 >= N) w0 = N / 2;
  bsq_pathf(path, sizeof path, "%s/tb.v", adir);
  if ((rc = write_tb_encoder(path, top, tdata_bits, K, tuser, N, NW, w0, diag)) < 0)
    return rc;
  if ((rc = sim_netlist(adir, o, "netlist.v", cells, log, sizeof log, diag)) < 0)
    return rc;
  t = slurp(log);
  if (!t) return bsq_diag_set(diag, BSQ_EIO, "%s: cannot read", log);
  {
    const char *mm = strstr(t, "bsq-mismatch");
    if (mm) {
      int wi = -1;
      char got[24] = "?", ex[24] = "?";
      sscanf(mm, "bsq-mismatch word=%d got=%23s exp=%23s", &wi, got, ex);
      r->mismatch_frame = wi;
      rc = bsq_diag_set(diag, BSQ_EMISMATCH,
                        "%s encoder gate-level netlist: word %d: got %s, "
                        "expected %s (see %s)", an, wi, got, ex, log);
      goto fail;
    }
    if (strstr(t, "bsq-timeout") || !strstr(t, "bsq-done")) {
      rc = bsq_diag_set(diag, BSQ_EMISMATCH,
                        "%s encoder gate-level netlist: not every expected "
                        "word came out (see %s)", an, log);
      goto fail;
    }
  }
  r->gate_level_check = 1;
  {
    double t0 = -1, t1 = -1;
    int cycles = 0, frames = 0;
    if ((rc = sim_window(t, log, &t0, &t1, &cycles, diag)) < 0) goto fail;
    const char *e = strstr(t, "bsq-window-end");
    if (e) sscanf(e, "bsq-window-end %*s %*d %d", &frames);
    if (frames < 1) {
      rc = bsq_diag_set(diag, BSQ_EPARSE, "%s: no frame count", log);
      goto fail;
    }
    r->cycles_per_frame = (double)cycles / frames;
    double clock_hz = rate * r->cycles_per_frame;
    r->power_clock_mhz = clock_hz / 1e6;
    if ((rc = window_power(adir, lib, top, o, BSQ_UNIT_ENC, rate, clock_hz, t0,
                           t1, cycles, r, diag)) < 0)
      goto fail;
  }
  rc = 0;
fail:
  free(t);
  return rc;
}
