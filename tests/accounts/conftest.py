import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # django-ratelimit counts in the cache; every test starts with a full allowance.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(client):
    # English messages in assertions; tests of other languages set the cookie themselves.
    client.cookies["civicdesk_language"] = "en"
    return client


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def make_user(db):
    def make(email="olena@example.org", password=PASSWORD, **fields):
        defaults = {
            "username": email,
            "email": email,
            "full_name": "Olena Petrenko",
            "postal_address": "1 Khreshchatyk St, Kyiv, 01001",
            "phone": "+380 44 123 45 67",
            "language": "en",
            "email_confirmed": True,
            "is_active": True,
        }
        defaults.update(fields)
        user = get_user_model()(**defaults)
        user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def citizen(make_user):
    return make_user()


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen, backend="addons.accounts.backends.EmailOrUsernameBackend")
    return client


class DemoAddon:
    """A stand-in add-on with a cabinet section and personal data, as a module would be."""

    label = "demo"
    verbose_name = "Demo"
    description = ""
    urls = None
    url_prefix = None
    api_urls = None
    required = True
    default_enabled = True
    placements = ()
    statistics_blocks = ()
    notification_events = ()
    scheduled_jobs = ()
    menu_links = ()
    recipient_segments = ()

    def __init__(self):
        from addons.core.addon import CabinetSection

        self.anonymised = []
        self.cabinet_sections = (
            CabinetSection(
                key="demo",
                title="Demo section",
                # an existing plain template that prints two context values
                template="notifications/accounts.email_changed/body.txt",
                get_context=lambda request: {"new_email": "DEMO-SECTION",
                                             "old_email": request.user.email},
            ),
        )

    def personal_data(self, user):
        return {"appeals": [{"subject": "Pothole", "author": user.full_name}]}

    def anonymise(self, user):
        # an add-on sees the person before the account is blanked
        self.anonymised.append((user.pk, user.email))


@pytest.fixture
def demo_addon(monkeypatch):
    from addons.core import registry

    addon = DemoAddon()
    monkeypatch.setitem(registry._addons, addon.label, addon)
    return addon


@pytest.fixture
def clock(monkeypatch):
    """A clock for the login throttles and session lifetimes that tests move by hand."""
    from addons.accounts import throttle

    class Clock:
        moment = 1_800_000_000.0

        def __call__(self):
            return self.moment

        def move(self, seconds):
            self.moment += seconds

    fake = Clock()
    monkeypatch.setattr(throttle, "now", fake)
    return fake
