/* bsq sim — bit-exact co-simulation of the generated encoder against the C
 * model: Verilator (sim/harness.cpp) and/or Icarus (sim/bsq_tb.v). */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "gen.h"
#include "util.h"
#include "model.h"
#include "paths.h"
#include "run.h"
#include "stim.h"

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq sim MODEL.json [--arch flash|search] [--word-bits K]\n"
"               [--mode continuous|aligned] [--name NAME] [--rtl DIR]\n"
"               [--frames N] [--backpressure P] [--seed S] [--trace FILE]\n"
"               [--simulator verilator|icarus|both] [--json] [--keep DIR]\n"
"\n"
"Generates the encoder (or takes it from --rtl DIR), verilates it with the\n"
"harness in sim/ and checks every output word and tlast against the C\n"
"model's packer on exactly the frames the design accepted. Stimulus: every\n"
"code of every feature (W <= 16; otherwise lo, hi and T-1, T, T+1 of each\n"
"threshold), N random frames, up to N frames of the model's own data set,\n"
"random stalls of s_axis_tvalid and m_axis_tready with probability P, and a\n"
"reset in the middle of the stream. Exit 0 only if no word differed and\n"
"every frame is accounted for; 3 otherwise.\n"
"\n"
"  --arch, --word-bits, --mode, --name   as for `bsq gen` (defaults flash,\n"
"                       32, aligned, bsq)\n"
"  --rtl DIR            simulate the design in DIR (written by `bsq gen`,\n"
"                       possibly edited) instead of generating one\n"
"  --frames N           random frames, and at most N data set frames\n"
"                       (default 10000)\n"
"  --no-sweep           leave out the per-feature code sweep\n"
"  --no-reset           no reset in the middle of the stream\n"
"  --backpressure P     probability in [0, 1) that a valid or ready drops in\n"
"                       a cycle (default 0)\n"
"  --seed S             stimulus and stall seed (default 1)\n"
"  --trace FILE         waveform (FILE.fst: FST, otherwise VCD)\n"
"  --simulator S        verilator (default), icarus, or both on the same\n"
"                       vectors (reports the speed ratio)\n"
"  --drop-word N        fault injection for testing the checker: output\n"
"                       word N never reaches the comparison\n"
"  --json               one JSON object on stdout\n"
"  --keep DIR           build and run in DIR and keep it (default: a\n"
"                       temporary directory, removed)\n");
}

typedef struct {
  int ran, ok;
  uint64_t frames, words, mismatches, accepted, total, discarded, partial,
      cycles;
  double seconds;
} sim_result;

/* Value of `key=` in a RESULT line, or 0. */
static uint64_t result_u64(const char *line, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, " %s=", key);
  const char *p = strstr(line, pat);
  return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

/* Reads the RESULT line the harness or testbench printed into path. */
static int read_result(const char *path, sim_result *r) {
  FILE *fp = fopen(path, "r");
  if (!fp) return -1;
  char line[2048];
  int found = 0;
  while (fgets(line, sizeof line, fp)) {
    if (strncmp(line, "RESULT ", 7) != 0) continue;
    found = 1;
    char *sp = line + 6; /* keys are matched with a leading space */
    r->frames = result_u64(sp, "frames");
    r->words = result_u64(sp, "words");
    r->mismatches = result_u64(sp, "mismatches");
    r->accepted = result_u64(sp, "accepted");
    r->total = result_u64(sp, "total");
    r->discarded = result_u64(sp, "discarded_by_reset");
    r->partial = result_u64(sp, "in_partial_word");
    r->cycles = result_u64(sp, "cycles");
    const char *s = strstr(sp, " seconds=");
    if (s) r->seconds = strtod(s + 9, NULL);
  }
  fclose(fp);
  return found ? 0 : -1;
}

typedef struct {
  const char *work, *rtl, *model_path, *vec_path, *trace;
  const bsq_gen_opts *o;
  const cli_paths *paths;
  int in_bits, B;
  double backpressure;
  uint64_t seed, reset_at, drop_word;
} sim_job;

