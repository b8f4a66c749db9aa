/* bsq — co-simulation runs (see sim.h). */
#define _POSIX_C_SOURCE 200809L
#include "sim.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <unistd.h>

#include "simcache.h"
#include "util.h"

static void say(bsq_log_fn log, void *user, bsq_log_kind kind,
                const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void say(bsq_log_fn log, void *user, bsq_log_kind kind,
                const char *fmt, ...) {
  if (!log) return;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  log(user, kind, msg);
}

static void result_init(bsq_sim_result *r) {
  memset(r, 0, sizeof *r);
  r->first_cycle = r->first_word = r->first_frame = r->first_code = -1;
  r->first_feature = r->first_exp_level = r->first_got_level = -1;
}

/* A failed run's summary: BSQ_EMISMATCH. */
static int mismatches(bsq_diag *diag, const char *sim, const bsq_sim_result *r) {
  if (r->axi_violations)
    return bsq_diag_set(diag, BSQ_EMISMATCH,
                        "%s: %" PRIu64 " AXI4-Stream rule violations, %" PRIu64
                        " mismatches in %" PRIu64 " words; %s",
                        sim, r->axi_violations, r->mismatches, r->words,
                        r->first_axi);
  return bsq_diag_set(diag, BSQ_EMISMATCH,
                      "%s: %" PRIu64 " mismatches in %" PRIu64 " words%s%s",
                      sim, r->mismatches, r->words, r->first[0] ? "; " : "",
                      r->first);
}

double bsq_sim_fps(const bsq_sim_result *r) {
  return r->seconds > 0 ? (double)r->accepted / r->seconds : 0.0;
}

/* ---- what the simulators print -------------------------------------------- */

/* Value of `key` (with its leading space and '=') in a line, or -1. */
static int64_t key_i64(const char *line, const char *key) {
  const char *p = strstr(line, key);
  return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

/* Reads the RESULT line the harness or testbench printed into path. */
static int read_result(const char *path, bsq_sim_result *r) {
  FILE *fp = fopen(path, "r");
  if (!fp) return -1;
  char line[2048];
  int found = 0;
  while (fgets(line, sizeof line, fp)) {
    if (strncmp(line, "RESULT ", 7) != 0) continue;
    found = 1;
    const char *sp = line + 6; /* keys are matched with a leading space */
    const struct {
      const char *key;
      uint64_t *v;
    } keys[] = {{" frames=", &r->frames},
                {" words=", &r->words},
                {" mismatches=", &r->mismatches},
                {" accepted=", &r->accepted},
                {" total=", &r->total},
                {" discarded_by_reset=", &r->discarded},
                {" in_partial_word=", &r->partial},
                {" cycles=", &r->cycles},
                {" axi_violations=", &r->axi_violations},
                {" sync_frames=", &r->sync_frames},
                {" sync_groups=", &r->sync_groups},
                {" sync_resyncs=", &r->sync_resyncs},
                {" sync_skipped_bits=", &r->sync_skipped_bits},
                {" sync_dropped=", &r->sync_dropped},
                {" sync_tail=", &r->sync_tail},
                {" sync_bad=", &r->sync_bad}};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
      const char *p = strstr(sp, keys[k].key);
      *keys[k].v = p ? strtoull(p + strlen(keys[k].key), NULL, 10) : 0;
    }
    const char *s = strstr(sp, " seconds=");
    if (s) r->seconds = strtod(s + 9, NULL);
  }
  fclose(fp);
  return found ? 0 : -1;
}

/* The first mismatch from an %Error line of the harness
 *   %Error: FILE:LINE: cycle=C word=W GOT=.. tlast=.. EXP=.. tlast=..
 *           frame=F feature=f "name" code=c level EXP=e GOT=g
 * or of the testbench (cycle and word only); a broken rule's line goes to
 * first_axi. */
static void read_first(const char *line, bsq_sim_result *r) {
  /* a broken AXI4-Stream rule: "%Error: axi: cycle=C rule=NAME: ..." */
  const char *axi = strstr(line, "axi: cycle=");
  if (axi) {
    if (!r->first_axi[0])
      snprintf(r->first_axi, sizeof r->first_axi, "%.*s",
               (int)strcspn(axi, "\r\n"), axi);
    return;
  }
  if (r->first[0] || !strstr(line, " cycle=")) return;
  snprintf(r->first, sizeof r->first, "%.*s", (int)strcspn(line, "\r\n"),
           line);
  r->first_cycle = key_i64(line, " cycle=");
  r->first_word = key_i64(line, " word=");
  r->first_frame = key_i64(line, " frame=");
  const char *lv = strstr(line, " level EXP=");
  if (strstr(line, " feature=") && lv) {
    r->first_feature = (int)key_i64(line, " feature=");
    r->first_code = key_i64(line, " code=");
    r->first_exp_level = (int)key_i64(lv, " level EXP=");
    r->first_got_level = (int)key_i64(lv, " GOT=");
  }
}

/* Sends the lines of path starting with one of the prefixes to the log
 * (prefixed with tag), and reads the first mismatch from them. */
static void relay_lines(const char *path, const char *tag, int errors_only,
                        bsq_log_fn log, void *user, bsq_sim_result *r) {
  FILE *fp = fopen(path, "r");
  if (!fp) return;
  char line[2048];
  while (fgets(line, sizeof line, fp)) {
    int err = !strncmp(line, "%Error", 6);
    if (errors_only && !err) continue;
    if (err) read_first(line, r);
    say(log, user, BSQ_LOG_TOOL, "%s%.*s", tag, (int)strcspn(line, "\n"),
        line);
  }
  fclose(fp);
}

static void sends_tail(bsq_log_fn log, void *user, const char *path,
                       int lines) {
  char *t = bsq_file_tail(path, lines);
  if (!t) return;
  size_t n = strlen(t);
  if (n > 0 && t[n - 1] == '\n') t[n - 1] = '\0';
  if (*t) say(log, user, BSQ_LOG_TOOL, "%s", t);
  free(t);
}

/* A CMake list or a plain string of flags, with blanks between. */
static void flags_text(char *out, size_t cap, const char *flags) {
  snprintf(out, cap, "%s", flags ? flags : "");
  for (char *c = out; *c; c++)
    if (*c == ';') *c = ' ';
}

/* ---- Verilator ------------------------------------------------------------- */

/* What the make run around Vdut.mk is given. The generated model is built
 * as one translation unit (VM_PARALLEL_BUILDS=0: Verilator's __ALL.cpp):
 * parsing verilated.h once instead of once per generated file is most of
 * a build otherwise, and -O2 of the one unit costs less than -O2/-O1 of
 * the many. OPT_SLOW does not apply then; OPT_GLOBAL is the run-time
 * library's (verilated.cpp), built once per cache. */
static const char *const MAKE_OPTS[] = {"-j2", "VM_PARALLEL_BUILDS=0",
                                        "OPT_FAST=-O2", "OPT_GLOBAL=-O1"};
#define N_MAKE_OPTS (sizeof MAKE_OPTS / sizeof MAKE_OPTS[0])

/* Environment that reaches the compiler through make or Verilator. */
static const char *const BUILD_ENV[] = {"CPPFLAGS", "CXXFLAGS", "LDFLAGS",
                                        "LDLIBS", "MAKEFLAGS", "OBJCACHE",
                                        "VERILATOR_ROOT"};

/* What every build of the cache depends on besides its own files: bsq,
 * the tools and the environment they read. */
static void key_tools(bsq_cachekey *k, const char *trace_flag) {
  bsq_cachekey_add_str(k, "bsq", BSQ_VERSION);
  char *vv[] = {"verilator", "--version", NULL};
  char *gv[] = {"g++", "--version", NULL}; /* verilated.mk's CXX */
  bsq_cachekey_add_cmd(k, vv);
  bsq_cachekey_add_cmd(k, gv);
  for (size_t i = 0; i < sizeof BUILD_ENV / sizeof BUILD_ENV[0]; i++) {
    bsq_cachekey_add_str(k, "env", BUILD_ENV[i]);
    bsq_cachekey_add_str(k, "value", getenv(BUILD_ENV[i]));
  }
  bsq_cachekey_add_str(k, "trace", trace_flag);
  for (size_t i = 0; i < N_MAKE_OPTS; i++)
    bsq_cachekey_add_str(k, "make", MAKE_OPTS[i]);
}

/* The harness's key: the tools, then every argument of the Verilator run
 * (a file by its bytes, the build directory left out), our makefile, the
 * link line, the headers next to the harness, the library's headers and
 * the library itself. */
static int key_harness(bsq_cachekey *k, char *const vargv[], const char *obj,
                       const char *trace_flag, const char *mk,
                       const char *ldlibs, const char *san_ld,
                       const bsq_tool_paths *tp, bsq_diag *diag) {
  bsq_cachekey_init(k, "harness");
  key_tools(k, trace_flag);
  int rc = BSQ_OK;
  for (int i = 0; vargv[i] && !rc; i++) {
    struct stat st;
    if (vargv[i] == obj) continue;
    if (strchr(vargv[i], '/') && stat(vargv[i], &st) == 0 &&
        S_ISREG(st.st_mode))
      rc = bsq_cachekey_add_file(k, vargv[i], diag);
    else
      bsq_cachekey_add_str(k, "arg", vargv[i]);
  }
  bsq_cachekey_add_str(k, "makefile", mk);
  bsq_cachekey_add_str(k, "ldlibs", ldlibs);
  bsq_cachekey_add_str(k, "ldflags", san_ld);
  /* the harness's own headers (harness_common.h) are no Verilator argument */
  if (!rc) rc = bsq_cachekey_add_dir(k, tp->sim_dir, ".h", diag);
  if (!rc) rc = bsq_cachekey_add_dir(k, tp->include_dir, ".h", diag);
  if (!rc) rc = bsq_cachekey_add_file(k, tp->model_lib, diag);
  return rc;
}

/* Builds the harness of job j into obj (or finds it in the cache): the
 * executable's path into exe. */
static int build_harness(const bsq_sim_job *j, const bsq_model *m,
                         const char *obj, const char *log, char *exe,
                         size_t exe_cap, bsq_sim_result *r, char *tail_log,
                         size_t cap, bsq_diag *diag) {
  const bsq_tool_paths *tp = j->paths;
  char top[128], cflags[8192], harness[4096], f_top[4096], f_quant[4096];
  char f_pk[4096], ldlibs[4096], san[1024], san_ld[1200], mkpath[4096];
  char entry[4096], hex[BSQ_CACHEKEY_HEX], rt_hex[BSQ_CACHEKEY_HEX];
  char f_fr[4096], d_sync[64] = "";
  bsq_pathf(top, sizeof top, "%s_encoder", j->opt.name);
  int serial = j->opt.arch == BSQ_ARCH_SERIAL;
  bsq_pathf(harness, sizeof harness, "%s/%s", tp->sim_dir,
            serial ? "serial_harness.cpp" : "harness.cpp");
  if (serial && access(harness, R_OK) != 0) /* the CLI checks harness.cpp */
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot read (the serial harness)",
                        harness);
  bsq_pathf(f_top, sizeof f_top, "%s/%s_encoder.v", j->rtl, j->opt.name);
  bsq_pathf(f_quant, sizeof f_quant, "%s/%s_quant.v", j->rtl, j->opt.name);
  bsq_pathf(f_pk, sizeof f_pk, "%s/bsq_packer.v", j->rtl);
  bsq_pathf(f_fr, sizeof f_fr, "%s/bsq_framer.v", j->rtl);
  /* frame sync: the harness learns N (and so expects the framer's words) */
  if (j->opt.sync) snprintf(d_sync, sizeof d_sync, " -DBSQ_SYNC=%d", j->opt.sync);
  /* --byte-tdata: the harness drives garbage into the input pad bits and
   * checks that the output's are zero */
  if (j->opt.byte_tdata)
    snprintf(d_sync + strlen(d_sync), sizeof d_sync - strlen(d_sync),
             " -DBSQ_BYTE_TDATA=1");
  bsq_pathf(exe, exe_cap, "%s/harness", obj);
  int fst = j->trace && strlen(j->trace) > 4 &&
            !strcmp(j->trace + strlen(j->trace) - 4, ".fst");
  const char *trace_flag = !j->trace ? "" : fst ? "--trace-fst" : "--trace";
  /* The harness's own flags, given to harness.o only (see below). */
  bsq_pathf(cflags, sizeof cflags,
            "-I%s -DBSQ_K=%d -DBSQ_ALIGNED=%d -DBSQ_%s=%d -DBSQ_B=%d%s%s",
            tp->include_dir, j->opt.word_bits,
            j->opt.mode == BSQ_MODE_ALIGNED, serial ? "TW" : "IN_BITS",
            serial ? bsq_serial_tdata_bits(&m->enc) : bsq_tdata_bits(&m->enc),
            m->enc.B, d_sync,
            !j->trace ? "" : fst ? " -DBSQ_TRACE_FST" : " -DBSQ_TRACE_VCD");
  char *pc_argv[] = {"pkg-config", "--libs", "libcjson", "openblas", NULL};
  char *pc = bsq_run_capture(pc_argv);
  bsq_pathf(ldlibs, sizeof ldlibs, "USER_LDLIBS=%s %s -lm -lpthread",
            tp->model_lib, pc ? pc : "-lcjson -lopenblas");
  free(pc);
  char *argv[] = {"verilator", "--cc", "--exe", "--prefix", "Vdut",
                  "--top-module", top, "-Mdir", (char *)obj, "-o", "harness",
                  f_top, f_quant, f_pk, harness, NULL, NULL, NULL};
  if (j->opt.sync) { /* the framer, after the packer */
    argv[15] = argv[14];
    argv[14] = f_fr;
  }
  if (j->trace) { /* before the files */
    memmove(&argv[12], &argv[11], 6 * sizeof argv[0]);
    argv[11] = (char *)trace_flag;
  }
  /* Our own makefile around Vdut.mk: the harness (our code, and the
   * library it links) gets its defines and the caller's extra flags
   * (sanitizers); the model Verilator generated and its run-time library
   * are compiled as Verilator intends (instrumenting them costs several
   * times the compile time and checks Verilator, not bsq), with flags
   * that do not depend on the design, so the run-time objects can be
   * shared between designs. */
  flags_text(san, sizeof san, tp->extra_cflags);
  bsq_pathf(san_ld, sizeof san_ld, "USER_LDFLAGS=%s", san);
  bsq_buf mk;
  bsq_buf_init(&mk);
  bsq_buf_puts(&mk, "# written by bsq sim\ninclude Vdut.mk\n");
  /* the harness's object, named after its source */
  const char *ho = serial ? "serial_harness.o" : "harness.o";
  bsq_buf_printf(&mk, "%s: CPPFLAGS += %s\n", ho, cflags);
  if (*san) bsq_buf_printf(&mk, "%s: CPPFLAGS += %s\n", ho, san);
  char *text = bsq_buf_finish(&mk);
  if (!text) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");

  const char *cache = j->cache_dir && *j->cache_dir ? j->cache_dir : NULL;
  int rc = BSQ_OK, have_rt = 0;
  if (cache) {
    bsq_cachekey k;
    if ((rc = key_harness(&k, argv, obj, trace_flag, text, ldlibs, san_ld, tp,
                          diag)))
      goto done;
    bsq_cachekey_hex(&k, hex);
    if (bsq_cache_find(cache, "harness", hex, entry, sizeof entry) == 1 &&
        !bsq_pathf(exe, exe_cap, "%s/harness", entry) &&
        access(exe, X_OK) == 0) {
      r->cached = 1;
      say(j->log, j->log_user, BSQ_LOG_NOTE,
          "verilator: harness from the cache (%s)", entry);
      goto done;
    }
    bsq_pathf(exe, exe_cap, "%s/harness", obj);
    bsq_cachekey_init(&k, "runtime");
    key_tools(&k, trace_flag);
    bsq_cachekey_hex(&k, rt_hex);
  }
  remove(log);
  const char *tool = "verilator";
  int st = bsq_run(argv, NULL, log, log);
  if (st == 0) {
    bsq_pathf(mkpath, sizeof mkpath, "%s/bsq_harness.mk", obj);
    if ((rc = bsq_write_if_changed(mkpath, text, strlen(text), NULL, diag)))
      goto done;
    /* Verilator's run-time objects from an earlier build: newer than
     * their sources, so make takes them as they are. */
    if (cache && bsq_cache_find(cache, "runtime", rt_hex, entry,
                                sizeof entry) == 1) {
      bsq_diag fd = {{0}};
      have_rt = bsq_cache_fetch(entry, obj, &fd) == BSQ_OK;
      if (!have_rt)
        say(j->log, j->log_user, BSQ_LOG_WARN,
            "warning: cache: %s; compiling Verilator's run-time library",
            fd.msg);
    }
    char *margv[5 + N_MAKE_OPTS + 3] = {"make", "-C", (char *)obj, "-f",
                                        NULL};
    int a = 4;
    margv[a++] = "bsq_harness.mk";
    for (size_t i = 0; i < N_MAKE_OPTS; i++) margv[a++] = (char *)MAKE_OPTS[i];
    margv[a++] = ldlibs;
    margv[a++] = san_ld;
    margv[a] = NULL;
    tool = "make";
    st = bsq_run(margv, NULL, log, log);
  }
  if (st == 127) {
    rc = bsq_tool_missing(diag, tool);
    goto done;
  }
  if (st != 0) {
    if (tail_log && cap) snprintf(tail_log, cap, "%s", log);
    rc = bsq_diag_set(diag, BSQ_ETOOL, "verilator build failed; log %s:", log);
    goto done;
  }
  if (cache) {
    /* A cache that cannot be written costs the next run its time, not
     * this run its result: said, and the run goes on. */
    bsq_diag sd = {{0}};
    const char *files[] = {exe};
    if (bsq_cache_store(cache, "harness", hex, files, 1, &sd) ||
        (!have_rt && bsq_cache_store_dir(cache, "runtime", rt_hex, obj,
                                         "verilated", ".o", &sd)))
      say(j->log, j->log_user, BSQ_LOG_WARN,
          "warning: cache not written: %s", sd.msg);
  }
done:
  free(text);
  return rc;
}

