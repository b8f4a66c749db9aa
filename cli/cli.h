/* bsq — command-line subcommands. Each returns the process exit code:
 * 0 ok, 1 usage, 2 bad input, 3 verification mismatch. */
#ifndef BSQ_CLI_H
#define BSQ_CLI_H

#include <stdarg.h>
#include <stdio.h>

#include "data.h"
#include "model.h"

enum { BSQ_EXIT_OK = 0, BSQ_EXIT_USAGE = 1, BSQ_EXIT_INPUT = 2,
       BSQ_EXIT_MISMATCH = 3 };

int cmd_train(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_alloc(int argc, char **argv);
int cmd_pareto(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_demo(int argc, char **argv);

/* Shared helpers (cli/common.c). */
/* Prints "bsq CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The same, and returns BSQ_EXIT_USAGE (a bad option or argument). */
int cli_usage_fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void cli_verror(const char *cmd, const char *fmt, va_list ap);
/* Maps a library error code to an exit code (input errors -> 2). */
int cli_exit_for(int err);
/* Strict number parsing: whole string, in range; 0 ok, -1 otherwise. */
int cli_parse_int(const char *s, long lo, long hi, long *out);
int cli_parse_double(const char *s, double *out);
int cli_isatty_stderr(void);
/* Installs the handler for SIGINT, SIGTERM and SIGHUP: remove the
 * temporaries of unfinished atomic writes, then die by the signal. */
void cli_handle_signals(void);

/* Loads `spec`: "friedman1" (rows, data_seed) or a CSV path (target, NULL
 * for the last column). Prints the error itself; returns a library code. */
int cli_load_data(const char *cmd, const char *spec, const char *target,
                  int rows, unsigned long long data_seed, bsq_dataset *d);
/* Loads the data a model was trained on, from its recorded source, or
 * from `spec` when given; checks the hash. */
int cli_load_model_data(const char *cmd, const bsq_model *m, const char *spec,
                        bsq_dataset *d);

/* "LABEL" and how many input values of rows (NULL: all) of d saturate in
 * m's formats, per feature where any do (bsq_codec_check_rows; the rows
 * are already checked), and a newline. */
void cli_print_saturated(FILE *fp, const char *label, const bsq_model *m,
                         const bsq_dataset *d, const int *rows, int n);

#endif
