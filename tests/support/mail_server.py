"""A local SMTP server for tests (aiosmtpd, a real SMTP implementation, on a loopback
address and a free port). It keeps what it receives, parsed, and can be told to answer
a message with a temporary failure, as a council's mail server does when it is busy.

It offers AUTH PLAIN/LOGIN without TLS (so tests can see whether a sender would send a
password in the clear) and accepts one user, when given one."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.network import free_port


@dataclass
class MailServerStandIn:
    host: str = "127.0.0.1"
    user: tuple[str, str] | None = None
    messages: list[EmailMessage] = field(default_factory=list)
    # Envelope recipients of each message, in order.
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    # Answer DATA with this instead of accepting, e.g. "451 4.3.0 Try again later".
    refuse_with: str | None = None
    port: int = 0
    _controller: Controller | None = None

    def start(self) -> MailServerStandIn:
        self.port = free_port(self.host)
        self._controller = Controller(
            self,
            hostname=self.host,
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def url(self, credentials: str = "") -> str:
        at = f"{credentials}@" if credentials else ""
        return f"smtp://{at}{self.host}:{self.port}"

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append(login)
        return AuthResult(success=(login, password) == self.user)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"
