"""A problem report filed in a chat (``AddonConfig.chat_intakes``): the functions the
channels add-on's conversation calls, each taking the site first and answering in the
active language. They go through the add-on's own services, so a report from a chat is
numbered, routed, given its term and followed like one from the web form, and a citizen's
"resolved, confirm?" answer counts exactly like the one on the feedback page.

Decisions the category model leaves open:

- every report needs a place (``Report`` keeps a point; the routing by district and the
  nearby reports need one): ``place_required`` is True for every category;
- ``anonymous_allowed`` is the category's own "anonymous reports allowed"; a citizen who
  gives their name in a chat is known by the messaging platform (a verified chat identity),
  so a category that needs an account accepts their report, as it accepts an operator's.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext as _

from addons.core.geo import Point
from addons.core.intake import Source

from . import services, status, triage
from .geocoding import find_address
from .models import Report, ReportCategory
from .photos import process_photos

#: how many of a citizen's reports "my reports" lists
MINE_LIMIT = 10


def _category(site, code) -> ReportCategory | None:
    category = ReportCategory.objects.filter(site=site, code=code or "", is_active=True).first()
    return None if category is None or category.is_group else category


def _point(lat, lng) -> Point | None:
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        return None
    if -90 <= lat <= 90 and -180 <= lng <= 180:
        return Point(lat, lng)
    return None


def suggest(site, text, *, limit=3, lat=None, lng=None) -> list[dict]:
    """The best categories for the citizen's words: ``[dict(code=, label=, addressee=)]``
    (the addressee's name, "" when none would be routed)."""
    rows = triage.suggestions(text, site=site, limit=limit, point=_point(lat, lng))
    return [{"code": row["code"], "label": row["label"],
             "addressee": row["addressee"]["title"] if row["addressee"] else "",
             "score": row["score"]} for row in rows]


def locate(site, text) -> dict | None:
    """A street of the town's register named in the text: ``dict(lat=, lng=, address=)``."""
    found = find_address(text, site)
    if found is None:
        return None
    return {"lat": found.lat, "lng": found.lng, "address": found.address}


def check_place(site, lat, lng) -> str:
    """"" when the point lies in the city, else why not (in words)."""
    point = _point(lat, lng)
    if point is None:
        return _("This is not a place on the map. Share your location again.")
    try:
        services.check_point(point, site)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def place_required(site, code) -> bool:
    """Every problem report has a place (see the module's docstring)."""
    return True


def anonymous_allowed(site, code) -> bool:
    """Whether the category takes reports without the citizen's name."""
    category = _category(site, code)
    return bool(category and category.allow_anonymous)


def nearby(site, code, lat, lng) -> list[status.StatusAnswer]:
    """Open public reports of the category close to the point, nearest first."""
    category, point = _category(site, code), _point(lat, lng)
    if category is None or point is None:
        return []
    return [status.answer(report)
            for report, _metres in services.nearby_open(category, point, site=site, limit=5)]


def cosign(site, reference, *, person) -> status.StatusAnswer | None:
    """ "Me too" on the town's report ``reference``, counted once per person; None when the
    town has no such report. ValidationError when it can no longer be co-signed."""
    report = status.report_by_reference(site, reference)
    if report is None or not report.is_public or report.is_hidden:
        return None
    user = _account(person)
    try:
        services.cosign(report, user=user, person=None if user else person)
    except ValidationError:
        if report.person_id != person.pk and report.reporter_id != getattr(user, "pk", None):
            raise
        # the citizen's own report: nothing to add, the answer is the same
    report.refresh_from_db()
    return status.answer(report)


def _account(person):
    from addons.accounts.persons import contact_details

    return contact_details(person)["user"] if person is not None else None


def _photo_files(photos) -> list:
    files = []
    for number, content in enumerate(photos or (), start=1):
        handle = io.BytesIO(bytes(content))
        handle.name = f"photo {number}"
        handle.size = len(content)
        files.append(handle)
    return files


def file(site, data, *, person, source=Source.CHAT) -> status.StatusAnswer:
    """File the report (``data``: code, description, lat, lng, address, photos as bytes,
    anonymous, name, phone, language). Every photo goes through the form's pipeline (re-
    encoded, metadata dropped; too large or a decompression bomb is refused): one refused
    photo refuses the whole report with its message under "photos", so the citizen may send
    another and the conversation keeps its draft. ValidationError per field."""
    category = _category(site, data.get("code"))
    anonymous = bool(data.get("anonymous"))
    errors = {}
    if category is None:
        errors["category"] = [_("Choose a category.")]
    elif anonymous and not category.allow_anonymous:
        errors["anonymous"] = [_("Reports of this category need your name.")]
    point = _point(data.get("lat"), data.get("lng"))
    if point is None:
        errors["location"] = [_("Mark the place of the problem.")]
    processed = []
    try:
        processed = process_photos(_photo_files(data.get("photos")), site)
    except ValidationError as error:
        errors["photos"] = error.messages
    if errors:
        raise ValidationError(errors)
    user = None if anonymous else _account(person)
    report = services.submit_report(
        site=site,
        category=category,
        point=point,
        description=data.get("description") or "",
        reporter=user,
        address=(data.get("address") or "")[:300],
        reporter_name="" if anonymous else (data.get("name") or getattr(person, "full_name", "")
                                            or ""),
        contact_phone="" if anonymous else (data.get("phone") or ""),
        photos=processed,
        source=source,
        person=person,
    )
    return status.answer(report)


def _owned(site, person) -> Q:
    """The reports of ``person``: filed from their chats, or by their verified e-mail,
    phone or cabinet account (merged persons' too)."""
    from addons.accounts.models import Identity, IdentityKind

    ids = [person.pk, *person.merged_persons.values_list("pk", flat=True)]
    condition = Q(person_id__in=ids)
    identities = Identity.objects.filter(person_id__in=ids, site=site, valid=True,
                                         verified_at__isnull=False)
    for kind, value, raw in identities.values_list("kind", "value", "raw"):
        if kind == IdentityKind.EMAIL:
            condition |= Q(contact_email__iexact=value)
        elif kind == IdentityKind.PHONE:
            condition |= Q(contact_phone__in={value, raw} - {""})
        elif kind == IdentityKind.ACCOUNT and value.isdigit():
            condition |= Q(reporter_id=int(value))
    return condition


def mine(site, person) -> list[status.StatusAnswer]:
    """The person's reports in this town, open ones first, then the newest."""
    if person is None:
        return []
    reports = (Report.objects.filter(_owned(site, person), site=site)
               .select_related("site", "status", "addressee")
               .annotate(open_first=Case(When(is_open=True, then=Value(0)), default=Value(1),
                                         output_field=IntegerField()))
               .order_by("open_first", "-created_at")[:MINE_LIMIT])
    return [status.answer(report) for report in reports]


def feedback(site, reference, *, person, answer, rating=None) -> str:
    """The citizen's answer after "resolved": confirm, reopen or rate (1-5, for both the
    speed and the quality), recorded by the services the feedback page uses. Only the
    report's own citizen may answer; the reply in words."""
    report = status.report_by_reference(site, reference)
    if report is None or person is None:
        return _("There is no report with this number.")
    if not Report.objects.filter(_owned(site, person), pk=report.pk).exists():
        return _("Only the citizen who filed this report can answer about it.")
    by = _account(person)
    try:
        if answer == "confirm":
            if report.is_open:
                return _("This report is still open.")
            services.confirm_resolution(report, by=by)
            return _("Thank you for confirming.")
        if answer == "reopen":
            services.reopen(report, by=by)
            return _("The report was reopened.")
        if answer == "rate":
            try:
                value = int(rating)
            except (TypeError, ValueError):
                value = 0
            services.rate(report, value, value, by=by)
            return _("Thank you for your rating.")
    except ValidationError as error:
        return " ".join(error.messages)
    return _("This answer is not understood.")
