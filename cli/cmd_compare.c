/* bsq compare — every method at every bit width over several seeds, as the
 * paper's comparison (Schrödter et al., CPAL 2026, Table 2 and Figure 4):
 * a Markdown table, a JSON report and an SVG plot. The work is the
 * library's (flow/compare.h); this file parses, calls and prints. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "compare.h"
#include "options.h"
#include "plot.h"
#include "pool.h"
#include "report.h"
#include "sweep.h"
#include "tune.h"
#include "util.h"

static void usage(FILE *f) {
  char list[160];
  fprintf(f,
"usage: bsq compare --data friedman1|FILE.csv [--target NAME]\n"
"                   [--bits 2,3,4,6] [--methods all|LIST] [--seeds N]\n"
"                   [--hidden SPEC] [--epochs N] [-o REPORT.md]\n"
"                   [--json REPORT.json] [--plot PLOT.svg] [options]\n"
"\n"
"Trains every method at every bit width over N seeds (each seed its own\n"
"split, initialization and batch order) and reports the hardware-true test\n"
"MSE (standardized target) as mean and 95%% t-interval, bits per frame,\n"
"compression against float32 and training time; the best method of each\n"
"bit width is marked. FP (full precision) is trained once per seed and\n"
"shown as a reference band; Po-MQ/Po-QQ quantize that FP network.\n"
"\n"
"  --data SRC          friedman1 (built in) or a CSV file with a header row\n"
"  --target NAME       target column (default: the last one)\n"
"  --rows N            friedman1 rows (default %d)\n"
"  --data-seed N       friedman1 generator seed (default 0)\n"
"  --bits LIST         bits per feature to compare (default 2,3,4,6)\n"
"  --methods all|LIST  %s\n"
"                      (default all)\n"
"  --seeds N           repetitions, seeds S..S+N-1 (default 5)\n"
"  --seed S            first seed (default 1)\n"
"  --hidden SPEC       hidden layers: 5x32 or 64,32,16 (default 5x32)\n"
"  --epochs N          (default 100)\n"
"  --batch N           (default 512)\n"
"  --lr X              Adam learning rate (default 1e-3)\n"
"  --tau-decay X       (default 1e-3)\n"
"  --dropout X         (default 0)\n"
"  --sensor SPEC.json  the ADC format of each feature it names (see bsq\n"
"                      train --help); the others keep the fitted format\n"
"  --input-width W|LIST  code width of the fitted formats: one value or one\n"
"                      per feature (default 16)\n"
"  --jobs N            parallel trainings (default: the cores, %d here)\n"
"  --tune              tune each method first (bsq tune; see its --help for\n"
"                      --trials, --time-budget, --folds) and compare the\n"
"                      chosen settings\n"
"  --protocol paper    the paper's protocol: --tune --space paper (100\n"
"                      trials, 4 folds, its search space), then the chosen\n"
"                      settings over 10 seeds (--seeds), and the report in\n"
"                      the layout of its Table 2 (mean ± sd)\n"
"  --trials N, --time-budget S, --folds K, --space bsq|paper,\n"
"  --max-width N       passed to the tuner (see bsq tune --help)\n"
"  -o, --output FILE   Markdown report\n"
"  --json FILE         JSON report (rows: method, bits, mse_mean, mse_ci95,\n"
"                      seeds, bits_per_frame, train_seconds, ...)\n"
"  --plot FILE         SVG plot (gnuplot): MSE against bits per feature,\n"
"                      one line per method, FP as a band\n"
"  --from REPORT.json  no training: re-render -o/--plot/--json from the JSON\n"
"                      report of an earlier run\n"
"  --plan DIR          no training: write the sweep as a job list, one bsq\n"
"                      command line per training (DIR/jobs.txt, for GNU\n"
"                      parallel; DIR/slurm.sbatch, a Slurm array job); each\n"
"                      job writes DIR/results/job-NNNN.json and skips itself\n"
"                      when that is already there (a rerun resumes)\n"
"  --plan DIR --job N  run job N of the plan (what jobs.txt says)\n"
"  --tuned-plan DIR    the chosen settings of a tuning's plan whose jobs\n"
"                      have all run (bsq tune --plan DIR), as --tune gives\n"
"                      them; bsq tune --collect DIR writes the plan of this\n"
"                      test (DIR/test) with it\n"
"  --collect DIR       the report of a plan whose jobs have all run: the same\n"
"                      as in process, timings aside; takes -o, --json, --plot\n"
"  -q, --quiet         no progress even on a terminal\n",
          BSQ_FRIEDMAN1_ROWS, bsq_method_list(list, sizeof list, ",", 1),
          bsq_pool_default_threads());
}

/* -o, --json and --plot of a report, in that order; stops at the first
 * failure, having printed it. */