static int run_verilator(const sim_job *j, sim_result *r) {
  char obj[4096], log[4096], out[4096], top[128], cflags[8192], exe[4096];
  char harness[4096], f_top[4096], f_quant[4096], f_pk[4096], ldlibs[4096];
  bsq_pathf(obj, sizeof obj, "%s/obj", j->work);
  bsq_pathf(log, sizeof log, "%s/verilator.log", j->work);
  bsq_pathf(out, sizeof out, "%s/harness.out", j->work);
  bsq_pathf(top, sizeof top, "%s_encoder", j->o->name);
  bsq_pathf(harness, sizeof harness, "%s/harness.cpp", j->paths->sim_dir);
  bsq_pathf(f_top, sizeof f_top, "%s/%s_encoder.v", j->rtl, j->o->name);
  bsq_pathf(f_quant, sizeof f_quant, "%s/%s_quant.v", j->rtl, j->o->name);
  bsq_pathf(f_pk, sizeof f_pk, "%s/bsq_packer.v", j->rtl);
  bsq_pathf(exe, sizeof exe, "%s/harness", obj);
  int fst = j->trace && strlen(j->trace) > 4 &&
            !strcmp(j->trace + strlen(j->trace) - 4, ".fst");
  bsq_pathf(cflags, sizeof cflags,
           "-I%s -DBSQ_K=%d -DBSQ_ALIGNED=%d "
           "-DBSQ_IN_BITS=%d -DBSQ_B=%d%s",
           j->paths->include_dir, j->o->word_bits,
           j->o->mode == BSQ_MODE_ALIGNED, j->in_bits, j->B,
           !j->trace ? "" : fst ? " -DBSQ_TRACE_FST" : " -DBSQ_TRACE_VCD");
  char *pc_argv[] = {"pkg-config", "--libs", "libcjson", "openblas", NULL};
  char *pc = bsq_run_capture(pc_argv);
  bsq_pathf(ldlibs, sizeof ldlibs, "USER_LDLIBS=%s %s -lm -lpthread",
            j->paths->model_lib, pc ? pc : "-lcjson -lopenblas");
  free(pc);
  char *argv[48];
  int n = 0;
  argv[n++] = "verilator";
  argv[n++] = "--cc";
  argv[n++] = "--exe";
  argv[n++] = "--prefix";
  argv[n++] = "Vdut";
  argv[n++] = "--top-module";
  argv[n++] = top;
  argv[n++] = "-Mdir";
  argv[n++] = obj;
  argv[n++] = "-o";
  argv[n++] = "harness";
  argv[n++] = "-CFLAGS";
  argv[n++] = cflags;
  if (j->trace) argv[n++] = fst ? "--trace-fst" : "--trace";
  argv[n++] = f_top;
  argv[n++] = f_quant;
  argv[n++] = f_pk;
  argv[n++] = harness;
  argv[n] = NULL;
  int rc = bsq_run(argv, NULL, log, log);
  /* Build with our own makefile around Vdut.mk: the harness (our code, and
   * the library it links) gets this build's sanitizer flags; the model
   * Verilator generated is compiled as Verilator intends (instrumenting it
   * costs several times the compile time and checks Verilator, not bsq). */
  char mk[4096], san_ld[600];
  bsq_pathf(mk, sizeof mk, "%s/bsq_harness.mk", obj);
  bsq_pathf(san_ld, sizeof san_ld, "USER_LDFLAGS=%s", j->paths->extra_cflags);
  if (rc == 0) {
    bsq_atomic_file af;
    if (bsq_atomic_open(&af, mk, NULL) == BSQ_OK) {
      const char *san = j->paths->extra_cflags;
      fprintf(af.fp, "# written by bsq sim\ninclude Vdut.mk\n");
      if (*san) fprintf(af.fp, "harness.o: CPPFLAGS += %s\n", san);
      rc = bsq_atomic_close(&af, 1, NULL) == BSQ_OK ? 0 : 1;
    } else {
      rc = 1;
    }
  }
  if (rc == 0) {
    char *margv[] = {"make", "-C", obj, "-f", "bsq_harness.mk", "-j2",
                     "OPT_FAST=-O2", "OPT_SLOW=-O1", "OPT_GLOBAL=-O1",
                     ldlibs, san_ld, NULL};
    rc = bsq_run(margv, NULL, log, log);
  }
  if (rc != 0) {
    cli_error("sim", rc == 127 ? "verilator or make not found in PATH"
                               : "verilator build failed; log %s:", log);
    if (rc != 127) bsq_print_tail(log, 30);
    return BSQ_EXIT_INPUT;
  }
  char bp[32], sd[32], ra[32], dw[32];
  snprintf(bp, sizeof bp, "%.17g", j->backpressure);
  snprintf(sd, sizeof sd, "%" PRIu64, j->seed);
  snprintf(ra, sizeof ra, "%" PRIu64, j->reset_at);
  snprintf(dw, sizeof dw, "%" PRIu64, j->drop_word);
  char *hargv[16];
  n = 0;
  hargv[n++] = exe;
  hargv[n++] = (char *)j->model_path;
  hargv[n++] = (char *)j->vec_path;
  hargv[n++] = "--backpressure";
  hargv[n++] = bp;
  hargv[n++] = "--seed";
  hargv[n++] = sd;
  hargv[n++] = "--reset-at";
  hargv[n++] = ra;
  hargv[n++] = "--drop-word";
  hargv[n++] = dw;
  if (j->trace) {
    hargv[n++] = "--trace";
    hargv[n++] = (char *)j->trace;
  }
  hargv[n] = NULL;
  rc = bsq_run(hargv, NULL, out, NULL);
  r->ran = 1;
  if (read_result(out, r) != 0) {
    cli_error("sim", "the harness ended without a result (exit %d)", rc);
    return BSQ_EXIT_MISMATCH;
  }
  r->ok = rc == 0;
  return r->ok ? BSQ_EXIT_OK : BSQ_EXIT_MISMATCH;
}

