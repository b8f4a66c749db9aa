/* bsq — argument handling shared by the subcommands (args.h). */
#define _GNU_SOURCE
#include "args.h"

#include <stdarg.h>

#include "cli.h"
#include "err.h"

static void show_usage(const cli_parser *p, FILE *f) {
  if (p->usage) p->usage(f);
  else fputs(p->help, f);
}

int cli_next(cli_parser *p) {
  if (!p->started) {
    optind = 1;
    opterr = 0;
    p->started = 1;
  }
  int c = getopt_long(p->argc, p->argv, p->shortopts, p->longopts,
                      &p->longindex);
  if (c == 'h') {
    show_usage(p, stdout);
    p->exit = BSQ_EXIT_OK;
    return -1;
  }
  if (c == '?' || c == ':') {
    cli_error(p->cmd, "unknown or incomplete option '%s'", p->argv[optind - 1]);
    show_usage(p, stderr);
    p->exit = BSQ_EXIT_USAGE;
    return -1;
  }
  return c;
}

int cli_nargs(const cli_parser *p) { return p->argc - optind; }

char *cli_arg(const cli_parser *p, int i) { return p->argv[optind + i]; }

int cli_usage_error(const cli_parser *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cli_verror(p->cmd, fmt, ap);
  va_end(ap);
  show_usage(p, stderr);
  return BSQ_EXIT_USAGE;
}

int cli_one_arg(const cli_parser *p, const char *what) {
  int n = cli_nargs(p);
  if (n == 1) return 0;
  if (n == 0) return cli_usage_error(p, "missing %s", what);
  return cli_usage_error(p, "too many arguments");
}

int cli_no_args(const cli_parser *p) {
  if (cli_nargs(p) == 0) return 0;
  return cli_usage_fail(p->cmd, "unexpected argument '%s'", cli_arg(p, 0));
}

int cli_opt_int(const char *cmd, const char *name, const char *arg, long lo,
                long hi, long *out) {
  if (!cli_parse_int(arg, lo, hi, out)) return 0;
  cli_error(cmd, "%s: '%s' is not an integer in %ld..%ld", name, arg, lo, hi);
  return -1;
}

int cli_model_load(const char *cmd, const char *path, bsq_model *m) {
  bsq_diag diag = {{0}};
  int rc = bsq_model_load(m, path, &diag);
  if (rc) {
    cli_error(cmd, "%s", diag.msg[0] ? diag.msg : bsq_strerror(rc));
    return rc;
  }
  /* Training refuses such a quantizer; a model file may still hold one
   * (written by hand, or by a bsq before that check). Its hardware is
   * correct, only some of its thresholds are necessarily equal. */
  for (int f = 0; f < m->F; f++)
    if (m->enc.bits[f] > m->enc.fmt[f].width)
      fprintf(stderr, "bsq %s: warning: %s: features[%d].bits: %d bits need "
              "%d distinct thresholds, but the %d-bit input codes have only "
              "%d: some thresholds are equal\n", cmd, path, f,
              m->enc.bits[f], (1 << m->enc.bits[f]) - 1, m->enc.fmt[f].width,
              (1 << m->enc.fmt[f].width) - 1);
  return rc;
}
