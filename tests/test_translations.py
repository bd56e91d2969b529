"""Every string the project defines is translated into uk, ro and bg, and the compiled
catalogs match their sources."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("uk", "ro", "bg")
LOCALE_DIRS = sorted(
    path for path in [*ROOT.glob("addons/*/locale"), ROOT / "themes" / "locale"] if path.is_dir()
)
CATALOGS = [
    locale / lang / "LC_MESSAGES" / "django.po" for locale in LOCALE_DIRS for lang in LANGUAGES
]


def _id(path):
    return str(path.relative_to(ROOT))


def test_every_translatable_source_has_catalogs():
    sources = [p for p in ROOT.glob("addons/*") if p.is_dir() and (p / "apps.py").exists()]
    assert sources, "no add-ons found"
    for addon in sources:
        for lang in LANGUAGES:
            assert (addon / "locale" / lang / "LC_MESSAGES" / "django.po").exists(), (
                f"{addon.name} has no {lang} catalog"
            )


@pytest.mark.parametrize("po_path", CATALOGS, ids=_id)
def test_catalog_is_complete(po_path):
    catalog = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert not untranslated, f"untranslated in {_id(po_path)}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {_id(po_path)}: {fuzzy[:10]}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=_id)
def test_catalog_header_names_its_language(po_path):
    """Tools (and translators) read the header: no template values left in it."""
    catalog = polib.pofile(str(po_path))
    assert catalog.metadata.get("Language") == po_path.parent.parent.name
    for key, template in (("Last-Translator", "FULL NAME"), ("Language-Team", "LANGUAGE <"),
                          ("Project-Id-Version", "PACKAGE VERSION"),
                          ("PO-Revision-Date", "YEAR-MO-DA")):
        assert template not in catalog.metadata.get(key, ""), f"{key} in {_id(po_path)}"


@pytest.mark.parametrize("po_path", [p for p in CATALOGS if p.parent.parent.name == "uk"],
                         ids=_id)
def test_ukrainian_uses_one_apostrophe(po_path):
    """Ukrainian texts write the apostrophe one way (’), never ' or ʼ inside a word."""
    import re

    catalog = polib.pofile(str(po_path))
    mixed = [
        entry.msgid for entry in catalog
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        if re.search(r"\w['\u02bc]\w", text)
    ]
    assert not mixed, f"{_id(po_path)}: {mixed[:5]}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=_id)
def test_compiled_catalog_matches_source(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{_id(mo_path)} missing: run `make messages`"
    source = {
        (e.msgctxt, e.msgid): (e.msgstr or tuple(sorted(e.msgstr_plural.items())))
        for e in polib.pofile(str(po_path)).translated_entries()
    }
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr or tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(mo_path))
        if e.msgid
    }
    assert source == compiled, f"{_id(mo_path)} is stale: run `make messages`"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext tools not installed")
@pytest.mark.parametrize("po_path", CATALOGS, ids=_id)
def test_catalog_formats_are_valid(po_path):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools not installed")
@pytest.mark.parametrize("locale_dir", LOCALE_DIRS, ids=_id)
def test_every_string_is_extracted(locale_dir, tmp_path):
    """Running makemessages finds no string that the catalogs lack."""
    source_dir = locale_dir.parent
    copy = tmp_path / source_dir.name
    shutil.copytree(source_dir, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "site" / "manage.py"),
            "makemessages",
            "-l",
            "uk",
            "--no-obsolete",
            "--no-location",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {
        (e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale/uk/LC_MESSAGES/django.po"))
    }
    known = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(locale_dir / "uk/LC_MESSAGES/django.po"))
        if not e.obsolete
    }
    missing = sorted(msgid for _ctx, msgid in fresh - known)
    assert not missing, f"strings not in {_id(locale_dir)}: {missing[:10]} (run `make messages`)"
