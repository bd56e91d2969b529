"""What happens to a problem report. Views, the admin, Open311 and the API call these;
business rules live here only."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from addons.core import events
from addons.core.geo import Point, bbox_around, distance_m
from addons.core.notifications import notify, notify_handlers
from addons.core.numbering import next_reference
from addons.core.permissions import AddresseeScopedPermissionPolicy
from addons.core.staffing import leadership_of, supervisors_of

from . import caching, defaults, signals
from . import events as service_events
from .models import (
    DESCRIPTION_MAX_LENGTH,
    CoSign,
    District,
    DistrictRoute,
    Escalation,
    Report,
    ReportCategory,
    ReportPhoto,
    ReportsSettings,
    ReportStatus,
    ReportUpdate,
    SlaUnit,
    Source,
    Subscription,
    UpdateKind,
)

logger = logging.getLogger(__name__)

TRACKING_KIND = "PR"
NEW, RESOLVED, CLOSED, DUPLICATE, IN_PROGRESS = (
    "new", "resolved", "closed", "duplicate", "in_progress",
)
MAX_ESCALATION = 2


# --- setup --------------------------------------------------------------------------------


def get_settings(site) -> ReportsSettings:
    return ReportsSettings.for_site(site)


def _jurisdiction(site) -> str:
    from addons.core.models import SiteProfile

    try:
        return SiteProfile.for_site(site).jurisdiction or "ua"
    except Exception:  # noqa: BLE001 - no profile yet
        return "ua"


def category_map(site) -> dict[str, str]:
    """Code prefix -> addressee slug: ``CIVICDESK_REPORTS_CATEGORY_MAP`` overlaid by the
    site's own mapping (ReportsSettings.category_map)."""
    mapping = dict(getattr(settings, "CIVICDESK_REPORTS_CATEGORY_MAP", {}) or {})
    mapping.update(get_settings(site).category_map or {})
    return mapping


def _addressee_by_slug(site, slug: str):
    from addons.addressees.models import AddresseePage

    if not slug or site.root_page_id is None:
        return None
    return (
        AddresseePage.objects.live().descendant_of(site.root_page, inclusive=True)
        .filter(slug=slug).first()
    )


def _mapped_addressee(site, code: str, mapping: dict[str, str]):
    matches = [prefix for prefix in mapping if code == prefix or code.startswith(prefix)]
    if not matches:
        return None
    return _addressee_by_slug(site, mapping[max(matches, key=len)])


def ensure_statuses() -> dict[str, ReportStatus]:
    statuses = {}
    for order, (code, row) in enumerate(defaults.STATUSES.items()):
        en, uk, ro, bg, is_open, is_public, open311 = row
        status, _created = ReportStatus.objects.get_or_create(
            code=code,
            defaults={
                "name": en, "names": {"en": en, "uk": uk, "ro": ro, "bg": bg},
                "is_open": is_open, "is_public": is_public, "open311_status": open311,
                "order": order * 10,
            },
        )
        statuses[code] = status
    return statuses


def create_defaults(site) -> None:
    """Default statuses and categories on ``site``; a category's responsible addressee is
    filled from the mapping where it is empty. Idempotent: staff edits are kept."""
    ensure_statuses()
    mapping = category_map(site)
    groups = {}
    for order, (code, names) in enumerate(defaults.GROUPS.items()):
        group, _created = ReportCategory.objects.get_or_create(
            site=site, code=code,
            defaults={"name": names[0], "names": dict(zip(defaults.LANGS, names, strict=True)),
                      "sort_order": order * 100},
        )
        groups[code] = group
    for order, (code, row) in enumerate(defaults.CATEGORIES.items()):
        en, uk, ro, bg, amount, unit, anonymous, keywords = row
        category, _created = ReportCategory.objects.get_or_create(
            site=site, code=code,
            defaults={
                "parent": groups[code.split(".")[0]],
                "name": en, "names": {"en": en, "uk": uk, "ro": ro, "bg": bg},
                "sla_amount": amount, "sla_unit": unit, "allow_anonymous": anonymous,
                "keywords": keywords, "sort_order": order,
            },
        )
        if category.responsible_id is None and mapping:
            addressee = _mapped_addressee(site, code, mapping)
            if addressee is not None:
                category.responsible = addressee
                category.save(update_fields=["responsible"])


def status(code: str) -> ReportStatus:
    try:
        return ReportStatus.objects.get(code=code)
    except ReportStatus.DoesNotExist:
        return ensure_statuses()[code]


# --- routing and deadlines ----------------------------------------------------------------


def locate_district(point: Point, site) -> District | None:
    for district in District.objects.filter(site=site).exclude(polygon=[]):
        if district.contains(point.lat, point.lng):
            return district
    return None


def route(category: ReportCategory, point: Point | None, site, district=None):
    """The responsible addressee: a district's route for the category (or its group), the
    district's own addressee, the category's (or its group's), then the site's default."""
    if district is None and point is not None:
        district = locate_district(point, site)
    if district is not None:
        codes = [category.pk] + ([category.parent_id] if category.parent_id else [])
        routes = {r.category_id: r for r in DistrictRoute.objects.filter(
            district=district, category_id__in=codes).select_related("addressee")}
        for pk in codes:
            if pk in routes:
                return routes[pk].addressee
        if district.addressee_id:
            return district.addressee
    if category.responsible_id:
        return category.responsible
    if category.parent_id and category.parent.responsible_id:
        return category.parent.responsible
    return get_settings(site).default_addressee


def compute_due(category: ReportCategory, start: datetime, site) -> datetime | None:
    """When the category's SLA ends for a report made at ``start``: hours are clock time;
    working days end at the end of the N-th working day (core calendar of the site's law)."""
    from addons.core.deadlines import add_working_days

    if not category.sla_amount:
        return None
    if category.sla_unit == SlaUnit.HOURS:
        return start + timedelta(hours=category.sla_amount)
    local = timezone.localtime(start)
    last = add_working_days(local.date(), category.sla_amount, _jurisdiction(site))
    return timezone.make_aware(datetime.combine(last, time(23, 59, 59)))


