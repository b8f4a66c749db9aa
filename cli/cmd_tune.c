/* bsq tune — random search with k-fold cross-validation per method and
 * bit width (flow/tune.h does the work; this file parses, calls and
 * prints). With --plan the tuning is a job list (flow/sweep.h) in two
 * phases: the tuning's trainings, then, written by --collect, the test of
 * the chosen settings as a comparison's plan (bsq compare --tuned-plan). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "bsq_help.h"
#include "cli.h"
#include "options.h"
#include "report.h"
#include "sweep.h"
#include "tune.h"
#include "util.h"

/* What one command line asks for. */
typedef struct {
  cli_sweep_opts so;
  long job;
  const char *plan, *collect;
  char *args[256]; /* the options that define the tuning, for a plan */
  int nargs;
  char **argv;     /* a collected plan's options, which so points into */
  int argc;
} tune_cmd;

static void cmd_free(tune_cmd *a) {
  for (int i = 0; i < a->nargs; i++) free(a->args[i]);
  a->nargs = 0;
  bsq_sweep_args_free(a->argv, a->argc);
  a->argv = NULL;
  a->argc = 0;
}

static int push_arg(tune_cmd *a, const char *s) {
  if (a->nargs == (int)(sizeof a->args / sizeof a->args[0])) return -1;
  return (a->args[a->nargs++] = strdup(s)) ? 0 : -1;
}

/* Parses argv into a; -1 to go on, or the exit code. */
static int parse(int argc, char **argv, tune_cmd *a) {
  enum { O_PLAN = 256, O_JOB, O_COLLECT };
  static const struct option opts[] = {
      CLI_DATA_OPTIONS, CLI_TUNE_OPTIONS, CLI_SWEEP_OPTIONS,
      CLI_ARG("epochs", 'e'), CLI_ARG("plan", O_PLAN), CLI_ARG("job", O_JOB),
      CLI_ARG("collect", O_COLLECT), CLI_END};
  cli_parser p = CLI_PARSER_TEXT("tune", argc, argv, "o:qh", opts, BSQ_HELP_TUNE);
  memset(a, 0, sizeof *a);
  a->job = -1;
  cli_sweep_opts_default(&a->so);
  int c;
  while ((c = cli_next(&p)) != -1) {
    const char *bad = NULL;
    int opt = c; /* before cli_sweep_option clears it */
    if (cli_sweep_option(c, optarg, &a->so, &bad)) c = 0;
    switch (c) {
    case O_PLAN: a->plan = optarg; break;
    case O_COLLECT: a->collect = optarg; break;
    case O_JOB:
      if (cli_parse_int(optarg, 0, 100000000, &a->job)) bad = "--job";
      break;
    }
    if (bad && !strcmp(bad, "--methods"))
      return cli_usage_fail("tune", "--methods: unknown method '%s'",
                            a->so.badname);
    if (bad) return cli_usage_fail("tune", "%s: invalid value '%s'", bad, optarg);
    /* the tuning's own options, as a plan records them: every option but
     * the outputs, progress and the plan's own */
    if (opt > 0 && !strchr("oqhJ", opt) && opt != O_PLAN && opt != O_JOB &&
        opt != O_COLLECT) {
      const struct option *o = &opts[p.longindex];
      char name[64], path[4096];
      snprintf(name, sizeof name, "--%s", o->name);
      const char *v = optarg;
      if (((!strcmp(o->name, "data") && strcmp(v, "friedman1")) ||
           !strcmp(o->name, "sensor")) &&
          realpath(v, path))
        v = path; /* a job may run in another directory */
      if (push_arg(a, name) || (o->has_arg && push_arg(a, v))) {
        cli_error("tune", "too many options");
        return BSQ_EXIT_USAGE;
      }
    }
  }
  if (p.exit >= 0) return p.exit;
  if (cli_no_args(&p)) return BSQ_EXIT_USAGE;
  cli_tune_finish(&a->so.tune);
  if (!a->so.data.data && !a->collect)
    return cli_usage_error(&p, "--data is required");
  return -1;
}

