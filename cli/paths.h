/* bsq — where the command finds its run-time files.
 *
 * The library never looks anything up: functions that read hand-written
 * RTL, compile the harness or link it are given these locations by the
 * CLI. Installed (`cmake --install`, the .deb), everything is relative to
 * the executable, so a prefix can be moved as a whole:
 *
 *   PREFIX/bin/bsq
 *   PREFIX/share/bsq/rtl/bsq_packer.v        share_dir (BSQ_SHARE_DIR)
 *   PREFIX/share/bsq/sim/harness.cpp, bsq_tb.v
 *   PREFIX/include/bsq/model.h, ...          include_dir
 *   PREFIX/lib/libbsq.a                      model_lib
 *
 * Run from its build tree (not installed), bsq takes rtl/ and sim/ from the
 * source tree and the headers and library from the build tree, through
 * paths compiled into the CLI only. BSQ_SHARE_DIR, when set, replaces the
 * share directory in either case. */
#ifndef BSQ_CLI_PATHS_H
#define BSQ_CLI_PATHS_H

#include <stddef.h>

/* What a command needs; cli_paths_find checks exactly these. */
enum {
  CLI_NEED_RTL = 1,     /* rtl/bsq_packer.v (gen) */
  CLI_NEED_HARNESS = 2, /* sim/harness.cpp, the headers, libbsq.a (sim) */
  CLI_NEED_TB = 4       /* sim/bsq_tb.v (sim --simulator icarus) */
};

#define CLI_PATH_MAX 4096

typedef struct {
  char share_dir[CLI_PATH_MAX];   /* holds rtl/ and sim/ */
  char rtl_dir[CLI_PATH_MAX];     /* share_dir/rtl */
  char sim_dir[CLI_PATH_MAX];     /* share_dir/sim */
  char include_dir[CLI_PATH_MAX]; /* the public headers, one flat folder */
  char model_lib[CLI_PATH_MAX];   /* libbsq.a, the whole library */
  char extra_cflags[512];         /* this build's sanitizer flags, or "" */
  int installed;                  /* 1: relative to the executable */
} cli_paths;

/* Fills p and checks that every file `need` names is there. On failure
 * prints "bsq CMD: ..." naming the missing file and BSQ_SHARE_DIR and
 * returns BSQ_EXIT_INPUT; 0 otherwise. */
int cli_paths_find(cli_paths *p, const char *cmd, unsigned need);

/* bsq's build cache: $XDG_CACHE_HOME/bsq, or ~/.cache/bsq when
 * XDG_CACHE_HOME is unset or not an absolute path (as the XDG base
 * directory specification says). 0, or -1 when there is neither an
 * absolute XDG_CACHE_HOME nor a HOME, or the path does not fit. */
int cli_cache_dir(char *out, size_t cap);

#endif
