from django.contrib.auth.models import Permission
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

from addons.core.admin_menu import StaffMenuItem

from .services import may_use_console


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("contacts/", include("addons.contacts.admin_urls", namespace="contacts-admin"))]


def _item(label, url, name, icon, order):
    return StaffMenuItem(label, url, allowed=may_use_console, name=name, icon_name=icon,
                         order=order)


@hooks.register("register_admin_menu_item")
def register_contact_center_menu():
    from django.urls import reverse_lazy

    items = [
        _item(_("Console"), reverse_lazy("contacts-admin:console"), "contacts-console",
              "search", 100),
        _item(_("Persons"), reverse_lazy("contacts-admin:persons"), "contacts-persons",
              "user", 150),
        _item(_("Callbacks"), reverse_lazy("contacts-admin:callbacks"), "contacts-callbacks",
              "time", 200),
        _item(_("Interactions"), reverse_lazy("contacts-admin:interactions"),
              "contacts-interactions", "list-ul", 300),
        _item(_("Reply templates"), reverse_lazy("contacts-admin:managed", args=["templates"]),
              "contacts-templates", "doc-full", 400),
        _item(_("Wrap-up codes"), reverse_lazy("contacts-admin:managed", args=["wrapups"]),
              "contacts-wrapups", "tag", 500),
    ]

    class ContactCenterMenu(SubmenuMenuItem):
        def is_shown(self, request):
            return may_use_console(request.user)

    return ContactCenterMenu(_("Contact center"), Menu(items=items), name="contact-center",
                             icon_name="mail", order=240)


@hooks.register("register_permissions")
def register_contact_center_permissions():
    return Permission.objects.filter(
        content_type__app_label="contacts",
        codename__in=["use_console", "add_replytemplate", "change_replytemplate",
                      "delete_replytemplate", "add_wrapupcode", "change_wrapupcode",
                      "delete_wrapupcode"])
