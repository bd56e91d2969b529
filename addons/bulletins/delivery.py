"""Sending bulletins to subscribers: at once on publication, or in a daily or weekly digest
that merges all of a subscriber's subscriptions into one email without repeating a bulletin.

Every (address, bulletin) pair sent gets a :class:`~.models.SentBulletin` row, written in
the same transaction that sends the email: an edited or republished bulletin is never sent
again, a digest job killed half-way resumes with those it had not reached, and two workers
running the same job at once (the row's unique index makes the second wait for the first)
never send anyone a bulletin twice. Addresses on core's suppression list (hard bounces) are
skipped. Every email carries the List-Unsubscribe headers of ``addons.core.mass_email``; the
token names the subscriptions the email was for.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from addons.core import mass_email

from .models import Bulletin, Frequency, SentBulletin, Subscription
from .services import BulletinFacts, matches

logger = logging.getLogger(__name__)

UNSUBSCRIBE_KIND = "bulletins.subscription"
PERIODS = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
#: a job that ran late still reaches back this much further than its period
SLACK = timedelta(hours=6)


@mass_email.unsubscribe_handler(UNSUBSCRIBE_KIND)
def end_subscription(key: str) -> bool:
    """The one-click unsubscribe of a bulletin email: ``key`` lists the subscriptions
    ("12,15") the email was sent for."""
    from .services import end_subscriptions

    pks = [int(part) for part in str(key).split(",") if part.strip().isdigit()]
    return bool(pks) and end_subscriptions(pks) > 0


def base_url(site) -> str:
    """The site's public address (see ``addons.core.sites``)."""
    from addons.core.sites import public_base_url

    return public_base_url(site)


def list_id(site) -> str:
    """``<bulletins.<site's domain>>`` (RFC 2919): one list per site."""
    from addons.core.sites import public_domain

    return f"<bulletins.{public_domain(site)}>"


def _facts(bulletins) -> list[BulletinFacts]:
    return [BulletinFacts.of(bulletin) for bulletin in bulletins]


def _bulletins(site_ids, since, until=None):
    queryset = Bulletin.objects.public().filter(site_id__in=site_ids,
                                                first_published_at__gte=since)
    if until is not None:
        queryset = queryset.filter(first_published_at__lte=until)
    return list(queryset.select_related("addressee", "site").prefetch_related("tags"))


def plan(subscriptions, facts) -> dict[str, tuple[list, list]]:
    """``{email: (subscriptions, bulletins)}``: each subscriber's matching bulletins,
    once each, newest first; a subscription sees only bulletins published after it was
    confirmed. A subscription to one addressee looks only at that addressee's bulletins."""
    by_addressee: dict[int, list] = {}
    for fact in facts:
        by_addressee.setdefault(fact.bulletin.addressee_id, []).append(fact)
    found: dict[str, tuple[list, dict]] = {}
    for subscription in subscriptions:
        start = subscription.confirmed_at
        candidates = facts
        if subscription.addressee_id and not subscription.include_subtree:
            candidates = by_addressee.get(subscription.addressee_id, ())
        for fact in candidates:
            bulletin = fact.bulletin
            if bulletin.first_published_at < start or not matches(subscription, fact):
                continue
            subs, chosen = found.setdefault(subscription.email, ([], {}))
            if subscription not in subs:
                subs.append(subscription)
            chosen[bulletin.pk] = bulletin
    return {email: (subs, sorted(chosen.values(), key=lambda b: b.first_published_at,
                                 reverse=True))
            for email, (subs, chosen) in found.items()}


def _claim(email: str, bulletins) -> list:
    """Record ``bulletins`` as sent to ``email`` (inside the caller's transaction); return
    those that were not sent before. Written in one insert; when a concurrent sender holds
    one of the rows (the insert waits for its commit, then fails), row by row."""
    already = set(SentBulletin.objects.filter(
        email=email, bulletin__in=[b.pk for b in bulletins]).values_list("bulletin_id",
                                                                         flat=True))
    fresh = [bulletin for bulletin in bulletins if bulletin.pk not in already]
    if not fresh:
        return []
    try:
        with transaction.atomic():
            SentBulletin.objects.bulk_create(
                [SentBulletin(email=email, bulletin=bulletin) for bulletin in fresh])
        return fresh
    except IntegrityError:
        pass
    claimed = []
    for bulletin in fresh:
        try:
            with transaction.atomic():
                SentBulletin.objects.create(email=email, bulletin=bulletin)
        except IntegrityError:
            continue
        claimed.append(bulletin)
    return claimed


