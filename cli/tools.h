/* bsq — what the commands that run external tools share: where this build
 * keeps the files the tools need, work directories, showing a log. */
#ifndef BSQ_CLI_TOOLS_H
#define BSQ_CLI_TOOLS_H

#include "paths.h"
#include "run.h"

/* Finds the run-time files that `need` names (CLI_NEED_*, paths.h) and
 * points p at them, for the rest of the process. 0, or the exit code
 * after printing what is missing. */
int cli_tool_paths(const char *cmd, unsigned need, bsq_tool_paths *p);

/* keep (created if missing, kept) or a fresh $TMPDIR/bsq-TAG-XXXXXX;
 * malloc'ed, NULL (after printing why) on failure. */
char *cli_work_dir(const char *cmd, const char *keep, const char *tag);

/* Prints the last `lines` lines of a log to stderr. */
void cli_print_tail(const char *path, int lines);

#endif
