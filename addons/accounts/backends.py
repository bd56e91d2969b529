from django.contrib.auth.backends import ModelBackend


class EmailOrUsernameBackend(ModelBackend):
    """Citizens sign in with their email address; staff may use a username.
    The lookup itself lives in ``CitizenManager.get_by_natural_key``."""
