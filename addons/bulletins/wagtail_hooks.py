"""Admin registrations of bulletins. No logic lives here."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .admin_views import BulletinStreamViewSet, BulletinViewSet, add_publish_item, policy
from .models import Bulletin

register_permission_policy(Bulletin, policy)
register_snippet(BulletinViewSet)
register_snippet(BulletinStreamViewSet)
hooks.register("construct_snippet_action_menu", add_publish_item)
