#!/usr/bin/env bash
# Installs every Debian package oppgraph needs to build, run and test.
# Idempotent: packages already present are skipped by apt-get.
set -euo pipefail
PKGS=(
  build-essential make pkg-config
  libxml2-dev libxml2-utils
  libpcre2-dev
  libigraph-dev
  liblmdb-dev lmdb-utils
  libgrpc-dev grpc-proto xxd
  protobuf-c-compiler libprotobuf-c-dev protobuf-compiler libprotobuf-dev
  libssl-dev
  libjansson-dev
  libcmocka-dev
  graphviz libgraphviz-dev
  python3 python3-grpcio python3-protobuf
  python3-networkx
  clang libclang-rt-14-dev
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
