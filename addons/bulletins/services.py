"""The rules of bulletins and subscriptions. Views, the admin and jobs call these.

- :func:`digest` filters the e-digest (addressee and its subtree, category, dates, tags,
  words) with indexed columns only and the Wagtail search backend for words (PostgreSQL full
  text on PostgreSQL); the database paginates.
- :func:`subscribe`, :func:`confirm`, :func:`end_subscriptions` are the subscription's life.
- :func:`matches` says whether a bulletin is what a subscription asked for; delivery uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from .models import Bulletin, Category, Frequency, Subscription, TaggedBulletin

CONFIRM_SALT = "civicdesk.bulletins.confirm"
#: how long a visitor's confirmation link works
CONFIRM_MAX_AGE = timedelta(days=7)


class SubscriptionError(Exception):
    def __init__(self, message, field_name=None):
        super().__init__(message)
        self.message = message
        self.field_name = field_name


def site_of_page(page) -> Site:
    """The site whose tree holds ``page`` (the deepest root that is its ancestor)."""
    roots = Site.objects.select_related("root_page").order_by("-root_page__depth")
    for site in roots:
        if page.path.startswith(site.root_page.path):
            return site
    return Site.objects.get(is_default_site=True)


def on_site(page, site) -> bool:
    """Whether ``page`` is in the page tree of ``site``."""
    root_path = Page.objects.filter(pk=site.root_page_id).values_list("path", flat=True).first()
    return bool(root_path) and page.path.startswith(root_path)


def tag_slugs(value: str) -> list[str]:
    """``"roads, Budget 2027"`` -> ``["roads", "budget-2027"]``."""
    text = value or ""
    parts = re.split(r"[,;]", text) if re.search(r"[,;]", text) else text.split()
    slugs = []
    for part in parts:
        slug = slugify(part.strip(), allow_unicode=True)
        if slug and slug not in slugs:
            slugs.append(slug)
    return slugs[:10]


#: a search looks for at most this many words
MAX_WORDS = 20


def search_words(text: str) -> str:
    """The words of what a visitor typed in the search box, separated by spaces.

    Quotes, brackets, ``*``, ``%``, backslashes and other punctuation only separate words:
    they mean something to the database's full-text syntax (SQLite FTS5 answers an error to
    a lone ``"``), never to the digest's search. An apostrophe inside a word is dropped
    ("під’їзд" is one word, as ``stemming`` stores it)."""
    from .stemming import words

    return " ".join(words(text)[:MAX_WORDS])


@dataclass
class DigestFilter:
    """What a citizen asked the e-digest for; also what a subscription saves."""

    addressee: object = None  # an AddresseePage or None
    include_subtree: bool = False
    category: str = ""
    date_from: date | None = None
    date_to: date | None = None
    tags: list[str] = field(default_factory=list)
    query: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.addressee or self.category or self.date_from or self.date_to
                    or self.tags or self.query)


def digest(site, spec: DigestFilter, *, now=None):
    """The bulletins of ``site`` that ``spec`` asks for, newest first: a queryset, or
    search results when there are words (both paginate in the database)."""
    queryset = Bulletin.objects.public(site, now=now)
    if spec.addressee is not None:
        if spec.include_subtree:
            queryset = queryset.filter(addressee_path__startswith=spec.addressee.path)
        else:
            queryset = queryset.filter(addressee_id=spec.addressee.pk)
    if spec.category:
        queryset = queryset.filter(category=spec.category)
    zone = timezone.get_current_timezone()
    if spec.date_from:
        queryset = queryset.filter(
            first_published_at__gte=datetime.combine(spec.date_from, time.min, zone))
    if spec.date_to:
        queryset = queryset.filter(
            first_published_at__lt=datetime.combine(spec.date_to + timedelta(days=1),
                                                    time.min, zone))
    if spec.tags:
        queryset = queryset.filter(pk__in=TaggedBulletin.objects.filter(
            tag__slug__in=spec.tags).values("content_object_id"))
    if search_words(spec.query):
        queryset = queryset.filter(word_forms(spec.query))
    return queryset.select_related("addressee")


#: a search matching at most this many bulletins (of every town) is answered from their ids
SEARCH_ID_LIST = 2000


def word_forms(text: str) -> Q:
    """Bulletins holding every word of ``text`` (what was typed) in some form ("сніг"
    finds "снігу"): each word's stem begins a word of the bulletin's ``search_stems``
    (``stemming``). On
    PostgreSQL that is a prefix query on the column's GIN-indexed text vector, joined with
    the full-text search of Wagtail's index; elsewhere a LIKE per word."""
    from .stemming import query_stems

    stems = query_stems(text, MAX_WORDS)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        query = SearchQuery(" & ".join(f"{item}:*" for item in stems), search_type="raw",
                            config="simple")
        matching = Bulletin.objects.annotate(
            stems_vector=SearchVector("search_stems", config="simple")
        ).filter(stems_vector=query).order_by().values_list("pk", flat=True)
        full_text = full_text_matches(search_words(text)).order_by()
        # Words that few bulletins hold (most searches): their ids, read from the two GIN
        # indexes in one query, so the page and its count read those bulletins only. An
        # OR of the two subqueries would walk the whole town's archive, newest first, to
        # find them. Words in very many bulletins keep the subqueries: the newest match
        # is near the top of the archive anyway.
        ids = list(matching.union(full_text.values_list("bulletin_id", flat=True),
                                  all=True)[: SEARCH_ID_LIST + 1])
        if len(ids) <= SEARCH_ID_LIST:
            return Q(pk__in=set(ids))
        return Q(pk__in=matching) | Q(pk__in=full_text)
    condition = Q()
    for item in stems:
        condition &= Q(search_stems__contains=f" {item}")
    return condition


