/* bsq — running the external tools (verilator, iverilog, vvp, yosys) and
 * handling work directories, for `bsq sim` and `bsq lint`. */
#ifndef BSQ_RUN_H
#define BSQ_RUN_H

#include <stddef.h>

/* Runs argv[0] (searched in PATH) with argv, in directory cwd (NULL: the
 * current one), stdout appended to out and stderr to err (NULL: inherited;
 * both may name the same file). Returns the exit status, 127 if the
 * program could not be started, -1 if it was killed. */
int bsq_run(char *const argv[], const char *cwd, const char *out,
            const char *err);

/* Runs a command and captures its stdout (malloc'ed, trimmed of the final
 * newline); NULL on failure. */
char *bsq_run_capture(char *const argv[]);

/* Prints the last `lines` lines of a file to stderr. */
void bsq_print_tail(const char *path, int lines);

/* Removes a directory tree (files and subdirectories). 0 or -1. */
int bsq_rmtree(const char *path);

/* Creates a fresh directory $TMPDIR/bsq-TAG-XXXXXX; malloc'ed path. */
char *bsq_mkdtemp(const char *tag);

/* snprintf for paths and command strings: 0, or -1 when the result did not
 * fit (out is then truncated). */
int bsq_pathf(char *out, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
