"""Contact details become persons: the rule shared by live code and data migrations.

Every function here takes the ``Person`` and ``Identity`` model classes as arguments and
uses nothing but their fields, so a data migration can pass its historical models
(``apps.get_model``) and the running site its real ones (``addons.accounts.persons``).

A *row* is a dict: ``site_id``, ``name``, ``email``, ``phone``, ``user_id``,
``email_confirmed`` (the typed e-mail is the account's confirmed address) and optionally
``region`` (the two-letter region a phone typed without + is read in, else ``UA``) and
``address``/``language``. The rule:

- a row of an account joins that account's person (made the first time, with the account
  as a verified identity); its e-mail is verified only when the account confirmed it, and
  only if no other person of the town holds it verified;
- a row without an account goes to the person holding one of its contacts *verified*;
  nothing typed is ever added to such a person (that is a possible match for operators);
- otherwise it goes to a person made of exactly these unverified contacts and name (the
  same typed details twice are one person, so running again creates nothing), else a new
  one. A phone that cannot be parsed is kept as typed with ``valid`` False and never
  matched to anyone else's.
"""

from __future__ import annotations

from collections.abc import Iterable

EMAIL = "email"
PHONE = "phone"
ACCOUNT = "account"
LOGIN = "login"
EMAIL_LINK = "email_link"

#: rows read from the database per round trip in the data migrations
CHUNK_SIZE = 2000


def normalize_phone(raw: str, region: str = "UA") -> tuple[str, bool]:
    """``(value, valid)``: E.164 and True, or the text as typed and False."""
    import phonenumbers

    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, region or "UA")
    except phonenumbers.NumberParseException:
        return text, False
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        return text, False
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), True


def normalize_email(raw: str) -> tuple[str, bool]:
    value = (raw or "").strip().casefold()
    return value, "@" in value


def live_person(Person, person):
    """``person``, or the person it was merged into (followed to the end)."""
    seen = set()
    while person is not None and person.merged_into_id and person.pk not in seen:
        seen.add(person.pk)
        person = Person.objects.get(pk=person.merged_into_id)
    return person


def verified_holder(Person, Identity, site_id, kind, value):
    """The live person of the town holding ``kind``/``value`` verified, or None."""
    identity = (Identity.objects.filter(site_id=site_id, kind=kind, value=value,
                                        verified_at__isnull=False)
                .select_related("person").first())
    return live_person(Person, identity.person) if identity else None


def _typed(row) -> list[tuple[str, str, str, bool]]:
    """``[(kind, value, raw, valid)]`` of the row's e-mail and phone."""
    found = []
    email = (row.get("email") or "").strip()
    if email:
        value, valid = normalize_email(email)
        found.append((EMAIL, value, email, valid))
    phone = (row.get("phone") or "").strip()
    if phone:
        value, valid = normalize_phone(phone, row.get("region") or "UA")
        found.append((PHONE, value, phone, valid))
    return found


def _add(Identity, person, kind, value, raw, valid, *, verified_at=None, how=""):
    """The identity ``kind``/``value`` of ``person``, made if missing; ``(identity,
    created)``. An unverified one is verified when ``verified_at`` is given and no other
    person of the town holds it verified."""
    identity = Identity.objects.filter(person=person, kind=kind, value=value).first()
    created = identity is None
    if created:
        identity = Identity.objects.create(person=person, site_id=person.site_id, kind=kind,
                                           value=value, raw=raw[:254], valid=valid)
    if verified_at is not None and valid and identity.verified_at is None:
        taken = Identity.objects.filter(site_id=person.site_id, kind=kind, value=value,
                                        verified_at__isnull=False).exists()
        if not taken:
            identity.verified_at = verified_at
            identity.verified_how = how
            identity.save(update_fields=["verified_at", "verified_how"])
    return identity, created


def account_person(Person, Identity, row, now):
    """The person of the row's account on the row's town: found by the verified account
    identity, else the person holding the account's confirmed e-mail verified (unless that
    person has an account of their own), else new."""
    site_id = row["site_id"]
    account = str(row["user_id"])
    person = verified_holder(Person, Identity, site_id, ACCOUNT, account)
    if person is not None:
        return person, False
    created = False
    email_value, email_valid = normalize_email(row.get("email") or "")
    if row.get("email_confirmed") and email_valid:
        person = verified_holder(Person, Identity, site_id, EMAIL, email_value)
        if person is not None and Identity.objects.filter(
                person=person, kind=ACCOUNT, verified_at__isnull=False).exists():
            person = None  # the address was another account's: a possible match only
    if person is None:
        person = Person.objects.create(
            site_id=site_id, full_name=(row.get("name") or "")[:200],
            postal_address=row.get("address") or "", language=row.get("language") or "",
        )
        created = True
    # Made verified at once: of two first logins at the same moment, the second meets the
    # unique constraint of verified identities (and its caller reads the first's person)
    # instead of leaving a second person with an unverified account.
    existing = Identity.objects.filter(person=person, kind=ACCOUNT, value=account)
    if not existing.update(verified_at=now, verified_how=LOGIN):
        Identity.objects.create(person=person, site_id=site_id, kind=ACCOUNT, value=account,
                                raw=account, valid=True, verified_at=now, verified_how=LOGIN)
    return person, created


