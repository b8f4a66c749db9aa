/* bsq synth — hardware report with Yosys and nextpnr-ice40 for the flash,
 * search and naive quantizer banks, latency cross-checked in simulation,
 * and a formal equivalence proof (see codegen/synth.h). */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "gen.h"
#include "model.h"
#include "run.h"
#include "synth.h"

static void usage(FILE *f) {
  fprintf(f,
"usage: bsq synth MODEL.json|DIR [--arch flash|search|both]\n"
"                 [--target generic|ice40|cmos|all|none] [--prove]\n"
"                 [--seeds N] [--json] [-o REPORT.md] [--keep DIR]\n"
"                 [--name NAME]\n"
"\n"
"Synthesizes the quantizer bank of each architecture (all feature codes\n"
"registered -> quantizers -> levels registered; the packer is not\n"
"included) with open tools, next to a naive reference generated from the\n"
"same thresholds (level = sum of x > T terms, registered in and out), and\n"
"reports every figure with its ratio to the naive one:\n"
"  generic  yosys synth: cells by type\n"
"  ice40    yosys synth_ice40, nextpnr-ice40 --hx8k --package ct256:\n"
"           logic cells, carry cells, flip-flops, Fmax (median over seeds\n"
"           1..N); skipped with a note when nextpnr-ice40 is absent\n"
"  cmos     yosys abc -g cmos2, stat -tech cmos: transistor estimate\n"
"Latency (register stages from codes in to levels out) comes from the\n"
"generator and is cross-checked by simulating each bank with Icarus\n"
"against the C model; throughput is one frame per clock.\n"
"\n"
"MODEL.json: the designs are generated (into --keep DIR, or a temporary\n"
"directory). DIR: a directory written by an earlier `--keep DIR` run; its\n"
"files (model.json, NAME_<arch>_quant.v, NAME_<arch>_bank.v) are used as\n"
"they are, edited or not.\n"
"\n"
"  --arch A       flash, search or both (default both); naive always\n"
"  --target T     generic, ice40, cmos, all (default) or none\n"
"  --prove        prove with Yosys (sat) that for every feature the search\n"
"                 and naive quantizers compute flash's level for every\n"
"                 input code; exit 3 naming the features that differ\n"
"                 (needs --arch both)\n"
"  --seeds N      nextpnr seeds, 1..%d (default 3)\n"
"  --json         print the JSON report instead of the Markdown table\n"
"  -o FILE        write the Markdown report to FILE and the JSON report\n"
"                 beside it (FILE with .json for .md)\n"
"  --keep DIR     write the designs, scripts and tool logs into DIR\n"
"  --name NAME    module prefix (default bsq)\n"
"\n"
"Exit 0 ok, 1 usage, 2 bad input or a missing tool, 3 the proof or the\n"
"latency cross-check failed.\n",
          BSQ_SYNTH_MAX_SEEDS);
}

typedef struct {
  const char *model_path, *rtl, *work;
  int want[BSQ_SYN_NARCH];
  int t_generic, t_ice40, t_cmos, prove, seeds;
  char yosys_ver[256], nextpnr_ver[256];
  bsq_synth_arch r[BSQ_SYN_NARCH];
  int proved;   /* the proof ran */
  int all_eq;
  char notes[8][800];
  int nnotes;
} synth_job;

static void add_note(synth_job *j, const char *msg) {
  if (j->nnotes < 8) snprintf(j->notes[j->nnotes++], sizeof j->notes[0], "%s", msg);
}

/* ---- report --------------------------------------------------------------- */

static void add_num(cJSON *o, const char *k, double v, int valid) {
  if (valid) cJSON_AddNumberToObject(o, k, v);
  else cJSON_AddNullToObject(o, k);
}

static double ratio(double a, double b) { return a >= 0 && b > 0 ? a / b : -1; }

typedef struct {
  const char *key, *label;
  int dbl;        /* a double figure (fmax) */
  size_t off;     /* offsetof into bsq_synth_arch */
} metric;

