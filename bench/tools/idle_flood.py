#!/usr/bin/env python3
"""Holds a flood of idle keep-alive connections against a server and measures /health meanwhile.

usage: idle_flood.py PORT COUNT [SAMPLES]

Opens COUNT connections, spread over 127.0.x.y source addresses (so that a per-address cap does
not refuse them), each sending one GET /health and reading the answer, then idling. Then it makes
SAMPLES requests for /health, each on a fresh connection, and prints one line:
  held=N p50_ms=... p99_ms=... failed=K
A request that gets no 200 within 5 s counts as failed. Bounded: it ends by itself.
"""
import resource
import socket
import sys
import time


def one_request(sock):
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return False
        data += chunk
    return data.startswith(b"HTTP/1.1 200")


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    samples = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    held = []
    for i in range(count):
        source = "127.0.%d.%d" % (1 + i // 250, 2 + i % 250)
        try:
            s = socket.socket()
            s.settimeout(5)
            s.bind((source, 0))
            s.connect(("127.0.0.1", port))
            if one_request(s):
                held.append(s)
            else:
                s.close()
        except OSError:
            break
    latencies, failed = [], 0
    for _ in range(samples):
        started = time.perf_counter()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                ok = one_request(s)
        except OSError:
            ok = False
        if ok:
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            failed += 1
    latencies.sort()
    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else float("nan")
    print("held=%d p50_ms=%.2f p99_ms=%.2f failed=%d" % (len(held), pct(0.5), pct(0.99), failed))
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
