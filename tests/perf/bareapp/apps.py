from django.apps import AppConfig


class BareAppConfig(AppConfig):
    """A plain Wagtail page type: the baseline the benchmarks compare against."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tests.perf.bareapp"
    label = "bench_bare"
