/* encode_row — libbsq as a dependency: the level of each feature of one row.
 *
 *   encode_row MODEL.json [ROW]
 *
 * ROW is one line of numbers separated by commas or blanks (physical
 * values, in the model's feature order), given as the second argument or
 * on stdin. Prints, per feature, its name, the input code its value maps to
 * and the level the encoder sends (how many thresholds the code exceeds).
 * Build against an installed bsq with the Makefile here, or:
 *
 *   cc -o encode_row encode_row.c $(pkg-config --cflags --libs bsq)
 *
 * Exit status: 0 ok, 1 usage, 2 bad input (the message says which). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "quant.h"

/* Parses exactly F numbers from line into x; 0, or -1 with why set. */
static int parse_row(char *line, int F, double *x, char *why, size_t n) {
  int got = 0;
  char *p = line;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' || *p == '\n')
      p++;
    if (!*p) break;
    char *end;
    double v = strtod(p, &end);
    if (end == p || (*end && !strchr(" \t,\r\n", *end))) {
      snprintf(why, n, "value %d is not a number", got + 1);
      return -1;
    }
    if (got == F) {
      snprintf(why, n, "more than the model's %d features", F);
      return -1;
    }
    x[got++] = v;
    p = end;
  }
  if (got != F) {
    snprintf(why, n, "%d values, the model has %d features", got, F);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: encode_row MODEL.json [ROW]   (ROW on stdin if "
                    "not given)\n");
    return 1;
  }
  bsq_model m;
  bsq_diag diag = {{0}};
  int rc = bsq_model_load(&m, argv[1], &diag);
  if (rc) {
    fprintf(stderr, "encode_row: %s\n",
            diag.msg[0] ? diag.msg : bsq_strerror(rc));
    return 2;
  }
  char buf[65536];
  const char *src = argc == 3 ? "the row argument" : "stdin";
  if (argc == 3) {
    snprintf(buf, sizeof buf, "%s", argv[2]);
  } else if (!fgets(buf, sizeof buf, stdin)) {
    fprintf(stderr, "encode_row: stdin: no row\n");
    bsq_model_free(&m);
    return 2;
  }
  int status = 0;
  double *x = malloc(sizeof *x * (size_t)m.F);
  int64_t *codes = malloc(sizeof *codes * (size_t)m.F);
  uint8_t *levels = malloc((size_t)m.F);
  char why[128];
  if (!x || !codes || !levels) {
    fprintf(stderr, "encode_row: out of memory\n");
    status = 2;
  } else if (parse_row(buf, m.F, x, why, sizeof why)) {
    fprintf(stderr, "encode_row: %s: %s\n", src, why);
    status = 2;
  } else {
    for (int f = 0; f < m.F; f++)
      codes[f] = bsq_format_code(&m.enc.fmt[f], x[f]);
    bsq_encoder_levels(&m.enc, codes, levels);
    for (int f = 0; f < m.F; f++)
      printf("%s\t%" PRId64 "\t%d\n", m.names[f], codes[f], levels[f]);
  }
  free(x);
  free(codes);
  free(levels);
  bsq_model_free(&m);
  return status;
}
