"""The command grammar: typed commands for good input, the usage line for bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot import commands, grammar
from bot.access import need_for
from bot.errors import InputError
from bot.models import Feature, NumberType, Role
from bot.mrkdwn import escape

PROVIDERS = ("sandbox", "vonage")


def need(command: commands.Command) -> Role | None:
    """The role the access table asks of this command (every parsed command has a row)."""
    row = need_for("command", command.key)
    assert row is not None, f"no access row for {command.key!r}"
    return row.role


def parse(text: str) -> commands.Command:
    return grammar.parse(text, PROVIDERS)


def test_bare_command_opens_the_modal() -> None:
    assert isinstance(parse(""), commands.OpenSearch)
    assert isinstance(parse("   "), commands.OpenSearch)


def test_search_with_everything() -> None:
    command = parse("search gb 20 --provider Vonage --type mobile --features sms,voice --limit 5")
    assert isinstance(command, commands.Search)
    assert command.provider == "vonage"
    q = command.query
    assert (q.country, q.pattern, q.type, q.limit) == ("GB", "20", NumberType.mobile, 5)
    assert q.features == {Feature.sms, Feature.voice}


def test_search_flag_equals_form_and_toll_free_spelling() -> None:
    command = parse("search US --type=toll-free --limit=20")
    assert isinstance(command, commands.Search)
    assert command.query.type is NumberType.tollfree
    assert command.query.limit == 20


@pytest.mark.parametrize(
    "text",
    [
        "search", "search ZZ", "search GBR", "search 12", "search GB 2O", "search GB 1234567890123",
        "search GB --limit 0", "search GB --limit 21", "search GB --limit x", "search GB --features fax",
        "search GB --provider azure", "search GB --colour red", "search GB 20 30", "search GB --limit",
        "search GB --type local --type mobile",
    ],
)  # fmt: skip
def test_bad_search_input_gets_the_search_usage(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse(text)
    assert escape(commands.USAGE["search"]) in info.value.user_message  # mrkdwn: <CC> is escaped


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+44 20 7946 0123", "+442079460123"),
        ("+442079460123", "+442079460123"),
        ("00442079460123", "+442079460123"),
        ("442079460123", "+442079460123"),
        ("<tel:+14155550123|+1 415 555 0123>", "+14155550123"),
        ("+1 (415) 555-0123", "+14155550123"),
    ],
)
def test_numbers_are_normalised_to_e164(raw: str, e164: str) -> None:
    command = parse(f"info {raw}")
    assert isinstance(command, commands.Info)
    assert command.e164 == e164


@pytest.mark.parametrize("raw", ["12", "+44", "hello", "+0000000", "07946 0123"])
def test_unparsable_numbers_get_the_usage(raw: str) -> None:
    with pytest.raises(InputError, match="Usage: /number info"):
        parse(f"info {raw}")


def test_forward_splits_number_and_destination_even_with_spaces() -> None:
    command = parse("forward +44 20 7946 0123 +44 7400 123456")
    assert isinstance(command, commands.Forward)
    assert (command.e164, command.destination) == ("+442079460123", "+447400123456")
    assert need(command) is Role.buyer


def test_forward_destination_must_be_a_valid_number() -> None:
    with pytest.raises(InputError, match="not a valid destination"):
        parse("forward +442079460123 +447700900123")
    with pytest.raises(InputError, match="cannot forward to itself"):
        parse("forward +442079460123 +442079460123")


def test_name_takes_the_rest_of_the_line() -> None:
    command = parse("name +442079460123 Support line <London>")
    assert isinstance(command, commands.Name)
    assert command.label == "Support line <London>"
    with pytest.raises(InputError):
        parse("name +442079460123 " + "x" * 61)


def test_adopt_needs_a_provider() -> None:
    with pytest.raises(InputError, match="Say which provider"):
        parse("adopt +442079460123")
    command = parse("adopt +442079460123 --provider sandbox")
    assert isinstance(command, commands.Adopt)
    assert command.provider == "sandbox"


@pytest.mark.parametrize("mention", ["<@U123ABC|alice>", "<@U123ABC>", "U123ABC", "@U123ABC"])
def test_grant_accepts_escaped_mentions_and_raw_ids(mention: str) -> None:
    command = parse(f"grant {mention} Buyer")
    assert isinstance(command, commands.Grant)
    assert (command.user_id, command.role) == ("U123ABC", Role.buyer)


def test_grant_rejects_unknown_roles_and_plain_names() -> None:
    with pytest.raises(InputError, match="Unknown role"):
        parse("grant <@U1AB> emperor")
    with pytest.raises(InputError, match="not a Slack user mention"):
        parse("grant alice buyer")


def test_budget_forms() -> None:
    read = parse("budget")
    assert isinstance(read, commands.Budget)
    assert need(read) is Role.viewer
    both = parse("budget 500 --auto-approve 20")
    assert isinstance(both, commands.Budget)
    assert need(both) is Role.admin
    assert both.budget == commands.Amount(value=Decimal("500"))  # in the team currency
    assert both.auto_approve == commands.Amount(value=Decimal("20"))
    euros = parse("budget 19.99 EUR --auto-approve 5 GBP")
    assert isinstance(euros, commands.Budget)
    assert euros.budget == commands.Amount(value=Decimal("19.99"), currency="EUR")
    assert euros.auto_approve == commands.Amount(value=Decimal("5"), currency="GBP")
    details = parse("budget details")
    assert isinstance(details, commands.Budget)
    assert details.details
    assert need(details) is Role.viewer
    off = parse("budget off --auto-approve none")
    assert isinstance(off, commands.Budget)
    assert off.clear_budget
    assert off.clear_auto_approve


def test_audit_bounds() -> None:
    assert parse("audit").count == 10  # type: ignore[attr-defined]
    assert parse("audit 50").count == 50  # type: ignore[attr-defined]
    for bad in ("audit 0", "audit 51", "audit x"):
        with pytest.raises(InputError):
            parse(bad)


def test_roles_declared_per_command() -> None:
    assert need(parse("help")) is None
    assert need(parse("list")) is Role.viewer
    assert need(parse("audit")) is Role.approver
    assert need(parse("release +442079460123")) is Role.admin
    assert need(parse("roles")) is Role.admin


def test_unknown_subcommand_points_at_help() -> None:
    with pytest.raises(InputError, match="Try /number help"):
        parse("buy +442079460123")
