"""`sms-to` and `sms` parse into typed commands or fail with their usage line (no Redis, no provider)."""

from __future__ import annotations

import pytest

from bot.commands import SendSms, SmsTo
from bot.errors import InputError
from bot.grammar import parse

PROVIDERS = ("sandbox",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sms-to +442079460123 <#C0123ABC|ops-sms>", SmsTo(e164="+442079460123", channel="C0123ABC")),
        ("sms-to +442079460123 <#C0123ABC>", SmsTo(e164="+442079460123", channel="C0123ABC")),
        ("sms-to 00442079460123 G0PRIVATE --private", SmsTo(e164="+442079460123", channel="G0PRIVATE", private=True)),
        ("SMS-TO +442079460123 --PRIVATE <#C0123ABC|x>", SmsTo(e164="+442079460123", channel="C0123ABC", private=True)),
        ("sms-to +442079460123 off", SmsTo(e164="+442079460123", channel=None)),
        (
            "sms +442079460123 +447400123456 Hello   there\nsecond line",
            SendSms(e164="+442079460123", destination="+447400123456", text="Hello   there\nsecond line"),
        ),
        (
            "sms +442079460123 <tel:+447400123456|+447400123456> a &lt;b&gt; &amp; c",
            SendSms(e164="+442079460123", destination="+447400123456", text="a <b> & c"),
        ),
    ],
)
def test_sms_commands_parse(text: str, expected: object) -> None:
    command = parse(text, PROVIDERS)
    assert command == expected
    assert command.key == expected.name  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("sms-to +442079460123", "Give a number and a channel (or off)"),
        ("sms-to +442079460123 #ops", "'#ops' is not a channel: pick it with # so Slack links it"),
        ("sms-to +442079460123 <@U0BOB|bob>", "'&lt;@U0BOB|bob&gt;' is not a channel"),
        ("sms-to +442079460123 off --private", "--private goes with a channel"),
        ("sms-to +442079460123 <#C0123ABC> --verbose", "Unknown option '--verbose'"),
        ("sms-to nonsense <#C0123ABC>", "'nonsense' is not a phone number"),
        ("sms +442079460123 +447400123456", "Give a number, a destination and the text"),
        ("sms +442079460123 +447400123456    ", "Give a number, a destination and the text"),
        ("sms +442079460123 +4474 hello", "'+4474' is not a valid destination number (+CC…)"),
    ],
)
def test_bad_sms_input_gets_the_usage_line(text: str, starts: str) -> None:
    with pytest.raises(InputError) as failed:
        parse(text, PROVIDERS)
    assert failed.value.user_message.startswith(starts), failed.value.user_message
    assert "Usage: /number sms" in failed.value.user_message