static int run_icarus(const sim_job *j, const bsq_stim *s, const bsq_model *m,
                      sim_result *r) {
  char dir[4096], log[4096], out[4096], vvp[4096], tb[4096];
  char f_top[4096], f_quant[4096], f_pk[4096], dut[160];
  char p_in[64], p_k[64], p_nf[64], p_nw[64], p_st[64], p_sd[64];
  bsq_pathf(dir, sizeof dir, "%s/icarus", j->work);
  mkdir(dir, 0777);
  bsq_pathf(log, sizeof log, "%s/iverilog.log", dir);
  bsq_pathf(out, sizeof out, "%s/vvp.out", dir);
  bsq_pathf(vvp, sizeof vvp, "%s/tb.vvp", dir);
  bsq_pathf(tb, sizeof tb, "%s/bsq_tb.v", j->paths->sim_dir);
  bsq_pathf(f_top, sizeof f_top, "%s/%s_encoder.v", j->rtl, j->o->name);
  bsq_pathf(f_quant, sizeof f_quant, "%s/%s_quant.v", j->rtl, j->o->name);
  bsq_pathf(f_pk, sizeof f_pk, "%s/bsq_packer.v", j->rtl);
  uint64_t nwords = 0;
  bsq_diag diag = {{0}};
  if (bsq_stim_write_hex(s, m, j->o->word_bits, j->o->mode, dir, &nwords,
                         &diag)) {
    cli_error("sim", "%s", diag.msg);
    return BSQ_EXIT_INPUT;
  }
  bsq_pathf(dut, sizeof dut, "-DBSQ_TB_DUT=%s_encoder", j->o->name);
  snprintf(p_in, sizeof p_in, "-Pbsq_tb.InBits=%d", j->in_bits);
  snprintf(p_k, sizeof p_k, "-Pbsq_tb.WordBits=%d", j->o->word_bits);
  snprintf(p_nf, sizeof p_nf, "-Pbsq_tb.NFrames=%" PRIu64, s->n);
  snprintf(p_nw, sizeof p_nw, "-Pbsq_tb.NWords=%" PRIu64, nwords);
  snprintf(p_st, sizeof p_st, "-Pbsq_tb.StallPct=%d",
           (int)lround(j->backpressure * 100.0));
  snprintf(p_sd, sizeof p_sd, "-Pbsq_tb.Seed=%d", (int)(j->seed & 0x7fffffff));
  char *argv[] = {"iverilog", "-g2001", "-o", vvp, "-s", "bsq_tb", dut,
                  p_in, p_k, p_nf, p_nw, p_st, p_sd, tb, f_top, f_quant,
                  f_pk, NULL};
  int rc = bsq_run(argv, NULL, log, log);
  if (rc != 0) {
    cli_error("sim", rc == 127 ? "iverilog not found in PATH"
                               : "iverilog failed; log %s:", log);
    if (rc != 127) bsq_print_tail(log, 30);
    return BSQ_EXIT_INPUT;
  }
  char *vargv[] = {"vvp", "-n", vvp, NULL};
  double t0 = bsq_now();
  rc = bsq_run(vargv, dir, out, out);
  double t1 = bsq_now();
  r->ran = 1;
  if (rc != 0 || read_result(out, r) != 0) {
    cli_error("sim", "vvp ended without a result (exit %d); log %s:", rc, out);
    bsq_print_tail(out, 20);
    return BSQ_EXIT_MISMATCH;
  }
  /* Print the testbench's own %Error lines. */
  FILE *fp = fopen(out, "r");
  if (fp) {
    char line[1024];
    while (fgets(line, sizeof line, fp))
      if (!strncmp(line, "%Error", 6)) fprintf(stderr, "icarus: %s", line);
    fclose(fp);
  }
  r->seconds = t1 - t0;
  r->accepted = r->frames;
  r->total = s->n;
  r->ok = r->mismatches == 0 && r->frames == s->n && r->words == nwords;
  return r->ok ? BSQ_EXIT_OK : BSQ_EXIT_MISMATCH;
}

