from tests.slack import BotUnderTest


async def test_help_through_signed_request(bot: BotUnderTest) -> None:
    ack = await bot.command("help")
    assert ack.status == 200
    assert "Your role: *admin*" in ack.body