# --- validation ---------------------------------------------------------------------------


def clean_description(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        raise ValidationError({"description": _("Describe the problem.")})
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"description": _(
            "The description is too long: at most %(max)d characters."
        ) % {"max": DESCRIPTION_MAX_LENGTH}})
    return text


def check_point(point: Point | None, site) -> Point:
    if point is None:
        raise ValidationError({"location": _("Mark the place of the problem.")})
    if not get_settings(site).contains(point.lat, point.lng):
        raise ValidationError({"location": _(
            "This place is outside the city. Mark a place within the city's boundaries."
        )})
    return point


def check_category(category, site, reporter, *, entered_by=None, person=None
                   ) -> ReportCategory:
    """The category, or ValidationError. A category that needs an account accepts a report
    an operator files on a caller's behalf (``entered_by``): the operator knows who it is;
    and one a citizen files from a chat as ``person`` (the platform vouches for them)."""
    if category is None or not isinstance(category, ReportCategory):
        raise ValidationError({"category": _("Choose a category.")})
    if category.site_id != site.pk or not category.is_active or category.is_group:
        raise ValidationError({"category": _("Choose a category.")})
    anonymous = ((reporter is None or not reporter.is_authenticated) and entered_by is None
                 and person is None)
    if anonymous and not category.allow_anonymous:
        raise ValidationError({"category": _(
            "Reports of this category need an account: log in to file it."
        )})
    return category


# --- filing -------------------------------------------------------------------------------


def _followers(report: Report, exclude_user=None, exclude_email: str = "",
               confirmed_only: bool = False, skip_reporter: bool = False):
    """(user, email) of everyone told of changes: reporter, co-signers, subscribers.
    ``confirmed_only`` leaves out the anonymous reporter's contact address (never confirmed);
    co-signers and followers by email are stored only once their address is confirmed."""
    seen_users, seen_emails, people = set(), set(), []

    def add(user, email):
        email = (email or "").lower()
        if user is not None:
            if user.pk in seen_users or not user.is_active or user == exclude_user:
                return
            seen_users.add(user.pk)
            if user.email:
                seen_emails.add(user.email.lower())
            people.append((user, None))
        elif email and email not in seen_emails and email != exclude_email.lower():
            seen_emails.add(email)
            people.append((None, email))

    if skip_reporter:
        # the reporter is told by a mail of their own (e.g. "resolved: please confirm")
        if report.reporter_id:
            seen_users.add(report.reporter_id)
            if report.reporter.email:
                seen_emails.add(report.reporter.email.lower())
        elif report.contact_email:
            seen_emails.add(report.contact_email.lower())
    elif report.reporter_id:
        add(report.reporter, None)
    elif report.contact_email and not confirmed_only:
        add(None, report.contact_email)
    for sub in report.subscriptions.select_related("user"):
        add(sub.user, sub.email)
    for cosign in report.cosigns.select_related("user"):
        add(cosign.user, cosign.email)
    return people


def _context(report: Report, **extra) -> dict:
    return {
        "tracking_number": report.tracking_number,
        "category": report.category.label(),
        "addressee": report.addressee.title if report.addressee_id else "",
        "status": report.status.label(),
        "due_at": report.due_at,
        "address": report.address,
        "description": report.description[:500],
        **extra,
    }


def _reporter_person(report: Report):
    """The person who filed ``report`` from a chat (told on their own channel), or None."""
    return report.person if report.person_id else None


def _notify_followers(report, event, context, *, key=None, exclude_user=None,
                      skip_reporter=False):
    """Tell the followers; the reporter who filed from a chat is told as their person
    (``notify(person=...)``: on their preferred channel, the chat first)."""
    person = None if skip_reporter else _reporter_person(report)
    if person is not None and not (exclude_user is not None
                                   and report.reporter_id == exclude_user.pk):
        email = None if report.reporter_id else report.contact_email or None
        notify(report.reporter, event, context, site=report.site, person=person, email=email,
               url=report.get_absolute_url(), key=f"{key}:p{person.pk}" if key else None)
    for user, email in _followers(report, exclude_user=exclude_user,
                                  skip_reporter=skip_reporter or person is not None):
        if user is not None:
            notify(user, event, context, site=report.site, url=report.get_absolute_url(),
                   key=f"{key}:u{user.pk}" if key else None)
        else:
            notify(None, event, context, site=report.site, email=email,
                   url=report.get_absolute_url(), key=f"{key}:{email}" if key else None)


def _notify_addressee(report, event, context, key=None):
    """Whoever handles the report's addressee (core's staffing rule: its staff present or
    their delegates, else up the tree, else the reception office, else the administrators)."""
    if report.addressee_id is None:
        return
    notify_handlers(report.addressee, event, context, site=report.site,
                    url=report.get_absolute_url(), key=key)


def feedback_url(report: Report) -> str:
    return reverse("reports:feedback", args=[report.tracking_number]) + (
        f"?key={report.access_key}"
    )


