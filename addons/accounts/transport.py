"""Notifications by SMS (a ``NotificationTransport`` of ``AccountsConfig``): through the
pluggable SMS back-end (``sms.send_sms``), to the person's verified phone, only on a town
that enables it (``NotificationChannelSettings.sms_notifications``, off by default: each
message is paid). It comes last in the default chain; a citizen may also prefer it."""

from __future__ import annotations

from addons.core.addon import TransportResult
from addons.core.notifications import absolute_link

from .models import NotificationChannelSettings
from .persons import notification_contacts
from .sms import SmsError, send_sms

#: the longest text sent: the subject and the link fit; the body is read on the site
MAX_LENGTH = 480


def enabled(site) -> bool:
    """Whether ``site`` sends notifications by SMS."""
    return site is not None and NotificationChannelSettings.for_site(site).sms_notifications


def reaches(notification, person, channel) -> bool:
    """The town enables SMS and the person has a verified phone."""
    if person is None or not enabled(person.site):
        return False
    return bool(notification_contacts(person)["phone"])


def text_of(notification) -> str:
    """The subject and the link: an SMS stays short."""
    link = absolute_link(notification)
    text = f"{notification.subject}\n{link}" if link else notification.subject
    return text[:MAX_LENGTH]


def send(notification, person, channel) -> TransportResult:
    """Send the notification's subject and link by SMS. A back-end that fails is tried
    again later (the gateway may be down)."""
    phone = notification_contacts(person)["phone"]
    if not phone:
        return TransportResult(False, "no verified phone")
    try:
        send_sms(phone, text_of(notification))
    except SmsError as error:
        return TransportResult(False, str(error), transient=True)
    return TransportResult(True, phone)
