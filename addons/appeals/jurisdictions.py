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
#: the terms of a request for public information (the same keys in every jurisdiction):
#: UA Law 2939-VI art. 20 (5 working days, at most 20 working days), RO Law 544/2001
#: art. 7 (10 days, at most 30; a refusal within 5 days, rule "info-refusal"), BG Access
#: to Public Information Act art. 28 and 30 (14 days, at most 10 days more). The rules are
#: registered by AppealsConfig.ready where core does not define them.
INFO_RULES = {"appeal": "info-request", "extended": "info-request-extended",
              "forward": "forward"}
#: terms only some laws set, applied where the jurisdiction has the rule: the urgent term
#: of an appeal that needs no further study (UA 393/96 art. 20, 15 days), the return of an
#: incomplete appeal (UA art. 5, 10 days), the notice of the decision (BG APC, 7 days)
OPTIONAL_RULES = {"urgent": "appeal-urgent", "return": "return-incomplete",
                  "notify": "notify-decision", "refuse": "info-refusal"}

#: applicant fields the law requires, by jurisdiction and form kind ("address_or_email":
#: one of the two, RO)
REQUIRED_FIELDS = {
    "ua": ("applicant_name", "applicant_address", "applicant_email"),
    "ro": ("applicant_name", "address_or_email"),
    "bg": ("applicant_name", "applicant_address"),
}
LEGAL_ENTITY_FIELDS = ("organisation_name", "organisation_code")
#: a request for public information: a name and a postal or email address to answer to,
#: in all three laws (UA 2939-VI art. 19; RO 544/2001 art. 6; BG APIA art. 25)
INFO_REQUEST_FIELDS = ("applicant_name", "address_or_email")

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
#: what a request for public information must contain, by the site's law
INFO_IDENTIFICATION_REASON = {
    "ua": _(
        "Under article 19 of the Law of Ukraine \"On access to public information\", a "
        "request states the requester's name and a postal or email address for the answer."
    ),
    "ro": _(
        "Under article 6 of Law no. 544/2001 on free access to information of public "
        "interest, a request states the requester's name and the address, postal or "
        "electronic, where the answer is to be sent."
    ),
    "bg": _(
        "Under article 25 of the Access to Public Information Act, a request states the "
        "requester's names and the address for correspondence (postal or electronic)."
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
#: how old a violation a signal reports may be, in years (BG APC art. 113: proceedings are
#: not opened on signals about violations committed more than two years before); the form
#: of such a site asks when it happened (optional) and staff are warned
SIGNAL_AGE_LIMIT_YEARS = {"bg": 2}
TIME_BARRED_REASON = {
    "bg": _("Under article 113 of the Administrative Procedure Code, no proceedings are "
            "opened on a signal about a violation committed more than two years ago."),
}
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


def is_info(procedure) -> bool:
    return procedure == "info_request"


def procedure_rule(site_or_code, procedure: str, which: str) -> str:
    """The deadline rule key for ``which`` ("appeal": the term, "extended": the longest
    extension, "forward") of an appeal or of a request for public information."""
    if is_info(procedure):
        return INFO_RULES[which]
    return rule(site_or_code, which)


def required_fields(code: str, kind: str, procedure: str = "appeal") -> tuple[str, ...]:
    fields = REQUIRED_FIELDS.get(code, REQUIRED_FIELDS["ua"])
    if is_info(procedure):
        fields = INFO_REQUEST_FIELDS
    if kind == "legal_entity":
        fields = fields + LEGAL_ENTITY_FIELDS
    return fields


def identification_reason(code: str, procedure: str = "appeal"):
    if is_info(procedure):
        return INFO_IDENTIFICATION_REASON.get(code, INFO_IDENTIFICATION_REASON["ua"])
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


def is_anonymous(code: str, data: dict, procedure: str = "appeal") -> bool:
    """Whether an appeal with applicant details ``data`` is anonymous under the law of
    ``code``: the details that identify the applicant are missing (for a request for public
    information: a name and a postal or email address)."""
    names = INFO_REQUEST_FIELDS if is_info(procedure) else _pick(IDENTITY_FIELDS, code)
    for name in names:
        if name == "address_or_email":
            if not ((data.get("applicant_address") or "").strip()
                    or (data.get("applicant_email") or "").strip()):
                return True
        elif not (data.get(name) or "").strip():
            return True
    return False
