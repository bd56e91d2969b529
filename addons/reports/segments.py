"""Recipient segments of mass email answered from the city's places (see
``addons.core.addon.RecipientSegment``).

"Citizens of a district": registered citizens whose postal address (their profile, the one
appeals law asks for) is on a street of the district in the street register, or whose
street's point lies inside the district's boundary. That is what a city means by residents
of a district; an address on no registered street reaches no district list.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from addons.core.mass_email import Recipient

from .geocoding import normalise
from .models import District, Street


def district_choices(site) -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in
            District.objects.filter(site=site).order_by("name").values_list("pk", "name")]


def district_citizens(site, value):
    try:
        district = District.objects.get(pk=int(value), site=site)
    except (TypeError, ValueError, District.DoesNotExist):
        return []
    names = []  # (normalised name, street in the district?)
    for street in Street.objects.filter(site=site).only("search_name", "district_id", "lat",
                                                          "lng"):
        inside = street.district_id == district.pk or (
            street.district_id is None and district.contains(street.lat, street.lng))
        names.extend((name, inside) for name in street.search_name.split(" | ") if name)
    names.sort(key=lambda item: -len(item[0]))  # the longest name wins, as when geocoding
    result = []
    users = get_user_model().objects.filter(is_active=True).exclude(email="").exclude(
        postal_address="").values_list("pk", "email", "full_name", "language", "postal_address")
    for pk, email, full_name, language, address in users.iterator(chunk_size=2000):
        padded = f" {normalise(address)} "
        for name, inside in names:
            if f" {name} " in padded:
                if inside:
                    result.append(Recipient(email=email, name=full_name or "",
                                            language=language or "", user_id=pk))
                break
    return result
