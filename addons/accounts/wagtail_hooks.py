from django.utils.translation import gettext_lazy as _
from wagtail import hooks


@hooks.register("register_admin_urls")
def register_persons_admin_urls():
    from .admin_views_persons import admin_urls

    return admin_urls()


@hooks.register("register_admin_menu_item")
def register_persons_merges_menu():
    from addons.core.admin_menu import staff_menu_item

    return staff_menu_item(
        _("Merges of persons"), "persons_admin:merges", name="persons-merges",
        icon_name="group", order=9100,
        allowed=lambda user: user.has_perm("accounts.change_person"),
    )