#define M_LONG(k, l, field) {k, l, 0, offsetof(bsq_synth_arch, field)}
static const metric METRICS[] = {
    M_LONG("logic_cells", "iCE40 logic cells (LC)", logic_cells),
    M_LONG("carry_cells", "iCE40 carry cells (SB_CARRY)", carry_cells),
    M_LONG("dffs", "iCE40 flip-flops", dffs),
    M_LONG("luts", "iCE40 LUT4s", luts),
    M_LONG("brams", "iCE40 block RAMs", brams),
    {"fmax_mhz", "Fmax, MHz (median of seeds)", 1,
     offsetof(bsq_synth_arch, fmax_mhz)},
    M_LONG("cells_generic", "generic cells (yosys synth)", cells_generic),
    M_LONG("transistors", "transistors (abc -g cmos2)", transistors),
};
#define NMETRICS ((int)(sizeof METRICS / sizeof METRICS[0]))

static double metric_value(const bsq_synth_arch *r, const metric *m) {
  const char *p = (const char *)r + m->off;
  if (m->dbl) return *(const double *)(const void *)p;
  return (double)*(const long *)(const void *)p;
}

static cJSON *report_json(const synth_job *j, const bsq_model *m,
                          const bsq_design *d) {
  cJSON *root = cJSON_CreateObject();
  char hash[17];
  snprintf(hash, sizeof hash, "%s", d->hash_hex);
  cJSON_AddStringToObject(root, "model", hash);
  cJSON_AddNumberToObject(root, "features", m->F);
  cJSON_AddNumberToObject(root, "in_bits", d->in_bits);
  cJSON_AddNumberToObject(root, "frame_bits", d->B);
  cJSON_AddStringToObject(root, "unit",
                          "quantizer bank: codes registered -> quantizers -> "
                          "levels registered");
  cJSON_AddFalseToObject(root, "packer_included");
  cJSON *tg = cJSON_AddArrayToObject(root, "targets");
  if (j->t_generic) cJSON_AddItemToArray(tg, cJSON_CreateString("generic"));
  if (j->t_ice40) cJSON_AddItemToArray(tg, cJSON_CreateString("ice40"));
  if (j->t_cmos) cJSON_AddItemToArray(tg, cJSON_CreateString("cmos"));
  cJSON *tools = cJSON_AddObjectToObject(root, "tools");
  cJSON_AddStringToObject(tools, "yosys", j->yosys_ver);
  if (j->nextpnr_ver[0]) cJSON_AddStringToObject(tools, "nextpnr", j->nextpnr_ver);
  else cJSON_AddNullToObject(tools, "nextpnr");
  if (j->t_ice40) {
    cJSON *ice = cJSON_AddObjectToObject(root, "ice40");
    cJSON_AddStringToObject(ice, "device", "hx8k");
    cJSON_AddStringToObject(ice, "package", "ct256");
    cJSON_AddNumberToObject(ice, "seeds", j->seeds);
  }
  const bsq_synth_arch *nv = &j->r[BSQ_SYN_NAIVE];
  for (int a = 0; a < BSQ_SYN_NARCH; a++) {
    const bsq_synth_arch *r = &j->r[a];
    if (!r->present) continue;
    cJSON *o = cJSON_AddObjectToObject(root, bsq_synth_arch_name(a));
    for (int k = 0; k < NMETRICS; k++) {
      double v = metric_value(r, &METRICS[k]);
      add_num(o, METRICS[k].key, v, v >= 0);
    }
    if (r->nseeds > 0) {
      cJSON *fs = cJSON_AddArrayToObject(o, "fmax_mhz_seeds");
      for (int s = 0; s < r->nseeds; s++)
        cJSON_AddItemToArray(fs, cJSON_CreateNumber(r->fmax_seed[s]));
    }
    cJSON_AddNumberToObject(o, "latency_cycles", r->latency);
    add_num(o, "latency_cycles_sim", r->latency_sim, r->latency_sim >= 0);
    cJSON_AddNumberToObject(o, "frames_per_clock", 1);
    cJSON *by = cJSON_Parse(r->cells_by_type[0] ? r->cells_by_type : "{}");
    cJSON_AddItemToObject(o, "cells_by_type", by ? by : cJSON_CreateObject());
    if (j->proved) cJSON_AddBoolToObject(o, "equivalent", r->equivalent == 1);
    if (a != BSQ_SYN_NAIVE && nv->present) {
      cJSON *ro = cJSON_AddObjectToObject(o, "ratio_to_naive");
      for (int k = 0; k < NMETRICS; k++) {
        double q = ratio(metric_value(r, &METRICS[k]),
                         metric_value(nv, &METRICS[k]));
        add_num(ro, METRICS[k].key, round(q * 1000) / 1000, q >= 0);
      }
      double q = ratio(r->latency, nv->latency);
      add_num(ro, "latency_cycles", round(q * 1000) / 1000, q >= 0);
    }
  }
  if (j->proved) cJSON_AddBoolToObject(root, "equivalent", j->all_eq);
  cJSON *notes = cJSON_AddArrayToObject(root, "notes");
  for (int i = 0; i < j->nnotes; i++)
    cJSON_AddItemToArray(notes, cJSON_CreateString(j->notes[i]));
  return root;
}

