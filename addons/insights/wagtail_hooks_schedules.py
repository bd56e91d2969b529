"""The admin screen of scheduled reports, registered with Wagtail (imported by the add-on's
``ready``, so it is there whatever else the add-on registers)."""

from wagtail import hooks


@hooks.register("register_admin_viewset")
def register_schedules_viewset():
    from .schedules_admin import ReportScheduleViewSet

    return ReportScheduleViewSet()
