"""Text messages to customers through a pluggable backend, chosen like Django's EMAIL_BACKEND.

CDM_SMS_BACKEND names the class: `customers.sms.ConsoleBackend` (the default: prints each message, for
development) or `customers.sms.LocmemBackend` (keeps them in `customers.sms.outbox`, for tests). A real
provider is one more class with `send_messages(messages) -> int`.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str


class BaseBackend:
    def send_messages(self, messages: list[SmsMessage]) -> int:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    _lock = threading.Lock()

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send_messages(self, messages):
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
            self.stream.flush()
        return len(messages)


outbox: list[SmsMessage] = []


class LocmemBackend(BaseBackend):
    def send_messages(self, messages):
        outbox.extend(messages)
        return len(messages)


def get_backend(path: str | None = None) -> BaseBackend:
    return import_string(path or settings.CDM_SMS_BACKEND)()


def send_sms(to: str, body: str) -> int:
    return get_backend().send_messages([SmsMessage(to=to, body=body)])
