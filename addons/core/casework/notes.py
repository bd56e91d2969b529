"""Internal notes: what staff write to each other on a record, never shown to a citizen.

``add_note(record, author, body, files=(), reply_to=None)`` writes a note on any record (an
appeal, a problem report, a feedback message...), stores its files in private storage,
notifies the people it mentions and writes the audit log.

Mentions are ``@username`` (the account's user name, case-insensitive; an ``@`` inside an
e-mail address such as ``name@example.org`` is not a mention). A name nobody has, or a person
who may not see the record, refuses the note with a translated error naming them: nothing
is saved and the form keeps what was typed.

Each mentioned person gets the notification "mentioned" (e-mail and the in-app inbox). Its
text names the author and the record and links to the record on the desk; it never carries
the note's text, whatever the record: the note may hold confidential details and e-mail
leaves the town's systems. A mentioned person who is away is replaced by their delegate
(``staffing.resolve_delegate``) when the delegate may see the record; otherwise the
notification waits for the person.

Citizens never see notes: no public page, cabinet section, API, Open311 feed, export or
citizen e-mail reads :class:`InternalNote` (``tests/core/test_internal_notes.py``).
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import staffing
from ..notifications import notify
from ..uploads import CONTENT_TYPES, check_files
from .access import can_see, declaration_for, desk_url, is_staff_member, record_site
from .models import InternalNote, NoteAttachment

#: ``@name`` not preceded by a word character, a dot or another ``@`` (so e-mail addresses
#: are left alone); the name ends before trailing punctuation
MENTION = re.compile(r"(?<![\w.@])@([\w][\w.+-]*)")
BODY_MAX_LENGTH = 10_000
MB = 1024 * 1024
LOG_ACTION = "civicdesk.note"


def max_files() -> int:
    return int(getattr(settings, "CIVICDESK_NOTE_MAX_FILES", 5))


def max_file_size() -> int:
    return int(getattr(settings, "CIVICDESK_NOTE_MAX_FILE_MB", 10)) * MB


def max_total_size() -> int:
    return int(getattr(settings, "CIVICDESK_NOTE_MAX_TOTAL_MB", 25)) * MB


def check_note_files(files):
    return check_files(files, allowed_types=set(CONTENT_TYPES), max_files=max_files(),
                       max_file_size=max_file_size(), max_total_size=max_total_size())


def mentioned_names(body: str) -> list[str]:
    """The ``@names`` in ``body``, in order, each once (trailing dots and dashes dropped)."""
    names = []
    for match in MENTION.finditer(body or ""):
        name = match.group(1).rstrip(".-+")
        if name and name.lower() not in {known.lower() for known in names}:
            names.append(name)
    return names


def resolve_mentions(record, body: str) -> list:
    """The users ``body`` mentions; ValidationError naming unknown people and people who may
    not see ``record``."""
    names = mentioned_names(body)
    if not names:
        return []
    User = get_user_model()
    field = User.USERNAME_FIELD
    lowered = [name.lower() for name in names]
    condition = Q()
    for name in names:
        condition |= Q(**{f"{field}__iexact": name})
    found = {getattr(user, field).lower(): user
             for user in User.objects.filter(condition, is_active=True)}
    errors = []
    unknown = [f"@{name}" for name in names if name.lower() not in found]
    if unknown:
        errors.append(_("No member of staff is called %(names)s: check the spelling of the "
                        "user name.") % {"names": ", ".join(unknown)})
    users = [found[name] for name in lowered if name in found]
    blind = [f"@{getattr(user, field)}" for user in users if not can_see(user, record)]
    if blind:
        errors.append(_("%(names)s may not see this record, so the note cannot mention them. "
                        "Remove the mention or ask a supervisor to share the record.")
                      % {"names": ", ".join(blind)})
    if errors:
        raise ValidationError(errors)
    return users


def _content_type(record):
    return ContentType.objects.get_for_model(record, for_concrete_model=True)


def notes_for(record):
    """The record's notes, oldest first, with authors, mentions and files."""
    return (InternalNote.objects
            .filter(content_type=_content_type(record), object_id=str(record.pk))
            .select_related("author", "reply_to__author")
            .prefetch_related("mentions", Prefetch("attachments",
                                                   queryset=NoteAttachment.objects.order_by("pk"))))


def record_label(record) -> str:
    declaration = declaration_for(record)
    reference = ""
    if declaration is not None and declaration.reference_field != "pk":
        reference = str(getattr(record, declaration.reference_field, "") or "")
    reference = reference or f"#{record.pk}"
    kind = str(declaration.title) if declaration else str(type(record)._meta.verbose_name)
    return f"{kind} {reference}"


def notes_url(record) -> str:
    return reverse("casework_notes", args=[_content_type(record).pk, record.pk])


def record_url(record) -> str:
    """Where the mention links: the record on the desk, else its notes page."""
    return desk_url(record) or notes_url(record)


def _admin_absolute(path: str) -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return f"{base.rstrip('/')}{path}" if base and path.startswith("/") else path


def person_name(user) -> str:
    return (getattr(user, "full_name", "") or user.get_full_name() or user.get_username()).strip()