static double fps(const sim_result *r) {
  return r->seconds > 0 ? (double)r->accepted / r->seconds : 0.0;
}

static void print_json_result(const char *key, const sim_result *r) {
  printf("\"%s\": {\"frames\": %" PRIu64 ", \"words\": %" PRIu64
         ", \"mismatches\": %" PRIu64 ", \"accepted\": %" PRIu64
         ", \"total\": %" PRIu64 ", \"discarded_by_reset\": %" PRIu64
         ", \"in_partial_word\": %" PRIu64 ", \"cycles\": %" PRIu64
         ", \"seconds\": %.6f, \"frames_per_s\": %.1f, \"pass\": %s}",
         key, r->frames, r->words, r->mismatches, r->accepted, r->total,
         r->discarded, r->partial, r->cycles, r->seconds, fps(r),
         r->ok ? "true" : "false");
}

static void print_human_result(const char *sim, const sim_result *r) {
  printf("%s:\n", sim);
  printf("  frames checked  %" PRIu64 " of %" PRIu64, r->frames, r->total);
  if (r->discarded || r->partial)
    printf(" (+%" PRIu64 " discarded by the reset, %" PRIu64
           " in the final partial word)",
           r->discarded, r->partial);
  printf("\n  words checked   %" PRIu64 "\n", r->words);
  printf("  mismatches      %" PRIu64 "\n", r->mismatches);
  printf("  frames/s        %.0f (%" PRIu64 " cycles in %.3f s)\n", fps(r),
         r->cycles, r->seconds);
  printf("  result          %s\n", r->ok ? "PASS" : "FAIL");
}

