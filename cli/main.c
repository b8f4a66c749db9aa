/* bsq — command dispatch, in the style of git: `bsq <command> [args]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model.h"
#include "nn.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command COMMANDS[] = {
    {"train", cmd_train, "train a quantizer + network on a table"},
    {"compare", cmd_compare, "train every method at every bit width: table, JSON, plot"},
    {"tune", cmd_tune, "random search with k-fold cross-validation per method"},
    {"alloc", cmd_alloc, "bits per feature within a frame budget, by cross-validation"},
    {"pareto", cmd_pareto, "test MSE against frame bits: allocated and uniform, with cost"},
    {"eval", cmd_eval, "evaluate a model on its test split (float and hardware-true)"},
    {"encode", cmd_encode, "encode a CSV into a packed frame stream"},
    {"decode", cmd_decode, "decode a packed frame stream into predictions"},
    {"gen", cmd_gen, "write the encoder as Verilog and a C firmware header"},
    {"sim", cmd_sim, "co-simulate the generated Verilog against the C model"},
    {"lint", cmd_lint, "Verilator -Wall and Yosys synthesis of a generated design"},
    {"synth", cmd_synth, "Yosys/nextpnr hardware report and equivalence proof"},
    {"demo", cmd_demo, "the whole flow on friedman1: train, eval, gen, lint, sim, synth"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: bsq <command> [options]   (bsq <command> --help)\n"
             "       bsq --version\n\n"
             "commands:\n");
  for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
    fprintf(f, "  %-8s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return BSQ_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(stdout);
    return BSQ_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
    printf("bsq %s\n", BSQ_VERSION);
    return BSQ_EXIT_OK;
  }
  /* BSQ_THREADS: the layers' threads (train --threads overrides it); a
   * value the library cannot use is an error, not a silent fall-back to
   * every core */
  const char *threads = getenv("BSQ_THREADS");
  long n;
  if (threads && cli_parse_int(threads, 1, BSQ_MAX_THREADS, &n)) {
    fprintf(stderr, "bsq: BSQ_THREADS: invalid value '%s' (1..%d threads)\n",
            threads, BSQ_MAX_THREADS);
    return BSQ_EXIT_USAGE;
  }
  if (threads) bsq_nn_threads((int)n);
  cli_handle_signals();
  for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
    if (!strcmp(argv[1], COMMANDS[i].name))
      return COMMANDS[i].run(argc - 1, argv + 1);
  fprintf(stderr, "bsq: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return BSQ_EXIT_USAGE;
}
