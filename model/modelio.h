/* bsq — what the two halves of the model file code share (modelio.c
 * writes, modelload.c reads): the format's constants and its number
 * format. Internal to the model library. */
#ifndef BSQ_MODELIO_H
#define BSQ_MODELIO_H

#include <stddef.h>
#include <stdint.h>

#define BSQ_MODEL_FORMAT "bsq-model"
#define BSQ_JSON_PATH_MAX 160              /* a field's path in messages */
#define BSQ_JSON_INT_MAX 9007199254740992LL /* 2^53: integers a double holds */

/* Shortest %.Ng (N = 15..17) that reads back as exactly v. */
void bsq_fmt_double(char *buf, size_t n, double v);
/* Shortest %.Ng (N = 1..9) that reads back, through a double, as f. */
void bsq_fmt_float(char *buf, size_t n, float f);
/* 16 lower-case hex digits, nothing after them: 0 and *out, or -1. */
int bsq_parse_hex16(const char *s, uint64_t *out);

#endif
