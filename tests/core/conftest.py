import pytest


@pytest.fixture
def citizen(django_user_model):
    return django_user_model.objects.create_user(
        username="olena", email="olena@example.org", password="x", full_name="Olena Shevchenko"
    )


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="admin", email="admin@example.org", password="x"
    )
