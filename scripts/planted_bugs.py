"""Plant known bugs one at a time and check that the tests catch each of them.

    python scripts/planted_bugs.py            # every planted bug, 4 at a time
    python scripts/planted_bugs.py -k expiry  # only those whose name contains "expiry"
    python scripts/planted_bugs.py --list     # what would be planted

Each bug is a small text patch on one module, for one invariant that matters most (exactly
once, roles at click, requester needs approval, approver is not the requester, budget with
spend, reconciler never re-buys, expiry, secrets scrubbed, the monthly report once, the chart
at most hourly and off the event loop, the Home tab within Slack's limits). The tree is copied into a
temporary directory, the patch applied there (never here), and the tests named for it run
against the copy. A bug is "caught" when those tests fail; "missed" means a test is missing.
A patch whose text is no longer in the module is reported as "stale": update the patch.
The unpatched copy is run first, so a red suite is not mistaken for caught bugs.

Not part of the normal test run (it runs the suite many times); see README, Development.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Bug:
    name: str
    invariant: str
    path: str  # the module patched, relative to the repository
    old: str  # text that must occur exactly once in it
    new: str
    tests: tuple[str, ...]  # what must catch it


# Read in one round trip, write in one transaction: each step is atomic, the two together are
# not. Before the 20-click test warmed the pool and met at the claim, the suite missed this.
_NON_ATOMIC_CLAIM = """        team = op.team_id
        await self.redis.sadd(keys.teams(), op.team_id)
        op_key = keys.op(op.team_id, op.id)
        async with self.redis.pipeline(transaction=False) as read:
            read.exists(op_key)
            read.get(source_key)
            read.hexists(guard_key, op.e164)
            taken, source, guarded = await read.execute()
        if taken:
            return "taken"
        if source is None:
            return "expired"
        if source != expected:
            return "changed"
        if guarded:
            return guard
        async with self.redis.pipeline(transaction=True) as write:
            write.delete(source_key)
            write.hset(op_key, mapping={"data": op.model_dump_json(), "state": "{}", "status": "inflight"})
            write.set(keys.lease(op.team_id, op.id), self.worker, px=LEASE_MS)
            write.zadd(keys.inflight(op.team_id), {op.id: int(time.time() * 1000)})
            if guard == "busy":
                write.hset(guard_key, op.e164, op.id)
            await write.execute()
        return "ok"