int bsq_sim_verilator(const bsq_sim_job *j, const bsq_model *m,
                      bsq_sim_result *r, char *tail_log, size_t cap,
                      bsq_diag *diag) {
  char obj[4096], log[4096], out[4096], err[4096], exe[4096];
  result_init(r);
  if (tail_log && cap) tail_log[0] = '\0';
  bsq_pathf(obj, sizeof obj, "%s/obj", j->work);
  bsq_pathf(log, sizeof log, "%s/verilator.log", j->work);
  bsq_pathf(out, sizeof out, "%s/harness.out", j->work);
  bsq_pathf(err, sizeof err, "%s/harness.err", j->work);
  double t0 = bsq_now();
  int rc = build_harness(j, m, obj, log, exe, sizeof exe, r, tail_log, cap,
                         diag);
  r->build_seconds = bsq_now() - t0;
  if (rc) return rc;
  int st;
  char bp[32], sd[32], ra[32], dw[32];
  snprintf(bp, sizeof bp, "%.17g", j->backpressure);
  snprintf(sd, sizeof sd, "%" PRIu64, j->seed);
  snprintf(ra, sizeof ra, "%" PRIu64, j->reset_at);
  snprintf(dw, sizeof dw, "%" PRIu64, j->drop_word);
  char *hargv[] = {exe, (char *)j->model_path, (char *)j->vec_path,
                   "--backpressure", bp, "--seed", sd, "--reset-at", ra,
                   "--drop-word", dw, j->trace ? "--trace" : NULL,
                   (char *)j->trace, NULL};
  remove(out);
  remove(err);
  st = bsq_run(hargv, NULL, out, err);
  r->ran = 1;
  relay_lines(err, "", 0, j->log, j->log_user, r);
  if (read_result(out, r) != 0) {
    snprintf(r->error, sizeof r->error,
             "the harness ended without a result (exit %d)", st);
    say(j->log, j->log_user, BSQ_LOG_ERROR, "%s", r->error);
    return bsq_diag_set(diag, BSQ_EMISMATCH, "%s", r->error);
  }
  r->ok = st == 0;
  if (r->ok) return BSQ_OK;
  return mismatches(diag, "verilator", r);
}