static void fmt_value(char *out, size_t cap, double v, int dbl) {
  if (v < 0) snprintf(out, cap, "-");
  else if (dbl) snprintf(out, cap, "%.1f", v);
  else snprintf(out, cap, "%.0f", v);
}

static char *report_md(const synth_job *j, const bsq_model *m,
                       const bsq_design *d) {
  char *text = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&text, &len);
  if (!fp) return NULL;
  fprintf(fp, "# bsq synth: model %s\n\n", d->hash_hex);
  fprintf(fp, "%d features, %d input bits, %d level bits per frame. Unit "
              "synthesized for every\narchitecture: the quantizer bank (codes "
              "registered -> quantizers -> levels\nregistered), one frame per "
              "clock; the packer is not included.\n\n",
          m->F, d->in_bits, d->B);
  int cols[BSQ_SYN_NARCH], nc = 0;
  for (int a = 0; a < BSQ_SYN_NARCH; a++)
    if (j->r[a].present) cols[nc++] = a;
  const bsq_synth_arch *nv = &j->r[BSQ_SYN_NAIVE];
  fprintf(fp, "| %-30s |", "");
  for (int c = 0; c < nc; c++) fprintf(fp, " %10s |", bsq_synth_arch_name(cols[c]));
  for (int c = 0; c < nc; c++)
    if (cols[c] != BSQ_SYN_NAIVE)
      fprintf(fp, " %s / naive |", bsq_synth_arch_name(cols[c]));
  fprintf(fp, "\n|%s|", "--------------------------------");
  for (int c = 0; c < nc; c++) fprintf(fp, "-----------:|");
  for (int c = 0; c < nc; c++)
    if (cols[c] != BSQ_SYN_NAIVE) fprintf(fp, "--------------:|");
  fprintf(fp, "\n");
  for (int k = 0; k <= NMETRICS + 1; k++) {
    const char *label = k < NMETRICS    ? METRICS[k].label
                        : k == NMETRICS ? "latency, cycles"
                                        : "throughput, frames per clock";
    fprintf(fp, "| %-30s |", label);
    double vals[BSQ_SYN_NARCH];
    for (int c = 0; c < nc; c++) {
      const bsq_synth_arch *r = &j->r[cols[c]];
      double v = k < NMETRICS    ? metric_value(r, &METRICS[k])
                 : k == NMETRICS ? r->latency
                                 : 1.0;
      vals[c] = v;
      char s[32];
      fmt_value(s, sizeof s, v, k < NMETRICS && METRICS[k].dbl);
      fprintf(fp, " %10s |", s);
    }
    double nvv = k < NMETRICS ? metric_value(nv, &METRICS[k])
                 : k == NMETRICS ? nv->latency
                                 : 1.0;
    for (int c = 0; c < nc; c++) {
      if (cols[c] == BSQ_SYN_NAIVE) continue;
      double q = nv->present ? ratio(vals[c], nvv) : -1;
      char s[32];
      if (q < 0) snprintf(s, sizeof s, "-");
      else snprintf(s, sizeof s, "%.2fx", q);
      fprintf(fp, " %14s |", s);
    }
    fprintf(fp, "\n");
  }
  if (j->proved) {
    fprintf(fp, "| %-30s |", "equivalent to flash (proof)");
    for (int c = 0; c < nc; c++)
      fprintf(fp, " %10s |", j->r[cols[c]].equivalent == 1 ? "yes" : "NO");
    for (int c = 0; c < nc; c++)
      if (cols[c] != BSQ_SYN_NAIVE) fprintf(fp, " %14s |", "");
    fprintf(fp, "\n");
  }
  fprintf(fp, "\nLatency: register stages from codes in to levels out "
              "(input register included),\nfrom the generator");
  int sim = 0;
  for (int c = 0; c < nc; c++) sim |= j->r[cols[c]].latency_sim >= 0;
  fprintf(fp, "%s.\n", sim ? "; confirmed by simulating each bank against the "
                             "C model, one frame per clock"
                           : "");
  if (j->t_ice40 && j->r[cols[0]].nseeds > 0)
    fprintf(fp, "iCE40: HX8K ct256, nextpnr-ice40 seeds 1..%d; Fmax is the "
                "median.\n",
            j->seeds);
  fprintf(fp, "Tools: %s%s%s.\n", j->yosys_ver, j->nextpnr_ver[0] ? "; " : "",
          j->nextpnr_ver);
  for (int i = 0; i < j->nnotes; i++) fprintf(fp, "\nNote: %s\n", j->notes[i]);
  if (fclose(fp) != 0) {
    free(text);
    return NULL;
  }
  return text;
}

