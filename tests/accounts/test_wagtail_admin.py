from django.contrib.auth import get_user_model
from django.urls import reverse

User = get_user_model()
ADD = reverse("wagtailusers_users:add")


def test_superuser_creates_and_edits_a_user_in_wagtail_admin(client, make_user):
    admin = make_user(email="admin@city.example", username="admin", is_superuser=True,
                      is_staff=True)
    client.force_login(admin)
    page = client.get(ADD)
    assert page.status_code == 200
    response = client.post(ADD, {
        "username": "clerk",
        "email": "clerk@city.example",
        "first_name": "Ivan",
        "last_name": "Franko",
        "password1": "Clerk-pass-2026!",
        "password2": "Clerk-pass-2026!",
        "is_active": "on",
    })
    assert response.status_code == 302, response.context["form"].errors
    clerk = User.objects.get(username="clerk")
    assert clerk.email == "clerk@city.example"
    assert clerk.check_password("Clerk-pass-2026!")

    edit_url = reverse("wagtailusers_users:edit", args=[clerk.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, {
        "username": "clerk",
        "email": "ivan.franko@city.example",
        "first_name": "Ivan",
        "last_name": "Franko",
        "password1": "",
        "password2": "",
        "is_active": "on",
    })
    assert response.status_code == 302, response.context["form"].errors
    clerk.refresh_from_db()
    assert clerk.email == "ivan.franko@city.example"
    # a user created by staff logs in straight away (no confirmation link needed)
    client.logout()
    login = client.post("/accounts/login/", {"username": "clerk",
                                             "password": "Clerk-pass-2026!"})
    assert login.status_code == 302


def test_wagtail_admin_refuses_a_duplicate_email(client, make_user):
    admin = make_user(email="admin@city.example", username="admin", is_superuser=True,
                      is_staff=True)
    client.force_login(admin)
    response = client.post(ADD, {
        "username": "copy",
        "email": "admin@city.example",
        "first_name": "A",
        "last_name": "B",
        "password1": "Clerk-pass-2026!",
        "password2": "Clerk-pass-2026!",
    })
    assert response.status_code == 200
    assert User.objects.filter(email="admin@city.example").count() == 1


def test_wagtail_users_list_and_search(client, make_user, citizen):
    admin = make_user(email="admin@city.example", username="admin", is_superuser=True)
    client.force_login(admin)
    response = client.get(reverse("wagtailusers_users:index") + "?q=olena")
    assert response.status_code == 200
    assert "olena@example.org" in response.content.decode()
