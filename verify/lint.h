/* bsq — lint of a generated design (`bsq lint`): `verilator --lint-only
 * -Wall` on the whole design and on each module alone, and a Yosys
 * synthesis (synth -flatten; check -assert). */
#ifndef BSQ_LINT_H
#define BSQ_LINT_H

#include "err.h"

typedef struct {
  char top[128];     /* the design's top module */
  int verilator_ok;  /* every Verilator run was clean */
  int yosys_ok;      /* Yosys read, synthesized and checked it */
  long cells;        /* its cell count, -1 when Yosys failed */
  char log[4096];    /* the tools' log, in work */
} bsq_lint_result;

/* Lints the design `bsq gen` wrote into dir, with logs in work (an
 * existing directory). 0 clean; BSQ_EMISMATCH a check failed (r->log has
 * the tools' output); BSQ_EFORMAT no design in dir; BSQ_ETOOL a tool is
 * missing. */
int bsq_lint(const char *dir, const char *work, bsq_lint_result *r,
             bsq_diag *diag);

/* The result for dir as one JSON object and a newline; malloc'ed (caller
 * frees), NULL when out of memory. */
char *bsq_lint_result_json(const char *dir, const bsq_lint_result *r);

#endif
