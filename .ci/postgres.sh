#!/usr/bin/env bash
# PostgreSQL for the ledger's tests (tests/support/postgres.rs starts a throwaway cluster
# from it on a local port, as the unprivileged `postgres` user). Installs Debian's
# `postgresql` package when no server binaries are there; the tests need nothing running.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  bins=(/usr/lib/postgresql/*/bin)
  echo "PostgreSQL: ${bins[-1]}"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "PostgreSQL is not installed: installing Debian's postgresql package"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
# The package may start a cluster of its own; the tests do not use it.
$sudo service postgresql stop >/dev/null 2>&1 || true
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || {
  echo "postgresql was installed but no initdb was found" >&2
  exit 1
}