def build_email(email, subscriptions, bulletins, frequency, *,
                site_languages=None) -> EmailMultiAlternatives:
    """One email of ``bulletins`` for ``email``. ``site_languages`` ({site id: language})
    saves a site-profile query per email when many are built."""
    site = bulletins[0].site
    site_languages = {} if site_languages is None else site_languages
    if site.pk not in site_languages:
        site_languages[site.pk] = _site_language(site)
    base = base_url(site)
    token = mass_email.unsubscribe_token(
        UNSUBSCRIBE_KIND, ",".join(str(s.pk) for s in sorted(subscriptions, key=lambda s: s.pk)))
    language = next((s.language for s in subscriptions if s.language), "") or (
        site_languages[site.pk])
    with translation.override(language):
        context = {
            "bulletins": bulletins, "subscriptions": subscriptions, "base_url": base,
            "site_name": site.site_name or site.hostname, "frequency": frequency,
            "unsubscribe_url": mass_email.unsubscribe_url(token, base),
            "manage_url": base + _manage_path(subscriptions),
        }
        if frequency == Frequency.IMMEDIATE and len(bulletins) == 1:
            subject = bulletins[0].title
        else:
            subject = _("%(site)s: %(count)s new bulletins") % {
                "site": context["site_name"], "count": len(bulletins)}
        text = render_to_string("bulletins/email/digest.txt", context)
        html = render_to_string("bulletins/email/digest.html", context)
    from addons.core.sites import public_domain

    headers = {"Auto-Submitted": "auto-generated", "Precedence": "bulk",
               "List-Id": list_id(site), "Message-ID": make_msgid(domain=public_domain(site)),
               **mass_email.list_unsubscribe_headers(token, base)}
    message = EmailMultiAlternatives(subject.replace("\n", " ")[:200], text,
                                     settings.DEFAULT_FROM_EMAIL, [email], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def _site_language(site) -> str:
    from addons.core.models import SiteProfile

    return SiteProfile.for_site(site).default_language or settings.LANGUAGE_CODE


def _manage_path(subscriptions) -> str:
    from django.urls import reverse

    if any(s.user_id for s in subscriptions):
        return reverse("bulletins:subscriptions")
    return reverse("bulletins:digest")


def deliver(planned, frequency) -> int:
    """Send each planned email, recording its bulletins first; returns emails sent."""
    suppressed = mass_email.suppressed_among(planned.keys())
    site_languages: dict[int, str] = {}
    sent = 0
    for email, (subscriptions, bulletins) in planned.items():
        if email in suppressed:
            continue
        try:
            with transaction.atomic():
                fresh = _claim(email, bulletins)
                if not fresh:
                    continue
                build_email(email, subscriptions, fresh, frequency,
                            site_languages=site_languages).send()
        except Exception:  # noqa: BLE001 - one refused address must not stop the others
            # the rows are rolled back with the transaction: the next run tries again
            logger.exception("bulletins to %s not sent", email)
            continue
        sent += 1
    return sent


def _enabled(site_ids) -> set[int]:
    """The sites among ``site_ids`` where bulletins are switched on (a disabled add-on
    sends nothing there; its subscriptions wait)."""
    from wagtail.models import Site

    from addons.core import activation

    return {site.pk for site in Site.objects.filter(pk__in=set(site_ids))
            if activation.is_enabled("bulletins", site=site)}


def send_immediate(bulletin_id: int) -> int:
    """Send a just-published bulletin to its immediate subscribers (a django-q2 task,
    enqueued after the publishing transaction commits)."""
    bulletin = Bulletin.objects.public().filter(pk=bulletin_id).select_related(
        "addressee", "site").prefetch_related("tags").first()
    if bulletin is None or not _enabled([bulletin.site_id]):
        return 0
    subscriptions = Subscription.objects.confirmed().filter(
        site_id=bulletin.site_id, frequency=Frequency.IMMEDIATE).select_related("addressee")
    return deliver(plan(subscriptions, _facts([bulletin])), Frequency.IMMEDIATE)


def send_digest(frequency: str, now=None) -> int:
    """The daily or weekly digest: every confirmed subscription of ``frequency`` gets the
    matching bulletins of the period that were never sent to its address."""
    now = now or timezone.now()
    since = now - PERIODS[frequency] - SLACK
    subscriptions = list(Subscription.objects.confirmed().filter(frequency=frequency)
                         .select_related("addressee"))
    sites = _enabled({s.site_id for s in subscriptions})
    subscriptions = [s for s in subscriptions if s.site_id in sites]
    if not subscriptions:
        return 0
    facts = _facts(_bulletins(sites, since, now))
    return deliver(plan(subscriptions, facts), frequency)


def enqueue_immediate(bulletin) -> None:
    """After the publishing transaction commits, hand the bulletin to a worker."""
    from django_q.tasks import async_task

    pk = bulletin.pk
    transaction.on_commit(lambda: async_task("addons.bulletins.delivery.send_immediate", pk,
                                             group="bulletins"))

