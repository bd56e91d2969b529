"""CSV import of a static list: all or nothing, every broken row listed by its line."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from addons.mailings import services
from addons.mailings.models import ListKind, ListMember

from .conftest import make_list

pytestmark = pytest.mark.django_db

GOOD = "email,name,language\nana@example.org,Ana,ro\nBOGDAN@Example.org,Bogdan,uk\n"
BROKEN = (
    "email;name;language\n"
    "ana@example.org;Ana;ro\n"          # line 2: good
    "not-an-email;Bad;uk\n"             # line 3
    ";Nobody;\n"                        # line 4
    "ANA@example.org;Ana again;\n"      # line 5: duplicate of line 2
    "ivan@example.org;Ivan;de\n"        # line 6: unknown language
    "\n"
    "olga@example.org;Olga;bg\n"        # line 8: good
)


def test_good_file_imports_every_row(site):
    recipient_list = make_list(site)
    report = services.import_csv(recipient_list, GOOD.encode())
    assert report.ok and report.committed
    assert report.imported == [(2, "ana@example.org"), (3, "bogdan@example.org")]
    assert list(recipient_list.members.values_list("email", "name", "language")) == [
        ("ana@example.org", "Ana", "ro"), ("bogdan@example.org", "Bogdan", "uk")]


def test_broken_rows_import_nothing_and_are_listed_with_reasons(site):
    recipient_list = make_list(site, ["old@example.org"])
    report = services.import_csv(recipient_list, BROKEN.encode())
    assert not report.committed
    assert [(line, reason) for line, _text, reason in report.broken] == [
        (3, "Not a valid email address."),
        (4, "The email address is empty."),
        (5, "Duplicate of line 2."),
        (6, 'Unknown language "de": use one of bg, en, ro, uk.'),
    ]
    assert report.imported == []
    assert list(recipient_list.members.values_list("email", flat=True)) == ["old@example.org"]


def test_skip_broken_imports_the_good_rows_in_one_go(site):
    recipient_list = make_list(site, ["olga@example.org"])
    report = services.import_csv(recipient_list, BROKEN.encode(), skip_broken=True)
    assert report.committed
    assert report.imported == [(2, "ana@example.org")]
    assert report.already == [(8, "olga@example.org")]
    assert len(report.broken) == 4
    assert sorted(recipient_list.members.values_list("email", flat=True)) == [
        "ana@example.org", "olga@example.org"]


def test_missing_header_and_windows_1251(site):
    recipient_list = make_list(site)
    report = services.import_csv(recipient_list, b"ana@example.org,Ana\n")
    assert report.error.startswith("The first line must name the columns")
    report = services.import_csv(recipient_list, "email,name\nivan@example.org,Іван\n"
                                 .encode("cp1251"))
    assert report.committed
    assert recipient_list.members.get().name == "Іван"


def test_a_database_failure_leaves_nothing_half_imported(site, monkeypatch):
    recipient_list = make_list(site)
    real = ListMember.objects.bulk_create

    def failing(objs, **kwargs):
        real(objs[:1], **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(ListMember.objects, "bulk_create", failing)
    with pytest.raises(RuntimeError):
        services.import_csv(recipient_list, GOOD.encode())
    assert not recipient_list.members.exists()


def test_dynamic_list_has_nothing_to_import(site):
    recipient_list = make_list(site, kind=ListKind.DYNAMIC, segment="queues.visitors",
                               segment_value="1")
    assert services.import_csv(recipient_list, GOOD.encode()).error


def test_admin_import_shows_the_report(staff_client, site):
    recipient_list = make_list(site)
    url = f"/admin/mailings/lists/{recipient_list.pk}/import/"
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"file": SimpleUploadedFile("list.csv", BROKEN.encode(),
                                                                  "text/csv")})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported: 4 rows are broken." in content
    assert "Duplicate of line 2." in content and "not-an-email" in content
    assert not recipient_list.members.exists()
    response = staff_client.post(url, {"file": SimpleUploadedFile("list.csv", BROKEN.encode()),
                                       "skip_broken": "on"})
    assert "2 rows imported." in response.content.decode()
    assert recipient_list.members.count() == 2


def test_import_needs_the_permission(client, site, django_user_model):
    recipient_list = make_list(site)
    user = django_user_model.objects.create_user(username="clerk", email="c@example.org",
                                                 password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.post(f"/admin/mailings/lists/{recipient_list.pk}/import/",
                           {"file": SimpleUploadedFile("l.csv", GOOD.encode())})
    assert response.status_code in (302, 403)
    assert not recipient_list.members.exists()
