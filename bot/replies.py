"""What the core answers with: text for notifications and logs, Block Kit for Slack."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bot.models import Frozen

__all__ = ["Reply"]


class Reply(Frozen):
    text: str
    blocks: list[dict[str, Any]] | None = None
    replace_original: bool = False
    in_channel: bool = False
    files: list[tuple[str, str]] = Field(default_factory=list)  # (filename, content) to upload

    def replacing(self) -> Reply:
        return self.model_copy(update={"replace_original": True})

    def as_new(self) -> Reply:
        return self.model_copy(update={"replace_original": False})
