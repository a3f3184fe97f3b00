/*
 * main.c — `oppgraph` entry point: dispatches to the subcommand named by the
 * first argument (see cli/cli.h) and prints the overall help.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

typedef struct cli_cmd {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} cli_cmd;

static const cli_cmd cli_cmds[] = {
    {"ingest", cmd_ingest,
     "read announcements and registry files into a store, extract events, "
     "rebuild the graph and opportunities"},
    {"extract", cmd_extract,
     "extract events from JSON lines (DuEE-Fin layout) without a store"},
    {"serve", cmd_serve, "serve a store over gRPC to the CRM"},
    {"token", cmd_token, "issue or revoke an RM's API token"},
    {"push-list", cmd_push_list, "print an RM's push list"},
    {"graph", cmd_graph, "relationship-graph analyses (guarantee circles, ...)"},
    {"opportunities", cmd_opportunities,
     "regenerate opportunities from the stored events"},
    {"kb", cmd_kb, "knowledge base: add, remove and search articles"},
    {"backup", cmd_backup, "hot, compacted copy of a store (safe while serving)"},
    {"check", cmd_check, "verify a store's indexes against its records"},
    {"feedback", cmd_feedback,
     "record an RM's verdict on an opportunity (accepted, rejected, won)"},
    {"funnel", cmd_funnel,
     "pushed -> accepted -> won per RM, team or branch, with warnings"},
};

static void cli_usage(FILE *f) {
  fprintf(f, "usage: oppgraph <command> [options]\n\n"
             "oppgraph mines sales opportunities from public announcements and\n"
             "registry data and serves them to the CRM over gRPC.\n\n"
             "commands:\n");
  for (size_t i = 0; i < sizeof cli_cmds / sizeof cli_cmds[0]; i++)
    fprintf(f, "  %-14s %s\n", cli_cmds[i].name, cli_cmds[i].summary);
  fprintf(f, "\n'oppgraph <command> --help' explains one command.\n"
             "Rules, dictionaries and the product matrix are read from the data\n"
             "directory: $OPPGRAPH_DATA, else ./data.\n");
}

const char *cli_data_dir(void) {
  const char *d = getenv("OPPGRAPH_DATA");
  return d && *d ? d : CLI_DEFAULT_DATA;
}

const char *cli_data_path(char *buf, size_t len, const char *rel) {
  snprintf(buf, len, "%s/%s", cli_data_dir(), rel);
  return buf;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    cli_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    cli_usage(stdout);
    return CLI_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof cli_cmds / sizeof cli_cmds[0]; i++)
    if (!strcmp(argv[1], cli_cmds[i].name))
      return cli_cmds[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "oppgraph: unknown command '%s'\n\n", argv[1]);
  cli_usage(stderr);
  return CLI_EXIT_USAGE;
}
