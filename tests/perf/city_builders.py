"""Growing the demo towns to a real city's size, every table at once, with the builders of
the other benchmarks (``builders.build_tree``, ``reports_bench.generate``,
``bulletins_bench.fill``, ``appeals_bench.insert_history``, ``surveys_bench.fill_in_bulk``,
the queues add-on's own ``load_receptions``).

``CITY`` holds the sizes of the whole city; ``grow_town`` adds a town's share of them
(``share``: 0.75 for the first town, 0.25 for the second) to what ``load_demo`` made.
"""

from __future__ import annotations

import random
import time
from types import SimpleNamespace

#: a real city, over both towns: addressees, deputies (each with a reception), problem
#: reports, bulletins, appeals, survey answers
CITY = {"addressees": 2_100, "deputies": 42, "reports": 200_000, "bulletins": 100_000,
        "appeals": 1_000_000, "answers": 100_000}
SHARES = (0.75, 0.25)
#: sub-addressees under each generated top-level addressee
FANOUT = 29


def _tree_root(catalog, slug: str, title: str):
    """A new empty addressee page under the catalog, for ``build_tree`` to fill (``slug``,
    else ``slug-2``, ``slug-3``... when the town grew before)."""
    from addons.addressees.models import AddresseePage

    taken = set(catalog.get_children().values_list("slug", flat=True))
    number = 1
    while (f"{slug}-{number}" if number > 1 else slug) in taken:
        number += 1
    page = AddresseePage(title=title, slug=f"{slug}-{number}" if number > 1 else slug,
                         kind="department")
    catalog.add_child(instance=page)
    return page


def town_pages(site):
    """(home, catalog) of a site."""
    from addons.addressees.models import AddresseeCatalogPage

    home = site.root_page
    catalog = AddresseeCatalogPage.objects.descendant_of(home).live().order_by("path").first()
    return home, catalog


def addressees_of(site):
    from addons.addressees.models import AddresseePage

    return AddresseePage.objects.descendant_of(site.root_page)


def grow_addressees(site, catalog, count: int, seed: int) -> list[int]:
    """``count`` more addressees: top-level units of ``FANOUT`` sub-units each."""
    from tests.perf.builders import build_tree

    if count <= 0:
        return []
    top = max(1, round(count / (FANOUT + 1)))
    parent = _tree_root(catalog, "city-units", "Структурні підрозділи")
    return build_tree(parent, (top, FANOUT), seed=seed, hours=5, specialists=1,
                      prefix=f"{site.pk}-")


def grow_deputies(site, catalog, total: int, seed: int) -> int:
    """Deputies up to ``total`` on the site, each with a monthly reception (the queues
    add-on's demo writes the reception queue of every deputy that has none)."""
    from addons.addressees.models import AddresseePage
    from addons.queues.demo import load_receptions
    from tests.perf.builders import build_tree

    present = addressees_of(site).filter(kind="deputy").count()
    missing = total - present
    if missing > 0:
        parent = _tree_root(catalog, "city-deputies", "Депутати міської ради")
        ids = build_tree(parent, (missing,), seed=seed, hours=0, specialists=0,
                         absence_every=0, prefix=f"d{site.pk}-")
        AddresseePage.objects.filter(pk__in=ids).update(kind="deputy", position="Депутат")
        load_receptions(site)
    return max(missing, 0)


def report_area(site):
    """((lat, lng) centre, (half lat, half lng)) of the site's map bounds."""
    from addons.reports.models import ReportsSettings

    options = ReportsSettings.for_site(site)
    if None in (options.min_lat, options.max_lat, options.min_lng, options.max_lng):
        return (49.235, 31.623), (0.05, 0.08)
    centre = ((options.min_lat + options.max_lat) / 2, (options.min_lng + options.max_lng) / 2)
    half = ((options.max_lat - options.min_lat) / 2, (options.max_lng - options.min_lng) / 2)
    return centre, half


def grow_reports(site, count: int, seed: int) -> None:
    from tests.perf.reports_bench import generate

    if count > 0:
        centre, half = report_area(site)
        generate(site, count, 5_000, seed=seed, centre=centre, half=half,
                 prefix=f"C{site.pk}S{seed}")


def grow_bulletins(site, count: int, seed: int) -> None:
    from tests.perf.bulletins_bench import fill

    if count > 0:
        fill(site, list(addressees_of(site).order_by("path")[:60]), count, seed=seed)


