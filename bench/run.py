"""Drive both apps with bursts of signed `/number search` commands and print them side by side.

    python -m bench                       # bursts of 50 and 200, 400 commands each, provider at 2 s
    python -m bench --json bench.json     # also write the figures as JSON

Each app runs as its own process (the bot exactly as `python -m bot`, with WEB_CONCURRENCY 1 and
2) behind the same aiohttp stack, against the same local Slack stand-in and a provider that
answers after `--latency` seconds, warmed up by one burst that is not measured. Measured per
run: the ack latency of every command (p50, p99, max), HTTP errors, results delivered through
response_url (an answer with numbers), the provider calls, the server's CPU time per command
(all its processes, including the work after the ack), and its memory (RSS, and PSS, which
counts the pages forked workers share once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
from redis.asyncio import Redis

from bench.standins import SlowVonage
from bot.console import payloads
from bot.console.slack_stub import SlackStub
from bot.models import PoolEntry, utcnow

SECRET = "bench-signing-secret-0123456789"
TEAM = "T0BENCH"
CLK = os.sysconf("SC_CLK_TCK")
FOUND = re.compile(r"\b[1-9][0-9]* found")


@dataclass
class Run:
    app: str
    burst: int
    commands: int
    ack_p50_ms: float = 0.0
    ack_p99_ms: float = 0.0
    ack_max_ms: float = 0.0
    errors: int = 0
    storage_errors: int = 0
    delivered: int = 0
    cpu_ms_per_command: float = 0.0
    rss_idle_mb: float = 0.0
    rss_after_mb: float = 0.0
    pss_idle_mb: float = 0.0  # proportional: pages the workers share are counted once
    provider_calls: int = 0


@dataclass
class Report:
    latency_s: float
    runs: list[Run] = field(default_factory=list)
    list_ms: dict[str, float] = field(default_factory=dict)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree(pid: int) -> list[int]:
    """The process and its children (the bot's workers), from /proc."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found += tree(int(child))
    return found


def cpu_seconds(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLK


def pss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
        except (FileNotFoundError, PermissionError):
            continue
        total += next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
    return total / 1024


def rss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except FileNotFoundError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return total / 1024


class Server:
    """One app under test: a process serving /slack/events on a port."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.argv, self.env, self.port = name, argv, env, port
        self.process: subprocess.Popen[bytes] | None = None

    async def __aenter__(self) -> Server:
        self.process = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/health") as answer:
                        if answer.status == 200:
                            await asyncio.sleep(1.0)  # every worker up and idle
                            return self
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start")

    async def __aexit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(12)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def burst_run(
    app: Server, slack: SlackStub, *, burst: int, commands: int, users: list[str], wait: float, tag: str = ""
) -> Run:
    assert app.process is not None
    run = Run(app=app.name, burst=burst, commands=commands, rss_idle_mb=rss_mb(app.process.pid))
    run.pss_idle_mb = round(pss_mb(app.process.pid), 1)
    keys = [f"{app.name}-{tag}{burst}-{i}" for i in range(commands)]
    acks: list[float] = []
    cpu_before = cpu_seconds(app.process.pid)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int) -> None:
            body = payloads.slash_command(
                team_id=TEAM,
                user_id=users[i],
                channel_id="C0BENCH",
                text="search US --provider vonage --limit 5" if app.name != "bare bolt" else "search US",
                response_url=slack.response_url(keys[i]),
                trigger_id=f"t{i}",
            )
            started = time.perf_counter()
            try:
                async with session.post(
                    f"http://127.0.0.1:{app.port}/slack/events",
                    data=body,
                    headers=payloads.signed_headers(SECRET, body),
                ) as answer:
                    text = await answer.text()
                    if answer.status != 200:
                        run.errors += 1
                    elif "Storage" in text:
                        run.storage_errors += 1
            except aiohttp.ClientError:
                run.errors += 1
            acks.append((time.perf_counter() - started) * 1000)

        sent = 0
        tasks = []
        while sent < commands:
            tasks += [asyncio.create_task(one(i)) for i in range(sent, min(sent + burst, commands))]
            sent += burst
            await asyncio.sleep(0.5)
        await asyncio.gather(*tasks)

    def delivered() -> int:  # an answer with numbers: "0 found" (a provider timed out) is not one
        return sum(1 for k in keys if any(FOUND.search(c.text) for c in slack.responses(k)))

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and delivered() < commands:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    run.cpu_ms_per_command = round((cpu_seconds(app.process.pid) - cpu_before) * 1000 / commands, 2)
    run.delivered = delivered()
    run.storage_errors += sum(1 for k in keys if any("Storage" in c.text for c in slack.responses(k)))
    ordered = sorted(acks)
    run.ack_p50_ms = round(statistics.median(ordered), 1)
    run.ack_p99_ms = round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 1)
    run.ack_max_ms = round(ordered[-1], 1)
    run.rss_after_mb = round(rss_mb(app.process.pid), 1)
    run.rss_idle_mb = round(run.rss_idle_mb, 1)
    return run


async def seed(redis_url: str, users: list[str], pool: int) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    await redis.flushdb()
    await redis.hset(f"nb:{{{TEAM}}}:roles", mapping={u: "viewer" for u in users})
    if pool:
        entries = {
            f"+1415555{i:04d}": PoolEntry(
                e164=f"+1415555{i:04d}", provider="vonage", bought_by="U0BENCH", bought_at=utcnow()
            ).model_dump_json()
            for i in range(pool)
        }
        await redis.hset(f"nb:{{{TEAM}}}:pool", mapping=entries)
    await redis.aclose()


async def list_time(app: Server, slack: SlackStub, rounds: int) -> float:
    """Wall time of `/number list` to its answer, median of `rounds` after one warm-up."""
    times: list[float] = []
    async with aiohttp.ClientSession() as session:
        for i in range(rounds + 1):
            key = f"list-{app.port}-{i}"
            body = payloads.slash_command(
                team_id=TEAM,
                user_id="U0ADMIN",
                channel_id="C0BENCH",
                text="list",
                response_url=slack.response_url(key),
                trigger_id="t",
            )
            started = time.perf_counter()
            async with session.post(
                f"http://127.0.0.1:{app.port}/slack/events", data=body, headers=payloads.signed_headers(SECRET, body)
            ):
                pass
            while not [c for c in slack.responses(key) if "Number pool" in c.text]:
                await asyncio.sleep(0.002)
            if i:
                times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def bot_env(redis_url: str, slack: SlackStub, provider: str, port: int, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK", "REDIS", "VONAGE", "KAZOO", "AZURE"))}
    env.update(
        PORT=str(port),
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        REDIS_URL=redis_url,
        BOT_ADMINS="U0ADMIN",
        VONAGE_API_KEY="bench-key",
        VONAGE_API_SECRET="bench-secret",
        VONAGE_BASE_URL=provider,
        RATES_URL="",
        WEB_CONCURRENCY=str(workers),
    )
    return env


async def main(args: argparse.Namespace) -> Report:
    report = Report(latency_s=args.latency)
    users = [f"U0B{i:05d}" for i in range(args.commands)]
    slack = SlackStub(team_id=TEAM)
    await slack.start()
    provider = SlowVonage(latency=args.latency, owned=200)
    await provider.start()
    with tempfile.TemporaryDirectory() as workdir:
        redis_port = free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
        )
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        await asyncio.sleep(0.3)
        try:
            targets = [("bare bolt", [sys.executable, "-m", "bench.bare"], 0)]
            targets += [(f"numberbot x{w}", [sys.executable, "-m", "bot"], w) for w in args.workers]
            for name, argv, workers in targets:
                port = free_port()
                env = bot_env(redis_url, slack, provider.url, port, workers or 1)
                env["PROVIDER_URL"] = provider.url
                await seed(redis_url, users, 0)
                async with Server(name, argv, env, port) as app:
                    # Warm-up, not measured: connections to Redis, the provider and Slack opened,
                    # lazily loaded data loaded, as in a process that has been serving a while.
                    await burst_run(app, slack, burst=max(args.bursts), commands=max(args.bursts), users=users,
                                    wait=args.latency + 30, tag="warm-")  # fmt: skip
                    for burst in args.bursts:
                        await seed(redis_url, users, 0)
                        calls = provider.calls
                        run = await burst_run(
                            app, slack, burst=burst, commands=args.commands, users=users, wait=args.latency + 30
                        )
                        run.provider_calls = provider.calls - calls
                        report.runs.append(run)
                        print_run(run)
            provider.latency = args.list_latency
            for size in (10, 200):
                port = free_port()
                await seed(redis_url, users, size)
                async with Server("numberbot list", [sys.executable, "-m", "bot"], bot_env(
                    redis_url, slack, provider.url, port, 1
                ), port) as app:  # fmt: skip
                    report.list_ms[str(size)] = await list_time(app, slack, rounds=15)
        finally:
            redis.terminate()
            await provider.stop()
            await slack.stop()
    return report


def print_run(run: Run) -> None:
    print(
        f"  {run.app:<14} burst {run.burst:>3}: ack p50 {run.ack_p50_ms:>7.1f} ms  p99 {run.ack_p99_ms:>7.1f} ms  "
        f"max {run.ack_max_ms:>7.1f} ms  errors {run.errors + run.storage_errors:>3}  "
        f"delivered {run.delivered:>3}/{run.commands} ({run.provider_calls} provider calls)  "
        f"cpu {run.cpu_ms_per_command:>5.2f} ms/cmd  "
        f"rss {run.rss_idle_mb:.0f}→{run.rss_after_mb:.0f} MB (pss idle {run.pss_idle_mb:.0f})",
        flush=True,
    )


def table(report: Report) -> str:
    bare = {r.burst: r for r in report.runs if r.app == "bare bolt"}
    lines = [
        "| app | burst | ack p50 ms | ack p99 ms | p99 vs bare | max ms | errors | delivered | CPU ms/cmd"
        " | RSS idle/after MB | PSS idle MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report.runs:
        ratio = r.ack_p99_ms / bare[r.burst].ack_p99_ms if r.burst in bare and bare[r.burst].ack_p99_ms else 0
        lines.append(
            f"| {r.app} | {r.burst} | {r.ack_p50_ms} | {r.ack_p99_ms} | {ratio:.2f}× | {r.ack_max_ms} | "
            f"{r.errors + r.storage_errors} | {r.delivered}/{r.commands} | {r.cpu_ms_per_command} | "
            f"{r.rss_idle_mb:.0f}/{r.rss_after_mb:.0f} | {r.pss_idle_mb:.0f} |"
        )
    if report.list_ms:
        small, large = report.list_ms["10"], report.list_ms["200"]
        lines.append("")
        lines.append(f"`list` (warm): 10 numbers {small} ms, 200 numbers {large} ms: {large / small:.2f}×")
    return "\n".join(lines)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=2.0, help="seconds the provider takes to answer")
    parser.add_argument("--list-latency", type=float, default=0.2, help="provider delay during the list runs")
    parser.add_argument("--commands", type=int, default=400, help="commands per run")
    parser.add_argument("--bursts", type=lambda s: [int(x) for x in s.split(",")], default=[50, 200])
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    started = time.monotonic()
    report = asyncio.run(main(args))
    print()
    print(table(report))
    print(f"\n(bench took {time.monotonic() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2))


__all__ = ["cli"]
