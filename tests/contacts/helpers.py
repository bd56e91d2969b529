from django.utils import timezone

from addons.accounts.models import Identity, Person


def person_with_phone(site, name, phone, *, verified=True):
    person = Person.objects.create(site=site, full_name=name)
    Identity.objects.create(person=person, site=site, kind="phone", value=phone, raw=phone,
                            verified_at=timezone.now() if verified else None,
                            verified_how="operator" if verified else "")
    return person


def add_identity(person, kind, value, *, verified=True):
    return Identity.objects.create(person=person, site=person.site, kind=kind, value=value,
                                   raw=value, verified_at=timezone.now() if verified else None)


def refused(response) -> bool:
    """Wagtail answers a refused admin screen by sending the user back to the dashboard."""
    return (response.status_code == 403
            or (response.status_code == 302 and response["Location"] == "/admin/"))
