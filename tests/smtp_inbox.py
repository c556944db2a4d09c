"""A real SMTP server for tests (aiosmtpd on a free local port) that keeps what it receives."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://\S+/admin/(?:password|invite)/[\w-]{43}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return str(body.get_content())

    @property
    def link(self) -> str:
        """The one link of the text part (the HTML part must carry the same)."""
        links = set(LINK.findall(self.part("plain")))
        assert len(links) == 1, links
        link = links.pop()
        assert link in self.part("html")
        return link


@dataclass
class Inbox:
    """What the server received (one `Received` per accepted message)."""

    host: str
    port: int
    messages: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def start(inbox: Inbox, **kwargs: Any) -> Controller:
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port, **kwargs)
    controller.start()
    return controller


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox("127.0.0.1", free_port())
    controller = start(box)
    yield box
    controller.stop()
