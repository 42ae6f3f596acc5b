"""The SMS adapter: one interface, chosen by ``TONGXIN_SMS_BACKEND``; Tongxin ships no vendor.

A deployment writes a backend for its operator's gateway (most accept a client message id for deduplication:
pass ``message_id`` through) and names it in the setting.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsBackend:
    def send(self, *, mobile: str, text: str, message_id: str) -> None:
        """Send one text message, raising on any failure (the delivery is then retried)."""
        raise NotImplementedError


class LoggingBackend(SmsBackend):
    """Writes each message to the log instead of sending it: for development and for sites without a gateway."""

    def send(self, *, mobile: str, text: str, message_id: str) -> None:
        # Only the last four digits: the log is not the place for a full phone number.
        logger.info("SMS %s to ******%s: %s", message_id, mobile[-4:], text)


def backend() -> SmsBackend:
    return import_string(settings.TONGXIN_SMS_BACKEND)()
