from django.utils.translation import gettext_lazy as _

from addons.core.addon import (
    AddonConfig,
    CabinetSection,
    MenuLink,
    RecipientSegment,
    ScheduledJob,
    TimelineSource,
)


class BulletinsConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.bulletins"
    label = "bulletins"
    verbose_name = _("Bulletins")
    description = _("Messages, news and announcements of addressees, the e-digest and "
                    "email subscriptions.")
    default_enabled = True
    urls = "addons.bulletins.urls"
    url_prefix = "bulletins/"
    placements = ("bulletins.BulletinStreamPlacement",)
    timeline = (TimelineSource("bulletins", _("Bulletin subscriptions"),
                               "addons.bulletins.timeline.entries",
                               "addons.bulletins.timeline.contacts", order=50),)
    menu_links = (MenuLink(_("News"), "bulletins:digest", order=10),)
    cabinet_sections = (
        CabinetSection(
            key="bulletins",
            title=_("My subscriptions"),
            template="bulletins/cabinet.html",
            get_context="addons.bulletins.views.cabinet_context",
            order=40,
        ),
    )
    scheduled_jobs = (
        ScheduledJob(name="bulletins.daily", func="addons.bulletins.jobs.send_daily",
                     cron="0 7 * * *"),
        ScheduledJob(name="bulletins.weekly", func="addons.bulletins.jobs.send_weekly",
                     cron="0 7 * * 1"),
        ScheduledJob(name="bulletins.publish_scheduled",
                     func="addons.bulletins.jobs.publish_scheduled", cron="*/5 * * * *"),
    )
    recipient_segments = (
        RecipientSegment(
            key="bulletins.addressee_subscribers",
            title=_("Subscribers of an addressee"),
            resolve="addons.bulletins.segments.subscribers",
            choices="addons.bulletins.segments.choices",
        ),
    )

    def ready(self):
        super().ready()
        from . import delivery, signals  # noqa: F401 - the unsubscribe handler, receivers

    def setup(self, site):
        """Nothing to create: moderators publish bulletins, citizens subscribe."""

    def personal_data(self, user) -> dict:
        from .models import Subscription

        return {"subscriptions": [
            {"filter": subscription.describe(), "frequency": subscription.frequency,
             "email": subscription.email, "created": subscription.created_at.isoformat()}
            for subscription in Subscription.objects.of_user(user).select_related("addressee")
        ]}

    def anonymise(self, user) -> None:
        from .models import SentBulletin, Subscription

        emails = set(Subscription.objects.filter(user=user).values_list("email", flat=True))
        Subscription.objects.filter(user=user).delete()
        SentBulletin.objects.filter(email__in=emails).delete()