static int write_outputs(const bsq_report *R, const char *md,
                         const char *json, const char *plot) {
  bsq_diag diag = {{0}};
  int rc = BSQ_OK;
  if (md) rc = bsq_report_save_markdown(R, md, &diag);
  if (rc == BSQ_OK && json) rc = bsq_report_save_json(R, json, &diag);
  if (rc == BSQ_OK && plot) rc = bsq_plot_write(R, plot, NULL, &diag);
  if (rc) cli_error("compare", "%s", diag.msg);
  return rc;
}

/* What one command line asks for. */
typedef struct {
  cli_sweep_opts so;
  long nseeds, job;
  int tune, seeds_set;
  const char *plot, *from, *plan, *collect;
  const char *tuned_plan; /* a tuning's plan (bsq tune --plan) to test */
  char *args[256]; /* the options that define the comparison, for a plan */
  int nargs;
  char **argv;     /* a collected plan's options, which so points into */
  int argc;
} compare_cmd;

static void cmd_free(compare_cmd *a) {
  for (int i = 0; i < a->nargs; i++) free(a->args[i]);
  a->nargs = 0;
  bsq_sweep_args_free(a->argv, a->argc);
  a->argv = NULL;
  a->argc = 0;
}

static int push_arg(compare_cmd *a, const char *s) {
  if (a->nargs == (int)(sizeof a->args / sizeof a->args[0])) return -1;
  return (a->args[a->nargs++] = strdup(s)) ? 0 : -1;
}

