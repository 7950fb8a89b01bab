"""Sending e-mail: through the municipality's SMTP server, or, in demo mode without one,
into `instance/outbox/` as .eml files to look at. E-mail leaves the secure channel, so
what is sent never holds a message's text or a child's name (DESIGN.md).
"""
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path


class Unavailable(Exception):
    """The SMTP server could not take the message."""


class Mailer:
    def __init__(self, host=None, port=587, user=None, password=None, starttls=True,
                 sender="kontaktbok@localhost", outbox=None):
        self.host, self.port, self.user = host, port, user
        self._password = password
        self.starttls, self.sender, self.outbox = starttls, sender, outbox

    @property
    def configured(self):
        return bool(self.host or self.outbox)

    def send(self, to, subject, body):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(body)
        if not self.host:
            folder = Path(self.outbox)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{time.time_ns()}.eml").write_bytes(bytes(message))
            return
        try:
            with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self._password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise Unavailable(type(error).__name__) from None