def submit_report(
    *,
    site,
    category: ReportCategory,
    point: Point | None,
    description: str,
    reporter=None,
    is_public: bool = True,
    address: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    reporter_name: str = "",
    hide_reporter_name: bool = True,
    photos=(),
    source: str = Source.WEB,
    service_request_id: str = "",
    now: datetime | None = None,
    entered_by=None,
    person=None,
) -> Report:
    """File a report: validate, number, route, set the SLA due time, store the photos
    (already processed, see ``photos.process_photo``), write the timeline's first entry and
    notify the reporter and the addressee's moderators. ValidationError per field.
    ``entered_by``: the operator who files it on a caller's behalf (with ``source`` phone,
    walk_in or email); ``person``: the citizen record of who filed it from a chat."""
    from .photos import max_photos

    if reporter is not None and not reporter.is_authenticated:
        reporter = None
    errors = {}
    for check in (
        lambda: check_category(category, site, reporter, entered_by=entered_by,
                               person=person),
        lambda: check_point(point, site),
        lambda: clean_description(description),
    ):
        try:
            check()
        except ValidationError as error:
            errors.update(error.message_dict)
    if len(photos) > max_photos():
        errors["photos"] = [_("At most %(n)d photos.") % {"n": max_photos()}]
    if errors:
        raise ValidationError(errors)
    description = clean_description(description)
    now = now or timezone.now()
    district = locate_district(point, site)
    if reporter is not None:
        reporter_name = reporter_name or reporter.full_name or reporter.get_username()
        contact_email = contact_email or reporter.email
    with transaction.atomic():
        report = Report(
            site=site,
            tracking_number=next_reference(TRACKING_KIND, site),
            category=category,
            addressee=route(category, point, site, district=district),
            status=status(NEW),
            description=description,
            lat=point.lat,
            lng=point.lng,
            address=address[:300],
            district=district,
            is_public=is_public,
            reporter=reporter,
            reporter_name=reporter_name[:200],
            hide_reporter_name=hide_reporter_name,
            contact_email=contact_email,
            contact_phone=contact_phone[:32],
            source=source,
            entered_by=entered_by,
            person=person,
            service_request_id=service_request_id,
            created_at=now,
        )
        report.due_at = compute_due(category, now, site)
        report.next_escalation_at = report.due_at
        report.save()
        for order, photo in enumerate(photos):
            add_photo(report, photo, order=order)
        ReportUpdate.objects.create(
            report=report, kind=UpdateKind.CREATED, author=reporter, status_to=report.status,
            created_at=now,
        )
        actor = entered_by or reporter
        service_events.record(report, events.RECEIVED, actor=actor, at=now)
        if report.addressee_id:
            service_events.record(report, events.ROUTED, actor=actor, at=now)
        context = _context(report, feedback_url=feedback_url(report))
        # the status PIN goes to the reporter only, never to the addressee's staff
        receipt = {**context, "status_pin": report.status_pin}
        if reporter is not None:
            notify(reporter, "reports.submitted", receipt, site=site,
                   url=report.get_absolute_url(), key=f"reports.submitted:{report.pk}")
        elif contact_email:
            notify(None, "reports.submitted", receipt, site=site, email=contact_email,
                   url=report.get_absolute_url(), key=f"reports.submitted:{report.pk}")
        _notify_addressee(report, "reports.new", context, key=f"reports.new:{report.pk}")
        _routed(report)
        transaction.on_commit(lambda: signals.report_submitted.send(Report, report=report))
    return report


