"""Admin registrations of bulletins. No logic lives here."""

from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .admin_views import BulletinStreamViewSet, BulletinViewSet, policy
from .models import Bulletin

register_permission_policy(Bulletin, policy)
register_snippet(BulletinViewSet)
register_snippet(BulletinStreamViewSet)
