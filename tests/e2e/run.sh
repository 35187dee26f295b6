#!/usr/bin/env bash
# End-to-end tests in headless Chromium (CTest entry "e2e"). EW_BINARY and EW_ORCHESTRATOR name
# the binaries under test (CTest passes the build's); the example chat app is built when its
# dist/ is missing or older than its sources.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export EW_BINARY=${EW_BINARY:-$repo/build/edgewatch}
export EW_ORCHESTRATOR=${EW_ORCHESTRATOR:-$repo/build/examples/orchestrator/orchestrator}

if [[ ! -x /usr/bin/chromium && -z "${CHROMIUM:-}" ]]; then
  echo "e2e: /usr/bin/chromium is missing; scripts/setup installs it" >&2
  exit 1
fi

EDGEWATCH="$EW_BINARY" "$repo/examples/chat/build-if-stale.sh"

cd "$here"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
exec node --test --test-concurrency=1 --test-reporter=spec "$@" ./*.test.js
