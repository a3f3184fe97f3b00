/*
 * cli — the `oppgraph` command.  Each subcommand lives in its own
 * cli/cmd_<name>.c and is a thin layer: parse flags, call one module
 * function, format the result.  Exit codes: 0 ok, 1 the work found errors
 * (e.g. some input files were rejected), 2 usage error.
 */
#ifndef OPPGRAPH_CLI_H
#define OPPGRAPH_CLI_H

#include <stdio.h>

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* Default locations, relative to the working directory (the repository root
 * for `make run`); every one can be overridden by a flag or OPPGRAPH_DATA. */
#define CLI_DEFAULT_DATA "data"

/* Returns the data directory: $OPPGRAPH_DATA, else "data". */
const char *cli_data_dir(void);
/* Writes "<data>/<rel>" into buf. */
const char *cli_data_path(char *buf, size_t len, const char *rel);

int cmd_ingest(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_push_list(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_opportunities(int argc, char **argv);
int cmd_kb(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_feedback(int argc, char **argv);
int cmd_funnel(int argc, char **argv);

#endif
