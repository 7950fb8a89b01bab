"""A real SMTP server on loopback (aiosmtpd) for the tests that send e-mail."""
import contextlib
import email
import email.policy
import socket

from aiosmtpd.controller import Controller

from models.notifications.mail import Mailer


class Inbox:
    """What the server received: [(recipients, message)]. `refuse` makes the next n
    deliveries fail with a temporary error, as a busy mail server does."""

    def __init__(self):
        self.messages = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content,
                                                                      policy=email.policy.default)))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(app):
    """Start the server and point the app's mailer at it; yields the Inbox."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    app.extensions["mailer"] = Mailer(host="127.0.0.1", port=port, starttls=False,
                                      sender="kontaktbok@demo.kommune.no")
    try:
        yield handler
    finally:
        server.stop()