def full_text_matches(words: str):
    """Ids of the bulletins whose entry in Wagtail's search index (the database backend's
    ``IndexEntry``: title, and text with summary and tags) holds every word, as a subquery
    that the entries' GIN indexes answer. Wagtail's own ``search()`` on PostgreSQL joins
    every bulletin of the filter to its entry and scans them all; asked this way the cost
    follows the matches, not the archive."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.postgres.search import SearchQuery
    from django.db.models import BigIntegerField
    from django.db.models.functions import Cast
    from wagtail.search.backends import get_search_backend
    from wagtail.search.models import IndexEntry

    query = SearchQuery(words, search_type="plain",
                        config=getattr(get_search_backend(), "config", None))
    return (IndexEntry.objects.filter(content_type=ContentType.objects.get_for_model(Bulletin))
            .filter(Q(title=query) | Q(body=query))
            .annotate(bulletin_id=Cast("object_id", BigIntegerField()))
            .values("bulletin_id"))


def with_details(bulletins, *, tags: bool = True) -> list[Bulletin]:
    """A page of bulletins with their addressee (and tags) in one query more each. The
    digest's list shows no tags: it leaves them out (their prefetch costs a query and
    building one per bulletin)."""
    from django.db.models import prefetch_related_objects

    items = list(bulletins)
    prefetch_related_objects(items, "addressee", *(["tags"] if tags else []))
    return items


def describe_filter(spec) -> str:
    """A subscription's (or a digest filter's) filter in words."""
    parts = []
    addressee = getattr(spec, "addressee", None)
    if addressee is not None:
        title = addressee.title
        parts.append(_("%(addressee)s and subordinate addressees") % {"addressee": title}
                     if spec.include_subtree else title)
    if spec.category:
        parts.append(str(Category(spec.category).label))
    tags = spec.tags if isinstance(spec.tags, list) else spec.tag_list
    if tags:
        parts.append(_("tags: %(tags)s") % {"tags": ", ".join(tags)})
    if spec.query:
        parts.append(_("words: “%(words)s”") % {"words": spec.query})
    return "; ".join(parts) or _("All bulletins")


# --- subscriptions ------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def subscribe(site, spec: DigestFilter, frequency: str, *, user=None, email: str = "",
              language: str = "", base_url: str = "") -> Subscription:
    """Save ``spec`` as a subscription. A citizen with a confirmed email address is
    subscribed at once; anyone else gets a confirmation link first (double opt-in).
    The same filter asked twice gives the same subscription (with the new frequency)."""
    if frequency not in Frequency.values:
        raise SubscriptionError(_("Choose how often to receive the bulletins."), "frequency")
    if user is not None and user.is_authenticated:
        email = user.email
        if not email:
            raise SubscriptionError(
                _("Your account has no email address: add one in your profile."), "email")
        confirmed = bool(getattr(user, "email_confirmed", False))
        language = language or getattr(user, "language", "")
    else:
        user = None
        confirmed = False
    if spec.addressee is not None and not on_site(spec.addressee, site):
        raise SubscriptionError(_("Choose an addressee of this city."), "addressee")
    email = normalise_email(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise SubscriptionError(_("Enter a valid email address."), "email") from error
    fields = {
        "site": site, "user": user, "email": email,
        "addressee": spec.addressee, "include_subtree": bool(spec.addressee and
                                                             spec.include_subtree),
        "category": spec.category or "", "tags": " ".join(spec.tags),
        "query": spec.query.strip()[:200],
    }
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(
            ended_at__isnull=True, **fields).first()
        if subscription is None:
            subscription = Subscription(**fields)
        subscription.frequency = frequency
        subscription.language = language or subscription.language
        subscription.addressee_path = spec.addressee.path if spec.addressee else ""
        if confirmed and subscription.confirmed_at is None:
            subscription.confirmed_at = timezone.now()
        subscription.save()
        if subscription.confirmed_at is None:
            transaction.on_commit(lambda: send_confirmation(subscription.pk, base_url))
    return subscription


def confirmation_token(subscription) -> str:
    return signing.dumps(subscription.pk, salt=CONFIRM_SALT)


def subscription_for_token(token) -> Subscription | None:
    """The subscription a confirmation link names, or None (forged, expired or ended)."""
    try:
        pk = signing.loads(token, salt=CONFIRM_SALT,
                           max_age=CONFIRM_MAX_AGE.total_seconds())
    except signing.BadSignature:
        return None
    return Subscription.objects.filter(pk=pk, ended_at__isnull=True).first()


def confirm(subscription) -> bool:
    """Confirm the visitor's address (the link in the email was followed and the button
    pressed). True when it was not confirmed before."""
    return bool(Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True)
                .update(confirmed_at=timezone.now()))


def send_confirmation(pk: int, base_url: str = "") -> bool:
    """Email the double opt-in link of subscription ``pk``."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    subscription = Subscription.objects.select_related("site", "addressee").filter(
        pk=pk, confirmed_at__isnull=True, ended_at__isnull=True).first()
    if subscription is None:
        return False
    from addons.core.sites import public_base_url, public_domain

    base = (public_base_url(subscription.site) if not base_url else base_url).rstrip("/")
    link = base + reverse("bulletins:confirm", args=[confirmation_token(subscription)])
    language = subscription.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"subscription": subscription, "link": link,
                   "site_name": subscription.site.site_name or subscription.site.hostname}
        subject = render_to_string("bulletins/email/confirm_subject.txt", context).strip()
        body = render_to_string("bulletins/email/confirm_body.txt", context)
    from email.utils import make_msgid

    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [subscription.email],
                 headers={"Auto-Submitted": "auto-generated",
                          "Message-ID": make_msgid(domain=public_domain(subscription.site))}
                 ).send()
    return True


