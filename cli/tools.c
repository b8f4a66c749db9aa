/* bsq — tool locations, work directories and logs for the CLI (see
 * tools.h). */
#define _POSIX_C_SOURCE 200809L
#include "tools.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#ifndef BSQ_RTL_DIR
#define BSQ_RTL_DIR "rtl"
#endif
#ifndef BSQ_SIM_DIR
#define BSQ_SIM_DIR "sim"
#endif
#ifndef BSQ_INCLUDE_DIR
#define BSQ_INCLUDE_DIR "model"
#endif
#ifndef BSQ_MODEL_LIB
#define BSQ_MODEL_LIB "libbsq.a"
#endif
#ifndef BSQ_SAN_FLAGS
#define BSQ_SAN_FLAGS ""
#endif

void cli_tool_paths(bsq_tool_paths *p) {
  p->rtl_dir = BSQ_RTL_DIR;
  p->sim_dir = BSQ_SIM_DIR;
  p->include_dir = BSQ_INCLUDE_DIR;
  p->model_lib = BSQ_MODEL_LIB;
  p->extra_cflags = BSQ_SAN_FLAGS;
}

char *cli_work_dir(const char *cmd, const char *keep, const char *tag) {
  char *work;
  if (keep) {
    struct stat st;
    if (mkdir(keep, 0777) != 0 &&
        !(errno == EEXIST && stat(keep, &st) == 0 && S_ISDIR(st.st_mode))) {
      cli_error(cmd, "%s: cannot create directory", keep);
      return NULL;
    }
    work = strdup(keep);
  } else {
    work = bsq_mkdtemp(getenv("TMPDIR"), tag);
  }
  if (!work) cli_error(cmd, "cannot create a work directory");
  return work;
}

void cli_print_tail(const char *path, int lines) {
  char *t = bsq_file_tail(path, lines);
  if (t) fputs(t, stderr);
  free(t);
}
