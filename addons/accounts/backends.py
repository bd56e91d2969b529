from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailOrUsernameBackend(ModelBackend):
    """Citizens sign in with their email address; staff may use a username.

    When one person's username equals another's email, the email wins (see
    ``CitizenManager.find_by_login``). An account whose email is not confirmed yet is
    inactive, so no login form lets it in.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = User._default_manager.find_by_login(username)
        if user is None:
            # Hash anyway, so that a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
