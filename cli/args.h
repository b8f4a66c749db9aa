/* bsq — the argument handling every subcommand shares: a getopt_long loop
 * that owns --help and unknown options, the positional-argument checks,
 * and the model load that prints its own error. A command reads as: its
 * option table, `while ((c = cli_next(&p)) != -1) switch (c) {...}` with
 * only its own cases, `if (p.exit >= 0) return p.exit;`, then the call. */
#ifndef BSQ_CLI_ARGS_H
#define BSQ_CLI_ARGS_H

#include <getopt.h>
#include <stdio.h>

#include "model.h"

/* Option table entries: a long option with an argument and one without;
 * every table ends with CLI_END (--help, then the end marker). */
#define CLI_ARG(name, code) {name, required_argument, 0, code}
#define CLI_FLAG(name, code) {name, no_argument, 0, code}
#define CLI_END {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}

typedef struct {
  const char *cmd;               /* "bsq CMD: ..." in messages */
  int argc;
  char **argv;
  const char *shortopts;         /* with "h" */
  const struct option *longopts; /* with {"help", no_argument, 0, 'h'} */
  void (*usage)(FILE *f);        /* prints the help text, or NULL: */
  const char *help;              /* the help text */
  int longindex;                 /* getopt_long's index of the last long option */
  int exit;                      /* -1 while parsing; the exit code once -h
                                    or a bad option ended it */
  int started;
} cli_parser;

#define CLI_PARSER(cmd, argc, argv, shortopts, longopts, usage)               \
  {(cmd), (argc), (argv), (shortopts), (longopts), (usage), NULL, 0, -1, 0}
#define CLI_PARSER_TEXT(cmd, argc, argv, shortopts, longopts, help)           \
  {(cmd), (argc), (argv), (shortopts), (longopts), NULL, (help), 0, -1, 0}

/* The next option code, as getopt_long returns it; -1 at the end, or when
 * -h (usage on stdout, exit 0) or an unknown or incomplete option ("unknown
 * or incomplete option 'X'" and the usage on stderr, exit 1) ended the
 * parse, with p->exit then set. */
int cli_next(cli_parser *p);

/* Positional arguments left after the options, and the i-th of them. */
int cli_nargs(const cli_parser *p);
char *cli_arg(const cli_parser *p, int i);

/* "bsq CMD: message" and the usage on stderr; returns BSQ_EXIT_USAGE. */
int cli_usage_error(const cli_parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* 0 when exactly one positional argument is left; otherwise "missing WHAT"
 * or "too many arguments" with the usage, and BSQ_EXIT_USAGE. */
int cli_one_arg(const cli_parser *p, const char *what);
/* 0 when none is left; otherwise "unexpected argument 'X'" (no usage) and
 * BSQ_EXIT_USAGE. */
int cli_no_args(const cli_parser *p);

/* An integer option in lo..hi: 0, or -1 having printed
 * "NAME: 'ARG' is not an integer in LO..HI". */
int cli_opt_int(const char *cmd, const char *name, const char *arg, long lo,
                long hi, long *out);

/* bsq_model_load, printing its error; returns the library code. */
int cli_model_load(const char *cmd, const char *path, bsq_model *m);

#endif