/* Parses argv into a; -1 to go on, or the exit code. */
static int parse(int argc, char **argv, compare_cmd *a) {
  enum { O_PLAN = 256, O_JOB, O_COLLECT, O_PROTOCOL, O_TUNED_PLAN };
  static const struct option opts[] = {
      CLI_DATA_OPTIONS, CLI_TRAIN_OPTIONS, CLI_TUNE_OPTIONS, CLI_SWEEP_OPTIONS,
      CLI_ARG("seeds", 'n'), CLI_FLAG("tune", 'U'), CLI_ARG("plot", 'P'),
      CLI_ARG("from", 'F'), CLI_ARG("plan", O_PLAN), CLI_ARG("job", O_JOB),
      CLI_ARG("collect", O_COLLECT), CLI_ARG("protocol", O_PROTOCOL),
      CLI_ARG("tuned-plan", O_TUNED_PLAN), CLI_END};
  cli_parser p = CLI_PARSER("compare", argc, argv, "o:qh", opts, usage);
  memset(a, 0, sizeof *a);
  a->nseeds = 5;
  a->job = -1;
  cli_sweep_opts_default(&a->so);
  int c;
  while ((c = cli_next(&p)) != -1) {
    const char *bad = NULL;
    char list[160];
    int opt = c; /* before cli_sweep_option clears it */
    if (cli_sweep_option(c, optarg, &a->so, &bad)) c = 0;
    switch (c) {
    case 'n':
      if (cli_parse_int(optarg, 1, 1000, &a->nseeds)) bad = "--seeds";
      a->seeds_set = 1;
      break;
    case O_PROTOCOL: /* the paper's: tune in its space, then 10 seeds */
      if (strcmp(optarg, "paper")) bad = "--protocol (only paper)";
      a->tune = 1;
      a->so.tune.space = BSQ_SPACE_PAPER;
      break;
    case 'U': a->tune = 1; break;
    case 'P': a->plot = optarg; break;
    case 'F': a->from = optarg; break;
    case O_PLAN: a->plan = optarg; break;
    case O_COLLECT: a->collect = optarg; break;
    case O_TUNED_PLAN: a->tuned_plan = optarg; break;
    case O_JOB:
      if (cli_parse_int(optarg, 0, 1000000, &a->job)) bad = "--job";
      break;
    }
    if (bad && !strcmp(bad, "--methods"))
      return cli_usage_fail("compare", "--methods: unknown method '%s' (all, "
                            "or a list of %s)", a->so.badname,
                            bsq_method_list(list, sizeof list, ", ", 1));
    if (bad)
      return cli_usage_fail("compare", "%s: invalid value '%s'", bad, optarg);
    /* the comparison's own options, as a plan records them: every option
     * but the outputs, progress and the plan's own */
    if (opt > 0 && !strchr("oqhJPF", opt) && opt != O_PLAN && opt != O_JOB &&
        opt != O_COLLECT) {
      const struct option *o = &opts[p.longindex];
      char name[64], path[4096];
      snprintf(name, sizeof name, "--%s", o->name);
      const char *v = optarg;
      if (((!strcmp(o->name, "data") && strcmp(v, "friedman1")) ||
           !strcmp(o->name, "sensor") || !strcmp(o->name, "tuned-plan")) &&
          realpath(v, path))
        v = path; /* a job may run in another directory */
      if (push_arg(a, name) || (o->has_arg && push_arg(a, v))) {
        cli_error("compare", "too many options");
        return BSQ_EXIT_USAGE;
      }
    }
  }
  if (p.exit >= 0) return p.exit;
  if (cli_no_args(&p)) return BSQ_EXIT_USAGE;
  cli_tune_finish(&a->so.tune);
  if (a->so.tune.space == BSQ_SPACE_PAPER && (a->tune || a->tuned_plan) &&
      !a->seeds_set)
    a->nseeds = 10;
  return -1;
}

/* A sweep run outside the process: --plan DIR writes the job list,
 * --plan DIR --job N runs one job, --collect DIR reports. */
static int sweep(compare_cmd *a, const bsq_dataset *d,
                 const bsq_compare_opts *co) {
  bsq_diag diag = {{0}};
  const char *dir = a->plan ? a->plan : a->collect;
  uint64_t id = bsq_sweep_id(a->args, a->nargs);
  int rc;
  if (a->collect) {
    bsq_report R;
    char *missing = NULL;
    rc = bsq_sweep_collect(&R, dir, id, d, co, &missing, &diag);
    if (rc) {
      cli_error("compare", "%s", diag.msg);
      if (missing) fprintf(stderr, "missing jobs:\n%s", missing);
    } else {
      char *table = bsq_report_to_text(&R);
      if (table) fputs(table, stdout);
      free(table);
      rc = write_outputs(&R, a->so.out_md, a->so.out_json, a->plot);
    }
    free(missing);
    bsq_report_free(&R);
  } else if (a->job >= 0) {
    int skipped;
    rc = bsq_sweep_run_job(dir, id, d, co, (int)a->job, &skipped, &diag);
    if (rc) cli_error("compare", "%s", diag.msg);
    else if (!a->so.quiet)
      fprintf(stderr, "bsq compare: %s: job %ld %s\n", dir, a->job,
              skipped ? "was already done" : "done");
  } else {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    int njobs = bsq_compare_trainings(co, d->F);
    rc = njobs < 0 ? bsq_diag_set(&diag, BSQ_ENOMEM, "out of memory")
                   : bsq_sweep_write(dir, n > 0 ? exe : "bsq", "compare",
                                     a->args, a->nargs, njobs, &diag);
    if (rc) cli_error("compare", "%s", diag.msg);
    else
      printf("%s: %d jobs in jobs.txt; run them with\n"
             "  parallel < %s/jobs.txt       (or sbatch %s/slurm.sbatch)\n"
             "then: bsq compare --collect %s [-o R.md] [--json R.json]\n",
             dir, njobs, dir, dir, dir);
  }
  return cli_exit_for(rc);
}

