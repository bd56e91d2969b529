from django.urls import include, path
from wagtail import hooks


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("contacts/", include("addons.contacts.admin_urls", namespace="contacts-admin"))]