"""

# The reconciler's question to the provider (in `resume`, the only place a lapsed one is asked).
_RESUME = (
    "            try:\n                owned = await provider.{ask}(order, tracker)\n"
    '            except BotError as exc:\n                log.warning("lapsed purchase still unresolved"'
)

_SMS_INBOUND = "tests/handlers/test_sms_inbound.py"
_SMS_PRIVATE = "tests/handlers/test_sms_private.py"

BUGS: tuple[Bug, ...] = (
    Bug(
        "exactly-once: the claim reads, then writes (not one atomic step)",
        "exactly once",
        "bot/journal.py",
        "        team = op.team_id\n        await self.redis.sadd(keys.teams(), team)\n",
        _NON_ATOMIC_CLAIM,
        ("tests/test_exactly_once.py",),
    ),
    Bug(
        "exactly-once: the claim forgets the pool guard",
        "exactly once",
        "bot/journal.py",
        "if redis.call('HEXISTS', KEYS[5], ARGV[7]) == 1 then return ARGV[8] end\n",
        "",
        ("tests/handlers/test_actions.py", "tests/test_exactly_once.py"),
    ),
    Bug(
        "roles at click: the gate reads the clicker's role but does not check it",
        "roles at click",
        "handlers/middleware.py",
        "        role = await authorize(svc.roles, caller.team_id, caller.user_id, need)",
        "        role = await svc.roles.role_of(caller.team_id, caller.user_id)",
        ("tests/handlers/test_actions.py", "tests/handlers/test_approvals.py"),
    ),
    Bug(
        "roles at click: Confirm asks only for a viewer",
        "roles at click",
        "bot/access.py",
        '(("action", ids.CONFIRM), Need(Role.requester, ',
        '(("action", ids.CONFIRM), Need(Role.viewer, ',
        ("tests/handlers/test_actions.py",),
    ),
    Bug(
        "roles at click: Approve asks only for a requester",
        "roles at click",
        "bot/access.py",
        '(("action", ids.APPROVE), Need(Role.approver, ',
        '(("action", ids.APPROVE), Need(Role.requester, ',
        ("tests/handlers/test_approvals.py",),
    ),
    Bug(
        "requester needs approval: a requester's purchase needs none",
        "requester needs approval",
        "bot/budget.py",
        '        reasons.append("requesters need an approver for every purchase")',
        "        pass",
        ("tests/test_budget.py", "tests/handlers/test_actions.py", "tests/handlers/test_approvals.py"),
    ),
    Bug(
        "approver is not the requester: a requester may decide their own request",
        "approver is not the requester",
        "bot/approvals.py",
        "        if record.requester == caller.user_id:\n            raise PermissionDenied(",
        "        if record.requester == caller.user_id and False:\n            raise PermissionDenied(",
        ("tests/handlers/test_approvals.py",),
    ),
    Bug(
        "budget with spend: the budget is checked against this purchase alone",
        "budget with spend",
        "bot/budget.py",
        "        after = spend.after(charges)\n",
        "        after = spend.total(charges)\n",
        ("tests/test_budget.py", "tests/handlers/test_approvals.py"),
    ),
    Bug(
        "budget with spend: the claim reserves against this purchase alone, not the month's spend and holds",
        "budget with spend",
        "bot/journal.py",
        "    for _, key in ipairs({KEYS[7], KEYS[8]}) do\n",
        "    for _, key in ipairs({}) do\n",
        ("tests/test_budget_holds.py",),
    ),
    Bug(
        "one purchase per number: the number's mark is never checked",
        "exactly once",
        "bot/journal.py",
        '        """Mark the number for `op`; None when it is ours now, else who holds it."""\n',
        '        """Mark the number for `op`; None when it is ours now, else who holds it."""\n        return None\n',
        ("tests/test_number_marks.py",),
    ),
    Bug(
        "reconciler never re-buys: a lapsed purchase is bought again",
        "reconciler never re-buys",
        "bot/purchases.py",
        _RESUME.format(ask="check_purchase"),
        _RESUME.format(ask="buy"),
        ("tests/test_reconciler.py",),
    ),
    Bug(
        "reconciler never re-buys: 'not owned' is believed before the grace period",
        "reconciler never re-buys",
        "bot/purchases.py",
        "                if self._young(op) > 0:\n                    return None\n",
        "",
        ("tests/test_reconciler.py",),
    ),
    Bug(
        "expiry: Confirm ignores the quote's expires_at",
        "expiry",
        "bot/purchases.py",
        "        if quote.expires_at <= self.clock():\n            raise StaleAction(",
        "        if False:\n            raise StaleAction(",
        ("tests/test_exactly_once.py", "tests/handlers/test_actions.py"),
    ),
    Bug(
        "expiry: Approve ignores the quote's expires_at",
        "expiry",
        "bot/approvals.py",
        "        if quote.expires_at <= self.purchases.clock():\n",
        "        if False:\n",
        ("tests/handlers/test_approvals.py",),
    ),
    Bug(
        "expiry: Request approval ignores the quote's expires_at",
        "expiry",
        "bot/approvals.py",
        "        if quote is None or quote.expires_at <= self.purchases.clock():",
        "        if quote is None:",
        ("tests/handlers/test_approvals.py",),
    ),
    Bug(
        "monthly report: the month is claimed without NX (two processes both post)",
        "report once a month",
        "bot/report.py",
        "        if not await self.redis.set(claim, token, nx=True, px=LEASE_MS):",
        "        if not await self.redis.set(claim, token, px=LEASE_MS):",
        ("tests/test_report.py",),
    ),
    Bug(
        "chart: redrawn whenever the figures change, not at most once an hour",
        "chart at most hourly",
        "bot/chart.py",
        "if file and tonumber(ARGV[2]) - drawn < tonumber(ARGV[3]) then return 'recent' end\n",
        "",
        ("tests/test_chart.py",),
    ),
    Bug(
        "chart: redrawn every hour even when the figures are the same",
        "chart at most hourly",
        "bot/chart.py",
        "if file and redis.call('HGET', KEYS[1], 'digest') == ARGV[1] then return 'same' end\n",
        "",
        ("tests/test_chart.py",),
    ),
    Bug(
        "chart: drawn on the event loop",
        "nothing blocks the event loop",
        "bot/chart.py",
        "    return await asyncio.get_running_loop().run_in_executor(_executor, render_png, history)",
        "    return render_png(history)",
        ("tests/test_chart.py",),
    ),
    Bug(
        "Home approve: the request message in the approvals channel is not updated",
        "exactly once",
        "bot/home_actions.py",
        "            if record is not None and record.channel and record.ts:",
        "            if False:",
        ("tests/handlers/test_home.py",),
    ),
    Bug(
        "roles at click: Release in the Home tab asks only for a viewer",
        "roles at click",
        "bot/access.py",
        '(("action", ids.HOME_RELEASE), Need(Role.admin, ',
        '(("action", ids.HOME_RELEASE), Need(Role.viewer, ',
        ("tests/handlers/test_home.py",),
    ),
    Bug(
        "Home tab: the pool's idle numbers are not summarised (more than 100 blocks)",
        "Slack limits",
        "bot/blocks/home.py",
        'SUMMARY = {"approvals": 3, "idle": 5, "mine": 5}',
        'SUMMARY = {"approvals": 3, "idle": 60, "mine": 5}',
        ("tests/handlers/test_home.py",),
    ),
    Bug(
        "secrets scrubbed: the message is logged as it is",
        "secrets scrubbed",
        "bot/logs.py",
        "        record.msg = scrub(record.getMessage())",
        "        record.msg = record.getMessage()",
        ("tests/test_logs.py",),
    ),
    Bug(
        "secrets scrubbed: extra fields are logged as they are",
        "secrets scrubbed",
        "bot/logs.py",
        "                setattr(record, key, self._clean(value))",
        "                setattr(record, key, value)",
        ("tests/test_logs.py",),
    ),
    Bug(
        'balance: Confirm buys a quote over the balance without the buyer\'s "buy anyway"',
        "balance consent",
        "bot/purchases.py",
        "        if quote.over_balance_unconfirmed:  # only the",
        "        if False:  # only the",
        ("tests/handlers/test_balance.py",),
    ),
    Bug(
        'balance: anyone may click "buy anyway" on someone\'s quote',
        "balance consent",
        "bot/balance.py",
        "        if quote.user_id != caller.user_id:\n",
        "        if False:\n",
        ("tests/handlers/test_balance.py",),
    ),
    Bug(
        "balance: the consent outlives a dearer purchase",
        "balance consent",
        "bot/balance.py",
        "            and needed.amount <= before.needed.amount",
        "            or True",
        ("tests/test_balance_judge.py",),
    ),
    Bug(
        "balance: the provider is asked on every Buy (no shared cache)",
        "balance cache",
        "bot/balance.py",
        "        await self.redis.set(key, json.dumps(value), ex=CACHE_SECONDS)\n",
        "",
        ("tests/handlers/test_balance.py", "tests/test_balance_judge.py"),
    ),
    Bug(
        "e911: a number outside North America reaches the provider",
        "checked before the provider",
        "bot/emergency.py",
        "        if country_of(e164) not in NORTH_AMERICA:\n            raise",
        "        if False:\n            raise",
        ("tests/handlers/test_e911.py",),
    ),
    Bug(
        "cnam: a name longer than 15 characters passes the grammar",
        "checked before the provider",
        "bot/addresses.py",
        "    if len(name) > CNAM_MAX:",
        "    if len(name) > 99:",
        ("tests/handlers/test_e911.py", "tests/test_addresses.py"),
    ),
    Bug(
        "e911: Kazoo's POST carries only the e911 field (POST replaces the rest)",
        "what an update replaces",
        "bot/providers/kazoo_features.py",
        '{**public, "e911": e911}',
        '{"e911": e911}',
        ("tests/handlers/test_kazoo_e911.py",),
    ),
    Bug(
        "e911: Flowroute creates a new record for an address the account already has",
        "reuse, not duplicate",
        "bot/providers/flowroute_features.py",
        '        return next((str(r["id"]) for r in records if _key(r.get("attributes") or {}) == wanted), None)',
        "        return None",
        ("tests/handlers/test_flowroute_e911.py", "tests/providers/flowroute/test_e911.py"),
    ),
    Bug(
        "e911: Flowroute attaches without validating first",
        "validated at the provider first",
        "bot/providers/flowroute_features.py",
        '        if not response.is_success:\n            raise self._refused(response, "Flowroute could not validate',
        '        if False:\n            raise self._refused(response, "Flowroute could not validate',
        ("tests/handlers/test_flowroute_e911.py",),
    ),
    Bug(
        "cnam: a name awaiting approval is forgotten (never attached)",
        "pending names attached",
        "bot/emergency.py",
        "            await self.requests.put(caller.team_id, e164, request)",
        "            pass",
        ("tests/handlers/test_flowroute_e911.py", "tests/handlers/test_e911.py"),
    ),
    Bug(
        "cnam: a caller-ID name is shown to Slack unescaped",
        "escaping",
        "bot/blocks/emergency.py",
        '    name = escape(status.name or "")',
        '    name = status.name or ""',
        ("tests/handlers/test_e911.py",),
    ),
    # -- text messages (issue 18) --------------------------------------------------------------
    Bug(
        "sms once: a retried webhook's message id is not looked up",
        "sms delivered once",
        "bot/sms_store.py",
        "if redis.call('ZSCORE', KEYS[3], ARGV[3]) then return 'duplicate' end\n",
        "",
        (_SMS_INBOUND,),
    ),
    Bug(
        "sms in order: a new message goes to the front of the queue",
        "sms delivered in order",
        "bot/sms_store.py",
        "redis.call('RPUSH', KEYS[4], ARGV[7])",
        "redis.call('LPUSH', KEYS[4], ARGV[7])",
        (_SMS_INBOUND,),
    ),
    Bug(
        "sms in order: two processes post one number's queue at once (no lease)",
        "sms delivered in order",
        "bot/sms_store.py",
        "        return bool(await self.redis.set(keys.sms_lease(team_id, e164), token, nx=True, px=LEASE_MS))",
        "error))",
        (_SMS_INBOUND,),
    ),
    Bug(
        "sms in order: Retry-After of a 429 is not honoured",
        "sms delivered in order",
        "bot/sms_delivery.py",
        "    if response is not None and response.status_code == 429:",
        "    if False:",
        (_SMS_INBOUND,),
    ),
    Bug(
        "sms verified: the webhook's token is not compared",
        "sms webhooks verified",
        "bot/sms_inbox.py",
        "    if not hmac.compare_digest(given.encode(), route.token.encode()):",
        "    if False:",
        (_SMS_INBOUND, "tests/handlers/test_sms_azure.py", "tests/handlers/test_sms_flowroute.py"),
    ),
    Bug(
        "sms verified: Vonage's signature is not checked",
        "sms webhooks verified",
        "bot/providers/vonage_sms.py",
        "        if not signature_matches(params, secret):",
        "        if False:",
        ("tests/handlers/test_sms_vonage.py",),
    ),
    Bug(
        "sms privacy: the delivery posts a private routing's SMS as a public one",
        "sms privacy",
        "bot/sms_delivery.py",
        "text=head.text, private=route.private,",
        "text=head.text, private=False,",
        (_SMS_PRIVATE,),
    ),
    Bug(
        "sms privacy: a private text is kept as long as a public one waiting for Slack",
        "sms privacy",
        "bot/sms_inbox.py",
        "            text_ms = self.reveal_seconds * 1000 if route.private else RETENTION_MS",
        "            text_ms = RETENTION_MS",
        (_SMS_PRIVATE,),
    ),
    Bug(
        "sms privacy: a View message click is not audited",
        "sms privacy",
        "bot/sms.py",
        "        await self.audit.record(caller.team_id, entry_fields(**fields, detail=detail))\n",
        "",
        (_SMS_PRIVATE,),
    ),
    Bug(
        "sms privacy: the received text is logged",
        "sms privacy",
        "bot/sms_inbox.py",
        "        queued = Queued(\n",
        '        log.info("sms received", extra={"text": message.text})\n        queued = Queued(\n',
        (_SMS_INBOUND,),
    ),
    Bug(
        "sms channel: anyone may send a number's SMS to any channel",
        "sms channel membership",
        "bot/slack_channels.py",
        '            if user_id in (page.get("members") or []):',
        "            if True:",
        ("tests/handlers/test_sms_routing.py",),
    ),
    Bug(
        "sms released: a released number keeps its route",
        "sms stops with the number",
        "bot/releases.py",
        "                    (keys.sms_routes(team), op.e164),",
        "",
        ("tests/handlers/test_sms_routing.py",),
    ),
    Bug(
        "sms destinations: a test SMS skips the toll-fraud rule",
        "sms destinations",
        "bot/sms.py",
        "destination = await allowed_or_refused(self.audit, caller, audit, destination, self.forward_countries)",
        "pass",
        ("tests/handlers/test_sms_send.py",),
    ),
    Bug(
        "sms vonage: routing SMS drops the number's application and callbacks",
        "keeps the number's settings",
        "bot/providers/vonage.py",
        '        form |= {"msisdn": str(raw.get("msisdn", "")), **_kept_settings(raw)}',
        '        form |= {"msisdn": str(raw.get("msisdn", ""))}',
        ("tests/handlers/test_sms_vonage.py", "tests/handlers/test_vonage_flow.py"),
    ),
    Bug(
        "sms stuck: whoever routed a number is told at every retry while Slack refuses its posts",
        "sms refused by Slack",
        "bot/sms_store.py",
        "error, nx=True, ex=STUCK_NOTICE_SECONDS))",
        "error))",
        (_SMS_INBOUND,),
    ),
    Bug(
        "outcome unknown: a connection that broke after sending is reported as never sent",
        "provider transport",
        "bot/providers/http.py",
        "    if isinstance(exc, httpx.ConnectTimeout):  # any other broken connection: maybe sent\n"
        '        return httpx.RemoteProtocolError("the connection broke", request=request)\n',
        "",
        ("tests/providers/test_transport.py",),
    ),
    Bug(
        "acks first: work after an ack starts while a burst is still being acknowledged",
        "acks first",
        "handlers/middleware.py",
        "    await svc.lifecycle.after_acks()\n",
        "",
        ("tests/handlers/test_acks_first.py",),
    ),
)


@dataclass
class Result:
    bug: Bug | None  # None: the unpatched tree
    verdict: str  # caught | missed | stale | green | red
    seconds: float
    detail: str = ""


def _copy_tree(into: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _pytest(tree: Path, tests: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    argv = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
    return subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, timeout=900)  # noqa: S603


def _last_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run(bug: Bug | None, tests: tuple[str, ...]) -> Result:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="planted-") as workdir:
        tree = Path(workdir)
        _copy_tree(tree)
        if bug is not None:
            module = tree / bug.path
            text = module.read_text()
            if text.count(bug.old) != 1:
                return Result(bug, "stale", 0.0, f"the patch's text occurs {text.count(bug.old)} times in {bug.path}")
            module.write_text(text.replace(bug.old, bug.new))
        where = subprocess.run(  # the copy must be what the tests import
            [sys.executable, "-c", "import bot; print(bot.__file__)"],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not where.startswith(str(tree)):
            return Result(bug, "stale", 0.0, f"the tests would import bot from {where}, not the copy")
        done = _pytest(tree, tests)
    seconds = time.monotonic() - started
    failed = done.returncode != 0
    if bug is None:
        return Result(None, "red" if failed else "green", seconds, _last_line(done.stdout))
    return Result(bug, "caught" if failed else "missed", seconds, _last_line(done.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="match", default="", help="only bugs whose name contains this text")
    parser.add_argument("-j", "--jobs", type=int, default=4, help="bugs checked at once (default 4)")
    parser.add_argument("--list", action="store_true", help="list the planted bugs and stop")
    args = parser.parse_args(argv)
    bugs = [b for b in BUGS if args.match.lower() in b.name.lower()]
    if args.list:
        for bug in bugs:
            print(f"{bug.invariant:32} {bug.name}  [{bug.path}]")
        return 0

    every_test = tuple(sorted({t for b in bugs for t in b.tests}))
    baseline = run(None, every_test)
    print(f"unpatched tree: {baseline.verdict} ({baseline.seconds:.0f} s) {baseline.detail}")
    if baseline.verdict != "green":
        print("the tests fail without any planted bug; fix them first")
        return 2
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda b: run(b, b.tests), bugs))
    for result in results:
        assert result.bug is not None
        print(f"{result.verdict:7} {result.seconds:5.0f} s  {result.bug.name}  ({result.detail})")
    caught = sum(r.verdict == "caught" for r in results)
    print(f"\n{caught} of {len(results)} planted bugs caught")
    return 0 if caught == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
