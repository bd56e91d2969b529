"""Keeping object permissions clean: an addressee that is deleted takes its guardian
permissions with it, in the same transaction (Wagtail's page permissions and the feedback
messages go by foreign key already). Deleting a page deletes its subtree: this runs for
every addressee in it.

Cached fragments are forgotten on every change they could show (see ``fragments.py``)."""

from functools import lru_cache

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from .fragments import bump_catalog_version
from .models import AddresseePage


@receiver(post_delete, sender=AddresseePage, dispatch_uid="addressees_forget_permissions")
def forget_permissions_of_deleted_addressee(sender, instance, **kwargs):
    from .services import forget_permissions

    forget_permissions([instance.pk])


# -- forgetting cached fragments (see fragments.py) ----------------------------------------
# Any change of what a catalog, group or addressee page shows replaces the catalog version:
# publishing, unpublishing, moving or deleting a page (any page: a catalog's settings, a
# link target), an addressee's rows, a group, a view restriction, a site, an image.


@receiver(page_published, dispatch_uid="addressees_fragments_published")
@receiver(page_unpublished, dispatch_uid="addressees_fragments_unpublished")
@receiver(post_page_move, dispatch_uid="addressees_fragments_moved")
def forget_fragments(sender=None, **kwargs):
    bump_catalog_version()


@lru_cache(maxsize=1)
def _watched_models() -> tuple:
    from wagtail.images import get_image_model
    from wagtail.models import Page, PageViewRestriction, Site

    from addons.core.models import AddonActivation, SiteProfile

    from .models import Absence, AddresseeGroup, OfficeHours, Specialist

    # the home page's cards leave out the add-ons switched off (AddonActivation)
    return (Page, PageViewRestriction, Site, SiteProfile, AddonActivation, AddresseeGroup,
            OfficeHours, Absence, Specialist, get_image_model())


@receiver(post_save, dispatch_uid="addressees_fragments_saved")
@receiver(post_delete, dispatch_uid="addressees_fragments_deleted")
def forget_fragments_of_model(sender, instance=None, **kwargs):
    if isinstance(instance, _watched_models()):
        bump_catalog_version()


@receiver(m2m_changed, sender=AddresseePage.groups.through,
          dispatch_uid="addressees_fragments_groups")
def forget_fragments_of_groups(sender, action="", **kwargs):
    if action.startswith("post_"):
        bump_catalog_version()
