"""A problem report filed in a chat (``addons.reports.chat``, the ``ChatIntake`` of the
reports add-on), on two towns: each function finds the town's own categories, streets and
reports only."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from PIL import Image

from addons.accounts.models import Identity, Person, Verification
from addons.core.registry import get_addon
from addons.reports import chat
from addons.reports.models import (
    CoSign,
    Report,
    ReportCategory,
    Source,
    Street,
)
from addons.reports.services import change_status

from .conftest import CENTRE, gps_exif, image_bytes
from .test_photos import _png_header_only
from .test_two_towns import town2  # noqa: F401  (the second town)

pytestmark = pytest.mark.django_db
FAR = (CENTRE.lat + 5, CENTRE.lng + 5)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def other_town(town2):  # noqa: F811  (the imported fixture)
    """The second town of ``test_two_towns`` (its own roads, the default categories), with
    one street."""
    Street.objects.create(site=town2, name="Florilor", kind="Strada",
                          lat=CENTRE.lat + 0.01, lng=CENTRE.lng)
    return town2


@pytest.fixture
def street(reports_site):
    return Street.objects.create(site=reports_site, name="Городоцька", kind="вул.",
                                 aliases="Horodotska", lat=CENTRE.lat + 0.002, lng=CENTRE.lng)


def _person(site, user_id, name="Olena Chat", **identities):
    person = Person.objects.create(site=site, full_name=name)
    Identity.objects.create(person=person, site=site, kind="telegram", value=user_id,
                            verified_at=timezone.now(), verified_how=Verification.CHANNEL)
    for kind, value in identities.items():
        Identity.objects.create(person=person, site=site, kind=kind, value=value,
                                verified_at=timezone.now(), verified_how=Verification.EMAIL_LINK)
    return person


@pytest.fixture
def olena(reports_site):
    return _person(reports_site, "1001", email="olena@example.org")


@pytest.fixture
def taras(reports_site):
    return _person(reports_site, "1002", name="Taras Chat")


def _data(**extra):
    return {"code": "roads.pothole", "description": "Велика яма на Городоцькій біля 15",
            "lat": CENTRE.lat, "lng": CENTRE.lng, "address": "вул. Городоцька, 15",
            "photos": [], "anonymous": False, "name": "", "phone": "", "language": "uk",
            **extra}


def test_declared_by_the_reports_add_on():
    config = get_addon("reports")
    (intake,) = config.chat_intakes
    assert intake.key == "reports" and intake.service == "addons.reports.chat"


def test_suggest_offers_only_the_towns_active_categories(reports_site, other_town):
    text = "Величезна яма на дорозі, асфальт провалився"
    first = chat.suggest(reports_site, text, lat=CENTRE.lat, lng=CENTRE.lng)
    assert first[0]["code"] == "roads.pothole"
    assert first[0]["addressee"] == "Roads department"
    assert {"code", "label", "addressee"} <= set(first[0])
    ReportCategory.objects.filter(site=other_town, code="roads.pothole").update(is_active=False)
    second = chat.suggest(other_town, text)
    assert second and "roads.pothole" not in [row["code"] for row in second]
    assert chat.suggest(reports_site, "") == []


def test_locate_finds_the_towns_own_street(reports_site, other_town, street):
    found = chat.locate(reports_site, "Велика яма на Городоцькій біля 15")
    assert found == {"lat": street.lat, "lng": street.lng, "address": "вул. Городоцька, 15"}
    assert chat.locate(other_town, "Велика яма на Городоцькій біля 15") is None
    assert chat.locate(reports_site, "groapă pe strada Florilor nr. 15") is None
    assert chat.locate(other_town, "groapă pe strada Florilor nr. 15")["address"] == \
        "Strada Florilor, 15"
    assert chat.locate(reports_site, "яма біля школи") is None


def test_check_place(reports_site, other_town):
    assert chat.check_place(reports_site, CENTRE.lat, CENTRE.lng) == ""
    assert "outside the city" in chat.check_place(reports_site, *FAR)
    assert "outside the city" in chat.check_place(other_town, *FAR)
    assert chat.check_place(reports_site, "north", None) != ""
    assert chat.check_place(reports_site, 91, 0) != ""


def test_place_and_anonymity_per_category(reports_site, other_town):
    ReportCategory.objects.filter(site=reports_site, code="order.noise").update(
        allow_anonymous=False)
    assert chat.place_required(reports_site, "roads.pothole") is True
    assert chat.anonymous_allowed(reports_site, "roads.pothole") is True
    assert chat.anonymous_allowed(reports_site, "order.noise") is False
    assert chat.anonymous_allowed(other_town, "order.noise") is True  # the other town's own
    assert chat.anonymous_allowed(reports_site, "no.such") is False
    assert chat.anonymous_allowed(reports_site, "roads") is False  # a group


def test_file_creates_a_routed_chat_report(reports_site, olena):
    photo = image_bytes(size=(2400, 1200), exif=gps_exif(49.2361, 31.6244))
    answer = chat.file(reports_site, _data(photos=[photo], phone="+380501234567"),
                       person=olena, source=Source.CHAT)
    report = Report.objects.get(tracking_number=answer.reference, site=reports_site)
    assert report.source == "chat" and report.person == olena
    assert report.addressee.title == "Roads department" == answer.addressee
    assert report.due_at is not None
    assert answer.expected == timezone.localdate(report.due_at)
    assert report.reporter_name == "Olena Chat" and report.contact_phone == "+380501234567"
    assert report.address == "вул. Городоцька, 15"
    (stored,) = report.photos.all()
    image = Image.open(io.BytesIO(stored.image.read()))
    assert image.format == "JPEG" and image.size == (1600, 800)
    assert len(image.getexif()) == 0


def test_file_refuses_a_bomb_and_keeps_nothing(reports_site, olena):
    with pytest.raises(ValidationError) as error:
        chat.file(reports_site, _data(photos=[image_bytes(), _png_header_only(60000, 60000)]),
                  person=olena)
    assert "too many pixels" in " ".join(error.value.message_dict["photos"])
    with pytest.raises(ValidationError) as error:
        chat.file(reports_site, _data(photos=[b"not an image"]), person=olena)
    assert "not an image" in " ".join(error.value.message_dict["photos"])
    assert not Report.objects.exists()


def test_file_anonymously_keeps_no_name(reports_site, olena):
    answer = chat.file(reports_site, _data(anonymous=True, name="Olena", phone="+3805012"),
                       person=olena)
    report = Report.objects.get(tracking_number=answer.reference)
    assert report.reporter_name == "" and report.contact_phone == "" and report.reporter is None
    assert report.person == olena  # still told of changes on the chat


def test_file_checks_category_place_and_anonymity(reports_site, other_town, olena):
    ReportCategory.objects.filter(site=reports_site, code="order.noise").update(
        allow_anonymous=False)
    with pytest.raises(ValidationError) as error:
        chat.file(reports_site, _data(code="order.noise", anonymous=True), person=olena)
    assert "anonymous" in error.value.message_dict
    # a category that needs an account takes a named chat citizen's report
    answer = chat.file(reports_site, _data(code="order.noise"), person=olena)
    assert Report.objects.get(tracking_number=answer.reference).category.code == "order.noise"
    with pytest.raises(ValidationError) as error:
        chat.file(reports_site, _data(lat=FAR[0], lng=FAR[1]), person=olena)
    assert "outside the city" in " ".join(error.value.message_dict["location"])
    ReportCategory.objects.filter(site=other_town, code="roads.pothole").update(is_active=False)
    with pytest.raises(ValidationError) as error:
        chat.file(other_town, _data(), person=olena)
    assert "category" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        chat.file(reports_site, _data(description="  "), person=olena)
    assert "description" in error.value.message_dict


def test_nearby_and_cosign_on_two_towns(reports_site, other_town, olena, taras):
    answer = chat.file(reports_site, _data(), person=olena)
    (found,) = chat.nearby(reports_site, "roads.pothole", CENTRE.lat, CENTRE.lng)
    assert (found.reference, found.addressee) == (answer.reference, "Roads department")
    assert found.status == "New"
    assert chat.nearby(other_town, "roads.pothole", CENTRE.lat, CENTRE.lng) == []
    assert chat.nearby(reports_site, "water.leak", CENTRE.lat, CENTRE.lng) == []
    # taras says "me too" from his chat, once however often he asks
    for _attempt in range(2):
        cosigned = chat.cosign(reports_site, answer.reference.replace("-", ""), person=taras)
        assert cosigned.reference == answer.reference
    report = Report.objects.get(tracking_number=answer.reference)
    assert report.cosign_count == 1
    assert CoSign.objects.get(report=report).person == taras
    # the citizen's own report: nothing added
    chat.cosign(reports_site, answer.reference, person=olena)
    assert Report.objects.get(pk=report.pk).cosign_count == 1
    # the same number in the other town is not this report
    assert chat.cosign(other_town, answer.reference, person=taras) is None
    assert chat.cosign(reports_site, "PR-1999-000999", person=taras) is None


def test_mine_lists_only_the_persons_reports(reports_site, other_town, olena, taras, make_report,
                                             moderator):
    first = chat.file(reports_site, _data(), person=olena)
    second = chat.file(reports_site, _data(description="Ще одна яма"), person=olena)
    change_status(Report.objects.get(tracking_number=first.reference), "resolved", moderator)
    by_mail = make_report(reporter=None, contact_email="Olena@Example.org")
    make_report(reporter=None, contact_email="someone@example.org")
    chat.file(reports_site, _data(description="Яма Тараса"), person=taras)
    chat.file(other_town, _data(), person=_person(other_town, "1001"))
    mine = chat.mine(reports_site, olena)
    assert [row.reference for row in mine] == [
        by_mail.tracking_number, second.reference, first.reference]  # open first
    assert [row.reference for row in chat.mine(reports_site, taras)] != []
    assert first.reference not in [row.reference for row in chat.mine(reports_site, taras)]
    assert chat.mine(other_town, olena) == []


def test_feedback_by_the_reports_own_person(reports_site, other_town, olena, taras, moderator):
    answer = chat.file(reports_site, _data(), person=olena)
    report = Report.objects.get(tracking_number=answer.reference)
    assert chat.feedback(reports_site, answer.reference, person=olena,
                         answer="confirm") == "This report is still open."
    change_status(report, "resolved", moderator)
    refused = chat.feedback(reports_site, answer.reference, person=taras, answer="confirm")
    assert refused == "Only the citizen who filed this report can answer about it."
    assert chat.feedback(other_town, answer.reference, person=olena, answer="confirm") == \
        "There is no report with this number."
    report.refresh_from_db()
    assert report.confirmed_at is None and report.status.code == "resolved"

    assert chat.feedback(reports_site, answer.reference, person=olena,
                         answer="rate", rating=9) == "Ratings go from 1 to 5."
    assert chat.feedback(reports_site, answer.reference, person=olena,
                         answer="rate", rating="4") == "Thank you for your rating."
    assert chat.feedback(reports_site, answer.reference, person=olena,
                         answer="reopen") == "The report was reopened."
    report.refresh_from_db()
    assert (report.rating_speed, report.rating_quality) == (4, 4)
    assert report.is_open and report.reopened_count == 1
    change_status(report, "resolved", moderator)
    assert chat.feedback(reports_site, answer.reference, person=olena,
                         answer="confirm") == "Thank you for confirming."
    report.refresh_from_db()
    assert report.confirmed_at is not None and report.status.code == "closed"
    assert chat.feedback(reports_site, answer.reference, person=olena,
                         answer="dance") == "This answer is not understood."