int cmd_compare(int argc, char **argv) {
  compare_cmd a;
  int rc = parse(argc, argv, &a);
  if (rc >= 0) {
    cmd_free(&a);
    return rc;
  }
  if (a.collect) { /* the comparison is the plan's; outputs are ours */
    if (a.nargs || a.plan || a.job >= 0 || a.tune || a.from) {
      cmd_free(&a);
      return cli_usage_fail("compare", "--collect DIR takes only -o, --json, "
                            "--plot and -q: the rest is the plan's");
    }
    char **args;
    int nargs;
    bsq_diag diag = {{0}};
    if ((rc = bsq_sweep_read_args(a.collect, &args, &nargs, &diag))) {
      cli_error("compare", "%s", diag.msg);
      return cli_exit_for(rc);
    }
    char *v[260];
    v[0] = (char *)"compare";
    for (int i = 0; i < nargs && i < 258; i++) v[1 + i] = args[i];
    v[1 + nargs] = NULL;
    compare_cmd b;
    rc = nargs > 258 ? BSQ_EXIT_USAGE : parse(1 + nargs, v, &b);
    if (rc >= 0) {
      bsq_sweep_args_free(args, nargs);
      if (nargs <= 258) cmd_free(&b);
      cli_error("compare", "%s/args: not the options of a comparison",
                a.collect);
      cmd_free(&a);
      return BSQ_EXIT_INPUT;
    }
    b.argv = args;
    b.argc = nargs;
    b.collect = a.collect;
    b.so.out_md = a.so.out_md;
    b.so.out_json = a.so.out_json;
    b.so.quiet = a.so.quiet;
    b.plot = a.plot;
    cmd_free(&a);
    a = b;
  }
  compare_cmd *A = &a;
  cli_sweep_opts *so = &A->so;
  const char *out_plot = A->plot, *from = A->from;
  long nseeds = A->nseeds;
  int tune = A->tune;
  if (A->job >= 0 && !A->plan) {
    cmd_free(A);
    return cli_usage_fail("compare", "--job N needs --plan DIR");
  }
  if (A->plan && (tune || from)) {
    cmd_free(A);
    return cli_usage_fail("compare", "--plan: not with %s (a tuning's plan "
                          "is bsq tune --plan DIR, whose --collect writes "
                          "the test's plan)", tune ? "--tune" : "--from");
  }
  if (A->tuned_plan && (tune || from)) {
    cmd_free(A);
    return cli_usage_fail("compare", "--tuned-plan: not with %s",
                          tune ? "--tune" : "--from");
  }
  if (from) { /* re-render an earlier report, no training */
    cmd_free(A);
    if (so->data.data)
      return cli_usage_fail("compare", "--from and --data exclude each other");
    bsq_report R;
    bsq_diag diag = {{0}};
    rc = bsq_report_load_json(&R, from, &diag);
    if (rc) cli_error("compare", "%s", diag.msg);
    else rc = write_outputs(&R, so->out_md, so->out_json, out_plot);
    bsq_report_free(&R);
    return cli_exit_for(rc);
  }
  if (!so->data.data) {
    cmd_free(A);
    return cli_usage_fail("compare", "--data is required");
  }
  for (int i = 0; i < so->nbits; i++)
    for (int j = 0; j < i; j++)
      if (so->bits[i] == so->bits[j]) {
        cmd_free(A);
        return cli_usage_fail("compare", "--bits: %d is listed twice",
                              so->bits[i]);
      }

  bsq_dataset d;
  rc = cli_load_data_opts("compare", &so->data, &d);
  if (rc) {
    cmd_free(A);
    return cli_exit_for(rc);
  }
  if (so->cfg.ninput_widths && so->cfg.ninput_widths != d.F) {
    cli_error("compare", "--input-width: %d values given for %d features",
              so->cfg.ninput_widths, d.F);
    bsq_dataset_free(&d);
    cmd_free(A);
    return BSQ_EXIT_USAGE;
  }
  bsq_sensor sensor;
  if ((rc = cli_load_sensor_opts("compare", &so->data, &d, &sensor, &so->cfg))) {
    bsq_dataset_free(&d);
    cmd_free(A);
    return cli_exit_for(rc);
  }
  if (cli_check_bit_widths("compare", "--bits", &so->cfg, &d, so->bits,
                           so->nbits)) {
    bsq_sensor_free(&sensor);
    bsq_dataset_free(&d);
    cmd_free(A);
    return BSQ_EXIT_INPUT;
  }
  if (so->cfg.sensor && !so->quiet)
    cli_print_fitted(stderr, "bsq compare: formats fitted to the data (not in "
                     "the sensor spec): ", &sensor, &d);
  int progress = !so->quiet && cli_isatty_stderr();
  bsq_compare_opts co = {so->want, so->bits, so->nbits, (int)nseeds,
                         (uint64_t)so->seed, &so->cfg, NULL, (int)so->jobs,
                         bsq_now(), progress ? cli_log_stderr : NULL, NULL};
  bsq_tuning tuned = {0};
  bsq_report R;
  bsq_report_init(&R);
  bsq_diag diag = {{0}};
  if (A->tuned_plan) { /* the tuning of a complete tune plan */
    char **targs, *missing = NULL;
    int ntargs;
    bsq_tune_spec sp = {&so->cfg, so->want,          so->bits,
                        so->nbits, (uint64_t)so->seed, &so->tune};
    rc = bsq_sweep_read_args(A->tuned_plan, &targs, &ntargs, &diag);
    if (rc == BSQ_OK) {
      uint64_t tid = bsq_sweep_id(targs, ntargs);
      bsq_sweep_args_free(targs, ntargs);
      rc = bsq_sweep_collect_tune(&tuned, A->tuned_plan, tid, &d, &sp,
                                  &missing, &diag);
    }
    if (rc) {
      cli_error("compare", "--tuned-plan: %s", diag.msg);
      if (missing) fprintf(stderr, "missing jobs:\n%s", missing);
      free(missing);
      cmd_free(A);
      goto done;
    }
    co.tuned = &tuned;
  }
  if (A->plan || A->collect) {
    rc = sweep(A, &d, &co);
    cmd_free(A);
    bsq_report_free(&R);
    bsq_tuning_free(&tuned);
    bsq_sensor_free(&sensor);
    bsq_dataset_free(&d);
    return rc;
  }
  cmd_free(A);
  if (tune) {
    so->tune.jobs = (int)so->jobs;
    so->tune.log = co.log;
    if (cli_check_folds("compare", "--tune: ", d.rows, so->tune.folds)) {
      rc = BSQ_EINVAL;
      goto done;
    }
    if ((rc = bsq_tune_run(&tuned, &d, &so->cfg, so->want, so->bits, so->nbits,
                           (uint64_t)so->seed, &so->tune, &diag))) {
      cli_error("compare", "--tune: %s", diag.msg);
      goto done;
    }
    co.tuned = &tuned;
  }
  if (progress)
    fprintf(stderr, "bsq compare: %d trainings on %ld threads\n",
            bsq_compare_trainings(&co, d.F), so->jobs);
  if ((rc = bsq_compare_run(&R, &d, &co, &diag))) {
    cli_error("compare", "%s", diag.msg);
    goto done;
  }
  char *table = bsq_report_to_text(&R);
  if (table) fputs(table, stdout);
  free(table);
  rc = write_outputs(&R, so->out_md, so->out_json, out_plot);
done:
  bsq_report_free(&R);
  bsq_tuning_free(&tuned);
  bsq_sensor_free(&sensor);
  bsq_dataset_free(&d);
  return cli_exit_for(rc);
}
