"""The appeals' screens on the casework desk, for the tests: addresses and a browser's
posts (with the lock version the desk's forms carry)."""

from django.urls import reverse

LIST = reverse("casework_appeals:index")
BULK_FORWARD = reverse("wagtail_bulk_action", args=["appeals", "appeal", "casework-forward"])


def detail(appeal):
    return reverse("casework_appeals:inspect", args=[appeal.pk])


def action(appeal, name):
    return reverse("casework_appeals:action", args=[appeal.pk, name])


def locked(appeal, data=None):
    from addons.appeals.models import Appeal

    # "confirm": the box a dangerous action (close, return, refuse, leave) asks to tick
    return {"confirm": "on", **(data or {}),
            "lock_version": Appeal.objects.get(pk=appeal.pk).lock_version}


def post(client, appeal, name, data=None, **kwargs):
    """Send the desk's form of action ``name`` as a browser does, with the lock version."""
    return client.post(action(appeal, name), locked(appeal, data), **kwargs)


def export(client, fmt, params=None, **kwargs):
    """The desk's list as a file (``fmt``: csv or xlsx), with the list's filters."""
    return client.get(LIST, {**(params or {}), "export": fmt}, **kwargs)


def export_bytes(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def bulk_forward(client, appeals, data, **kwargs):
    query = "&".join(f"id={getattr(item, 'pk', item)}" for item in appeals)
    return client.post(f"{BULK_FORWARD}?{query}", data, **kwargs)


def export_row(appeal) -> dict:
    """One appeal's row of the desk's export, by column heading, as Wagtail writes it."""
    from django.contrib.admin.utils import label_for_field
    from django.utils.text import capfirst
    from wagtail.coreutils import multigetattr

    from addons.core import registry

    _addon, declaration = registry.casework_for("appeals")
    return {capfirst(str(label_for_field(name, type(appeal)))): multigetattr(appeal, name)
            for name in declaration.list_export}
