#!/usr/bin/env bash
# Installs and builds the example chat app only when needed: npm ci when node_modules is
# missing or older than package-lock.json or the SDK (installed as a copy, see .npmrc), and
# build.sh when dist/ is missing or older than any source. Used by scripts/run and the e2e tests.
set -euo pipefail
if [[ -n "${EDGEWATCH:-}" && "$EDGEWATCH" != /* ]]; then
  export EDGEWATCH="$PWD/$EDGEWATCH" # relative to the caller's directory
fi
cd "$(dirname "$0")"

# True when any file under the given paths is newer than the reference file (or it is missing).
newer_than() {
  local ref=$1
  shift
  [[ ! -e "$ref" ]] && return 0
  [[ -n "$(find "$@" -newer "$ref" -type f -print -quit 2>/dev/null)" ]]
}

sdk=../../sdk
if newer_than node_modules/.package-lock.json package.json package-lock.json .npmrc \
  "$sdk/package.json" "$sdk/src"; then
  echo "chat: installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
if newer_than dist/index.html index.html vite.config.js prerender.js package-lock.json src public \
  node_modules/.package-lock.json; then
  echo "chat: building the example app"
  ./build.sh
else
  echo "chat: dist/ is up to date"
fi