/* ---- Icarus ---------------------------------------------------------------- */

int bsq_sim_icarus(const bsq_sim_job *j, const bsq_model *m,
                   const bsq_stim *s, bsq_sim_result *r, char *tail_log,
                   size_t cap, bsq_diag *diag) {
  char dir[4096], log[4096], out[4096], vvp[4096], tb[4096];
  char f_top[4096], f_quant[4096], f_pk[4096], f_fr[4096], dut[160];
  char p_in[64], p_k[64], p_nf[64], p_nw[64], p_st[64], p_sd[64];
  result_init(r);
  if (tail_log && cap) tail_log[0] = '\0';
  if (j->opt.byte_tdata)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "--byte-tdata is co-simulated with Verilator only (the "
                        "Icarus testbench drives the unpadded ports)");
  bsq_pathf(dir, sizeof dir, "%s/icarus", j->work);
  int rc = bsq_mkdir_p(dir, diag);
  if (rc) return rc;
  bsq_pathf(log, sizeof log, "%s/iverilog.log", dir);
  bsq_pathf(out, sizeof out, "%s/vvp.out", dir);
  bsq_pathf(vvp, sizeof vvp, "%s/tb.vvp", dir);
  int serial = j->opt.arch == BSQ_ARCH_SERIAL;
  if (serial && !j->beats)
    return bsq_diag_set(diag, BSQ_EINVAL, "serial co-simulation needs beats");
  bsq_pathf(tb, sizeof tb, "%s/%s", j->paths->sim_dir,
            serial ? "bsq_serial_tb.v" : "bsq_tb.v");
  if (serial && access(tb, R_OK) != 0)
    return bsq_diag_set(diag, BSQ_EIO, "%s: cannot read (the serial testbench)",
                        tb);
  bsq_pathf(f_top, sizeof f_top, "%s/%s_encoder.v", j->rtl, j->opt.name);
  bsq_pathf(f_quant, sizeof f_quant, "%s/%s_quant.v", j->rtl, j->opt.name);
  bsq_pathf(f_pk, sizeof f_pk, "%s/bsq_packer.v", j->rtl);
  bsq_pathf(f_fr, sizeof f_fr, "%s/bsq_framer.v", j->rtl);
  uint64_t nwords = 0;
  int exp_err = 0;
  unsigned exp_drops = 0;
  char p_err[64] = "-Pbsq_tb.ExpErr=0", p_drops[64] = "-Pbsq_tb.ExpDrops=0";
  if (serial) {
    if ((rc = bsq_beats_write_hex(j->beats, m, j->opt.word_bits, j->opt.mode,
                                  j->opt.sync, j->seed, dir, &nwords,
                                  &exp_err, &exp_drops, diag)))
      return rc;
    snprintf(p_err, sizeof p_err, "-Pbsq_tb.ExpErr=%d", exp_err);
    snprintf(p_drops, sizeof p_drops, "-Pbsq_tb.ExpDrops=%u", exp_drops);
  } else if ((rc = bsq_stim_write_hex(s, m, j->opt.word_bits, j->opt.mode,
                                      j->opt.sync, j->seed, dir, &nwords,
                                      diag))) {
    return rc;
  }
  bsq_pathf(dut, sizeof dut, "-DBSQ_TB_DUT=%s_encoder", j->opt.name);
  snprintf(p_in, sizeof p_in, "-Pbsq_tb.InBits=%d",
           serial ? bsq_serial_tdata_bits(&m->enc) : bsq_tdata_bits(&m->enc));
  snprintf(p_k, sizeof p_k, "-Pbsq_tb.WordBits=%d", j->opt.word_bits);
  snprintf(p_nf, sizeof p_nf, "-Pbsq_tb.NFrames=%" PRIu64,
           serial ? j->beats->n : s->n);
  snprintf(p_nw, sizeof p_nw, "-Pbsq_tb.NWords=%" PRIu64, nwords);
  snprintf(p_st, sizeof p_st, "-Pbsq_tb.StallPct=%d",
           (int)lround(j->backpressure * 100.0));
  snprintf(p_sd, sizeof p_sd, "-Pbsq_tb.Seed=%d", (int)(j->seed & 0x7fffffff));
  char p_b[64], p_al[64], inc[4200];
  snprintf(p_b, sizeof p_b, "-Pbsq_tb.FrameBits=%d", m->enc.B);
  snprintf(p_al, sizeof p_al, "-Pbsq_tb.Aligned=%d",
           j->opt.mode == BSQ_MODE_ALIGNED);
  bsq_pathf(inc, sizeof inc, "-I%s", j->paths->sim_dir); /* bsq_tb_common.vh */
  char *argv[24] = {"iverilog", "-g2001", "-o", vvp, "-s", "bsq_tb", inc, dut,
                    p_in, p_k, p_nf, p_nw, p_st, p_sd};
  int na = 14;
  if (serial) { /* the expected error flag and drop count */
    argv[na++] = p_err;
    argv[na++] = p_drops;
  } else { /* the frame layout, for when a word is due */
    argv[na++] = p_b;
    argv[na++] = p_al;
  }
  if (j->opt.sync) /* the testbench drives s_axis_tuser from its file */
    argv[na++] = "-DBSQ_TB_TUSER";
  argv[na++] = tb;
  argv[na++] = f_top;
  argv[na++] = f_quant;
  argv[na++] = f_pk;
  if (j->opt.sync) argv[na++] = f_fr;
  argv[na] = NULL;
  remove(log);
  double tb0 = bsq_now();
  int st = bsq_run(argv, NULL, log, log);
  r->build_seconds = bsq_now() - tb0;
  if (st == 127) return bsq_tool_missing(diag, "iverilog");
  if (st != 0) {
    if (tail_log && cap) snprintf(tail_log, cap, "%s", log);
    return bsq_diag_set(diag, BSQ_ETOOL, "iverilog failed; log %s:", log);
  }
  char *vargv[] = {"vvp", "-n", vvp, NULL};
  remove(out);
  double t0 = bsq_now();
  st = bsq_run(vargv, dir, out, out);
  double t1 = bsq_now();
  if (st == 127) return bsq_tool_missing(diag, "vvp");
  r->ran = 1;
  if (st != 0 || read_result(out, r) != 0) {
    snprintf(r->error, sizeof r->error,
             "vvp ended without a result (exit %d); log %.400s:", st, out);
    say(j->log, j->log_user, BSQ_LOG_ERROR, "%s", r->error);
    sends_tail(j->log, j->log_user, out, 20);
    return bsq_diag_set(diag, BSQ_EMISMATCH, "%s", r->error);
  }
  relay_lines(out, "icarus: ", 1, j->log, j->log_user, r);
  r->seconds = t1 - t0;
  r->accepted = r->frames;
  r->total = serial ? j->beats->n : s->n;
  r->ok = r->mismatches == 0 && r->axi_violations == 0 &&
          r->frames == r->total && r->words == nwords;
  if (r->ok) return BSQ_OK;
  return mismatches(diag, "icarus", r);
}