static void print_tuning(const bsq_tuning *t) {
  char *md = bsq_tuning_to_markdown(t);
  if (md) fputs(md, stdout);
  free(md);
}

static int save_tuning(const bsq_tuning *t, const char *source,
                       const cli_sweep_opts *so) {
  bsq_diag diag = {{0}};
  int rc = BSQ_OK;
  if (so->out_md) rc = bsq_tuning_save_markdown(t, source, so->out_md, &diag);
  if (rc == BSQ_OK && so->out_json)
    rc = bsq_tuning_save_json(t, source, so->out_json, &diag);
  if (rc) cli_error("tune", "%s", diag.msg);
  return rc;
}

/* Phase two of a plan whose tuning is complete: the test of the chosen
 * settings, written by bsq compare itself as its plan DIR/test (each job
 * reads the tuning back from DIR). */
static int write_test_plan(const tune_cmd *a, const char *dir) {
  char path[4096], sub[4200];
  if (!realpath(dir, path)) {
    cli_error("tune", "%s: cannot resolve the plan's directory", dir);
    return BSQ_EXIT_INPUT;
  }
  snprintf(sub, sizeof sub, "%s/test", path);
  char *v[270];
  int n = 0;
  v[n++] = (char *)"compare";
  for (int i = 0; i < a->nargs && n < 264; i++) v[n++] = a->args[i];
  v[n++] = (char *)"--tuned-plan";
  v[n++] = path;
  v[n++] = (char *)"--plan";
  v[n++] = sub;
  if (a->so.quiet) v[n++] = (char *)"-q";
  v[n] = NULL;
  printf("phase two, the test of the chosen settings: ");
  fflush(stdout);
  return cmd_compare(n, v);
}

/* --plan DIR writes the job list, --plan DIR --job N runs one job,
 * --collect DIR makes the tuning and writes phase two. */
static int sweep(tune_cmd *a, const bsq_dataset *d, const bsq_tune_spec *sp) {
  bsq_diag diag = {{0}};
  const char *dir = a->plan ? a->plan : a->collect;
  uint64_t id = bsq_sweep_id(a->args, a->nargs);
  int rc;
  if (a->collect) {
    bsq_tuning t;
    char *missing = NULL;
    rc = bsq_sweep_collect_tune(&t, dir, id, d, sp, &missing, &diag);
    if (rc) {
      cli_error("tune", "%s", diag.msg);
      if (missing) fprintf(stderr, "missing jobs:\n%s", missing);
      free(missing);
      return cli_exit_for(rc);
    }
    print_tuning(&t);
    rc = save_tuning(&t, d->source, &a->so);
    bsq_tuning_free(&t);
    if (rc) return cli_exit_for(rc);
    return write_test_plan(a, dir);
  }
  if (a->job >= 0) {
    int skipped;
    rc = bsq_sweep_run_tune_job(dir, id, d, sp, (int)a->job, &skipped, &diag);
    if (rc) cli_error("tune", "%s", diag.msg);
    else if (!a->so.quiet)
      fprintf(stderr, "bsq tune: %s: job %ld %s\n", dir, a->job,
              skipped ? "was already done" : "done");
    return cli_exit_for(rc);
  }
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  int njobs = bsq_tune_trainings(d, sp, &diag);
  rc = njobs < 0 ? BSQ_EINVAL
                 : bsq_sweep_write(dir, n > 0 ? exe : "bsq", "tune", a->args,
                                   a->nargs, njobs, &diag);
  if (rc) cli_error("tune", "%s", diag.msg);
  else
    printf("%s: phase one, %d trainings in jobs.txt; run them with\n"
           "  parallel < %s/jobs.txt       (or sbatch %s/slurm.sbatch)\n"
           "then: bsq tune --collect %s [-o R.md] [--json R.json], which\n"
           "writes phase two (the test of the chosen settings) to %s/test\n",
           dir, njobs, dir, dir, dir, dir);
  return cli_exit_for(rc);
}

