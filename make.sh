#!/usr/bin/env bash
# Entry point for a fresh Debian machine: installs every package oppgraph
# needs (scripts/install-deps.sh, make and the compiler included), then runs
# make with the given targets.  ./make.sh run   — the demo;  ./make.sh test.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh
exec make "$@"
