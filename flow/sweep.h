/* bsq — a comparison as a job list, for engines outside the process (GNU
 * parallel locally or over ssh, a Slurm array job); bsq has no scheduler
 * of its own. A plan directory holds:
 *
 *   DIR/args            the comparison's options, one per line: what the
 *                       plan is (its id is their hash)
 *   DIR/jobs.txt        one shell command line per training job
 *   DIR/slurm.sbatch    a Slurm array job over jobs.txt
 *   DIR/results/job-NNNN.json
 *                       one job's results, written atomically by the job
 *
 * A job whose result file is present and valid is not run again, so a
 * sweep is resumed by running jobs.txt again. Collecting reads every
 * result and gives the report the in-process run gives (timings aside);
 * a missing job is listed with its command line and nothing is reported. */
#ifndef BSQ_SWEEP_H
#define BSQ_SWEEP_H

#include <stdint.h>

#include "compare.h"
#include "tune.h"

/* The plan's id: FNV-1a over the options, in order. */
uint64_t bsq_sweep_id(char *const *args, int nargs);

/* Writes DIR/args, DIR/jobs.txt and DIR/slurm.sbatch for njobs jobs, and
 * creates DIR/results. Job j's line runs
 *   "${BSQ:-EXE}" CMD ARGS... --plan DIR --job j
 * with every word shell-quoted. An existing plan directory with other
 * options is refused (its results would be of another plan). */
int bsq_sweep_write(const char *dir, const char *exe, const char *cmd,
                    char *const *args, int nargs, int njobs, bsq_diag *diag);

/* Reads DIR/args back: *args (malloc'ed array of malloc'ed strings; free
 * with bsq_sweep_args_free) and *nargs. */
int bsq_sweep_read_args(const char *dir, char ***args, int *nargs,
                        bsq_diag *diag);
void bsq_sweep_args_free(char **args, int nargs);

/* Runs job `job` unless its result is already there (*skipped = 1), and
 * writes DIR/results/job-NNNN.json atomically. */
int bsq_sweep_run_job(const char *dir, uint64_t id, const bsq_dataset *d,
                      const bsq_compare_opts *o, int job, int *skipped,
                      bsq_diag *diag);

/* The report from every job's result. A result file that does not parse,
 * belongs to another plan or job, or holds the wrong runs is named with
 * its path (BSQ_EFORMAT). Missing jobs: BSQ_EINVAL, diag says how many,
 * and *missing (malloc'ed, NULL if none) lists their lines of jobs.txt,
 * one per line. */
int bsq_sweep_collect(bsq_report *R, const char *dir, uint64_t id,
                      const bsq_dataset *d, const bsq_compare_opts *o,
                      char **missing, bsq_diag *diag);

/* The same for a tuning (bsq tune --plan): job j is training j of the
 * tuning (bsq_tune_job) and writes DIR/results/job-NNNN.json; collecting
 * makes the tuning bsq_tune_run makes (its seconds 0), or lists the
 * missing jobs as bsq_sweep_collect does. */
int bsq_sweep_run_tune_job(const char *dir, uint64_t id, const bsq_dataset *d,
                           const bsq_tune_spec *sp, int job, int *skipped,
                           bsq_diag *diag);
int bsq_sweep_collect_tune(bsq_tuning *t, const char *dir, uint64_t id,
                           const bsq_dataset *d, const bsq_tune_spec *sp,
                           char **missing, bsq_diag *diag);

#endif
