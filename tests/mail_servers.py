"""Mail servers that misbehave, as mail backends (settings.MAILERS) for the tests."""

import smtplib
import threading

from django.core.mail.backends.locmem import EmailBackend


class FlakyMailServer(EmailBackend):
    """Drops the connection for the next `failures` mails, then delivers (to mail.outbox)."""

    failures = 0

    def send_messages(self, messages):
        if FlakyMailServer.failures > 0:
            FlakyMailServer.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class RefusingMailServer(EmailBackend):
    """Refuses every recipient for good (550: no such mailbox)."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused(
            {address: (550, b"5.1.1 No such mailbox") for m in messages for address in m.to}
        )


class SlowMailServer(EmailBackend):
    """Answers only once a test lets it (`answer`); whoever sends waits for that. A sender
    kept waiting 5 s fails loudly rather than hanging the test run."""

    answer = threading.Event()

    def send_messages(self, messages):
        if not SlowMailServer.answer.wait(timeout=5):
            raise AssertionError("something waited for the mail server")
        return super().send_messages(messages)
