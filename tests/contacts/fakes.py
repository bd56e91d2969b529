"""A status lookup and a timeline source standing in for the add-ons' own declarations."""

from datetime import timedelta

from django.utils import timezone

from addons.core.addon import StatusAnswer, TimelineEntry

#: reference -> (site id, owner phone)
RECORDS = {}


def find(site, reference):
    reference = reference.upper().replace("-", "")
    for known, (site_id, phone) in RECORDS.items():
        if known.replace("-", "") == reference and site_id == site.pk:
            return StatusAnswer(reference=known, kind="Problem report", status="In progress",
                                owners={"phone": {phone}}, url=f"/admin/fake/{known}/")
    return None


def entries(site, identities, user, *, since=None, until=None, limit=200):
    phones = identities.get("phone", set())
    now = timezone.now()
    found = []
    for reference, (site_id, phone) in RECORDS.items():
        if site_id == site.pk and phone in phones:
            found.append(TimelineEntry(source="fake", at=now - timedelta(days=1),
                                       title=f"Pothole {reference}", reference=reference,
                                       status="In progress", url=f"/admin/fake/{reference}/",
                                       open=True))
            found.append(TimelineEntry(source="fake", at=now - timedelta(days=30),
                                       title=f"Closed one {reference}",
                                       reference=f"{reference}-OLD", status="Done"))
    return found
