"""The official Python MCP SDK's client calling `echo` on a streamable HTTP server: the
comparison for `make bench-mcp`. Prints one JSON line: {"p50_ms": …, "p95_ms": …, "calls": …}."""

import asyncio
import json
import sys
import time

from mcp import Client


async def main(url: str, calls: int) -> None:
    async with Client(url) as client:
        for _ in range(100):
            await client.call_tool("echo", {"message": "hi"})
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            await client.call_tool("echo", {"message": "hi"})
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(json.dumps({
        "p50_ms": times[len(times) // 2],
        "p95_ms": times[int(len(times) * 0.95)],
        "calls": calls,
    }))


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
