"""What each country's appeals law asks: the applicant's details, the terms, and the
reason given when an appeal cannot be accepted.

UA: Law 393/96 "On citizens' appeals", art. 5 (full name, place of residence, substance,
date; an electronic appeal also an email), art. 8 (anonymous appeals are not considered),
art. 20 (one month, at most 45 days). RO: OG 27/2002 art. 7-9 (name, address or email,
subject; 30 days, at most 45). BG: APC art. 111-112, 118 (names, correspondence address;
two months).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from addons.core.models import SiteProfile

#: deadline rules (addons.core.deadlines) per jurisdiction: term, longest extension, forward
DEFAULT_RULES = {
    "ua": {"appeal": "appeal", "extended": "appeal-extended", "forward": "forward"},
    "ro": {"appeal": "petition", "extended": "petition-extended", "forward": "forward"},
    # Bulgaria knows no extension of a signal's term; forwarding has its own 7-day rule
    # (registered by AppealsConfig.ready as "forward" for "bg").
    "bg": {"appeal": "signal", "extended": "signal", "forward": "forward"},
}
#: terms only some laws set, applied where the jurisdiction has the rule: the urgent term
#: of an appeal that needs no further study (UA 393/96 art. 20, 15 days), the return of an
#: incomplete appeal (UA art. 5, 10 days), the notice of the decision (BG APC, 7 days)
OPTIONAL_RULES = {"urgent": "appeal-urgent", "return": "return-incomplete",
                  "notify": "notify-decision"}

#: applicant fields the law requires, by jurisdiction and form kind ("address_or_email":
#: one of the two, RO)
REQUIRED_FIELDS = {
    "ua": ("applicant_name", "applicant_address", "applicant_email"),
    "ro": ("applicant_name", "address_or_email"),
    "bg": ("applicant_name", "applicant_address"),
}
LEGAL_ENTITY_FIELDS = ("organisation_name", "organisation_code")

IDENTIFICATION_REASON = {
    "ua": _(
        "Under articles 5 and 8 of the Law of Ukraine \"On citizens' appeals\", an appeal "
        "must state the applicant's full name and place of residence, and an electronic "
        "appeal also an email address or other means of contact; an appeal without them is "
        "not considered."
    ),
    "ro": _(
        "Under article 7 of Government Ordinance no. 27/2002, a petition must state the "
        "petitioner's name and address or email; an anonymous petition is filed away "
        "without being considered."
    ),
    "bg": _(
        "Under articles 111 and 112 of the Administrative Procedure Code, a signal must state "
        "the sender's names and correspondence address; an anonymous signal is not "
        "considered."
    ),
}
#: what the law does with an anonymous appeal (the ``allow_anonymous`` option's help)
ANONYMOUS_RULE = {
    "ua": _("Under article 8 of the Law of Ukraine \"On citizens' appeals\" (393/96), "
            "anonymous appeals are not considered. They are recorded without a legal term "
            "or reminders."),
    "ro": _("Under article 7 of Government Ordinance no. 27/2002, anonymous petitions are "
            "filed away without being considered. They are recorded without a legal term "
            "or reminders."),
    "bg": _("Under article 111(4) of the Administrative Procedure Code, anonymous signals "
            "are not considered. They are recorded without a legal term or reminders."),
}
#: the confidentiality option's help, with the article of the site's law where it has one
CONFIDENTIALITY_HELP = {
    "ua": _("Your name and address are then shown only to those who handle the appeal "
            "(art. 10 of the Law of Ukraine \"On citizens' appeals\")."),
    "ro": _("Your name and address are then shown only to those who handle the appeal."),
    "bg": _("Your name and address are then shown only to those who handle the appeal."),
}
#: applicant fields without which an appeal is anonymous ("address_or_email": one of them)
IDENTITY_FIELDS = {
    "ua": ("applicant_name", "applicant_address"),
    "ro": ("applicant_name", "address_or_email"),
    "bg": ("applicant_name", "applicant_address"),
}
#: the kinds of appeals each law names, and whether the applicant must choose one (where
#: the law handles them differently): UA 393/96 art. 3; BG APC chapter 8 (signals and
#: proposals); RO OG 27/2002 art. 2 (a petition is a request, complaint, notification or
#: proposal, all handled alike)
APPEAL_TYPES = {
    "ua": ("proposal", "statement", "complaint"),
    "ro": ("request", "complaint", "notification", "proposal"),
    "bg": ("signal", "proposal"),
}
APPEAL_TYPE_REQUIRED = {"ua": True, "ro": False, "bg": True}
#: privileged categories whose appeals are handled first, by jurisdiction: only Ukraine's
#: law knows them (393/96 art. 20); a site may define its own (AppealsSettings)
PRIORITY_CATEGORIES = {
    "ua": ("veteran", "disability", "large_family", "chernobyl", "displaced", "other"),
    "ro": (),
    "bg": (),
}

LOGIN_REASON = _("This form accepts appeals only from citizens logged in to their account. "
                 "The law asks the applicant for a name, an address and a means of contact, "
                 "not for an account: the account fills them in for you.")


def jurisdiction_of(site) -> str:
    return SiteProfile.for_site(site).jurisdiction or "ua"


def rule(site_or_code, which: str) -> str:
    """The deadline rule key for ``which`` ("appeal", "extended", "forward")."""
    code = site_or_code if isinstance(site_or_code, str) else jurisdiction_of(site_or_code)
    rules = {**DEFAULT_RULES, **getattr(settings, "CIVICDESK_APPEALS_RULES", {})}
    return rules.get(code, DEFAULT_RULES["ua"])[which]


def optional_rule(site_or_code, which: str) -> str | None:
    """The rule key for an optional term ``which`` ("urgent", "return", "notify") if the
    jurisdiction's law has it, else None (the term is not applied there)."""
    from addons.core import deadlines

    code = site_or_code if isinstance(site_or_code, str) else jurisdiction_of(site_or_code)
    key = OPTIONAL_RULES[which]
    return key if key in deadlines.rules(code) else None


def required_fields(code: str, kind: str) -> tuple[str, ...]:
    fields = REQUIRED_FIELDS.get(code, REQUIRED_FIELDS["ua"])
    if kind == "legal_entity":
        fields = fields + LEGAL_ENTITY_FIELDS
    return fields


def identification_reason(code: str):
    return IDENTIFICATION_REASON.get(code, IDENTIFICATION_REASON["ua"])


def priority_categories(site) -> list[str]:
    """The privileged categories an appeal form of ``site`` offers: the site's own, else
    those of its jurisdiction's law (none outside Ukraine)."""
    from .models import AppealsSettings

    own = [key for key in (AppealsSettings.for_site(site).priority_categories or []) if key]
    if own:
        return own
    return list(PRIORITY_CATEGORIES.get(jurisdiction_of(site), ()))


def _pick(table: dict, code: str):
    return table.get(code, table["ua"])


def anonymous_rule(code: str):
    return _pick(ANONYMOUS_RULE, code)


def confidentiality_help(code: str):
    return _pick(CONFIDENTIALITY_HELP, code)


def is_anonymous(code: str, data: dict) -> bool:
    """Whether an appeal with applicant details ``data`` is anonymous under the law of
    ``code``: the details that identify the applicant are missing."""
    for name in _pick(IDENTITY_FIELDS, code):
        if name == "address_or_email":
            if not ((data.get("applicant_address") or "").strip()
                    or (data.get("applicant_email") or "").strip()):
                return True
        elif not (data.get(name) or "").strip():
            return True
    return False