def add_photo(report: Report, processed, order: int = 0) -> ReportPhoto:
    photo = ReportPhoto(report=report, width=processed.width, height=processed.height,
                        size=len(processed.image), sort_order=order)
    photo.image.save("photo.jpg", ContentFile(processed.image), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
    photo.save()
    return photo


# --- duplicates, co-signing, following ----------------------------------------------------


def nearby_open(category, point: Point, radius: float | None = None, *, site=None,
                exclude=None, limit: int = 10) -> list[tuple[Report, float]]:
    """Open public reports of ``category`` within ``radius`` metres (the site's setting,
    250 m by default) of ``point``, nearest first, as (report, metres)."""
    site = site or category.site
    if radius is None:
        radius = get_settings(site).duplicate_radius_m
    min_lat, min_lng, max_lat, max_lng = bbox_around(point, radius)
    candidates = (
        Report.objects.public().open()
        .filter(site=site, category=category, lat__gte=min_lat, lat__lte=max_lat,
                lng__gte=min_lng, lng__lte=max_lng)
        .select_related("status", "category")
        .order_by("-created_at")[:200]
    )
    found = []
    for report in candidates:
        if exclude is not None and report.pk == getattr(exclude, "pk", exclude):
            continue
        metres = distance_m(point, Point(report.lat, report.lng))
        if metres <= radius:
            found.append((report, metres))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


def subscribe(report: Report, user=None, email: str = "", *, confirmed: bool = False
              ) -> tuple[Subscription | None, bool]:
    """Follow ``report``. A logged-in citizen follows at once (an account logs in only once
    its address is confirmed). An email address alone follows only once confirmed: unless
    ``confirmed`` (the address's own link was opened, see :func:`confirm_email`), nothing is
    stored and a confirmation link is mailed instead; (None, False) is returned then."""
    if user is not None and user.is_authenticated:
        return Subscription.objects.get_or_create(report=report, user=user)
    email = _clean_email(email, _("Give an email address to be told of changes."))
    if not confirmed:
        if not Subscription.objects.filter(report=report, user=None, email=email).exists():
            ask_to_confirm(report, FOLLOW, email)
        return None, False
    return Subscription.objects.get_or_create(report=report, user=None, email=email)


def unsubscribe(token) -> bool:
    return Subscription.objects.filter(token=token).delete()[0] > 0


def cosign(report: Report, user=None, email: str = "", *, confirmed: bool = False,
           person=None) -> tuple[CoSign | None, bool]:
    """ "Me too": counted once per person; co-signers are told of changes. A logged-in
    citizen counts at once; an email address alone counts only once confirmed through the
    link mailed to it (until then nothing is stored: (None, False)); a citizen in a chat
    (``person``, known by the messaging platform) counts at once."""
    if not report.is_open or report.merged_into_id:
        raise ValidationError(_("This report is no longer open for co-signing."))
    if user is not None and not user.is_authenticated:
        user = None
    if user is None and person is None:
        email = _clean_email(email, _("Log in or give an email address to co-sign."))
    if (user is not None and user.pk == report.reporter_id) or (
            user is None and person is not None and person.pk == report.person_id):
        raise ValidationError(_("You reported this problem yourself."))
    if user is not None:
        lookup = {"user": user}
    elif person is not None:
        lookup, confirmed = {"user": None, "person": person}, True
    else:
        lookup = {"user": None, "email": email}
    if user is None and not confirmed:
        if not CoSign.objects.filter(report=report, **lookup).exists():
            ask_to_confirm(report, COSIGN, email)
        return None, False
    with transaction.atomic():
        existing = CoSign.objects.filter(report=report, **lookup).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                row = CoSign.objects.create(report=report, **lookup)
        except IntegrityError:
            return CoSign.objects.get(report=report, **lookup), False
        Report.objects.filter(pk=report.pk).update(cosign_count=F("cosign_count") + 1)
        caching.bump(report.site_id)  # the map shows the co-signatures
        report.refresh_from_db(fields=["cosign_count"])
    return row, True


# --- confirming an email address (double opt-in) ------------------------------------------

COSIGN, FOLLOW = "cosign", "follow"
CONFIRM_SALT = "reports.confirm-email"
#: how long a confirmation link works
CONFIRM_MAX_AGE = timedelta(days=7)
#: one confirmation mail per address and report a day, and this many per address a day
CONFIRM_MAILS_PER_ADDRESS_PER_DAY = 3


class ConfirmationError(Exception):
    """A confirmation link that is forged, broken or expired (``message`` is translated)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _clean_email(email: str, missing_message) -> str:
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": missing_message})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Give a valid email address.")}) from None
    return email


def confirmation_token(report: Report, kind: str, email: str) -> str:
    from django.core import signing

    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(
        {"r": report.pk, "k": kind, "e": email}, compress=True)


def confirmation_url(report: Report, kind: str, email: str) -> str:
    return reverse("reports:confirm", args=[report.tracking_number,
                                            confirmation_token(report, kind, email)])


def _mail_budget(report: Report, kind: str, email: str) -> bool:
    """Whether one more confirmation mail may go to ``email`` today (and take it)."""
    import hashlib

    from django.core.cache import cache

    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    day = int(timedelta(days=1).total_seconds())
    if not cache.add(f"reports.confirm:{digest}:{report.pk}:{kind}", 1, day):
        return False
    counter = f"reports.confirm:{digest}:count"
    cache.add(counter, 0, day)
    try:
        sent = cache.incr(counter)
    except ValueError:  # expired in between
        cache.add(counter, 1, day)
        sent = 1
    return sent <= CONFIRM_MAILS_PER_ADDRESS_PER_DAY


def ask_to_confirm(report: Report, kind: str, email: str) -> bool:
    """Mail ``email`` a link that confirms the co-signature or the follow (valid
    CONFIRM_MAX_AGE). At most one such mail per address and report a day (and a few per
    address a day): repeated requests send nothing more. Returns whether a mail went out."""
    if not _mail_budget(report, kind, email):
        return False
    url = confirmation_url(report, kind, email)
    context = _context(report, kind=kind, confirm_url=url,
                       days=CONFIRM_MAX_AGE.days)
    notify(None, "reports.confirm_email", context, site=report.site, email=email, url=url)
    return True


def read_confirmation(report: Report, token: str) -> tuple[str, str]:
    """(kind, email) of a confirmation link made for ``report``; ConfirmationError if it is
    forged, made for another report, or older than CONFIRM_MAX_AGE."""
    from django.core import signing

    try:
        data = signing.TimestampSigner(salt=CONFIRM_SALT).unsign_object(
            token, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ConfirmationError(_(
            "This confirmation link has expired. Ask for a new one on the report's page."
        )) from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise ConfirmationError(_("This confirmation link is not valid.")) from None
    if not isinstance(data, dict) or data.get("r") != report.pk or \
            data.get("k") not in (COSIGN, FOLLOW) or not isinstance(data.get("e"), str):
        raise ConfirmationError(_("This confirmation link is not valid."))
    return data["k"], data["e"]


def confirm_email(report: Report, token: str) -> tuple[str, bool]:
    """Store the co-signature or follow the link was made for: (kind, newly stored).
    ConfirmationError for a bad link; ValidationError if the report no longer takes
    co-signatures."""
    kind, email = read_confirmation(report, token)
    if kind == COSIGN:
        row, created = cosign(report, email=email, confirmed=True)
    else:
        row, created = subscribe(report, email=email, confirmed=True)
    return kind, created


# --- who may act on what -----------------------------------------------------------------

#: the admin's rule (admin_views.policy): superusers and city-wide coordinators change every
#: report, a moderator the reports of the addressees they moderate
_policy = AddresseeScopedPermissionPolicy(Report)


def may_change(actor, report: Report) -> bool:
    """Whether ``actor`` (a staff user) may change ``report``, by the admin's scope."""
    return _policy.user_has_permission_for_instance(actor, "change", report)


def check_may_change(actor, *reports: Report) -> None:
    """PermissionDenied unless ``actor`` may change every one of ``reports``. ``actor`` None
    is the system itself (scheduled jobs), which is never limited by a moderator's scope."""
    if actor is None:
        return
    for report in reports:
        if not may_change(actor, report):
            raise PermissionDenied(_("You may not act on report %(number)s.") % {
                "number": report.tracking_number})


def check_same_site(report: Report, *, other_report: Report | None = None,
                    addressee=None, category: ReportCategory | None = None) -> None:
    """ValidationError when a record named by a staff action belongs to another site than
    ``report``: no report, addressee or category crosses from one town to another."""
    if other_report is not None and other_report.site_id != report.site_id:
        raise ValidationError(_("No report of this site has this tracking number."))
    if category is not None and category.site_id != report.site_id:
        raise ValidationError(_("This category belongs to another site."))
    if addressee is not None:
        root = report.site.root_page
        if root is None or not addressee.path.startswith(root.path):
            raise ValidationError(_("This addressee belongs to another site."))


# --- the desk's assignment ----------------------------------------------------------------


def _assignment():
    """Core's assignment services (``addons.core.casework.assignment``)."""
    from addons.core.casework import assignment

    return assignment


def _routed(report: Report) -> None:
    """A report reached an addressee (filed, forwarded): the team's desk assigns it."""
    if report.addressee_id:
        _assignment().auto_assign(report)


def _closed(report: Report) -> None:
    """A report left the open statuses: its assignee's place frees up for the next one."""
    _assignment().record_closed(report)


# --- lifecycle ----------------------------------------------------------------------------


def _update(report, kind, actor=None, **fields) -> ReportUpdate:
    return ReportUpdate.objects.create(report=report, kind=kind, author=actor, **fields)


def change_status(report: Report, new_status, actor=None, public_note: str = "",
                  internal_note: str = "", template=None, notify_people: bool = True,
                  citizen: bool = False) -> ReportUpdate:
    """Move ``report`` to ``new_status`` (a ReportStatus or its code) with a public note
    (or a reply template's text); the timeline gets an entry and followers are told.
    ``citizen``: the reporter made the change (confirmed, reopened, said it is fixed), so it
    is no reply of the city's."""
    if isinstance(new_status, str):
        new_status = status(new_status)
    if template is not None and not public_note.strip():
        public_note = template.text
    now = timezone.now()
    with transaction.atomic():
        old = report.status
        report.status = new_status
        if new_status.code == RESOLVED:
            report.resolved_at = now
        if not new_status.is_open:
            report.closed_at = report.closed_at or now
            report.next_escalation_at = None
        else:
            report.closed_at = None
        report.save()
        if old.is_open and not new_status.is_open:
            _closed(report)
        entry = _update(report, UpdateKind.STATUS, actor, status_from=old, status_to=new_status,
                        public_note=public_note.strip(), internal_note=internal_note.strip())
        _status_events(report, old, new_status, actor, now, citizen=citizen)
        if notify_people:
            context = _context(report, note=public_note.strip(), old_status=old.label(),
                               feedback_url=feedback_url(report))
            resolved = new_status.code == RESOLVED
            # On "resolved" the reporter gets one mail, the one asking to confirm it.
            _notify_followers(report, "reports.status", context,
                              key=f"reports.status:{entry.pk}", exclude_user=actor,
                              skip_reporter=resolved)
            if resolved:
                _ask_for_confirmation(report, context)
        transaction.on_commit(
            lambda: signals.report_status_changed.send(Report, report=report, update=entry)
        )
    return entry


def _status_events(report, old, new, actor, now, *, citizen=False) -> None:
    """The service events of a change of status (see ``events``)."""
    if not citizen and actor is not None and old.code == NEW:
        service_events.record(report, events.FIRST_REPLY, actor=actor, at=now)
    service_events.record(report, events.STATUS_CHANGED, actor=actor, at=now,
                          status=new.code)
    if new.code == RESOLVED:
        service_events.record(report, events.RESOLVED, actor=actor, at=now, status=new.code)
    elif old.is_open and not new.is_open:
        service_events.record(report, events.CLOSED, actor=actor, at=now, status=new.code)
    elif not old.is_open and new.is_open:
        service_events.record(report, events.REOPENED, actor=actor, at=now, status=new.code)
    elif not new.is_open and old.code == RESOLVED:
        # resolved, then closed (the reporter confirmed it, or staff closed it)
        service_events.record(report, events.CLOSED, actor=actor, at=now, status=new.code)


def _ask_for_confirmation(report, context):
    key = f"reports.resolved:{report.pk}:{report.reopened_count}"
    url = feedback_url(report)
    person = _reporter_person(report)
    if person is not None:
        # on a chat the message carries the confirm / reopen / rate buttons
        context = {**context, "feedback_reference": report.tracking_number}
        notify(report.reporter, "reports.resolved", context, site=report.site, url=url,
               key=key, person=person,
               email=None if report.reporter_id else report.contact_email or None)
    elif report.reporter_id:
        notify(report.reporter, "reports.resolved", context, site=report.site, url=url, key=key)
    elif report.contact_email:
        notify(None, "reports.resolved", context, site=report.site, email=report.contact_email,
               url=url, key=key)


def assign(report: Report, addressee, actor=None, public_note: str = "") -> ReportUpdate:
    """Hand ``report`` to another addressee of its site (its moderators are told). The actor
    must handle the report; the addressee must belong to the report's site."""
    check_may_change(actor, report)
    check_same_site(report, addressee=addressee)
    with transaction.atomic():
        old = report.addressee
        report.addressee = addressee
        report.escalation_level = 0
        if old != addressee:
            # the other team's member no longer handles it: the new team's desk decides
            report.assignee, report.assigned_at = None, None
        report.save()
        entry = _update(report, UpdateKind.ASSIGNED, actor, public_note=public_note,
                        data={"from": old.pk if old else None, "to": addressee.pk})
        if old is None:
            service_events.record(report, events.ROUTED, actor=actor)
        elif old != addressee:
            service_events.record(report, events.FORWARDED, actor=actor)
        _notify_addressee(report, "reports.new", _context(report),
                          key=f"reports.assigned:{entry.pk}")
        if report.is_open:
            _routed(report)
    return entry


def set_category(report: Report, category: ReportCategory, actor=None) -> ReportUpdate:
    """Correct the category (staff); the classifier learns from it (signal)."""
    check_may_change(actor, report)
    check_same_site(report, category=category)
    with transaction.atomic():
        old = report.category
        report.category = category
        report.save()
        entry = _update(report, UpdateKind.CATEGORY, actor, is_public=True,
                        data={"from": old.code, "to": category.code})
        transaction.on_commit(lambda: signals.category_corrected.send(
            Report, report=report, old=old, new=category))
    return entry


def make_private(report: Report, actor=None, internal_note: str = "") -> ReportUpdate:
    report.is_public = False
    report.save(update_fields=["is_public", "updated_at"])
    return _update(report, UpdateKind.PRIVATE, actor, is_public=False,
                   internal_note=internal_note)


def moderate(report: Report, actor=None, *, description: str | None = None,
             hide_reporter_name: bool | None = None, hide_photos=(), show_photos=(),
             is_hidden: bool | None = None, internal_note: str = "") -> ReportUpdate:
    """Edit the text, hide the reporter's name, hide or show photos, hide the report."""
    changed = {}
    with transaction.atomic():
        if description is not None and description != report.description:
            changed["description"] = report.description
            report.description = clean_description(description)
        if hide_reporter_name is not None:
            report.hide_reporter_name = hide_reporter_name
            changed["hide_reporter_name"] = hide_reporter_name
        if is_hidden is not None:
            report.is_hidden = is_hidden
            changed["is_hidden"] = is_hidden
        report.save()
        if hide_photos:
            report.photos.filter(pk__in=list(hide_photos)).update(is_hidden=True)
            changed["hidden_photos"] = list(hide_photos)
        if show_photos:
            report.photos.filter(pk__in=list(show_photos)).update(is_hidden=False)
            changed["shown_photos"] = list(show_photos)
        if hide_photos or show_photos:
            caching.bump(report.site_id)  # Open311 links the first public photo
        return _update(report, UpdateKind.MODERATED, actor, is_public=False,
                       internal_note=internal_note, data=changed)


def merge(duplicate: Report, original: Report, actor=None, public_note: str = "") -> Report:
    """Merge ``duplicate`` into ``original``: the duplicate gets the status "duplicate".

    Both reports are of one site and the actor handles both (PermissionDenied otherwise).
    When the original is public, the duplicate's reporter (with an account), co-signers and
    followers follow the original; an email-only address follows it only if it was confirmed
    through its link (the anonymous reporter's contact address never was: it stays with the
    duplicate, whose "merged into" note names the original). A private original gains no
    followers: its notes are not for the duplicate's people."""
    check_same_site(duplicate, other_report=original)
    check_may_change(actor, duplicate, original)
    if duplicate.pk == original.pk or original.merged_into_id:
        raise ValidationError(_("A report cannot be merged into itself or into a duplicate."))
    with transaction.atomic():
        people = _followers(duplicate, confirmed_only=True) if (
            original.is_public and not original.is_hidden) else []
        for user, email in people:
            if user is not None and user.pk == original.reporter_id:
                continue
            try:
                subscribe(original, user=user, email=email or "", confirmed=True)
            except ValidationError:
                continue
        duplicate.merged_into = original
        duplicate.save(update_fields=["merged_into", "updated_at"])
        note = public_note or str(_("Merged into %(number)s.") % {
            "number": original.tracking_number})
        change_status(duplicate, DUPLICATE, actor, public_note=note)
        _update(original, UpdateKind.MERGED, actor, public_note="",
                data={"duplicate": duplicate.tracking_number})
    return original


def confirm_resolution(report: Report, by=None) -> ReportUpdate:
    """The reporter confirms the problem is gone: the report is closed."""
    with transaction.atomic():
        report.confirmed_at = timezone.now()
        report.save(update_fields=["confirmed_at", "updated_at"])
        entry = _update(report, UpdateKind.CONFIRMED, by)
        if report.status.code != CLOSED:
            change_status(report, CLOSED, by, notify_people=False, citizen=True)
    return entry


def reopen(report: Report, by=None, note: str = "") -> ReportUpdate:
    """The reporter says it is not fixed: back in progress with a fresh SLA."""
    if report.is_open:
        raise ValidationError(_("This report is still open."))
    with transaction.atomic():
        report.reopened_count += 1
        report.resolved_at = None
        report.confirmed_at = None
        report.escalation_level = 0
        report.due_at = compute_due(report.category, timezone.now(), report.site)
        report.next_escalation_at = report.due_at
        report.save()
        entry = _update(report, UpdateKind.REOPENED, by, public_note=note[:2000])
        change_status(report, IN_PROGRESS, by, public_note=note[:2000], notify_people=False,
                      citizen=True)
        _notify_addressee(report, "reports.reopened", _context(report, note=note),
                          key=f"reports.reopened:{entry.pk}")
    return entry


def rate(report: Report, speed: int, quality: int, by=None) -> ReportUpdate:
    for value in (speed, quality):
        if value not in (1, 2, 3, 4, 5):
            raise ValidationError(_("Ratings go from 1 to 5."))
    with transaction.atomic():
        report.rating_speed, report.rating_quality = speed, quality
        report.rated_at = timezone.now()
        report.save(update_fields=["rating_speed", "rating_quality", "rated_at", "updated_at"])
        service_events.record(report, events.RATED, actor=by, at=report.rated_at,
                              value=(speed + quality) / 2)
        return _update(report, UpdateKind.RATED, by, is_public=False,
                       data={"speed": speed, "quality": quality})


def questionnaire_answer(report: Report, fixed: bool, comment: str = "", by=None):
    """The reporter's answer to the questionnaire about an unresolved report."""
    comment = (comment or "").strip()[:2000]
    if fixed:
        if report.is_open:
            change_status(report, RESOLVED, by, citizen=True,
                          public_note=comment or str(_("The reporter says it is fixed.")))
        return confirm_resolution(report, by)
    return _update(report, UpdateKind.NOTE, by, public_note=comment or str(
        _("The reporter says the problem is still there.")))


# --- jobs ---------------------------------------------------------------------------------


def _head_recipients(report: Report):
    """Whoever is over the addressee (core's ``supervisors_of``: the parent addressee's
    handlers, else the leadership, else the reception office, else the administrators)."""
    if report.addressee_id:
        return supervisors_of(report.addressee, site=report.site).users
    return _leadership(report.site)


def _leadership(site):
    """The municipality's leadership (core's staffing setting), else the office, else the
    administrators."""
    return leadership_of(site).users


def escalate_overdue(now: datetime | None = None) -> int:
    """Every 15 minutes: overdue open reports go up a level (1: the addressee's head,
    2: the municipality's leadership) and the citizen is told. One Escalation row per report
    and level makes the job idempotent; it reads only the reports due (indexed)."""
    now = now or timezone.now()
    count = 0
    due = (
        Report.objects.filter(is_open=True, next_escalation_at__lte=now,
                              escalation_level__lt=MAX_ESCALATION)
        .select_related("site", "category", "addressee", "status", "reporter")
        .order_by("next_escalation_at")
    )
    for report in due.iterator(chunk_size=200):
        level = report.escalation_level + 1
        with transaction.atomic():
            _row, created = Escalation.objects.get_or_create(
                report=report, level=level, defaults={"due_at": report.next_escalation_at})
            nxt = None
            if level < MAX_ESCALATION and report.due_at:
                nxt = compute_due(report.category, report.next_escalation_at, report.site)
            Report.objects.filter(pk=report.pk).update(
                escalation_level=level, next_escalation_at=nxt)
            if not created:
                continue
            recipients = _head_recipients(report) if level == 1 else _leadership(report.site)
            context = _context(report, level=level)
            for user in recipients:
                notify(user, "reports.escalated", context, site=report.site,
                       url=report.get_absolute_url(),
                       key=f"reports.escalated:{report.pk}:{level}:u{user.pk}")
            _update(report, UpdateKind.ESCALATED, None, data={"level": level},
                    public_note=str(_("The resolution term passed; the report was escalated.")))
            service_events.record(report, events.ESCALATED, at=now, value=level)
            if report.reporter_id:
                notify(report.reporter, "reports.escalated_citizen", context, site=report.site,
                       url=report.get_absolute_url(),
                       key=f"reports.escalated_citizen:{report.pk}:{level}")
            elif report.contact_email:
                notify(None, "reports.escalated_citizen", context, site=report.site,
                       email=report.contact_email, url=report.get_absolute_url(),
                       key=f"reports.escalated_citizen:{report.pk}:{level}")
            count += 1
    return count


def send_questionnaires(now: datetime | None = None) -> int:
    """Reporters of reports still open after the site's delay (4 weeks) are asked, once."""
    now = now or timezone.now()
    sent = 0
    default_days = getattr(settings, "CIVICDESK_REPORTS_QUESTIONNAIRE_DAYS", 28)
    site_ids = Report.objects.filter(
        is_open=True, questionnaire_sent_at__isnull=True,
        created_at__lte=now - timedelta(days=1),
    ).values_list("site_id", flat=True).distinct()
    from wagtail.models import Site

    for site in Site.objects.filter(pk__in=list(site_ids)):
        days = get_settings(site).questionnaire_days or default_days
        reports = Report.objects.filter(
            site=site, is_open=True, questionnaire_sent_at__isnull=True,
            created_at__lte=now - timedelta(days=days),
        ).select_related("reporter", "category", "status", "addressee", "site")
        for report in reports.iterator(chunk_size=200):
            with transaction.atomic():
                updated = Report.objects.filter(
                    pk=report.pk, questionnaire_sent_at__isnull=True
                ).update(questionnaire_sent_at=now)
                if not updated:
                    continue
                context = _context(report, feedback_url=feedback_url(report))
                key = f"reports.questionnaire:{report.pk}"
                if report.reporter_id:
                    notify(report.reporter, "reports.questionnaire", context, site=site,
                           url=feedback_url(report), key=key)
                elif report.contact_email:
                    notify(None, "reports.questionnaire", context, site=site,
                           email=report.contact_email, url=feedback_url(report), key=key)
                sent += 1
    return sent


# --- personal data ------------------------------------------------------------------------


def personal_data(user) -> dict:
    reports = Report.objects.filter(reporter=user).select_related("category", "status")
    return {
        "reports": [
            {"tracking_number": r.tracking_number, "category": r.category.code,
             "status": r.status.code, "description": r.description, "address": r.address,
             "lat": r.lat, "lng": r.lng, "public": r.is_public,
             "created_at": r.created_at.isoformat(), "contact_email": r.contact_email,
             "contact_phone": r.contact_phone}
            for r in reports
        ],
        "cosigned": list(CoSign.objects.filter(user=user)
                         .values_list("report__tracking_number", flat=True)),
        "following": list(Subscription.objects.filter(user=user)
                          .values_list("report__tracking_number", flat=True)),
    }


def anonymise(user) -> None:
    """Reports stay (they are about the city), the person goes."""
    now = timezone.now()
    Report.objects.filter(reporter=user).update(
        reporter=None, reporter_name="", contact_email="", contact_phone="",
        hide_reporter_name=True, anonymised_at=now,
    )
    Subscription.objects.filter(user=user).delete()
    CoSign.objects.filter(user=user).update(user=None, email="")


# --- staff actions (the casework desk) -----------------------------------------------------
#
# Each is ``fn(report, user, **cleaned data of its form in forms.py)``: it checks that the
# user handles the report, refuses with a translated ValidationError, writes the Wagtail
# audit log and returns a message for the user. The desk calls them for one report or for
# each report of a selection.

LOG_ACTIONS = {
    "reports.status": _("Change problem report status"),
    "reports.reply": _("Answer a problem report"),
    "reports.forward": _("Forward problem report"),
    "reports.assign": _("Assign problem report"),
    "reports.category": _("Change problem report category"),
    "reports.merge": _("Merge duplicate problem report"),
    "reports.private": _("Make problem report private"),
    "reports.moderate": _("Moderate problem report"),
    "reports.photos": _("Hide or publish problem report photos"),
    "reports.export": _("Export problem reports"),
}


def register_log_actions(actions) -> None:
    """For the ``register_log_actions`` hook."""
    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)