def _notify_mentioned(note, record, users, author):
    site = record_site(record)
    link = _admin_absolute(record_url(record))
    for user in users:
        target = user
        if staffing.is_absent(user):
            delegate = staffing.resolve_delegate(user)
            if delegate is not None and delegate.pk != author.pk and can_see(delegate, record):
                target = delegate
        notify(
            target, "mentioned",
            {"author": person_name(author),
             "record": record_label(record),
             "on_behalf_of": person_name(user) if target.pk != user.pk else ""},
            site=site, url=link, key=f"note-{note.pk}-mention-{user.pk}",
        )


def add_note(record, author, body: str, files=(), *, reply_to=None) -> InternalNote:
    """Write a note on ``record``; ValidationError (translated) refuses it and saves nothing."""
    if not can_see(author, record):
        raise PermissionDenied(_("You may not see this record."))
    body = (body or "").strip()
    errors = []
    if not body:
        errors.append(_("Write the note."))
    elif len(body) > BODY_MAX_LENGTH:
        errors.append(_("The note is too long: at most %(limit)s characters.")
                      % {"limit": BODY_MAX_LENGTH})
    if reply_to is not None and (reply_to.content_type_id != _content_type(record).pk
                                 or reply_to.object_id != str(record.pk)):
        errors.append(_("A reply must stay on the record of the note it answers."))
    mentioned = []
    try:
        mentioned = resolve_mentions(record, body)
    except ValidationError as error:
        errors.extend(error.messages)
    checked = []
    try:
        checked = check_note_files(files)
    except ValidationError as error:
        errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)

    from wagtail.log_actions import log

    written = []
    try:
        with transaction.atomic():
            note = InternalNote.objects.create(
                content_type=_content_type(record), object_id=str(record.pk), author=author,
                body=body, reply_to=reply_to,
            )
            note.mentions.set(mentioned)
            for item in checked:
                attachment = NoteAttachment(note=note, original_name=item.name,
                                            extension=item.extension, size=item.size,
                                            content_type=item.content_type)
                item.upload.seek(0)
                attachment.file.save("upload", item.upload, save=False)
                written.append((attachment.file.storage, attachment.file.name))
                attachment.save()
            log(record, LOG_ACTION, user=author, data={
                "note": note.pk, "files": len(checked),
                "mentions": [user.pk for user in mentioned],
                "reply_to": reply_to.pk if reply_to else None,
            })
            _notify_mentioned(note, record, mentioned, author)
    except Exception:
        for storage, name in written:
            storage.delete(name)
        raise
    return note


# --- the panel and its views -------------------------------------------------------------


class NoteForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Internal note"), widget=forms.Textarea(
        attrs={"rows": 3}), max_length=BODY_MAX_LENGTH, required=False,
        help_text=gettext_lazy("Seen by staff only. Mention a colleague with @user name."))
    reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


def panel_context(record, request, form=None) -> dict:
    """The context of ``core/casework/notes_panel.html`` for ``record``."""
    notes = list(notes_for(record))
    content_type = _content_type(record)
    return {
        "record": record,
        "notes": notes,
        "note_form": form or NoteForm(),
        "notes_post_url": reverse("casework_notes", args=[content_type.pk, record.pk]),
        "notes_next": request.get_full_path() if request is not None else "",
        "note_limits": {"files": max_files(), "file_mb": max_file_size() // MB},
        "can_add_note": request is not None and can_see(request.user, record),
    }


def _record_or_404(request, ct_id, object_id):
    try:
        content_type = ContentType.objects.get_for_id(int(ct_id))
    except (ContentType.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None
    model = content_type.model_class()
    if model is None:
        raise Http404
    try:
        record = model._default_manager.get(pk=object_id)
    except (model.DoesNotExist, ValueError, ValidationError, OverflowError):
        raise Http404 from None
    if not can_see(request.user, record):
        raise Http404
    return record


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


@never_cache
@require_http_methods(["GET", "POST"])
def notes_view(request, ct_id, object_id):
    """GET: the record's notes on a page of their own; POST: add a note (with files)."""
    if not is_staff_member(request.user):
        raise Http404
    record = _record_or_404(request, ct_id, object_id)
    form = None
    status = 200
    if request.method == "POST":
        form = NoteForm(request.POST)
        reply_to = None
        if form.is_valid():
            if form.cleaned_data.get("reply_to"):
                reply_to = InternalNote.objects.filter(pk=form.cleaned_data["reply_to"]).first()
                if reply_to is None:
                    form.add_error(None, _("The note you answer no longer exists."))
        if form.is_valid():
            try:
                add_note(record, request.user, form.cleaned_data["body"],
                         request.FILES.getlist("files"), reply_to=reply_to)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Note added."))
                return redirect(_safe_next(request, notes_url(record)))
        status = 400
    context = panel_context(record, request, form)
    context.update({"page_title": _("Internal notes"), "record_label": record_label(record),
                    "record_url": desk_url(record)})
    return TemplateResponse(request, "core/casework/notes_page.html", context, status=status)


@never_cache
def attachment_view(request, pk):
    """A note's file, only for staff who may see the record; always a download."""
    if not is_staff_member(request.user):
        raise Http404
    item = get_object_or_404(NoteAttachment.objects.select_related("note__content_type"), pk=pk)
    record = item.note.record
    if record is None or not can_see(request.user, record):
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
