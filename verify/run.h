/* bsq — running the external tools (verilator, iverilog, vvp, yosys,
 * nextpnr-ice40, ...) and handling work directories, for the co-simulation,
 * lint and synthesis flows in verify/.
 *
 * The library finds no file by itself: where a flow needs a file shipped
 * with bsq (the packer RTL, the Verilator harness, the Icarus testbench,
 * the model library to link the harness against), the caller says where it
 * is in a bsq_tool_paths. */
#ifndef BSQ_RUN_H
#define BSQ_RUN_H

#include <stddef.h>

#include "err.h"

typedef struct {
  const char *rtl_dir;      /* bsq_packer.v */
  const char *sim_dir;      /* harness.cpp, bsq_tb.v */
  const char *include_dir;  /* the model library's C headers */
  const char *model_lib;    /* the model library (libbsq.a) */
  const char *extra_cflags; /* flags the harness is built and linked with
                               (sanitizers; "" or NULL for none) */
} bsq_tool_paths;

/* Progress and messages of a long flow, through the caller: kind says
 * what the line is, msg has no prefix and no newline. A NULL callback
 * drops them. */
typedef enum {
  BSQ_LOG_PROGRESS = 0, /* what runs now ("flash: yosys synth") */
  BSQ_LOG_NOTE = 1,     /* something the caller may want to show */
  BSQ_LOG_WARN = 2,     /* "warning: ..." */
  BSQ_LOG_ERROR = 3,    /* a failed check; the flow goes on, the result
                           says it failed */
  BSQ_LOG_TOOL = 4      /* a line a simulator printed (%Error ...) */
} bsq_log_kind;
typedef void (*bsq_log_fn)(void *user, bsq_log_kind kind, const char *msg);

/* Runs argv[0] (searched in PATH) with argv, in directory cwd (NULL: the
 * current one), stdout appended to out and stderr to err (NULL: inherited;
 * both may name the same file). Returns the exit status, 127 if the
 * program could not be started, -1 if it was killed. */
int bsq_run(char *const argv[], const char *cwd, const char *out,
            const char *err);

/* Runs a command and captures its stdout (malloc'ed, trimmed of the final
 * newline); NULL on failure. */
char *bsq_run_capture(char *const argv[]);

/* The last `lines` lines of a text file (malloc'ed; NULL when it cannot be
 * read). */
char *bsq_file_tail(const char *path, int lines);

/* Removes a directory tree (files and subdirectories). 0 or -1. */
int bsq_rmtree(const char *path);

/* Creates a fresh directory BASE/bsq-TAG-XXXXXX (base NULL or "": /tmp);
 * malloc'ed path or NULL. */
char *bsq_mkdtemp(const char *base, const char *tag);

/* snprintf for paths and command strings: 0, or -1 when the result did not
 * fit (out is then truncated). */
int bsq_pathf(char *out, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The Debian package that installs a tool ("iverilog" for vvp), or NULL
 * when the table does not know it. */
const char *bsq_tool_package(const char *tool);

/* BSQ_ETOOL with diag "TOOL: not found (install the Debian package PKG)". */
int bsq_tool_missing(bsq_diag *diag, const char *tool);

/* Sets diag for a tool run that returned status st (bsq_run): 127 is
 * bsq_tool_missing, anything else "WHAT failed (exit N); log LOG".
 * Returns BSQ_ETOOL. */
int bsq_tool_failed(bsq_diag *diag, const char *tool, int st,
                    const char *what, const char *log);

#endif
