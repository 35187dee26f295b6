#!/usr/bin/env python3
"""Latency each hop adds to a Server-Sent Events token stream.

The example orchestrator stamps every token with "t", the CLOCK_MONOTONIC microsecond at which
it was written. On the same machine the client subtracts that from its own monotonic clock when
the token's event is complete: the token's one-way latency through whatever sits in between.

    sse_latency.py HOST PORT PATH [--streams 20] [--tokens 100] [--delay-ms 10]

Prints: p50_us=... p99_us=... max_us=... tokens=... (over every token of every stream).
"""
import argparse
import asyncio
import json
import time


async def stream(host, port, path, tokens, delay_ms, out):
    reader, writer = await asyncio.open_connection(host, port)
    body = json.dumps({"message": "latency"}).encode()
    target = f"{path}?tokens={tokens}&delay_ms={delay_ms}"
    writer.write(
        f"POST {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    chunked = b"chunked" in head.lower()
    pending = b""

    def take_events(data):
        nonlocal pending
        pending += data
        now = time.monotonic_ns() // 1000
        while b"\n\n" in pending:
            event, pending = pending.split(b"\n\n", 1)
            for line in event.split(b"\n"):
                if line.startswith(b"data: "):
                    payload = json.loads(line[6:])
                    if "t" in payload:
                        out.append(now - payload["t"])

    while True:
        if chunked:
            size_line = await reader.readline()
            if not size_line:
                break
            size = int(size_line.strip() or b"0", 16)
            if size == 0:
                break
            data = await reader.readexactly(size + 2)
            take_events(data[:-2])
        else:
            data = await reader.read(65536)
            if not data:
                break
            take_events(data)
    writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("path")
    p.add_argument("--streams", type=int, default=20)
    p.add_argument("--tokens", type=int, default=100)
    p.add_argument("--delay-ms", type=int, default=10)
    a = p.parse_args()
    latencies = []
    await asyncio.gather(*[stream(a.host, a.port, a.path, a.tokens, a.delay_ms, latencies)
                           for _ in range(a.streams)])
    latencies.sort()
    if not latencies:
        print("p50_us=nan p99_us=nan max_us=nan tokens=0")
        return
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(f"p50_us={pick(0.5)} p99_us={pick(0.99)} max_us={latencies[-1]} tokens={len(latencies)}")


asyncio.run(main())
