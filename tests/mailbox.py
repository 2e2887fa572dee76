"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives for the tests."""
from __future__ import annotations

import email
import re
import socket
import threading
import time
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReceivedMail:
    def __init__(self, envelope_to: list[str], raw: bytes):
        self.envelope_to = envelope_to
        self.message: EmailMessage = email.message_from_bytes(raw, policy=default_policy)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    def links(self) -> list[str]:
        return re.findall(r"https?://[^\s<>\"]+", self.text)

    def link(self, path_fragment: str) -> str:
        for url in self.links():
            if path_fragment in url:
                return url
        raise AssertionError(f"no link with {path_fragment!r} in mail {self.subject!r}:\n{self.text}")


class Mailbox:
    def __init__(self):
        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self.refuse = False  # answer every message with a 451 (server trouble)

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Requested action aborted: local error in processing"
        with self._lock:
            self.messages.append(ReceivedMail(list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
        self.refuse = False

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address.lower() in [a.lower() for a in m.envelope_to]]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} mail(s) to {address}, got {len(self.to(address))}")


class SMTPServer:
    def __init__(self):
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()
