#!/usr/bin/env bash
# PostgreSQL for the team server's integration tests (test/server/postgres.ts starts a throwaway cluster with it).
# Installs Debian's `postgresql` only when no /usr/lib/postgresql/*/bin/initdb exists; quiet and idempotent.
set -euo pipefail
if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "test/server/setup.sh: PostgreSQL is missing and there is no apt-get; install PostgreSQL (initdb, pg_ctl)" >&2
  exit 0
fi
sudo=''
if [ "$(id -u)" -ne 0 ]; then sudo='sudo'; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
