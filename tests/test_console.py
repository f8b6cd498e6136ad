"""`python -m bot console` end to end: a real process, typed input, printed replies."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def run_console(script: str) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK", "REDIS", "VONAGE", "AZURE", "FLOWROUTE", "KAZOO"))
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"], input=script, capture_output=True, text=True, timeout=90, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_search_buy_list_forward_release_in_the_console() -> None:
    # The number bought is only known once searched; run in two steps over one script.
    first = run_console("/number search GB 20 --limit 2\n")
    number = re.search(r"\+4420\d{8}", first).group(0)  # type: ignore[union-attr]
    out = run_console(
        "\n".join(
            [
                "/number search GB 20 --limit 2",
                "1",  # Buy ([2] is the second Buy, [3] Next page)
                "4",  # Confirm purchase
                "/number list",
                f"forward {number} +447400123456",
                f"info {number}",
                f"release {number}",
                "6",
                "y",
                "/number list",
            ]
        )
        + "\n"
    )
    assert "Confirm sandbox purchase (simulated)" in out
    assert f"bought {number} from sandbox" in out
    assert "Number pool: 1 number" in out
    assert f"Calls to {number} now forward to +447400123456" in out
    assert "Forwarding: +447400123456" in out
    assert f"Released {number}" in out
    assert out.rstrip().endswith("The pool is empty. Find numbers with /number search <CC>.")


def test_the_search_form_and_acting_as_another_user() -> None:
    out = run_console("/number\nNL\n\n1\n3\n:as U0ALICE\n/number list\n")
    assert "== form: Search numbers ==" in out
    assert re.search(r"\+316\d{8}", out), "mobile numbers in NL were listed"
    assert "You are now U0ALICE." in out
    assert "no numberbot role yet" in out


def test_approvals_in_the_console_acting_as_other_users() -> None:
    out = run_console(
        "grant U0ALICE requester\ngrant U0BOB approver\n:as U0ALICE\n/number search GB --limit 1\n1\n3\n:as U0BOB\n5\n"
    )
    assert "(posted to C0APPROVALS)" in out
    assert "Purchase approval requested" in out
    assert "[5] Approve (primary)   [6] Deny (danger)" in out
    assert "approved your request: bought" in out
    assert "Approved by @U0BOB" in out


def test_real_provider_credentials_stop_the_console_unless_allowed() -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK", "REDIS", "VONAGE", "KAZOO"))},
        "VONAGE_API_KEY": "vkey-console",
        "VONAGE_API_SECRET": "vonage-secret-console",
        "KAZOO_BASE_URL": "https://kazoo.invalid:8443",
        "KAZOO_API_KEY": "kazoo-key-console",
    }
    refused = subprocess.run(
        [sys.executable, "-m", "bot", "console"], input=":quit\n", capture_output=True, text=True, timeout=90, env=env
    )
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert "real provider credentials are configured (kazoo, vonage)" in line
    assert "--allow-real-providers" in line
    assert "U0CONSOLE>" not in refused.stdout, "nothing was typed into the app"

    allowed = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--allow-real-providers"],
        input=":quit\n",
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "Real providers: kazoo, vonage." in allowed.stdout
