"""Checks of the files citizens and staff attach to appeals: core's checks (count, size,
type, and that the content is what the name says) with the limits of the appeal form or of
staff replies."""

from __future__ import annotations

from addons.core.uploads import (  # noqa: F401  (the names appeals' code uses)
    CONTENT_TYPES,
    EXTENSIONS,
    STORED_EXTENSION,
    CheckedFile,
    check_files,
    content_matches,
)


def check_for_form(uploads, form) -> list[CheckedFile]:
    """``check_files`` with the limits of the appeal form ``form``."""
    return check_files(
        uploads,
        allowed_types=set(form.allowed_types or []),
        max_files=form.max_files,
        max_file_size=form.max_file_size,
        max_total_size=form.max_total_size,
    )


def check_for_staff(uploads) -> list[CheckedFile]:
    """Files staff attach to a reply: every accepted type, the site-wide limits."""
    from django.conf import settings

    max_mb = getattr(settings, "CIVICDESK_APPEALS_REPLY_MAX_FILE_MB", 20)
    return check_files(
        uploads,
        allowed_types=set(CONTENT_TYPES),
        max_files=getattr(settings, "CIVICDESK_APPEALS_REPLY_MAX_FILES", 10),
        max_file_size=max_mb * 1024 * 1024,
        max_total_size=getattr(settings, "CIVICDESK_APPEALS_REPLY_MAX_TOTAL_MB", 50) * 1024 * 1024,
    )
