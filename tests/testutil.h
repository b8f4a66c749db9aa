/* Helpers shared by the Check suites. */
#ifndef BSQ_TESTUTIL_H
#define BSQ_TESTUTIL_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* A fresh empty directory under the build tree for this test; malloc'ed. */
char *tu_tmpdir(const char *tag);
/* Writes text to dir/name; returns the malloc'ed path. */
char *tu_write(const char *dir, const char *name, const char *text);
/* Reads a whole file; NULL if missing. *len gets its size. malloc'ed. */
char *tu_read(const char *path, size_t *len);
int tu_exists(const char *path);
/* Runs the bsq executable with the argument string (shell syntax) and
 * captures stdout and stderr (malloc'ed, may be NULL args). Returns the exit
 * code, or -1 if it did not exit normally. */
int tu_bsq(const char *args, char **out, char **err);
/* Path of ../shared/data/NAME beside the checkout, or NULL if absent. */
char *tu_shared_data(const char *name);

/* A random model for the hardware tests: F features whose bits, widths
 * and signedness cycle through the arrays (sgn NULL: unsigned), formats
 * fitted to [-1, 1], thresholds uniform in [-span, span] (past 1 some fold
 * to constants), names x1..xF, target y, one hidden layer of 2. */
typedef struct {
  int F;
  const int *bits;
  int nb;
  const int *width;
  int nw;
  const int *sgn;
  int ns;
  double span;
  uint64_t seed;
} tu_model_spec;
/* Builds it and saves it to dir/model.json; returns that path (malloc'ed).
 * keep (may be NULL) receives the model, else it is freed. */
char *tu_random_model(const tu_model_spec *s, const char *dir,
                      bsq_model *keep);

/* Adds one to the first threshold literal of feature feat's flash
 * comparators in the Verilog file path; the literal's old value goes to
 * *old. Fails the test when there is none. */
void tu_alter_threshold(const char *path, int feat, long *old);

/* Field key of JSON object o, failing the test when it is missing; the
 * same for a number. */
const cJSON *tu_json_field(const cJSON *o, const char *key);
double tu_json_num(const cJSON *o, const char *key);

#endif
