/* bsq — external tools and work directories (see run.h). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "run.h"

#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int open_log(const char *path) {
  return open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
}

int bsq_run(char *const argv[], const char *cwd, const char *out,
            const char *err) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (cwd && chdir(cwd) != 0) _exit(127);
    if (out) {
      int fd = open_log(out);
      if (fd < 0) _exit(127);
      dup2(fd, STDOUT_FILENO);
      close(fd);
    }
    if (err) {
      int fd = out && !strcmp(out, err) ? dup(STDOUT_FILENO) : open_log(err);
      if (fd < 0) _exit(127);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      close(null);
    }
    execvp(argv[0], argv);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0) {
    /* EINTR: retry */
  }
  if (!WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

char *bsq_run_capture(char *const argv[]) {
  int fds[2];
  if (pipe(fds) != 0) return NULL;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return NULL;
  }
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDOUT_FILENO);
    close(fds[1]);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  size_t len = 0, cap = 256;
  char *s = malloc(cap);
  ssize_t got;
  char chunk[256];
  while (s && (got = read(fds[0], chunk, sizeof chunk)) > 0) {
    if (len + (size_t)got + 1 > cap) {
      cap = 2 * (len + (size_t)got + 1);
      char *g = realloc(s, cap);
      if (!g) {
        free(s);
        s = NULL;
        break;
      }
      s = g;
    }
    memcpy(s + len, chunk, (size_t)got);
    len += (size_t)got;
  }
  close(fds[0]);
  int st;
  while (waitpid(pid, &st, 0) < 0) {
  }
  if (!s || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    free(s);
    return NULL;
  }
  while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r')) len--;
  s[len] = '\0';
  return s;
}

char *bsq_file_tail(const char *path, int lines) {
  char *text = NULL;
  size_t len = 0;
  if (bsq_read_file(path, &text, &len, NULL) != BSQ_OK) return NULL;
  /* back from the end over `lines` line breaks, a final one not counted */
  size_t pos = len;
  int seen = 0;
  while (pos > 0) {
    if (text[pos - 1] == '\n' && pos != len && ++seen >= lines) break;
    pos--;
  }
  memmove(text, text + pos, len - pos + 1);
  return text;
}

int bsq_rmtree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return -1;
  if (S_ISDIR(st.st_mode)) {
    DIR *dp = opendir(path);
    if (!dp) return -1;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
      size_t n = strlen(path) + strlen(de->d_name) + 2;
      char *sub = malloc(n);
      if (!sub) break;
      snprintf(sub, n, "%s/%s", path, de->d_name);
      bsq_rmtree(sub);
      free(sub);
    }
    closedir(dp);
    return rmdir(path);
  }
  return unlink(path);
}

char *bsq_mkdtemp(const char *base, const char *tag) {
  if (!base || !*base) base = "/tmp";
  size_t n = strlen(base) + strlen(tag) + 32;
  char *p = malloc(n);
  if (!p) return NULL;
  snprintf(p, n, "%s/bsq-%s-XXXXXX", base, tag);
  if (!mkdtemp(p)) {
    free(p);
    return NULL;
  }
  return p;
}

int bsq_pathf(char *out, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out, cap, fmt, ap);
  va_end(ap);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Tool -> Debian package, for the message that says what to install. */
static const struct {
  const char *tool, *package;
} PACKAGES[] = {
    {"verilator", "verilator"},        {"make", "make"},
    {"iverilog", "iverilog"},          {"vvp", "iverilog"},
    {"yosys", "yosys"},                {"yosys-abc", "yosys"},
    {"nextpnr-ice40", "nextpnr-ice40"}, {"icepack", "fpga-icestorm"},
    {"icetime", "fpga-icestorm"},      {"sta", "opensta"},
    {"pkg-config", "pkg-config"},
    /* the default liberty and cell models of `bsq synth --target asic` */
    {"/usr/share/qflow/tech/osu018/osu018_stdcells.lib", "qflow-tech-osu018"},
    {"/usr/share/qflow/tech/osu018/osu018_stdcells.v", "qflow-tech-osu018"},
};

const char *bsq_tool_package(const char *tool) {
  for (size_t i = 0; i < sizeof PACKAGES / sizeof PACKAGES[0]; i++)
    if (!strcmp(PACKAGES[i].tool, tool)) return PACKAGES[i].package;
  return NULL;
}

int bsq_tool_missing(bsq_diag *diag, const char *tool) {
  const char *pkg = bsq_tool_package(tool);
  if (!pkg) return bsq_diag_set(diag, BSQ_ETOOL, "%s: not found in PATH", tool);
  return bsq_diag_set(diag, BSQ_ETOOL,
                      "%s: not found (install the Debian package %s)", tool,
                      pkg);
}

int bsq_tool_failed(bsq_diag *diag, const char *tool, int st,
                    const char *what, const char *log) {
  if (st == 127) return bsq_tool_missing(diag, tool);
  return bsq_diag_set(diag, BSQ_ETOOL, "%s failed (exit %d); log %s", what, st,
                      log);
}
