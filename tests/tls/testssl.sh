#!/usr/bin/env bash
# Scans edgewatch's HTTPS listener with testssl.sh (CTest entry "tls.testssl"); fails on any
# finding rated HIGH or CRITICAL. The certificates are made here, at test time, with the openssl
# CLI: a throwaway CA and an ECDSA P-256 leaf for localhost and 127.0.0.1 carrying a CRL
# distribution point (a leaf with neither CRL nor OCSP URI is rated HIGH by testssl 3.0.8).
# Usage: tests/tls/testssl.sh [path/to/edgewatch]   (default: $EW_BINARY, then build/edgewatch)
# EW_TESTSSL_TIMEOUT bounds the scan (seconds, default 480).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
binary=${1:-${EW_BINARY:-$repo/build/edgewatch}}
testssl=$(command -v testssl || command -v testssl.sh || true)
if [[ -z $testssl ]]; then
  echo "tls.testssl: testssl is not installed (Debian package testssl.sh; scripts/setup installs it)" >&2
  exit 1
fi
if [[ ! -x $binary ]]; then
  echo "tls.testssl: $binary is not an executable; build first (scripts/build)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/edgewatch-testssl-XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
started=$(date +%s)

# --- The PKI ------------------------------------------------------------------------------
cd "$work"
cat > ca.ext <<'EXT'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EXT
cat > leaf.ext <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
crlDistributionPoints = URI:http://127.0.0.1/ca.crl
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
openssl req -new -key ca.key -subj "/CN=edgewatch testssl CA" -out ca.csr
openssl x509 -req -in ca.csr -signkey ca.key -days 90 -sha256 -extfile ca.ext -out ca.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key 2>/dev/null
openssl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
  -days 90 -sha256 -extfile leaf.ext -out leaf.pem 2>/dev/null

# --- edgewatch with its HTTPS listener on a port the kernel picks ---------------------------
mkdir -p root data
printf '<!doctype html><title>testssl</title><p>edgewatch under testssl\n' > root/index.html
EDGEWATCH_TLS_LISTEN=127.0.0.1:0 \
EDGEWATCH_TLS_CERTIFICATES="$work/leaf.pem" \
EDGEWATCH_TLS_KEYS="$work/leaf.key" \
EDGEWATCH_STORAGE_DATA_DIR="$work/data" \
EDGEWATCH_LOG_ACCESS=off \
  "$binary" serve --listen 127.0.0.1:0 --root "$work/root" 2> edgewatch.log > /dev/null &
server_pid=$!
address=
for _ in $(seq 200); do
  address=$(sed -n 's|.*listening on http://[^ ]* and https://\([0-9.]*:[0-9]*\).*|\1|p' edgewatch.log)
  [[ -n $address ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $address ]]; then
  echo "tls.testssl: edgewatch did not report an https listener:" >&2
  cat edgewatch.log >&2
  exit 1
fi
echo "tls.testssl: edgewatch at https://$address ($binary)"

# --- The scan -----------------------------------------------------------------------------
# Every finding from LOW up goes to the JSON file (printed below); HIGH and CRITICAL fail.
# (The certificates live 90 days: testssl rates one that expires within 30 days HIGH.)
status=0
timeout --kill-after=10 "${EW_TESTSSL_TIMEOUT:-480}" "$testssl" --quiet --color 0 --warnings off \
  --severity LOW --add-ca "$work/ca.pem" --connect-timeout 10 --openssl-timeout 10 \
  --jsonfile "$work/out.json" "$address" > testssl.txt 2>&1 || status=$?
# testssl's exit status is not a verdict (it counts some findings); only a timeout is fatal here.
if [[ $status -eq 124 || $status -eq 137 || ! -s out.json ]]; then
  echo "tls.testssl: the scan did not finish (exit status $status); its output:" >&2
  cat testssl.txt >&2
  exit 1
fi
kill -0 "$server_pid" 2>/dev/null || { echo "tls.testssl: edgewatch died during the scan" >&2; cat edgewatch.log >&2; exit 1; }

python3 - "$work/out.json" "$(( $(date +%s) - started ))" <<'PY'
import json, sys
findings = json.load(open(sys.argv[1]))
order = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3}
shown = sorted((f for f in findings if f.get("severity") in order),
               key=lambda f: (order[f["severity"]], f.get("id", "")))
for f in shown:
    cwe = f" [{f['cwe']}]" if f.get("cwe") else ""
    print(f"  {f['severity']:<8} {f.get('id', '?')}: {f.get('finding', '')}{cwe}")
bad = [f for f in shown if f["severity"] in ("HIGH", "CRITICAL")]
scan_problems = [f for f in findings if f.get("id") in ("scanProblem", "scanTime") and f.get("severity") in ("FATAL", "WARN")]
for f in scan_problems:
    print(f"  {f['severity']} {f['id']}: {f.get('finding', '')}")
print(f"tls.testssl: {len(shown)} findings rated LOW or above, {len(bad)} HIGH or CRITICAL, "
      f"in {sys.argv[2]} s")
sys.exit(1 if bad or any(f["severity"] == "FATAL" for f in scan_problems) else 0)
PY
