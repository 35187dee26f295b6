#!/usr/bin/env bash
# The SDK's unit tests (CTest entry "sdk"): node's built-in test runner, no browser.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error >/dev/null
exec node --test test/
