/* bsq — locations of the run-time files (see paths.h). */
#define _GNU_SOURCE /* realpath */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Set by CMake: the install layout relative to the installed executable,
 * and the trees of this build for running bsq where it was built. */
#ifndef BSQ_REL_DATADIR
#define BSQ_REL_DATADIR "../share/bsq"
#endif
#ifndef BSQ_REL_INCLUDEDIR
#define BSQ_REL_INCLUDEDIR "../include/bsq"
#endif
#ifndef BSQ_REL_LIBDIR
#define BSQ_REL_LIBDIR "../lib"
#endif
#ifndef BSQ_SAN_FLAGS
#define BSQ_SAN_FLAGS ""
#endif

#define LIB_FILE "libbsq.a"

static int readable(const char *path) { return access(path, R_OK) == 0; }

static int fmt(char *dst, const char *a, const char *b) {
  int n = snprintf(dst, CLI_PATH_MAX, "%s/%s", a, b);
  return n > 0 && n < CLI_PATH_MAX ? 0 : -1;
}

/* The folder of the running executable, symlinks resolved. */
static int exe_dir(char *dir) {
  ssize_t n = readlink("/proc/self/exe", dir, CLI_PATH_MAX - 1);
  if (n <= 0 || n >= CLI_PATH_MAX - 1) return -1;
  dir[n] = '\0';
  char *slash = strrchr(dir, '/');
  if (!slash) return -1;
  *slash = '\0';
  return 0;
}

/* 1 if the executable is the one in this build's tree. */
static int in_build_tree(const char *dir) {
#ifdef BSQ_BUILD_BIN_DIR
  char a[PATH_MAX], b[PATH_MAX];
  return realpath(dir, a) && realpath(BSQ_BUILD_BIN_DIR, b) && !strcmp(a, b);
#else
  (void)dir;
  return 0;
#endif
}

/* Prints what is missing and where bsq looked. share: the file belongs in
 * the share folder (BSQ_SHARE_DIR can point elsewhere); from_env: it was. */
static int missing(const char *cmd, const cli_paths *p, const char *what,
                   const char *path, int share, int from_env) {
  if (!share)
    cli_error(cmd, "%s: cannot read %s: bsq is not completely installed "
              "(reinstall it, or run the bsq of a complete build tree)",
              what, path);
  else if (from_env)
    cli_error(cmd, "%s: cannot read %s (BSQ_SHARE_DIR=%s must be the folder "
              "holding bsq's rtl/ and sim/)", what, path, p->share_dir);
  else if (p->installed)
    cli_error(cmd, "%s: cannot read %s: bsq is not completely installed "
              "(reinstall it, or set BSQ_SHARE_DIR to the folder holding "
              "its rtl/ and sim/)", what, path);
  else
    cli_error(cmd, "%s: cannot read %s (the source or build tree of this "
              "bsq moved; set BSQ_SHARE_DIR to the folder holding rtl/ and "
              "sim/)", what, path);
  return BSQ_EXIT_INPUT;
}

int cli_paths_find(cli_paths *p, const char *cmd, unsigned need) {
  memset(p, 0, sizeof *p);
  char dir[CLI_PATH_MAX];
  if (exe_dir(dir)) {
    cli_error(cmd, "cannot locate the bsq executable (/proc/self/exe)");
    return BSQ_EXIT_INPUT;
  }
  int build = in_build_tree(dir);
  p->installed = !build;
  int bad = 0;
#ifdef BSQ_BUILD_BIN_DIR
  if (build) {
    bad |= snprintf(p->share_dir, CLI_PATH_MAX, "%s", BSQ_SOURCE_DIR) >= CLI_PATH_MAX;
    bad |= snprintf(p->include_dir, CLI_PATH_MAX, "%s", BSQ_BUILD_INCLUDE_DIR) >= CLI_PATH_MAX;
    bad |= snprintf(p->model_lib, CLI_PATH_MAX, "%s", BSQ_BUILD_LIB) >= CLI_PATH_MAX;
  }
#endif
  if (!build) {
    bad |= fmt(p->share_dir, dir, BSQ_REL_DATADIR);
    bad |= fmt(p->include_dir, dir, BSQ_REL_INCLUDEDIR);
    char libdir[CLI_PATH_MAX];
    bad |= fmt(libdir, dir, BSQ_REL_LIBDIR);
    bad |= fmt(p->model_lib, libdir, LIB_FILE);
  }
  const char *env = getenv("BSQ_SHARE_DIR");
  int from_env = env && *env;
  if (from_env)
    bad |= snprintf(p->share_dir, CLI_PATH_MAX, "%s", env) >= CLI_PATH_MAX;
  bad |= fmt(p->rtl_dir, p->share_dir, "rtl");
  bad |= fmt(p->sim_dir, p->share_dir, "sim");
  if (bad) {
    cli_error(cmd, "the path of bsq's run-time files is too long");
    return BSQ_EXIT_INPUT;
  }
  snprintf(p->extra_cflags, sizeof p->extra_cflags, "%s", BSQ_SAN_FLAGS);
  for (char *c = p->extra_cflags; *c; c++)
    if (*c == ';') *c = ' '; /* a CMake list */

  char f[CLI_PATH_MAX];
  if ((need & CLI_NEED_RTL) &&
      (fmt(f, p->rtl_dir, "bsq_packer.v") || !readable(f)))
    return missing(cmd, p, "the packer RTL", f, 1, from_env);
  if ((need & CLI_NEED_HARNESS) &&
      (fmt(f, p->sim_dir, "harness.cpp") || !readable(f)))
    return missing(cmd, p, "the Verilator harness", f, 1, from_env);
  if ((need & CLI_NEED_TB) &&
      (fmt(f, p->sim_dir, "bsq_tb.v") || !readable(f)))
    return missing(cmd, p, "the Icarus testbench", f, 1, from_env);
  if (need & CLI_NEED_HARNESS) {
    if (fmt(f, p->include_dir, "model.h") || !readable(f))
      return missing(cmd, p, "the library headers", f, 0, 0);
    if (!readable(p->model_lib))
      return missing(cmd, p, "the library", p->model_lib, 0, 0);
  }
  return 0;
}

int cli_cache_dir(char *out, size_t cap) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  int n;
  if (xdg && xdg[0] == '/') n = snprintf(out, cap, "%s/bsq", xdg);
  else if (home && home[0] == '/') n = snprintf(out, cap, "%s/.cache/bsq", home);
  else return -1;
  return n > 0 && (size_t)n < cap ? 0 : -1;
}