/* ---- the whole check ------------------------------------------------------- */

void bsq_sim_cfg_default(bsq_sim_cfg *c) {
  memset(c, 0, sizeof *c);
  bsq_gen_opts_default(&c->opt);
  c->frames = 10000;
  c->backpressure = 0.3;
  c->sweep = c->reset = 1;
  c->seed = 1;
  c->drop_word = UINT64_MAX;
  c->verilator = 1;
}

int bsq_sim_run(const bsq_sim_cfg *c, const bsq_model *m, bsq_sim_report *r,
                bsq_diag *diag) {
  memset(r, 0, sizeof *r);
  if (!c->paths || !c->work || !c->model_path)
    return bsq_diag_set(diag, BSQ_EINVAL,
                        "co-simulation needs tool paths, a work directory "
                        "and the model file");
  result_init(&r->verilator);
  result_init(&r->icarus);
  r->opt = c->opt;
  r->F = m->F;
  r->B = m->enc.B;
  r->in_bits = bsq_tdata_bits(&m->enc);
  snprintf(r->model_hash, sizeof r->model_hash, "%016" PRIx64,
           bsq_model_hash(m));
  bsq_stim stim;
  memset(&stim, 0, sizeof stim);
  bsq_beats beats;
  memset(&beats, 0, sizeof beats);
  bsq_design d;
  memset(&d, 0, sizeof d);
  char rtl[4096], vec[4096];
  int rc = BSQ_OK;
  if (c->rtl_dir) {
    char hash[17] = "";
    if ((rc = bsq_gen_read_params(c->rtl_dir, &r->opt, hash, diag))) goto done;
    if (strcmp(hash, r->model_hash) != 0)
      say(c->log, c->log_user, BSQ_LOG_WARN,
          "warning: %s was generated from model %s, not %s (%s)", c->rtl_dir,
          hash, r->model_hash, c->model_path);
    bsq_pathf(rtl, sizeof rtl, "%s", c->rtl_dir);
  } else {
    bsq_pathf(rtl, sizeof rtl, "%s/rtl", c->work);
    if ((rc = bsq_design_build(&d, m, &c->opt, diag)) ||
        (rc = bsq_gen_write(&d, c->paths->rtl_dir, rtl, NULL, diag)))
      goto done;
  }
  bsq_stim_opts so = {c->frames, c->frames, c->seed, c->sweep};
  if ((rc = bsq_stim_build(&stim, m, &so, diag))) goto done;
  r->n_sweep = stim.n_sweep;
  r->n_random = stim.n_random;
  r->n_data = stim.n_data;
  if (stim.note[0]) say(c->log, c->log_user, BSQ_LOG_NOTE, "%s", stim.note);
  uint64_t reset_at = c->reset ? stim.n / 2 : UINT64_MAX;
  if (r->opt.arch == BSQ_ARCH_SERIAL) {
    /* one code per beat, every 23rd random frame with its tlast misplaced;
     * the reset lands in the middle of a frame */
    if ((rc = bsq_stim_beats(&beats, &stim, m, 23, diag))) goto done;
    r->n_beats = beats.n;
    r->n_early = beats.n_early;
    r->n_late = beats.n_late;
    bsq_pathf(vec, sizeof vec, "%s/beats.bin", c->work);
    if ((rc = bsq_beats_write(&beats, &stim, m, vec, diag))) goto done;
    if (c->reset) {
      reset_at = beats.n / 2;
      while (reset_at < beats.n && m->F > 1 &&
             beats.beat[reset_at].chan != m->F / 2)
        reset_at++;
    }
  } else {
    bsq_pathf(vec, sizeof vec, "%s/vectors.bin", c->work);
    if ((rc = bsq_stim_write(&stim, m, vec, diag))) goto done;
  }
  bsq_sim_job job = {c->paths, c->work, rtl, c->model_path, vec, c->trace,
                     r->opt, c->backpressure, c->seed, reset_at, c->drop_word,
                     c->log, c->log_user, c->cache_dir,
                     r->opt.arch == BSQ_ARCH_SERIAL ? &beats : NULL};
  int failed = 0;
  bsq_diag first = {{0}};
  for (int s = 0; s < 2; s++) {
    if (!(s == 0 ? c->verilator : c->icarus)) continue;
    bsq_sim_result *x = s == 0 ? &r->verilator : &r->icarus;
    bsq_diag dg = {{0}};
    rc = s == 0 ? bsq_sim_verilator(&job, m, x, r->tail_log,
                                    sizeof r->tail_log, &dg)
                : bsq_sim_icarus(&job, m, &stim, x, r->tail_log,
                                 sizeof r->tail_log, &dg);
    if (rc == BSQ_EMISMATCH) {
      if (!failed++) first = dg;
      continue;
    }
    if (rc) {
      bsq_diag_set(diag, rc, "%s", dg.msg);
      goto done;
    }
  }
  rc = failed ? bsq_diag_set(diag, BSQ_EMISMATCH, "%s", first.msg) : BSQ_OK;
done:
  bsq_beats_free(&beats);
  bsq_stim_free(&stim);
  if (d.feat) bsq_design_free(&d);
  return rc;
}