def contact_person(Person, Identity, row, now):
    """The person the row's contacts belong to (see the module's rule); ``(person,
    created)``, person None when the row names no one (no account, no contact)."""
    typed = _typed(row)
    if row.get("user_id"):
        person, created = account_person(Person, Identity, row, now)
        for kind, value, raw, valid in typed:
            confirmed = kind == EMAIL and bool(row.get("email_confirmed"))
            _add(Identity, person, kind, value, raw, valid,
                 verified_at=now if confirmed else None, how=EMAIL_LINK)
        return person, created
    if not typed:
        return None, False
    site_id = row["site_id"]
    for kind, value, _raw, valid in typed:
        if valid:
            holder = verified_holder(Person, Identity, site_id, kind, value)
            if holder is not None:
                return holder, False
    name = (row.get("name") or "")[:200]
    wanted = {(kind, value, valid) for kind, value, _raw, valid in typed}
    kind, value, _raw, valid = typed[0]
    candidates = Identity.objects.filter(site_id=site_id, kind=kind, value=value, valid=valid,
                                         person__full_name=name,
                                         person__merged_into__isnull=True)
    for person_id in candidates.values_list("person_id", flat=True)[:20]:
        own = set(Identity.objects.filter(person_id=person_id)
                  .values_list("kind", "value", "valid", "verified_at"))
        if all(at is None for *_rest, at in own) and {o[:3] for o in own} == wanted:
            return Person.objects.get(pk=person_id), False
    person = Person.objects.create(site_id=site_id, full_name=name,
                                   language=row.get("language") or "")
    for kind, value, raw, valid in typed:
        _add(Identity, person, kind, value, raw, valid)
    return person, True


def add_contacts(Person, Identity, rows: Iterable[dict], *, now=None) -> int:
    """Make or find the person of every row (see the module); returns how many persons were
    made. Rows are read one by one: pass an iterator and memory stays constant."""
    if now is None:
        from django.utils import timezone

        now = timezone.now()
    made = 0
    for row in rows:
        _person, created = contact_person(Person, Identity, row, now)
        made += int(created)
    return made


def site_regions(SiteProfile) -> dict[int, str]:
    """``{site_id: region}`` from the (historical) site profiles' jurisdictions."""
    regions = {"ua": "UA", "ro": "RO", "bg": "BG"}
    return {site_id: regions.get(jurisdiction or "ua", "UA")
            for site_id, jurisdiction in SiteProfile.objects.values_list("site_id",
                                                                         "jurisdiction")}


def confirmed_for(email: str, user_email: str | None, user_confirmed: bool | None) -> bool:
    """Whether a typed e-mail is the account's confirmed address."""
    return bool(user_confirmed and email and user_email
                and email.strip().casefold() == user_email.strip().casefold())


def records_rows(queryset, regions: dict[int, str], *, site: str, name: str, email: str,
                 phone: str, user: str):
    """Rows of a (historical) model's records, read in chunks: for each record with an
    account, first the account's own row (its e-mail, confirmed or not, its name and
    phone), then the record's typed contacts. The arguments name the fields (``site`` may
    follow a relation: ``queue__site_id``)."""
    fields = {
        "site_id": site, "name": name, "email": email, "phone": phone, "user_id": user,
        "user_email": f"{user[:-3]}__email", "user_confirmed": f"{user[:-3]}__email_confirmed",
        "user_name": f"{user[:-3]}__full_name", "user_phone": f"{user[:-3]}__phone",
    }
    values = queryset.order_by("pk").values_list(*fields.values())
    for record in values.iterator(chunk_size=CHUNK_SIZE):
        data = dict(zip(fields, record, strict=True))
        region = regions.get(data["site_id"], "UA")
        if data["user_id"]:
            yield {"site_id": data["site_id"], "user_id": data["user_id"],
                   "name": data["user_name"] or data["name"] or "",
                   "email": data["user_email"] or "", "phone": data["user_phone"] or "",
                   "email_confirmed": bool(data["user_confirmed"]), "region": region}
        yield {"site_id": data["site_id"], "user_id": data["user_id"],
               "name": data["name"] or "", "email": data["email"] or "",
               "phone": data["phone"] or "", "region": region,
               "email_confirmed": confirmed_for(data["email"], data["user_email"],
                                                data["user_confirmed"])}


def migrate_records(apps, app_label: str, model_name: str, **fields) -> int:
    """A data migration's body: the persons of every record of ``app_label.model_name``
    (historical models only); returns how many persons were made."""
    Person = apps.get_model("accounts", "Person")
    Identity = apps.get_model("accounts", "Identity")
    SiteProfile = apps.get_model("core", "SiteProfile")
    Model = apps.get_model(app_label, model_name)
    rows = records_rows(Model.objects.all(), site_regions(SiteProfile), **fields)
    return add_contacts(Person, Identity, rows)