def _audit(report: Report, action: str, user, **data) -> None:
    from wagtail.log_actions import log

    log(report, f"reports.{action}", user=user, title=report.tracking_number,
        data={"report": report.pk, "tracking_number": report.tracking_number, **data})


def staff_change_status(report: Report, user, status, public_note: str = "",
                        internal_note: str = "", template=None, **_ignored) -> str:
    """A new status with a public reply (typed, or a reply template's text)."""
    check_may_change(user, report)
    if isinstance(status, str):
        status = ReportStatus.objects.get(code=status)
    if status.pk == report.status_id:
        raise ValidationError({"status": _("The report already has this status.")})
    if template is not None and template.site_id not in (None, report.site_id):
        raise ValidationError({"template": _("This reply template belongs to another site.")})
    old = report.status
    change_status(report, status, user, public_note=public_note or "",
                  internal_note=internal_note or "", template=template)
    _audit(report, "status", user, status_from=old.code, status_to=status.code,
           template=getattr(template, "pk", None))
    return _("Report %(number)s is now: %(status)s.") % {
        "number": report.tracking_number, "status": status.label()}


def staff_reply(report: Report, user, public_note: str, internal_note: str = "",
                **_ignored) -> str:
    """A public answer without a change of status: the reporter and followers are told."""
    check_may_change(user, report)
    note = (public_note or "").replace("\x00", "").strip()
    if not note:
        raise ValidationError({"public_note": _("Write the answer.")})
    with transaction.atomic():
        entry = _update(report, UpdateKind.NOTE, user, public_note=note,
                        internal_note=(internal_note or "").strip())
        if report.status.code == NEW:  # the city's first word to the citizen
            service_events.record(report, events.FIRST_REPLY, actor=user,
                                  at=entry.created_at)
        _notify_followers(report, "reports.reply", _context(report, note=note),
                          key=f"reports.reply:{entry.pk}", exclude_user=user)
        _audit(report, "reply", user, update=entry.pk)
    return _("The answer to report %(number)s was published.") % {
        "number": report.tracking_number}