/* The stimulus and speed summary both reports share. */
static const char *sim_which(const bsq_sim_cfg *c) {
  return c->verilator && c->icarus ? "both" : c->verilator ? "verilator"
                                                           : "icarus";
}

static double sim_ratio(const bsq_sim_cfg *c, const bsq_sim_report *r) {
  return c->verilator && c->icarus && bsq_sim_fps(&r->icarus) > 0
             ? bsq_sim_fps(&r->verilator) / bsq_sim_fps(&r->icarus)
             : 0.0;
}

static void json_result(bsq_buf *b, const char *key, const bsq_sim_result *r,
                        int sync) {
  bsq_buf_printf(b,
                 "\"%s\": {\"frames\": %" PRIu64 ", \"words\": %" PRIu64
                 ", \"mismatches\": %" PRIu64 ", \"axi_violations\": %" PRIu64
                 ", \"accepted\": %" PRIu64
                 ", \"total\": %" PRIu64 ", \"discarded_by_reset\": %" PRIu64
                 ", \"in_partial_word\": %" PRIu64 ", \"cycles\": %" PRIu64
                 ", \"seconds\": %.6f, \"frames_per_s\": %.1f, "
                 "\"build_seconds\": %.3f, \"cached\": %s, ",
                 key, r->frames, r->words, r->mismatches, r->axi_violations,
                 r->accepted,
                 r->total, r->discarded, r->partial, r->cycles, r->seconds,
                 bsq_sim_fps(r), r->build_seconds, r->cached ? "true" : "false");
  if (sync) /* the receiver's findings (the Verilator harness decodes) */
    bsq_buf_printf(b,
                   "\"sync\": {\"frames\": %" PRIu64 ", \"groups\": %" PRIu64
                   ", \"resyncs\": %" PRIu64 ", \"skipped_bits\": %" PRIu64
                   ", \"dropped_frames\": %" PRIu64 ", \"tail_frames\": %" PRIu64
                   ", \"bad_frames\": %" PRIu64 "}, ",
                   r->sync_frames, r->sync_groups, r->sync_resyncs,
                   r->sync_skipped_bits, r->sync_dropped, r->sync_tail,
                   r->sync_bad);
  bsq_buf_printf(b, "\"pass\": %s}, ", r->ok ? "true" : "false");
}

