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
                "1",  # Buy on the first result
                "1",  # Confirm purchase, the first button of the confirmation
                "/number list",
                f"forward {number} +447400123456",
                f"info {number}",
                f"release {number}",
                "1",  # Release
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
        "grant U0ALICE requester\ngrant U0BOB approver\n:as U0ALICE\n/number search GB --limit 1\n1\n1\n:as U0BOB\n1\n"
    )
    assert "(posted to C0APPROVALS)" in out
    assert "Purchase approval requested" in out
    assert "[1] Approve (primary)   [2] Deny (danger)" in out
    assert "(clicking “Approve” in message" in out
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


def test_buttons_are_numbered_per_reply_and_older_ones_are_reached_by_message() -> None:
    """After a second search, `1` is the second search's first Buy, not the first search's."""
    out = run_console("/number search GB 20 --limit 1\n/number search US --limit 1\n1\n:click 1.1\n")
    gb = re.search(r"\+4420\d{8}", out).group(0)  # type: ignore[union-attr]
    us = re.search(r"\+1\d{10}", out).group(0)  # type: ignore[union-attr]
    latest, older = out.split("(clicking “Buy” in message #")[1:]
    assert latest.startswith("2)")
    assert f"| {us}" in latest, "the confirmation is for the number of the latest search"
    assert "[1] Confirm purchase" in latest
    assert older.startswith("1)")
    assert f"| {gb}" in older, "the first search's Buy, asked for by its message"


def test_a_refused_message_is_printed_as_slacks_refusal() -> None:
    import io

    from bot.config import Settings
    from bot.console.session import Console
    from bot.console.slack_stub import Call

    out = io.StringIO()
    console = Console(Settings(), out=out)
    problem = "action_id 'nb_list_page' is already used in this block [json-pointer:/blocks/3/elements/1/action_id]"
    console.screen.pending.append(Call("respond", "m1", {"text": "page 2"}, problems=[problem]))
    console.screen.flush(user=console.user, show_home=False)
    assert "(Slack refused what the bot sent with m1: invalid_blocks)" in out.getvalue()
    assert problem in out.getvalue()
    assert "page 2" not in out.getvalue(), "Slack shows nothing of a refused message"


def test_the_home_tab_in_the_console() -> None:
    steps = ["/number search GB 20 --limit 1", "1", "1", ":home", "1", "grant U0BOB viewer", ":as U0BOB", ":home"]
    out = run_console("\n".join([*steps, ":as U0CONSOLE", ":home", "2", "y"]) + "\n")
    home = out.split("U0CONSOLE> :home")[1]
    assert "(your Home tab)" in home
    assert "== The pool: 1 number ==" in home
    assert "[Spend per provider, " in home, "the chart's image block, with its alt text"
    assert "[1] Info   [2] Release (danger)" in home
    assert "(clicking “Info” in message #" in out
    assert "#4 (updated) (a modal)" in out or "(updated) (a modal)" in out
    viewer = out.split("U0BOB> :home")[1].split("U0BOB>")[0]
    assert "Your role: viewer" in viewer
    assert "Release" not in viewer
    assert "[1] Info" in viewer
    assert "Last action: 🗑️ Released" in out.split("(clicking “Release”")[1]
    assert "== The pool: 0 numbers ==" in out.split("(clicking “Release”")[1]


def test_input_that_ends_inside_a_form_ends_the_console() -> None:
    """A form the bot refuses is asked again; when the piped input ends there, the console stops."""
    out = run_console("/number\nZZ\n")  # the search form, a country the bot refuses, then nothing more
    assert "== form: Search numbers ==" in out
    assert out.rstrip().endswith("(the input ended: the form was not submitted)")