def change_frequency(subscription, frequency: str) -> Subscription:
    if frequency not in Frequency.values:
        raise SubscriptionError(_("Choose how often to receive the bulletins."), "frequency")
    subscription.frequency = frequency
    subscription.save(update_fields=["frequency"])
    return subscription


def end_subscriptions(pks) -> int:
    """End the subscriptions ``pks``; returns how many were still running."""
    return Subscription.objects.filter(pk__in=list(pks), ended_at__isnull=True).update(
        ended_at=timezone.now())


# --- matching ------------------------------------------------------------------------------


@dataclass
class BulletinFacts:
    """What matching needs of a bulletin, computed once per bulletin."""

    bulletin: Bulletin
    path: str
    tags: set[str]
    words: str
    stems: str = ""

    @classmethod
    def of(cls, bulletin) -> BulletinFacts:
        tags = {tag.slug for tag in bulletin.tags.all()}
        text = " ".join([bulletin.title, bulletin.summary, strip_tags(bulletin.body),
                         " ".join(tag.name for tag in bulletin.tags.all())])
        from .stemming import index_text

        return cls(bulletin, bulletin.addressee_path, tags, text.casefold(),
                   bulletin.search_stems or index_text(text))


def matches(subscription, facts: BulletinFacts) -> bool:
    """Whether ``facts.bulletin`` is what ``subscription`` asked for: same addressee (or
    under it, for a subtree subscription), category, any of its tags, every one of its words."""
    bulletin = facts.bulletin
    if bulletin.site_id != subscription.site_id:
        return False
    if subscription.addressee_id:
        if subscription.include_subtree:
            if not facts.path.startswith(subscription.addressee_path):
                return False
        elif bulletin.addressee_id != subscription.addressee_id:
            return False
    if subscription.category and bulletin.category != subscription.category:
        return False
    wanted = subscription.tag_list
    if wanted and not facts.tags.intersection(wanted):
        return False
    if subscription.query:
        from .stemming import query_stems

        # each word as typed, or in another form of it ("сніг" and "снігу")
        return all(word.casefold() in facts.words
                   or stemming_match(query_stems(word), facts.stems)
                   for word in subscription.query.split())
    return True


def stemming_match(stems, indexed: str) -> bool:
    from .stemming import matches as stems_match

    return bool(stems) and stems_match(stems, indexed)


def addressee_choices(site) -> list[tuple[int, str]]:
    """Addressees of ``site`` for the mailing segment's choice list (staff only), in tree
    order, indented by depth. Public pages use the catalog's picker instead."""
    from addons.addressees.models import AddresseePage

    root_path = Page.objects.filter(pk=site.root_page_id).values_list("path", flat=True).first()
    rows = AddresseePage.objects.live().filter(path__startswith=root_path or "").order_by(
        "path").values_list("pk", "title", "depth")
    if not rows:
        return []
    top = min(depth for _pk, _title, depth in rows)
    return [(pk, "\u2003" * (depth - top) + title) for pk, title, depth in rows]