char *bsq_sim_report_json(const bsq_sim_cfg *c, const bsq_sim_report *r,
                          int pass) {
  const bsq_gen_opts *o = &r->opt;
  const bsq_sim_result *main_r = c->verilator ? &r->verilator : &r->icarus;
  double ratio = sim_ratio(c, r);
  bsq_buf b;
  bsq_buf_init(&b);
  bsq_buf_printf(&b,
                 "{\"design\": \"%s_encoder\", \"arch\": \"%s\", \"word_bits\": "
                 "%d, \"mode\": \"%s\", \"sync\": %d, \"model\": \"%s\", \"simulator\": "
                 "\"%s\", \"stimulus\": {\"sweep\": %" PRIu64
                 ", \"random\": %" PRIu64 ", \"data\": %" PRIu64
                 ", \"backpressure\": %g, \"seed\": %" PRIu64
                 "}, \"beats\": %" PRIu64 ", \"tlast_early\": %" PRIu64
                 ", \"tlast_late\": %" PRIu64
                 ", \"frames\": %" PRIu64 ", \"words\": %" PRIu64
                 ", \"mismatches\": %" PRIu64 ", \"frames_per_s\": %.1f, ",
                 o->name, bsq_arch_name(o->arch), o->word_bits,
                 bsq_mode_name(o->mode), o->sync, r->model_hash, sim_which(c),
                 r->n_sweep, r->n_random, r->n_data, c->backpressure, c->seed,
                 r->n_beats, r->n_early, r->n_late, main_r->frames, main_r->words, main_r->mismatches,
                 bsq_sim_fps(main_r));
  if (c->verilator) json_result(&b, "verilator", &r->verilator, o->sync);
  if (c->icarus) json_result(&b, "icarus", &r->icarus, 0);
  if (ratio > 0) bsq_buf_printf(&b, "\"speed_ratio\": %.1f, ", ratio);
  bsq_buf_printf(&b, "\"pass\": %s}\n", pass ? "true" : "false");
  return bsq_buf_finish(&b);
}

