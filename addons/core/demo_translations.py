"""The demo towns' translations: ``fixtures/demo/translations/*.yaml``, loaded after the
towns themselves (``manage.py load_demo``). A file names its site by hostname, may set the
languages the site offers, and gives translations of pages by their path on the site::

    site: ro.localhost
    content_languages: [en, hu]
    pages:
      /:                       # the home page
        en: {title: ..., intro: <p>...</p>}
      /institutii/primar/:
        hu: {title: Polgármester}
"""

from pathlib import Path

import yaml
from wagtail.models import Page, Site


def _page(site, path: str):
    root = site.root_page
    url_path = root.url_path + path.strip("/") + ("/" if path.strip("/") else "")
    return (Page.objects.descendant_of(root, inclusive=True)
            .filter(url_path=url_path).first())


def apply(data: dict, out=None) -> int:
    """Writes one file's translations; returns how many pages changed."""
    from .content_languages import REGISTRY
    from .models import SiteProfile

    site = Site.objects.filter(hostname=data["site"]).order_by("pk").first()
    if site is None:
        return 0
    if "content_languages" in data:
        profile = SiteProfile.for_site(site)
        if profile.content_languages != data["content_languages"]:
            profile.content_languages = list(data["content_languages"])
            profile.save(update_fields=["content_languages"])
    changed = 0
    for path, languages in (data.get("pages") or {}).items():
        page = _page(site, path)
        if page is None:
            if out is not None:
                out.write(f"  translations: no page at {site.hostname}{path}")
            continue
        page = page.specific
        fields = REGISTRY.get(type(page), ())
        translations = {lang: {name: value for name, value in values.items() if name in fields}
                        for lang, values in languages.items()}
        merged = {**(page.translations or {}), **translations}
        if merged != page.translations:
            page.translations = merged
            # a revision, so the editor opens the page with its translations
            page.save_revision().publish()
            changed += 1
    return changed


def load(folder: Path, out=None) -> int:
    changed = 0
    for path in sorted(Path(folder).glob("*.yaml")):
        with path.open(encoding="utf-8") as stream:
            changed += apply(yaml.safe_load(stream) or {}, out)
    return changed