int cmd_sim(int argc, char **argv) {
  enum { O_NOSWEEP = 256, O_NORESET, O_DROP, O_SIM, O_RTL, O_KEEP, O_TRACE };
  static const struct option opts[] = {
      {"arch", required_argument, 0, 'a'},
      {"word-bits", required_argument, 0, 'k'},
      {"mode", required_argument, 0, 'm'},
      {"name", required_argument, 0, 'n'},
      {"frames", required_argument, 0, 'f'},
      {"backpressure", required_argument, 0, 'p'},
      {"seed", required_argument, 0, 's'},
      {"trace", required_argument, 0, O_TRACE},
      {"json", no_argument, 0, 'j'},
      {"keep", required_argument, 0, O_KEEP},
      {"rtl", required_argument, 0, O_RTL},
      {"simulator", required_argument, 0, O_SIM},
      {"no-sweep", no_argument, 0, O_NOSWEEP},
      {"no-reset", no_argument, 0, O_NORESET},
      {"drop-word", required_argument, 0, O_DROP},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  bsq_gen_opts o;
  bsq_gen_opts_default(&o);
  const char *keep = NULL, *rtl_in = NULL, *trace = NULL;
  long frames = 10000;
  double bp = 0.0;
  uint64_t seed = 1, drop_word = UINT64_MAX;
  int json = 0, sweep = 1, reset = 1, use_v = 1, use_i = 0, c, optidx = 0;
  int design_opts = 0;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, &optidx)) != -1) {
    long v;
    switch (c) {
    case 'a': case 'k': case 'm': case 'n': {
      bsq_diag od;
      if (bsq_gen_opts_set(&o, opts[optidx].name, optarg, &od)) {
        cli_error("sim", "%s", od.msg);
        return BSQ_EXIT_USAGE;
      }
      design_opts = 1;
      break;
    }
    case 'f':
      if (cli_parse_int(optarg, 0, 100000000, &v)) {
        cli_error("sim", "--frames must be 0..100000000, not '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      frames = v;
      break;
    case 'p':
      if (cli_parse_double(optarg, &bp) || bp < 0.0 || bp >= 1.0) {
        cli_error("sim", "--backpressure must be in [0, 1), not '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      break;
    case 's':
      if (cli_parse_int(optarg, 0, 0x7fffffffL, &v)) {
        cli_error("sim", "--seed must be 0..2147483647, not '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      seed = (uint64_t)v;
      break;
    case O_DROP:
      if (cli_parse_int(optarg, 0, 0x7fffffffL, &v)) {
        cli_error("sim", "--drop-word must be a word index, not '%s'", optarg);
        return BSQ_EXIT_USAGE;
      }
      drop_word = (uint64_t)v;
      break;
    case O_TRACE: trace = optarg; break;
    case 'j': json = 1; break;
    case O_KEEP: keep = optarg; break;
    case O_RTL: rtl_in = optarg; break;
    case O_NOSWEEP: sweep = 0; break;
    case O_NORESET: reset = 0; break;
    case O_SIM:
      if (!strcmp(optarg, "verilator")) use_v = 1, use_i = 0;
      else if (!strcmp(optarg, "icarus")) use_v = 0, use_i = 1;
      else if (!strcmp(optarg, "both")) use_v = 1, use_i = 1;
      else {
        cli_error("sim", "--simulator must be verilator, icarus or both");
        return BSQ_EXIT_USAGE;
      }
      break;
    case 'h': usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("sim", "unknown or incomplete option '%s'", argv[optind - 1]);
      usage(stderr);
      return BSQ_EXIT_USAGE;
    }
  }
  if (optind != argc - 1) {
    cli_error("sim", optind == argc ? "missing MODEL.json" : "too many arguments");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  const char *model_path = argv[optind];
  cli_paths paths;
  unsigned need = (rtl_in ? 0u : (unsigned)CLI_NEED_RTL) |
                  (use_v ? (unsigned)CLI_NEED_HARNESS : 0u) |
                  (use_i ? (unsigned)CLI_NEED_TB : 0u);
  int prc = cli_paths_find(&paths, "sim", need);
  if (prc) return prc;
  bsq_model m;
  bsq_diag diag = {{0}};
  int rc = bsq_model_load(&m, model_path, &diag);
  if (rc) {
    cli_error("sim", "%s", diag.msg[0] ? diag.msg : bsq_strerror(rc));
    return cli_exit_for(rc);
  }
  int exit_code = BSQ_EXIT_OK;
  char *work = NULL, rtl[4096], vec[4096];
  bsq_stim stim;
  memset(&stim, 0, sizeof stim);
  bsq_design d;
  memset(&d, 0, sizeof d);
  if (keep) {
    mkdir(keep, 0777);
    work = strdup(keep);
  } else {
    work = bsq_mkdtemp("sim");
  }
  if (!work) {
    cli_error("sim", "cannot create a work directory");
    exit_code = BSQ_EXIT_INPUT;
    goto done;
  }
  char model_hash[17];
  snprintf(model_hash, sizeof model_hash, "%016" PRIx64, bsq_model_hash(&m));
  if (rtl_in) {
    char hash[17] = "";
    if (design_opts)
      fprintf(stderr, "bsq sim: --rtl given: arch, word bits, mode and name "
                      "come from %s\n", rtl_in);
    if (bsq_gen_read_params(rtl_in, &o, hash, &diag)) {
      cli_error("sim", "%s", diag.msg);
      exit_code = BSQ_EXIT_INPUT;
      goto done;
    }
    if (strcmp(hash, model_hash) != 0)
      fprintf(stderr, "bsq sim: warning: %s was generated from model %s, "
                      "not %s (%s)\n", rtl_in, hash, model_hash, model_path);
    bsq_pathf(rtl, sizeof rtl, "%s", rtl_in);
  } else {
    bsq_pathf(rtl, sizeof rtl, "%s/rtl", work);
    if ((rc = bsq_design_build(&d, &m, &o, &diag)) ||
        (rc = bsq_gen_write(&d, paths.rtl_dir, rtl, NULL, &diag))) {
      cli_error("sim", "%s", diag.msg);
      exit_code = cli_exit_for(rc);
      goto done;
    }
  }
  bsq_stim_opts so = {(uint64_t)frames, (uint64_t)frames, seed, sweep};
  if ((rc = bsq_stim_build(&stim, &m, &so, &diag))) {
    cli_error("sim", "%s", diag.msg);
    exit_code = cli_exit_for(rc);
    goto done;
  }
  if (stim.note[0] && !json) fprintf(stderr, "bsq sim: %s\n", stim.note);
  bsq_pathf(vec, sizeof vec, "%s/vectors.bin", work);
  if ((rc = bsq_stim_write(&stim, &m, vec, &diag))) {
    cli_error("sim", "%s", diag.msg);
    exit_code = cli_exit_for(rc);
    goto done;
  }
  int in_bits = 0;
  for (int f = 0; f < m.F; f++) in_bits += m.enc.fmt[f].width;
  sim_job job = {work, rtl, model_path, vec, trace, &o, &paths, in_bits,
                 m.enc.B, bp, seed, reset ? stim.n / 2 : UINT64_MAX, drop_word};
  sim_result rv, ri;
  memset(&rv, 0, sizeof rv);
  memset(&ri, 0, sizeof ri);
  if (use_v) {
    rc = run_verilator(&job, &rv);
    if (rc == BSQ_EXIT_INPUT) {
      exit_code = rc;
      goto done;
    }
    if (rc) exit_code = rc;
  }
  if (use_i) {
    if (trace && !use_v)
      fprintf(stderr, "bsq sim: --trace applies to Verilator only\n");
    rc = run_icarus(&job, &stim, &m, &ri);
    if (rc == BSQ_EXIT_INPUT) {
      exit_code = rc;
      goto done;
    }
    if (rc) exit_code = rc;
  }
  const sim_result *main_r = use_v ? &rv : &ri;
  double ratio = use_v && use_i && fps(&ri) > 0 ? fps(&rv) / fps(&ri) : 0.0;
  if (json) {
    printf("{\"design\": \"%s_encoder\", \"arch\": \"%s\", \"word_bits\": %d, "
           "\"mode\": \"%s\", \"model\": \"%s\", \"simulator\": \"%s\", "
           "\"stimulus\": {\"sweep\": %" PRIu64 ", \"random\": %" PRIu64
           ", \"data\": %" PRIu64 ", \"backpressure\": %g, \"seed\": %" PRIu64
           "}, \"frames\": %" PRIu64 ", \"words\": %" PRIu64
           ", \"mismatches\": %" PRIu64 ", \"frames_per_s\": %.1f, ",
           o.name, bsq_arch_name(o.arch), o.word_bits, bsq_mode_name(o.mode),
           model_hash, use_v && use_i ? "both" : use_v ? "verilator" : "icarus",
           stim.n_sweep, stim.n_random, stim.n_data, bp, seed, main_r->frames,
           main_r->words, main_r->mismatches, fps(main_r));
    if (use_v) {
      print_json_result("verilator", &rv);
      printf(", ");
    }
    if (use_i) {
      print_json_result("icarus", &ri);
      printf(", ");
    }
    if (ratio > 0) printf("\"speed_ratio\": %.1f, ", ratio);
    printf("\"pass\": %s}\n", exit_code == 0 ? "true" : "false");
  } else {
    printf("bsq sim: %s_encoder (%s, %d features, %d-bit frames, %d-bit words, "
           "%s), model %s\n",
           o.name, bsq_arch_name(o.arch), m.F, m.enc.B, o.word_bits,
           bsq_mode_name(o.mode), model_hash);
    printf("stimulus: %" PRIu64 " sweep + %" PRIu64 " random + %" PRIu64
           " data set frames; backpressure %g, seed %" PRIu64 "%s\n",
           stim.n_sweep, stim.n_random, stim.n_data, bp, seed,
           reset ? ", reset mid-stream" : "");
    if (use_v) print_human_result("verilator", &rv);
    if (use_i) print_human_result("icarus", &ri);
    if (ratio > 0) printf("speed ratio verilator/icarus: %.1fx\n", ratio);
  }
done:
  if (work && !keep) bsq_rmtree(work);
  free(work);
  bsq_stim_free(&stim);
  if (d.feat) bsq_design_free(&d);
  bsq_model_free(&m);
  return exit_code;
}