static void text_result(bsq_buf *b, const char *sim, const bsq_sim_result *r,
                        int sync) {
  bsq_buf_printf(b, "%s:\n  frames checked  %" PRIu64 " of %" PRIu64, sim,
                 r->frames, r->total);
  if (r->discarded || r->partial)
    bsq_buf_printf(b,
                   " (+%" PRIu64 " discarded by the reset, %" PRIu64
                   " in the final partial word)",
                   r->discarded, r->partial);
  bsq_buf_printf(b, "\n  words checked   %" PRIu64 "\n", r->words);
  bsq_buf_printf(b, "  mismatches      %" PRIu64 "\n", r->mismatches);
  bsq_buf_printf(b, "  AXI4-Stream     %s", r->axi_violations ? "" : "rules kept\n");
  if (r->axi_violations)
    bsq_buf_printf(b, "%" PRIu64 " rule violations (%s)\n", r->axi_violations,
                   r->first_axi);
  if (sync)
    bsq_buf_printf(b,
                   "  receiver        %" PRIu64 " frames in %" PRIu64
                   " groups; %" PRIu64 " resyncs, %" PRIu64 " frames dropped, %"
                   PRIu64 " unconfirmed, %" PRIu64 " not as sent\n",
                   r->sync_frames, r->sync_groups, r->sync_resyncs,
                   r->sync_dropped, r->sync_tail, r->sync_bad);
  bsq_buf_printf(b, "  frames/s        %.0f (%" PRIu64 " cycles in %.3f s)\n",
                 bsq_sim_fps(r), r->cycles, r->seconds);
  bsq_buf_printf(b, "  result          %s\n", r->ok ? "PASS" : "FAIL");
}

