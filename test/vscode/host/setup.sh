#!/usr/bin/env bash
# Installs the real-VS-Code test host (code-server + playwright-core, driven through Debian's chromium) using only
# apt-get and npm. Idempotent: a second run with an up-to-date install returns in well under a second.
# Exit codes: 0 ready, 3 a system package or tool is missing (message names it), 4 npm install failed.
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD

CS_VERSION=4.100.3
# Written last, after a verified install: a half-finished or failed npm ci never looks ready.
STAMP=node_modules/.agent-meter-host-ready

die() { echo "setup.sh: $2" >&2; exit "$1"; }

command -v node >/dev/null || die 3 "install node 20 (code-server $CS_VERSION needs Node 20): node not found"
command -v npm >/dev/null || die 3 "install npm: npm not found"
command -v dpkg >/dev/null || die 3 "this setup expects Debian/Ubuntu (dpkg/apt-get not found)"

# chromium renders the workbench; libkrb5-dev + make/g++/python3 build code-server's native modules
# (kerberos has no offline prebuild); ripgrep stands in for the rg that @vscode/ripgrep would fetch from GitHub.
# SETUP_NO_BROWSER=1 (npm start): code-server only, the user brings the browser.
need=(libkrb5-dev ripgrep make g++ python3)
[ -n "${SETUP_NO_BROWSER:-}" ] || need=(chromium "${need[@]}")
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    die 3 "install ${missing[*]}: sudo apt-get install -y --no-install-recommends ${missing[*]}"
  fi
  echo "setup.sh: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die 3 "apt-get update failed (needed to install ${missing[*]})"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die 3 "install ${missing[*]}: apt-get install -y --no-install-recommends ${missing[*]} failed"
fi
[ -n "${SETUP_NO_BROWSER:-}" ] || [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ] || die 3 "install chromium: sudo apt-get install chromium (/usr/bin/chromium missing)"

installed_version() { node -e 'try{process.stdout.write(require(process.argv[1]).version)}catch{}' "$here/node_modules/code-server/package.json"; }

# Fast path: right code-server version and the ready stamp is newer than the lockfile.
if [ "$(installed_version)" = "$CS_VERSION" ] && [ -f "$STAMP" ] && [ "$STAMP" -nt package-lock.json ]; then
  echo "setup.sh: test host ready (code-server $CS_VERSION already installed)"
  exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub, which fails offline and fails the whole install. It first
# looks for $TMPDIR/vscode-ripgrep-cache-<pkg version>/ripgrep-<rg tag>-<target>.tar.gz, so seed that from Debian's rg.
# Values for code-server 4.100.3 (lib/vscode/npm-shrinkwrap.json, @vscode/ripgrep/lib/postinstall.js); re-read from a
# previous install when one is there, so a bumped code-server keeps working after one failed attempt.
RG_PKG_VERSION=1.15.11
RG_TAG=v13.0.0-10
read_rg_versions() {
  local sw=node_modules/code-server/lib/vscode/npm-shrinkwrap.json
  local pi=node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/lib/postinstall.js
  local v t
  if [ -f "$sw" ]; then
    v=$(node -e 'const s=require(process.argv[1]);const p=s.packages?.["node_modules/@vscode/ripgrep"];process.stdout.write(p?.version??"")' "$here/$sw")
    [ -n "$v" ] && RG_PKG_VERSION=$v
  fi
  if [ -f "$pi" ]; then
    t=$(sed -n "s/^const VERSION = '\(v[^']*\)'.*/\1/p" "$pi" | head -1)
    [ -n "$t" ] && RG_TAG=$t
  fi
  return 0
}
read_rg_versions
case "$(uname -m)" in
  x86_64) RG_TARGET=x86_64-unknown-linux-musl ;;
  aarch64 | arm64) RG_TARGET=aarch64-unknown-linux-musl ;;
  *) die 3 "unsupported CPU $(uname -m) for the ripgrep cache seed" ;;
esac
seed_rg_cache() {
  local dir="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RG_PKG_VERSION"
  local tgz="$dir/ripgrep-$RG_TAG-$RG_TARGET.tar.gz"
  [ -s "$tgz" ] && return 0
  local rg t
  rg=$(command -v rg) || die 3 "install ripgrep: sudo apt-get install ripgrep (rg not found)"
  mkdir -p "$dir"
  t=$(mktemp -d)
  cp "$rg" "$t/rg"
  tar czf "$tgz" -C "$t" rg
  rm -rf "$t"
}
seed_rg_cache

# Running as root: code-server's postinstall demands unsafe-perm, which npm >= 7 only passes on via this env var.
# npm_config_yes: node-pty's post-install runs `npx node-gyp`, which an ~/.npmrc with yes=false would cancel.
export npm_config_unsafe_perm=true npm_config_yes=true
rm -f "$STAMP"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --foreground-scripts || die 4 "npm ci failed in $here (see the npm output above)"
else
  npm install --no-audit --no-fund --foreground-scripts || die 4 "npm install failed in $here (see the npm output above)"
fi

# A bumped code-server may pin another @vscode/ripgrep: say so plainly instead of leaving a silent GitHub fallback.
seeded="$RG_PKG_VERSION/$RG_TAG"
read_rg_versions
[ "$seeded" = "$RG_PKG_VERSION/$RG_TAG" ] ||
  echo "setup.sh: warning: code-server wants @vscode/ripgrep $RG_PKG_VERSION/$RG_TAG but $seeded was seeded; update the defaults in setup.sh" >&2

[ "$(installed_version)" = "$CS_VERSION" ] || die 4 "code-server $CS_VERSION is not in $here/node_modules after npm ci"
[ -f node_modules/code-server/lib/vscode/out/server-main.js ] ||
  die 4 "code-server's postinstall did not finish (lib/vscode/out/server-main.js missing); rerun with output"
[ -x node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg ] ||
  die 4 "@vscode/ripgrep has no rg binary (cache seed not used?)"
touch "$STAMP"
node -p "'setup.sh: test host ready: code-server ' + require('./node_modules/code-server/package.json').version + ' = VS Code ' + require('./node_modules/code-server/lib/vscode/package.json').version"