int cmd_tune(int argc, char **argv) {
  tune_cmd a;
  int rc = parse(argc, argv, &a);
  if (rc >= 0) {
    cmd_free(&a);
    return rc;
  }
  if (a.collect) { /* the tuning is the plan's; outputs are ours */
    if (a.nargs || a.plan || a.job >= 0) {
      cmd_free(&a);
      return cli_usage_fail("tune", "--collect DIR takes only -o, --json and "
                            "-q: the rest is the plan's");
    }
    char **args;
    int nargs;
    bsq_diag diag = {{0}};
    if ((rc = bsq_sweep_read_args(a.collect, &args, &nargs, &diag))) {
      cli_error("tune", "%s", diag.msg);
      return cli_exit_for(rc);
    }
    char *v[260];
    v[0] = (char *)"tune";
    for (int i = 0; i < nargs && i < 258; i++) v[1 + i] = args[i];
    v[1 + nargs] = NULL;
    tune_cmd b;
    rc = nargs > 258 ? BSQ_EXIT_USAGE : parse(1 + nargs, v, &b);
    if (rc >= 0 || b.plan || b.collect) {
      if (rc < 0) cmd_free(&b);
      bsq_sweep_args_free(args, nargs);
      cli_error("tune", "%s/args: not the options of a tuning", a.collect);
      return BSQ_EXIT_INPUT;
    }
    b.argv = args;
    b.argc = nargs;
    b.collect = a.collect;
    b.so.out_md = a.so.out_md;
    b.so.out_json = a.so.out_json;
    b.so.quiet = a.so.quiet;
    a = b;
  }
  if (a.job >= 0 && !a.plan) {
    cmd_free(&a);
    return cli_usage_fail("tune", "--job N needs --plan DIR");
  }
  cli_sweep_opts *so = &a.so;
  bsq_dataset d;
  rc = cli_load_data_opts("tune", &so->data, &d);
  if (rc) {
    cmd_free(&a);
    return cli_exit_for(rc);
  }
  bsq_sensor sensor;
  if ((rc = cli_load_sensor_opts("tune", &so->data, &d, &sensor, &so->cfg))) {
    bsq_dataset_free(&d);
    cmd_free(&a);
    return cli_exit_for(rc);
  }
  if (cli_check_bit_widths("tune", "--bits", &so->cfg, &d, so->bits,
                           so->nbits)) {
    bsq_sensor_free(&sensor);
    bsq_dataset_free(&d);
    cmd_free(&a);
    return BSQ_EXIT_INPUT;
  }
  if (so->cfg.sensor && !so->quiet && a.job < 0)
    cli_print_fitted(stderr, "bsq tune: formats fitted to the data (not in "
                     "the sensor spec): ", &sensor, &d);
  if (cli_check_folds("tune", NULL, d.rows, so->tune.folds)) {
    rc = cli_exit_for(BSQ_EINVAL);
    goto out;
  }
  so->tune.jobs = (int)so->jobs;
  so->tune.log = !so->quiet && cli_isatty_stderr() ? cli_log_stderr : NULL;
  bsq_tune_spec sp = {&so->cfg, so->want,          so->bits,
                      so->nbits, (uint64_t)so->seed, &so->tune};
  if (a.plan || a.collect) {
    rc = sweep(&a, &d, &sp);
    goto out;
  }
  bsq_tuning t;
  bsq_diag diag = {{0}};
  rc = bsq_tune_run(&t, &d, &so->cfg, so->want, so->bits, so->nbits,
                    (uint64_t)so->seed, &so->tune, &diag);
  if (rc) {
    cli_error("tune", "%s", diag.msg);
    rc = cli_exit_for(rc);
    goto out;
  }
  print_tuning(&t);
  rc = cli_exit_for(save_tuning(&t, d.source, so));
  bsq_tuning_free(&t);
out:
  bsq_sensor_free(&sensor);
  bsq_dataset_free(&d);
  cmd_free(&a);
  return rc;
}
