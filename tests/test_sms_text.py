"""What an SMS says: Slack's escaping undone for a test SMS, verification codes recognised."""

from __future__ import annotations

import pytest

from bot.sms_text import find_code, plain


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Your Uber code is 4821. Never share it.", "4821"),
        ("G-318274 is your Google verification code.", "318274"),
        ("123 456 is your Acme login code", "123456"),
        ("Your WhatsApp code 482-913", "482913"),
        ("Votre code de vérification est 774411", "774411"),
        ("PIN 0000 to reset", "0000"),
        ("Use 90210 and then your OTP 551122 to sign in", "551122"),  # the one nearest the word
    ],
)
def test_a_verification_code_is_found(text: str, code: str) -> None:
    assert find_code(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "Meet at 1430 tomorrow",  # a number, but nothing says it is a code
        "Call +447400123456 about the code",  # a phone number is not a code
        "Your code: 12-34",  # too short
        "Pay 1234.50 code",  # an amount
        "Code 2024-05-01",  # a date
        "code",
    ],
)
def test_no_code_is_guessed(text: str) -> None:
    assert find_code(text) is None


def test_slack_escaping_is_undone_for_the_text_sent() -> None:
    typed = (
        "hi &lt;b&gt; &amp; <@U123|ann> <#C1|ops> <https://x.com|x.com> <!here> <mailto:a@b.c|a@b.c> <tel:+4420|+44 20>"
    )
    assert plain(typed) == "hi <b> & @ann #ops x.com @here a@b.c +44 20"
    assert plain("<https://example.com/a?b=c&amp;d=e>") == "https://example.com/a?b=c&d=e"
