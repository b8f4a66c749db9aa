/* bsq demo — the whole flow on the built-in data, one step after another,
 * each through the same code as its own subcommand. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "bsq_help.h"
#include "cli.h"
#include "run.h"


/* Runs one subcommand with a NULL-terminated argument list. */
static int step(const char *title, int (*run)(int, char **), char **args) {
  int argc = 0;
  while (args[argc])
    argc++;
  printf("\n== %s:", title);
  for (int i = 0; i < argc; i++)
    printf(" %s", args[i]);
  printf("\n");
  fflush(stdout);
  int rc = run(argc, args);
  fflush(stdout);
  if (rc != BSQ_EXIT_OK)
    cli_error("demo", "step '%s' failed with exit code %d", title, rc);
  return rc;
}

int cmd_demo(int argc, char **argv) {
  static const struct option opts[] = {
      CLI_ARG("bits", 'b'), CLI_ARG("epochs", 'e'), CLI_FLAG("no-synth", 'S'),
      CLI_END};
  const char *dir = "bsq-demo", *bits = "4", *epochs = "100";
  cli_parser p = CLI_PARSER_TEXT("demo", argc, argv, "ho:", opts, BSQ_HELP_DEMO);
  int synth = 1, c;
  long v;
  while ((c = cli_next(&p)) != -1) {
    switch (c) {
    case 'o': dir = optarg; break;
    case 'b':
      if (cli_opt_int("demo", "--bits", optarg, 1, 8, &v))
        return BSQ_EXIT_USAGE;
      bits = optarg;
      break;
    case 'e':
      if (cli_opt_int("demo", "--epochs", optarg, 1, 100000, &v))
        return BSQ_EXIT_USAGE;
      epochs = optarg;
      break;
    case 'S': synth = 0; break;
    }
  }
  if (p.exit >= 0) return p.exit;
  if (cli_nargs(&p))
    return cli_usage_error(&p, "unexpected argument '%s'", cli_arg(&p, 0));
  if (mkdir(dir, 0777) && errno != EEXIST) {
    cli_error("demo", "%s: cannot create directory: %s", dir, strerror(errno));
    return BSQ_EXIT_INPUT;
  }

  char model[4096], rtl[4096], md[4096];
  bsq_pathf(model, sizeof model, "%s/model.json", dir);
  bsq_pathf(rtl, sizeof rtl, "%s/rtl", dir);
  bsq_pathf(md, sizeof md, "%s/synth.md", dir);

  char *train[] = {"train", "--data", "friedman1", "--bits", (char *)bits,
                   "--epochs", (char *)epochs, "--seed", "1", "-o", model,
                   NULL};
  char *eval[] = {"eval", model, NULL};
  char *gen[] = {"gen", model, "-o", rtl, NULL};
  char *lint[] = {"lint", rtl, NULL};
  char *sim[] = {"sim", model, "--frames", "20000", "--backpressure", "0.3",
                 NULL};
  char *syn[] = {"synth", model, "--arch", "both", "--target", "all",
                 "--prove", "-o", md, NULL};
  int rc;
  if ((rc = step("train", cmd_train, train)) ||
      (rc = step("eval", cmd_eval, eval)) ||
      (rc = step("gen", cmd_gen, gen)) ||
      (rc = step("lint", cmd_lint, lint)) ||
      (rc = step("sim", cmd_sim, sim)))
    return rc;
  if (synth && (rc = step("synth", cmd_synth, syn)))
    return rc;
  printf("\nbsq demo: every step passed; artefacts in %s\n", dir);
  return BSQ_EXIT_OK;
}