def staff_forward(report: Report, user, addressee, public_note: str = "", **_ignored) -> str:
    """Forward the report to another addressee of its site (its team's desk takes it)."""
    check_may_change(user, report)
    if addressee is None:
        raise ValidationError({"addressee": _("Choose an addressee.")})
    if addressee.pk == report.addressee_id:
        raise ValidationError({"addressee": _("The report is already with this addressee.")})
    old = report.addressee.title if report.addressee_id else ""
    assign(report, addressee, user, public_note=(public_note or "").strip())
    _audit(report, "forward", user, **{"from": old, "to": addressee.title})
    return _("Report %(number)s was forwarded to %(addressee)s.") % {
        "number": report.tracking_number, "addressee": addressee.title}


def staff_set_category(report: Report, user, category, **_ignored) -> str:
    check_may_change(user, report)
    if category.pk == report.category_id:
        raise ValidationError({"category": _("The report already has this category.")})
    if category.is_group or not category.is_active:
        raise ValidationError({"category": _("Choose a category.")})
    old = report.category.code
    set_category(report, category, user)
    _audit(report, "category", user, **{"from": old, "to": category.code})
    return _("The category of report %(number)s was corrected.") % {
        "number": report.tracking_number}


def staff_merge(report: Report, user, original, public_note: str = "", **_ignored) -> str:
    """Merge ``report`` into ``original`` as its duplicate (see :func:`merge`)."""
    if report.merged_into_id:
        raise ValidationError(_("This report is already merged into another one."))
    merge(report, original, user, public_note=(public_note or "").strip())
    _audit(report, "merge", user, original=original.tracking_number)
    return _("Report %(number)s was merged into %(original)s.") % {
        "number": report.tracking_number, "original": original.tracking_number}


