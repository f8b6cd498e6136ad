"""`e911` and `cnam` input: what the grammar takes, and the usage line for what it does not."""

from __future__ import annotations

import pytest

from bot.commands import CallerId, Emergency
from bot.errors import InputError
from bot.grammar import parse
from bot.models import EmergencyAddress

NUMBER = "+12065550123"


def e911(text: str) -> Emergency:
    command = parse(f"e911 {text}", ["sandbox"])
    assert isinstance(command, Emergency)
    return command


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "1182 3rd Ave Suite 600, Seattle, WA 98101",
            EmergencyAddress(
                street_number="1182", street_name="3rd Ave", unit_type="Suite", unit="600",
                city="Seattle", state="WA", postal_code="98101", country="US",
            ),
        ),
        (
            "1182 3rd Ave, apt. 4B, Seattle, wa 98101-1234",
            EmergencyAddress(
                street_number="1182", street_name="3rd Ave", unit_type="Apartment", unit="4B",
                city="Seattle", state="WA", postal_code="98101", plus_four="1234", country="US",
            ),
        ),
        (
            "40 Bay St #12, Toronto, ON m5j2x2",
            EmergencyAddress(
                street_number="40", street_name="Bay St", unit_type="Unit", unit="12",
                city="Toronto", state="ON", postal_code="M5J 2X2", country="CA",
            ),
        ),
        (
            "1 Main St, Montréal, QC H2Y 1C6",
            EmergencyAddress(
                street_number="1", street_name="Main St", city="Montréal", state="QC", postal_code="H2Y 1C6",
                country="CA",
            ),
        ),
    ],
)  # fmt: skip
def test_addresses_are_read_into_their_parts(typed: str, expected: EmergencyAddress) -> None:
    assert e911(f"{NUMBER} {typed}") == Emergency(e164=NUMBER, address=expected)


def test_the_number_may_be_typed_with_spaces_before_the_street_number() -> None:
    command = e911("+1 206 555 0123 1182 3rd Ave, Seattle, WA 98101")
    assert command.e164 == NUMBER
    assert command.address is not None
    assert command.address.line() == "1182 3rd Ave, Seattle, WA 98101"


def test_show_and_off() -> None:
    assert e911(NUMBER) == Emergency(e164=NUMBER)
    assert e911(f"{NUMBER} off") == Emergency(e164=NUMBER, off=True)


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("3rd Ave, Seattle, WA 98101", "is not a street with its number first"),
        ("1182 3rd Ave, Seattle, XX 98101", "'XX' is not a US state or Canadian province code"),
        ("1182 3rd Ave, Seattle, WA 9810", "'9810' is not a US ZIP code"),
        ("1182 3rd Ave, Toronto, ON 98101", "is not a Canadian postal code"),
        ("1182 3rd Ave Seattle WA 98101", "write the address as &lt;street&gt;, &lt;city&gt;"),
        ("1182 3rd Ave, Floor, Seattle, WA 98101", "'Floor' is not a unit such as Suite 600"),
        ("1182 3rd Ave Suite 6, Suite 7, Seattle, WA 98101", "give the unit once"),
        ("1182 <@U0ADMIN> Ave, Seattle, WA 98101", "addresses may use letters, digits"),
        ("1182 3rd Ave, 98101, WA 98101", "'98101' is not a city"),
    ],
)  # fmt: skip
def test_a_bad_address_gets_the_reason_and_the_usage_line(typed: str, why: str) -> None:
    with pytest.raises(InputError) as raised:
        parse(f"e911 {NUMBER} {typed}", ["sandbox"])
    message = raised.value.user_message
    assert why.lower() in message.lower()
    assert "Usage: /number e911 &lt;NUMBER&gt;" in message
    assert "<@" not in message, "what was typed is escaped"


def test_the_number_must_come_first() -> None:
    with pytest.raises(InputError, match="'Main' is not a phone number"):
        parse("e911 Main St, Seattle, WA 98101", ["sandbox"])


def cnam(text: str) -> CallerId:
    command = parse(f"cnam {NUMBER} {text}".rstrip(), ["sandbox"])
    assert isinstance(command, CallerId)
    return command


def test_caller_id_names_show_off_and_lookup() -> None:
    assert cnam("") == CallerId(e164=NUMBER)
    assert cnam("off") == CallerId(e164=NUMBER, off=True)
    assert cnam("lookup on") == CallerId(e164=NUMBER, lookup=True)
    assert cnam("LOOKUP off") == CallerId(e164=NUMBER, lookup=False)
    assert cnam("Acme  Support") == CallerId(e164=NUMBER, caller_name="Acme Support")
    assert cnam("AT&amp;T Desk").caller_name == "AT&T Desk", "Slack's &amp; is the & the user typed"
    assert cnam("O’Brien & Sons").caller_name == "O'Brien & Sons", "smart quotes are made straight"
    assert cnam("FIFTEEN CHARS 1").caller_name == "FIFTEEN CHARS 1"


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("SIXTEEN CHARS 12", "at most 15 characters"),
        ("2065550123", "needs at least one letter"),
        ("Café", "may use letters, digits, spaces and"),
        ("<!channel>", "may use letters, digits, spaces and"),
        ("lookup maybe", "Say lookup on or lookup off"),
    ],
)
def test_a_bad_caller_id_name_gets_the_reason_and_the_usage_line(typed: str, why: str) -> None:
    with pytest.raises(InputError) as raised:
        parse(f"cnam {NUMBER} {typed}", ["sandbox"])
    assert why in raised.value.user_message
    assert "Usage: /number cnam &lt;NUMBER&gt;" in raised.value.user_message
