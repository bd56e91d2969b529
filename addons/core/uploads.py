"""Checks of the files staff attach (internal notes): count, size, type, and that the
content is what the name says (a ".pdf" that is not a PDF is refused)."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
}
EXTENSIONS = {
    ".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".docx": "docx",
    ".xlsx": "xlsx", ".odt": "odt",
}
STORED_EXTENSION = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "docx": "docx",
                    "xlsx": "xlsx", "odt": "odt"}


@dataclass
class CheckedFile:
    upload: object  # an UploadedFile
    file_type: str
    name: str
    size: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.file_type]

    @property
    def extension(self) -> str:
        return STORED_EXTENSION[self.file_type]


def _head(upload, length: int = 16) -> bytes:
    upload.seek(0)
    data = upload.read(length)
    upload.seek(0)
    return data


def _zip_names(upload) -> tuple[set[str], bytes]:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return set(), b""
    finally:
        upload.seek(0)
    return names, mimetype


def content_matches(upload, file_type: str) -> bool:
    """Whether the bytes of ``upload`` are a file of ``file_type``."""
    head = _head(upload)
    if file_type == "pdf":
        return head.startswith(b"%PDF-")
    if file_type == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if file_type == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if file_type in ("docx", "xlsx", "odt"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        names, mimetype = _zip_names(upload)
        if file_type == "docx":
            return "word/document.xml" in names and "[Content_Types].xml" in names
        if file_type == "xlsx":
            return "xl/workbook.xml" in names and "[Content_Types].xml" in names
        return mimetype.strip() == CONTENT_TYPES["odt"].encode()
    return False


def check_files(uploads, *, allowed_types, max_files: int, max_file_size: int,
                max_total_size: int) -> list[CheckedFile]:
    """Check every upload; raise ``ValidationError`` naming every problem found."""
    uploads = [upload for upload in uploads if upload]
    errors = []
    checked = []
    if len(uploads) > max_files:
        errors.append(_("You can attach at most %(count)s files.") % {"count": max_files})
    total = 0
    allowed_names = ", ".join(sorted({ext.lstrip(".").upper() for ext, kind in EXTENSIONS.items()
                                      if kind in allowed_types}))
    for upload in uploads:
        name = os.path.basename(upload.name or "")[:255] or "file"
        size = upload.size or 0
        total += size
        file_type = EXTENSIONS.get(os.path.splitext(name)[1].lower())
        if file_type is None or file_type not in allowed_types:
            errors.append(_("%(name)s: this type of file is not accepted. Accepted: %(types)s.")
                          % {"name": name, "types": allowed_names})
            continue
        if size > max_file_size:
            errors.append(_("%(name)s is too large (%(size)s); the limit is %(limit)s per file.")
                          % {"name": name, "size": filesizeformat(size),
                             "limit": filesizeformat(max_file_size)})
            continue
        if size == 0 or not content_matches(upload, file_type):
            errors.append(
                _("%(name)s is not a real %(type)s file: its content does not match its name.")
                % {"name": name, "type": file_type.upper()})
            continue
        checked.append(CheckedFile(upload=upload, file_type=file_type, name=name, size=size))
    if total > max_total_size:
        errors.append(_("The files together are too large (%(size)s); the limit is %(limit)s.")
                      % {"size": filesizeformat(total), "limit": filesizeformat(max_total_size)})
    if errors:
        raise ValidationError(errors)
    return checked
