"""E911, caller-ID names and the balance in `python -m bot console`, on the sandbox."""

from __future__ import annotations

from tests.test_console import run_console

TOLL_FREE = ("+18009410751", "+18332610671")  # the sandbox's cheapest US toll-free numbers (deterministic)


def test_emergency_address_caller_id_name_and_balance_in_the_console() -> None:
    local = "+12062935855"  # the sandbox's first Seattle local number
    out = run_console(
        "\n".join(
            [
                "/number search US --type tollfree --limit 2",
                "1",  # Buy the first: 8.00 USD of the sandbox account's 10.00 USD
                "1",  # Confirm
                ":click 1.2",  # Buy the second: over what is left
                "1",  # Buy anyway
                "1",  # Confirm
                f"/number e911 {TOLL_FREE[0]} 1 Main St, Seattle, WA 98101",
                "/number search US 206 --type local --limit 1",
                "1",  # Buy: the account is already below zero
                "1",  # Buy anyway (the sandbox, like some carriers, sells on credit)
                "1",  # Confirm
                f"/number e911 {local} 1182 3rd Ave, Seattle, WA 10001",
                f"/number e911 {local} 1182 3rd Ave Suite 600, Seattle, WA 98101",
                f"/number cnam {local} ACME SUPPORT",
                f"/number cnam {local} lookup on",
                f"/number info {local}",
            ]
        )
        + "\n"
    )
    assert "sandbox balance: 10.00 USD (as of" in out
    assert "sandbox balance: ⚠️ 2.00 USD (as of" in out
    assert "[1] Buy anyway (over the balance) (danger)   [2] Cancel" in out
    assert "@U0CONSOLE chose to buy anyway" in out
    assert f"bought {TOLL_FREE[1]} from sandbox" in out
    assert f"bought {local} from sandbox" in out
    assert "sandbox: toll-free numbers take no E911 address (simulated)" in out
    assert "sandbox: the address could not be found: 10001 is not a postal code of WA (simulated)" in out
    assert f"{local} now has the E911 address 1182 3rd Ave Suite 600, Seattle, WA 98101" in out
    assert "Caller-ID name ACME SUPPORT for +12062935855 is waiting for the provider's approval" in out
    assert "E911 address: 1182 3rd Ave Suite 600, Seattle, WA 98101 (simulated)" in out
    assert "inbound caller-name lookup on" in out