static int write_file(const char *path, const char *text) {
  bsq_diag diag = {{0}};
  bsq_atomic_file af;
  if (bsq_atomic_open(&af, path, &diag)) {
    cli_error("synth", "%s", diag.msg);
    return BSQ_EXIT_INPUT;
  }
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, (FILE *)af.fp) == n;
  if (bsq_atomic_close(&af, ok, &diag)) {
    cli_error("synth", "%s", diag.msg);
    return BSQ_EXIT_INPUT;
  }
  return BSQ_EXIT_OK;
}

/* ---- the run ---------------------------------------------------------------- */

static void progress(const char *fmt, const char *a, const char *b) {
  if (!cli_isatty_stderr()) return;
  fprintf(stderr, "bsq synth: ");
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* First line a `prog --version`-like command prints on stdout or stderr
 * (nextpnr uses stderr), or "" when it cannot run. */
static void tool_version(char *out, size_t cap, char *const argv[],
                         const char *work) {
  char path[4096];
  out[0] = '\0';
  if (bsq_pathf(path, sizeof path, "%s/%s.version", work, argv[0])) return;
  remove(path);
  if (bsq_run(argv, NULL, path, path) != 0) return;
  FILE *fp = fopen(path, "r");
  if (!fp) return;
  char line[512];
  if (fgets(line, sizeof line, fp))
    snprintf(out, cap, "%.*s", (int)strcspn(line, "\r\n"), line);
  fclose(fp);
}

int cmd_synth(int argc, char **argv) {
  enum { O_KEEP = 256, O_PROVE, O_SEEDS, O_NAME };
  static const struct option opts[] = {
      {"arch", required_argument, 0, 'a'},
      {"target", required_argument, 0, 't'},
      {"json", no_argument, 0, 'j'},
      {"out", required_argument, 0, 'o'},
      {"prove", no_argument, 0, O_PROVE},
      {"seeds", required_argument, 0, O_SEEDS},
      {"keep", required_argument, 0, O_KEEP},
      {"name", required_argument, 0, O_NAME},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  synth_job j;
  memset(&j, 0, sizeof j);
  j.want[BSQ_SYN_FLASH] = j.want[BSQ_SYN_SEARCH] = j.want[BSQ_SYN_NAIVE] = 1;
  j.t_generic = j.t_ice40 = j.t_cmos = 1;
  j.seeds = 3;
  const char *out_md = NULL, *keep = NULL, *name = "bsq";
  int json = 0, c;
  long v;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
    switch (c) {
    case 'a':
      if (!strcmp(optarg, "flash") || !strcmp(optarg, "search") ||
          !strcmp(optarg, "both")) {
        j.want[BSQ_SYN_FLASH] = strcmp(optarg, "search") != 0;
        j.want[BSQ_SYN_SEARCH] = strcmp(optarg, "flash") != 0;
      } else {
        cli_error("synth", "--arch must be flash, search or both, not '%s'",
                  optarg);
        return BSQ_EXIT_USAGE;
      }
      break;
    case 't': {
      const char *t = optarg;
      int all = !strcmp(t, "all"), none = !strcmp(t, "none");
      if (!all && !none && strcmp(t, "generic") && strcmp(t, "ice40") &&
          strcmp(t, "cmos")) {
        cli_error("synth", "--target must be generic, ice40, cmos, all or "
                           "none, not '%s'", t);
        return BSQ_EXIT_USAGE;
      }
      j.t_generic = all || !strcmp(t, "generic");
      j.t_ice40 = all || !strcmp(t, "ice40");
      j.t_cmos = all || !strcmp(t, "cmos");
      break;
    }
    case 'j': json = 1; break;
    case 'o': out_md = optarg; break;
    case O_PROVE: j.prove = 1; break;
    case O_SEEDS:
      if (cli_parse_int(optarg, 1, BSQ_SYNTH_MAX_SEEDS, &v)) {
        cli_error("synth", "--seeds must be 1..%d, not '%s'",
                  BSQ_SYNTH_MAX_SEEDS, optarg);
        return BSQ_EXIT_USAGE;
      }
      j.seeds = (int)v;
      break;
    case O_KEEP: keep = optarg; break;
    case O_NAME:
      if (bsq_gen_name_check(optarg)) {
        cli_error("synth", "--name must be an identifier [A-Za-z][A-Za-z0-9_]* "
                           "of at most %d characters, not '%s'",
                  BSQ_GEN_NAME_MAX - 7, optarg);
        return BSQ_EXIT_USAGE;
      }
      name = optarg;
      break;
    case 'h': usage(stdout); return BSQ_EXIT_OK;
    default:
      cli_error("synth", "unknown or incomplete option '%s'", argv[optind - 1]);
      usage(stderr);
      return BSQ_EXIT_USAGE;
    }
  }
  if (optind != argc - 1) {
    cli_error("synth", optind == argc ? "missing MODEL.json or DIR"
                                      : "too many arguments");
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  if (strlen(name) > BSQ_GEN_NAME_MAX - 7) {
    cli_error("synth", "--name '%s' is too long (at most %d characters)", name,
              BSQ_GEN_NAME_MAX - 7);
    return BSQ_EXIT_USAGE;
  }
  if (j.prove && !(j.want[BSQ_SYN_FLASH] && j.want[BSQ_SYN_SEARCH])) {
    cli_error("synth", "--prove compares flash and search: it needs --arch "
                       "both");
    return BSQ_EXIT_USAGE;
  }
  const char *input = argv[optind];
  int from_dir = is_dir(input);
  char model_path[4096];
  if (from_dir) bsq_pathf(model_path, sizeof model_path, "%s/model.json", input);
  else bsq_pathf(model_path, sizeof model_path, "%s", input);

  struct stat mst;
  if (from_dir && stat(model_path, &mst) != 0) {
    cli_error("synth", "%s: no model.json: not a directory written by `bsq "
                       "synth MODEL.json --keep DIR`", input);
    return BSQ_EXIT_INPUT;
  }
  bsq_model m;
  bsq_diag diag = {{0}};
  int rc = bsq_model_load(&m, model_path, &diag);
  if (rc) {
    cli_error("synth", "%s", diag.msg[0] ? diag.msg : bsq_strerror(rc));
    return cli_exit_for(rc);
  }
  int exit_code = BSQ_EXIT_OK;
  char *work = NULL;
  char *md = NULL, *js = NULL;
  cJSON *report = NULL;
  bsq_design d;
  memset(&d, 0, sizeof d);
  bsq_gen_opts go;
  bsq_gen_opts_default(&go);
  if ((rc = bsq_design_build(&d, &m, &go, &diag))) {
    cli_error("synth", "%s", diag.msg);
    exit_code = cli_exit_for(rc);
    goto done;
  }
  /* directories */
  if (keep) {
    if (mkdir(keep, 0777) != 0 && !is_dir(keep)) {
      cli_error("synth", "%s: cannot create directory", keep);
      exit_code = BSQ_EXIT_INPUT;
      goto done;
    }
    work = strdup(keep);
  } else {
    work = bsq_mkdtemp("synth");
  }
  if (!work) {
    cli_error("synth", "cannot create a work directory");
    exit_code = BSQ_EXIT_INPUT;
    goto done;
  }
  j.work = work;
  /* tools */
  {
    char *yv[] = {"yosys", "-V", NULL};
    char *nv[] = {"nextpnr-ice40", "--version", NULL};
    tool_version(j.yosys_ver, sizeof j.yosys_ver, yv, work);
    tool_version(j.nextpnr_ver, sizeof j.nextpnr_ver, nv, work);
  }
  if (!j.yosys_ver[0] && (j.t_generic || j.t_ice40 || j.t_cmos || j.prove)) {
    cli_error("synth", "yosys not found in PATH (needed for --target and "
                       "--prove; Debian package yosys)");
    exit_code = BSQ_EXIT_INPUT;
    goto done;
  }
  if (j.t_ice40 && !j.nextpnr_ver[0])
    add_note(&j, "nextpnr-ice40 not found in PATH: ice40 place and route "
                 "skipped, so no logic cells or Fmax; the Yosys ice40 cell "
                 "counts are reported (Debian package nextpnr-ice40)");
  j.rtl = from_dir ? input : work;
  if (!from_dir) {
    char mp[4096];
    bsq_pathf(mp, sizeof mp, "%s/model.json", work);
    if ((rc = bsq_synth_write_rtl(&m, name, j.want, work, &diag)) ||
        (rc = bsq_model_save(&m, mp, &diag))) {
      cli_error("synth", "%s", diag.msg);
      exit_code = cli_exit_for(rc);
      goto done;
    }
  }
  for (int a = 0; a < BSQ_SYN_NARCH; a++) {
    bsq_synth_arch *r = &j.r[a];
    r->latency_sim = -1;
    r->cells_generic = r->luts = r->carry_cells = r->dffs = r->logic_cells = -1;
    r->brams = -1;
    r->transistors = -1;
    r->fmax_mhz = -1;
    r->equivalent = -1;
    snprintf(r->cells_by_type, sizeof r->cells_by_type, "{}");
    if (!j.want[a]) continue;
    if ((rc = bsq_synth_read_bank(j.rtl, name, a, &r->latency, &diag))) {
      cli_error("synth", "%s", diag.msg);
      exit_code = BSQ_EXIT_INPUT;
      goto done;
    }
    r->present = 1;
  }
  /* latency in simulation */
  for (int a = 0; a < BSQ_SYN_NARCH; a++) {
    bsq_synth_arch *r = &j.r[a];
    if (!r->present) continue;
    progress("%s: latency in simulation%s", bsq_synth_arch_name(a), "");
    rc = bsq_synth_latency_sim(&m, j.rtl, work, name, a, &r->latency_sim,
                               &diag);
    if (rc == BSQ_ETOOL && strstr(diag.msg, "not found")) {
      add_note(&j, "iverilog not found in PATH: latency not cross-checked in "
                   "simulation");
      break;
    }
    if (rc) {
      cli_error("synth", "%s", diag.msg);
      exit_code = rc == BSQ_EMISMATCH ? BSQ_EXIT_MISMATCH : BSQ_EXIT_INPUT;
      if (rc != BSQ_EMISMATCH) goto done;
      continue;
    }
    if (r->latency_sim != r->latency) {
      cli_error("synth", "%s: the design says latency %d, simulation measures "
                         "%d",
                bsq_synth_arch_name(a), r->latency, r->latency_sim);
      exit_code = BSQ_EXIT_MISMATCH;
    }
  }
  /* synthesis */
  for (int a = 0; a < BSQ_SYN_NARCH; a++) {
    bsq_synth_arch *r = &j.r[a];
    if (!r->present) continue;
    const char *an = bsq_synth_arch_name(a);
    rc = BSQ_OK;
    if (j.t_generic) {
      progress("%s: %s", an, "yosys synth");
      rc = bsq_synth_generic(j.rtl, work, name, a, r, &diag);
    }
    if (rc == BSQ_OK && j.t_ice40) {
      progress("%s: %s", an, j.nextpnr_ver[0]
                                 ? "synth_ice40 + nextpnr-ice40"
                                 : "synth_ice40");
      char note[700] = "";
      rc = bsq_synth_ice40(j.rtl, work, name, a, j.nextpnr_ver[0] ? j.seeds : 0,
                           r, note, sizeof note, &diag);
      if (rc == BSQ_OK && note[0]) add_note(&j, note);
    }
    if (rc == BSQ_OK && j.t_cmos) {
      progress("%s: %s", an, "abc -g cmos2");
      rc = bsq_synth_cmos(j.rtl, work, name, a, r, &diag);
    }
    if (rc) {
      cli_error("synth", "%s: %s", an, diag.msg);
      exit_code = BSQ_EXIT_INPUT;
      goto done;
    }
  }
  /* proof */
  if (j.prove) {
    int present[BSQ_SYN_NARCH], lat[BSQ_SYN_NARCH];
    for (int a = 0; a < BSQ_SYN_NARCH; a++) {
      present[a] = j.r[a].present;
      lat[a] = j.r[a].latency;
    }
    int *eq = calloc((size_t)(BSQ_SYN_NARCH * m.F), sizeof *eq);
    if (!eq) {
      cli_error("synth", "out of memory");
      exit_code = BSQ_EXIT_INPUT;
      goto done;
    }
    progress("proving search and naive equal to flash%s%s", "", "");
    rc = bsq_synth_prove(&d, j.rtl, work, name, present, lat, eq, &diag);
    if (rc) {
      free(eq);
      cli_error("synth", "%s", diag.msg);
      exit_code = BSQ_EXIT_INPUT;
      goto done;
    }
    j.proved = 1;
    j.all_eq = 1;
    j.r[BSQ_SYN_FLASH].equivalent = 1;
    for (int a = 1; a < BSQ_SYN_NARCH; a++) {
      if (!present[a]) continue;
      j.r[a].equivalent = 1;
      for (int f = 0; f < m.F; f++)
        if (eq[a * m.F + f] != 1) {
          j.r[a].equivalent = 0;
          if (a == BSQ_SYN_SEARCH) j.r[BSQ_SYN_FLASH].equivalent = 0;
          j.all_eq = 0;
          cli_error("synth", "proof FAILED: feature %d \"%s\": %s and flash "
                             "compute different levels for some input code",
                    f, m.names ? m.names[f] : "", bsq_synth_arch_name(a));
        }
    }
    free(eq);
    if (!j.all_eq) exit_code = BSQ_EXIT_MISMATCH;
  }
  /* report */
  report = report_json(&j, &m, &d);
  js = report ? cJSON_Print(report) : NULL;
  md = report_md(&j, &m, &d);
  if (!js || !md) {
    cli_error("synth", "out of memory");
    exit_code = BSQ_EXIT_INPUT;
    goto done;
  }
  if (out_md) {
    char jp[4096];
    size_t n = strlen(out_md);
    if (n > 3 && !strcmp(out_md + n - 3, ".md"))
      bsq_pathf(jp, sizeof jp, "%.*s.json", (int)(n - 3), out_md);
    else
      bsq_pathf(jp, sizeof jp, "%s.json", out_md);
    size_t jl = strlen(js);
    char *jsn = malloc(jl + 2);
    if (!jsn) {
      exit_code = BSQ_EXIT_INPUT;
      goto done;
    }
    memcpy(jsn, js, jl);
    memcpy(jsn + jl, "\n", 2);
    int w = write_file(out_md, md);
    if (w == BSQ_EXIT_OK) w = write_file(jp, jsn);
    free(jsn);
    if (w) {
      exit_code = w;
      goto done;
    }
  }
  if (json) printf("%s\n", js);
  else fputs(md, stdout);
done:
  if (work && !keep) bsq_rmtree(work);
  free(work);
  free(md);
  free(js);
  cJSON_Delete(report);
  if (d.feat) bsq_design_free(&d);
  bsq_model_free(&m);
  return exit_code;
}
