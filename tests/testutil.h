/* Helpers shared by the Check suites. */
#ifndef BSQ_TESTUTIL_H
#define BSQ_TESTUTIL_H

#include <stddef.h>

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

#endif
