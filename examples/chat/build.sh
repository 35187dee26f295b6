#!/usr/bin/env bash
# Builds the example chat app into dist/ with Vite, then runs edgewatch's own build tools over it:
#   sri          integrity="sha384-..." on index.html's scripts and stylesheets (first: it
#                rewrites index.html, which precompress then compresses)
#   precompress  .br, .gz and .zst beside every compressible file
#   budget       fails the build when the bundle is over budget
# EDGEWATCH names the binary (default: build/edgewatch of this repository). Expects node_modules
# (npm ci); scripts/run does both.
set -euo pipefail
edgewatch=${EDGEWATCH:-$(dirname "$0")/../../build/edgewatch}
[[ "$edgewatch" == /* ]] || edgewatch="$PWD/$edgewatch" # relative to the caller's directory
cd "$(dirname "$0")"

if [[ ! -d node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf dist
npm run --silent build

# A tool the binary does not have yet is skipped with a message rather than failing the build.
tool() {
  local sub=$1
  shift
  if [[ ! -x "$edgewatch" ]]; then
    echo "build.sh: $edgewatch not found; skipping edgewatch $sub (run scripts/build)" >&2
    return 0
  fi
  if ! "$edgewatch" --help 2>/dev/null | grep -qE "^[[:space:]]+$sub([[:space:]]|$)"; then
    echo "build.sh: this edgewatch has no '$sub' subcommand yet; skipping it" >&2
    return 0
  fi
  echo "build.sh: edgewatch $sub $*"
  "$edgewatch" "$sub" "$@"
}

tool sri dist/index.html
tool precompress dist
tool budget dist
