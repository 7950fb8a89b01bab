"""Sending e-mail: through the municipality's SMTP server, or, in demo mode without one,
into `instance/outbox/` as .eml files to look at. E-mail leaves the secure channel, so
what is sent never holds a message's text or a child's name (DESIGN.md).
"""
import contextlib
import smtplib
import ssl
import threading
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
        self._kept = threading.local()  # a connection kept by connection()

    @property
    def configured(self):
        return bool(self.host or self.outbox)

    def send(self, to, subject, body, message_id=None):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = message_id or make_msgid(
            domain=self.sender.rpartition("@")[2] or None)
        message.set_content(body)
        if not self.host:
            folder = Path(self.outbox)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{time.time_ns()}.eml").write_bytes(bytes(message))
            return
        kept = getattr(self._kept, "smtp", None)
        try:
            if kept is not None:
                try:
                    kept.send_message(message)
                    return
                except smtplib.SMTPServerDisconnected:
                    self._kept.smtp = kept = self._open()
                    kept.send_message(message)
                    return
            with self._open() as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            if kept is not None and not isinstance(error, smtplib.SMTPResponseException):
                self._drop_kept()
            raise Unavailable(type(error).__name__) from None

    def _open(self):
        smtp = smtplib.SMTP(self.host, self.port, timeout=10)
        try:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _drop_kept(self):
        smtp, self._kept.smtp = getattr(self._kept, "smtp", None), None
        if smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
            smtp.close()

    @contextlib.contextmanager
    def connection(self):
        """Keep one SMTP connection for the mails sent inside (per thread): the queue
        sends many notifications in a row; a handshake and login each would cost more
        than the mail."""
        if not self.host or getattr(self._kept, "smtp", None) is not None:
            yield
            return
        try:
            self._kept.smtp = self._open()
        except (OSError, smtplib.SMTPException):
            self._kept.smtp = None  # each send tries on its own, and says why
        try:
            yield
        finally:
            self._drop_kept()
