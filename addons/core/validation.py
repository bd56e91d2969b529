"""Input checks shared by every add-on: what a public form, filter or API parameter may
hold before it reaches the database.

A database key is a 64-bit signed integer; a string column refuses NUL characters on
PostgreSQL. Values outside those ranges are not "not found" errors of the database: they
are bad input, and callers turn them into a translated form error, a 400 or a 404.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

# The largest value a BigAutoField / bigint column can hold.
MAX_DB_INT = 2**63 - 1
# Longer than any number a person types or a link carries: refused before int() runs.
_MAX_DIGITS = len(str(MAX_DB_INT))


def parse_pk(value):
    """The primary key ``value`` names, or None when it is not one.

    Accepts an int or a string of ASCII digits (surrounding spaces allowed) between 1 and
    the largest bigint; anything else (empty, signs, other digits, NUL, too many digits,
    out of range) gives None, so a lookup with it finds nothing instead of failing.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        if value is None:
            return None
        text = str(value).strip()
        if not text or len(text) > _MAX_DIGITS or not (text.isascii() and text.isdigit()):
            return None
        number = int(text)
    if 1 <= number <= MAX_DB_INT:
        return number
    return None


def parse_pks(values):
    """The primary keys among ``values`` (an iterable of strings), in order, without repeats;
    values that are not keys are left out."""
    seen = []
    for value in values:
        number = parse_pk(value)
        if number is not None and number not in seen:
            seen.append(number)
    return seen


def has_nul(value) -> bool:
    return "\x00" in str(value)


class DatabaseIntegerField(forms.IntegerField):
    """An IntegerField that refuses what the database column could not hold, with a
    translated message instead of an OverflowError from the database driver."""

    default_error_messages = {
        "out_of_range": _("Enter a smaller number."),
    }

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        if max_value is None:
            max_value = MAX_DB_INT
        if min_value is None:
            min_value = -MAX_DB_INT - 1
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and len(value.strip()) > _MAX_DIGITS + 1:
            raise forms.ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            )
        return super().to_python(value)


# --- the REST API's documented errors ------------------------------------------------------

#: What each error status of /api/v1/ means, as the OpenAPI schema says it.
API_ERRORS = {
    400: "The input is not valid: the body names each field with its errors.",
    401: "No credentials, or a token that is not valid.",
    403: "Not allowed (a session request without its CSRF token).",
    404: "Not found: no such object on this site, or not visible to the caller; also a page "
         "number past the last page.",
    409: "The time is taken: the body offers the nearest free times.",
}


def api_error_responses(*statuses: int) -> dict:
    """``extend_schema(responses={200: ..., **api_error_responses(400, 404)})``: the error
    statuses an operation answers, documented. 401/403/404 carry ``{"detail": "..."}``;
    a 400 body is an object of field errors."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiResponse

    detail = _error_serializer()
    responses = {}
    for code in statuses:
        body = OpenApiTypes.OBJECT if code in (400, 409) else detail
        responses[code] = OpenApiResponse(response=body, description=API_ERRORS[code])
    return responses


_ERROR_SERIALIZER = []


def _error_serializer():
    """One serializer class for ``{"detail": "..."}`` (the schema's ``ApiError``)."""
    if not _ERROR_SERIALIZER:
        from rest_framework import serializers

        class ApiErrorSerializer(serializers.Serializer):
            detail = serializers.CharField()

        _ERROR_SERIALIZER.append(ApiErrorSerializer)
    return _ERROR_SERIALIZER[0]