def grow_appeals(site, generated: list[int], count: int) -> None:
    """``count`` answered and closed appeals of past years over fifty generated addressees
    (their ids are consecutive), in chunks of 250,000, every column the model has filled."""
    from django.contrib.auth import get_user_model

    from addons.appeals.models import AppealForm
    from tests.perf.workspace_bench import ADDRESSEES, insert_appeals

    if count <= 0 or len(generated) < ADDRESSEES:
        return
    first = sorted(generated)[0]
    form = AppealForm.objects.filter(site=site).order_by("pk").first()
    if form is None:
        form = AppealForm.objects.create(site=site, title="Звернення громадянина")
    users = get_user_model().objects
    author = users.filter(is_staff=False).order_by("pk").first()
    if author is None:
        author = users.create_user(
            username=f"bench-citizen-{site.pk}", email=f"citizen{site.pk}@bench.example",
            password="x", full_name="Олена Громадянка", postal_address="вул. Центральна, 1")
    clerk = users.filter(is_staff=True).order_by("pk").first() or author
    city = {"site": site, "addressees": [SimpleNamespace(pk=first)], "form": form,
            "citizen": author, "clerk": clerk}
    step = 250_000
    for start in range(1, count + 1, step):
        insert_appeals(city, start, min(start + step - 1, count), open_work=False)


def grow_answers(site, count: int, seed: int) -> None:
    """``count`` answers to the site's public survey, over the addressees it is placed on
    (its counters recomputed for them and for the whole city)."""
    from addons.surveys.models import Survey, SurveyPlacement, Tally
    from tests.perf.surveys_bench import fill_in_bulk

    survey = (Survey.objects.filter(site=site, public_results=True)
              .order_by("-key", "pk").first())
    if survey is None or count <= 0:
        return
    pages = [placement.page.specific for placement in
             SurveyPlacement.objects.filter(survey=survey).select_related("page")
             .order_by("page__path")[:10]]
    if not pages:
        pages = list(addressees_of(site).order_by("path")[:10])
    Tally.objects.filter(survey=survey, scope__in=[0] + [page.pk for page in pages]).delete()
    fill_in_bulk(survey, pages, count, random.Random(seed))


def grow_town(site, share: float, scale: float, index: int, log=print) -> dict:
    """Add the town's ``share`` of ``CITY`` (the large tables times ``scale``: addressees
    and deputies are cheap and always full size); seconds per table."""
    from django.db import connection

    home, catalog = town_pages(site)
    sizes = {key: round(value * share * (1 if key in ("addressees", "deputies") else scale))
             for key, value in CITY.items()}
    seconds = {}

    def step(name, call):
        started = time.perf_counter()
        call()
        seconds[name] = time.perf_counter() - started
        log(f"    {site.hostname}: {name} in {seconds[name]:.0f} s")

    present = addressees_of(site).count()
    generated = []
    step("addressees", lambda: generated.extend(
        grow_addressees(site, catalog, max(sizes["addressees"] - present, 60),
                        seed=10 + index)))
    step("deputies and receptions",
         lambda: grow_deputies(site, catalog, sizes["deputies"], seed=20 + index))
    step("problem reports", lambda: grow_reports(site, sizes["reports"], seed=30 + index))
    step("bulletins", lambda: grow_bulletins(site, sizes["bulletins"], seed=40 + index))
    step("appeals", lambda: grow_appeals(site, generated, sizes["appeals"]))
    step("survey answers", lambda: grow_answers(site, sizes["answers"], seed=50 + index))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return seconds


def town_figures(site) -> dict:
    """What a town holds: the counts the benchmark prints."""
    from addons.appeals.models import Appeal
    from addons.bulletins.models import Bulletin
    from addons.queues.models import Queue
    from addons.reports.models import Report
    from addons.surveys.models import Response

    return {
        "addressees": addressees_of(site).count(),
        "deputies": addressees_of(site).filter(kind="deputy").count(),
        "receptions": Queue.objects.filter(site=site, addressee__kind="deputy").count(),
        "reports": Report.objects.filter(site=site).count(),
        "bulletins": Bulletin.objects.filter(site=site).count(),
        "appeals": Appeal.objects.filter(site=site).count(),
        "answers": Response.objects.filter(survey__site=site).count(),
    }
