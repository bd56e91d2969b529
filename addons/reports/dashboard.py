"""Hot spots for staff: where the same problem keeps coming back, and who is late.

Everything is counted in the database (GROUP BY), whatever the number of reports:

- recurring problems: reports of one category in one grid cell (a square of about
  ``cell`` metres) within the period, at least ``MIN_RECURRING`` of them, with their count
  per month;
- the same per district (where districts are drawn);
- per addressee: open reports, overdue ones, escalated ones (now, not per period).
"""

from __future__ import annotations

import math
from datetime import timedelta

from django import forms
from django.db.models import Avg, Count, F, FloatField, Q, Value
from django.db.models.functions import Floor, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ReportCategory

MIN_RECURRING = 2
TOP = 20
METRES_PER_DEGREE = 111320.0
PERIODS = [(30, _("Last 30 days")), (90, _("Last 90 days")), (365, _("Last 12 months"))]
CELLS = [(250, _("250 m")), (500, _("500 m")), (1000, _("1 km"))]


class DashboardForm(forms.Form):
    """The period and the cell size; what is counted is filtered by the desk's own filters
    (the town being worked on, its categories, districts and addressees)."""

    days = forms.TypedChoiceField(label=_("Period"), choices=PERIODS, coerce=int,
                                  required=False, empty_value=90)
    cell = forms.TypedChoiceField(label=_("Area size"), choices=CELLS, coerce=int,
                                  required=False, empty_value=500)

    def options(self) -> dict:
        """The chosen period and cell size; the defaults where nothing valid was chosen."""
        if not self.is_bound:
            return {"days": 90, "cell": 500}
        self.is_valid()
        data = self.cleaned_data
        return {"days": data.get("days") or 90, "cell": data.get("cell") or 500}


def _months(start, end) -> list:
    """First days of the months from ``start`` to ``end`` (local dates)."""
    current = start.replace(day=1)
    months = []
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def _steps(queryset, cell: int) -> tuple[float, float]:
    """Degrees of latitude and longitude of a cell ``cell`` metres wide, at the reports'
    mean latitude."""
    mean = queryset.aggregate(lat=Avg("lat"))["lat"] or 0.0
    lat_step = cell / METRES_PER_DEGREE
    lng_step = cell / (METRES_PER_DEGREE * max(math.cos(math.radians(mean)), 0.01))
    return lat_step, lng_step


def hot_spots(queryset, *, since, cell: int, now=None) -> dict:
    """Recurring problems per grid cell and category, with their monthly counts."""
    now = now or timezone.now()
    recent = queryset.filter(created_at__gte=since, merged_into__isnull=True)
    lat_step, lng_step = _steps(recent, cell)
    cells = (
        recent.annotate(
            cell_y=Floor(F("lat") / Value(lat_step, output_field=FloatField())),
            cell_x=Floor(F("lng") / Value(lng_step, output_field=FloatField())),
        )
        .values("cell_y", "cell_x", "category_id")
        .annotate(total=Count("pk"), open=Count("pk", filter=Q(is_open=True)))
        .filter(total__gte=MIN_RECURRING)
        .order_by("-total", "-open", "cell_y", "cell_x")[:TOP]
    )
    cells = list(cells)
    months = _months(timezone.localtime(since).date(), timezone.localtime(now).date())
    if not cells:
        return {"spots": [], "months": months}
    area = Q()
    for row in cells:
        y, x = int(row["cell_y"]), int(row["cell_x"])
        area |= Q(category_id=row["category_id"],
                  lat__gte=y * lat_step, lat__lt=(y + 1) * lat_step,
                  lng__gte=x * lng_step, lng__lt=(x + 1) * lng_step)
    monthly = (
        recent.filter(area)
        .annotate(
            cell_y=Floor(F("lat") / Value(lat_step, output_field=FloatField())),
            cell_x=Floor(F("lng") / Value(lng_step, output_field=FloatField())),
            month=TruncMonth("created_at"),
        )
        .values("cell_y", "cell_x", "category_id", "month")
        .annotate(total=Count("pk"))
        .order_by()
    )
    counts = {}
    for row in monthly:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        key = (int(row["cell_y"]), int(row["cell_x"]), row["category_id"])
        counts[(key, month.replace(day=1))] = row["total"]
    categories = ReportCategory.objects.in_bulk({row["category_id"] for row in cells})
    spots = []
    for row in cells:
        y, x = int(row["cell_y"]), int(row["cell_x"])
        key = (y, x, row["category_id"])
        spots.append({
            "category": categories.get(row["category_id"]),
            "lat": round((y + 0.5) * lat_step, 5),
            "lng": round((x + 0.5) * lng_step, 5),
            "total": row["total"],
            "open": row["open"],
            "by_month": [counts.get((key, month), 0) for month in months],
            # south,west,north,east: the list filtered to this cell (admin ``bbox`` filter)
            "bbox": ",".join(f"{value:.7f}" for value in (
                y * lat_step, x * lng_step, (y + 1) * lat_step, (x + 1) * lng_step)),
        })
    return {"spots": spots, "months": months}


def by_district(queryset, *, since) -> list[dict]:
    rows = list(
        queryset.filter(created_at__gte=since, district__isnull=False,
                        merged_into__isnull=True)
        .values("district__name", "category_id")
        .annotate(total=Count("pk"), open=Count("pk", filter=Q(is_open=True)))
        .filter(total__gte=MIN_RECURRING)
        .order_by("-total", "district__name")[:TOP]
    )
    categories = ReportCategory.objects.in_bulk({row["category_id"] for row in rows})
    return [{"district": row["district__name"], "category": categories.get(row["category_id"]),
             "total": row["total"], "open": row["open"]} for row in rows]


def by_addressee(queryset, *, now=None) -> list[dict]:
    """Open, overdue and escalated reports per addressee, the latest first."""
    now = now or timezone.now()
    return list(
        queryset.filter(is_open=True)
        .values("addressee_id", "addressee__title")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            escalated=Count("pk", filter=Q(escalation_level__gt=0)),
        )
        .order_by("-overdue", "-open", "addressee__title")
    )


def compute(queryset, *, days: int = 90, cell: int = 500, now=None) -> dict:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    spots = hot_spots(queryset, since=since, cell=cell, now=now)
    return {
        "days": days,
        "cell": cell,
        "since": since,
        "spots": spots["spots"],
        "months": spots["months"],
        "districts": by_district(queryset, since=since),
        "addressees": by_addressee(queryset, now=now),
    }