char *bsq_sim_report_text(const bsq_sim_cfg *c, const bsq_sim_report *r) {
  const bsq_gen_opts *o = &r->opt;
  char sync_text[40] = "";
  if (o->sync) snprintf(sync_text, sizeof sync_text, ", sync %d", o->sync);
  double ratio = sim_ratio(c, r);
  bsq_buf b;
  bsq_buf_init(&b);
  bsq_buf_printf(&b,
                 "%s_encoder (%s, %d features, %d-bit frames, %d-bit words, "
                 "%s%s), model %s\n",
                 o->name, bsq_arch_name(o->arch), r->F, r->B, o->word_bits,
                 bsq_mode_name(o->mode), sync_text, r->model_hash);
  bsq_buf_printf(&b,
                 "stimulus: %" PRIu64 " sweep + %" PRIu64 " random + %" PRIu64
                 " data set frames; backpressure %g, seed %" PRIu64 "%s\n",
                 r->n_sweep, r->n_random, r->n_data, c->backpressure, c->seed,
                 c->reset ? ", reset mid-stream" : "");
  if (r->opt.arch == BSQ_ARCH_SERIAL)
    bsq_buf_printf(&b,
                   "serial: %" PRIu64 " beats, one code each; %" PRIu64
                   " frames with tlast early, %" PRIu64 " late (dropped)%s\n",
                   r->n_beats, r->n_early, r->n_late,
                   c->reset ? "; the reset lands mid-frame" : "");
  if (c->verilator) text_result(&b, "verilator", &r->verilator, o->sync);
  if (c->icarus) text_result(&b, "icarus", &r->icarus, 0);
  if (ratio > 0)
    bsq_buf_printf(&b, "speed ratio verilator/icarus: %.1fx\n", ratio);
  return bsq_buf_finish(&b);
}
