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
#include "paths.h"

int cli_tool_paths(const char *cmd, unsigned need, bsq_tool_paths *p) {
  static cli_paths found; /* p points into it for the rest of the process */
  int rc = cli_paths_find(&found, cmd, need);
  if (rc) return rc;
  p->rtl_dir = found.rtl_dir;
  p->sim_dir = found.sim_dir;
  p->include_dir = found.include_dir;
  p->model_lib = found.model_lib;
  p->extra_cflags = found.extra_cflags;
  return 0;
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