def staff_make_private(report: Report, user, internal_note: str = "", **_ignored) -> str:
    check_may_change(user, report)
    if not report.is_public:
        raise ValidationError(_("This report is already private."))
    make_private(report, user, internal_note=(internal_note or "").strip())
    _audit(report, "private", user)
    return _("Report %(number)s is private now.") % {"number": report.tracking_number}


def staff_moderate(report: Report, user, description: str, hide_reporter_name: bool = False,
                   is_hidden: bool = False, internal_note: str = "", **_ignored) -> str:
    """Edit the text, hide the reporter's name, hide the whole report from the public."""
    check_may_change(user, report)
    description = clean_description(description)
    changes = {
        "description_changed": description != report.description,
        "hide_reporter_name": bool(hide_reporter_name),
        "is_hidden": bool(is_hidden),
    }
    moderate(report, user,
             description=description if changes["description_changed"] else None,
             hide_reporter_name=bool(hide_reporter_name), is_hidden=bool(is_hidden),
             internal_note=(internal_note or "").strip())
    _audit(report, "moderate", user, **changes)
    return _("The moderation of report %(number)s was saved.") % {
        "number": report.tracking_number}


def staff_photos(report: Report, user, hidden_photos=(), internal_note: str = "",
                 **_ignored) -> str:
    """Hide the checked photos from the public, publish the others again."""
    check_may_change(user, report)
    photos = {photo.pk: photo for photo in report.photos.all()}
    wanted = {getattr(photo, "pk", photo) for photo in hidden_photos or ()}
    if not wanted <= set(photos):
        raise ValidationError({"hidden_photos": _("Choose photos of this report.")})
    hidden_now = {pk for pk, photo in photos.items() if photo.is_hidden}
    hide, show = sorted(wanted - hidden_now), sorted(hidden_now - wanted)
    if not hide and not show:
        raise ValidationError({"hidden_photos": _(
            "Nothing changes: check the photos to hide, uncheck those to publish.")})
    moderate(report, user, hide_photos=hide, show_photos=show,
             internal_note=(internal_note or "").strip())
    _audit(report, "photos", user, hidden_photos=hide, shown_photos=show)
    return _("The photos of report %(number)s were updated.") % {
        "number": report.tracking_number}


def can_act(report: Report, user) -> bool:
    """Whether the desk offers ``user`` the actions on ``report`` (read-only coordinators:
    none)."""
    return user is not None and may_change(user, report)


def can_merge(report: Report, user) -> bool:
    return report.merged_into_id is None and can_act(report, user)


def can_make_private(report: Report, user) -> bool:
    return report.is_public and can_act(report, user)


def has_photos(report: Report, user) -> bool:
    return can_act(report, user) and report.photos.exists()
