"""The OpenAPI schema of /api/v1/ builds without a warning (deploy checks fail on one)."""

import io

from django.core.management import call_command


def test_schema_is_valid_and_warning_free(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    assert "/api/v1/" in schema
    assert "/admin/" not in schema.split("paths:", 1)[1]
