"""``manage.py load_demo``: the demo municipalities described in ``fixtures/demo/*.yaml``.

Idempotent: every object is looked up by a natural key (page slug under its parent, site
hostname and port, username, group slug, image title) and written only when it differs
from the data file, so a second run changes nothing. Images (portraits with initials,
pictures of buildings) are drawn locally with Pillow.
"""

from __future__ import annotations

import colorsys
import datetime
import hashlib
import io
import logging
from contextlib import contextmanager
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import GroupPagePermission, Page, Site

from addons.addressees.models import (
    AddresseeCatalogPage,
    AddresseeGroup,
    AddresseeGroupPage,
    AddresseePage,
    HomePage,
)
from addons.core import activation, registry
from addons.core.geo import format_point
from addons.core.models import AddonActivation, SiteProfile

DEMO_DIR = Path(settings.ROOT_DIR) / "fixtures" / "demo"
DEFAULT_FILES = ("ua-city.yaml", "ro-town.yaml", "bg-town.yaml")
DEFAULT_PASSWORD = "civicdesk-demo"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/Library/Fonts/Arial Bold.ttf",
    "C:/Windows/Fonts/arialbd.ttf",
)


def _html(text: str | None) -> str:
    """Rich text as one tidy line: the data file wraps it for reading."""
    return " ".join((text or "").split())


def _lines(value) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(str(item).strip() for item in value)
    return "\n".join(line.strip() for line in str(value or "").strip().splitlines())


def _time(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


def _point(value) -> str:
    if not value:
        return ""
    lat, lng = value
    return format_point(float(lat), float(lng))


class DemoLoader:
    """Writes one data file's municipality into the database, changing only what differs."""

    def __init__(self, out, today: datetime.date, password: str):
        self.out = out
        self.today = today
        self.password = password
        self.created = 0
        self.updated = 0
        self.unchanged = 0
        self.admin = None
        self.logins: list[str] = []
        self.moderator_names: list[str] = []
        self._image_cache: dict[str, object] = {}
        self.flag = "ua"

    # -- bookkeeping -------------------------------------------------------------------

    def _count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    @staticmethod
    def _assign(obj, values: dict) -> bool:
        changed = False
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        return changed

    # -- users -------------------------------------------------------------------------

    def user(self, *, username: str, email: str, password: str, **fields):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User(username=username)
        changed = self._assign(user, {"username": username, "email": email, **fields})
        if created or not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            user.save()
        self._count(created, changed)
        return user

    def users(self, spec: dict) -> None:
        admin = spec.get("admin")
        if admin:
            self.admin = self.user(
                username=admin["username"], email=admin["email"], password=self.password,
                full_name=admin.get("full_name", ""), is_staff=True, is_superuser=True,
                is_active=True, email_confirmed=True,
            )
        citizen = spec.get("citizen")
        if citizen:
            self.citizen = self.user(
                username=citizen["username"], email=citizen["email"], password=self.password,
                first_name=citizen.get("first_name", ""), last_name=citizen.get("last_name", ""),
                full_name=citizen["full_name"], postal_address=citizen["postal_address"],
                phone=citizen.get("phone", ""), language=citizen.get("language", ""),
                is_active=True, email_confirmed=True,
            )

    # -- images ------------------------------------------------------------------------

    @staticmethod
    def _font(size: int):
        from PIL import ImageFont

        for candidate in FONT_CANDIDATES:
            if Path(candidate).exists():
                return ImageFont.truetype(candidate, size)
        return ImageFont.load_default(size=size)

    @staticmethod
    def _colour_for(name: str) -> tuple[int, int, int]:
        hue = int(hashlib.sha1(name.encode()).hexdigest()[:4], 16) / 0xFFFF
        r, g, b = colorsys.hls_to_rgb(hue, 0.36, 0.45)
        return int(r * 255), int(g * 255), int(b * 255)

    @staticmethod
    def _initials(name: str) -> str:
        words = [word for word in name.replace("'", "").split() if word]
        if len(words) >= 3:  # Ukrainian order: surname, given name, patronymic
            return (words[1][0] + words[0][0]).upper()
        if len(words) == 2:
            return (words[0][0] + words[1][0]).upper()
        return (words[0][:2] if words else "?").upper()

    def _draw_portrait(self, name: str) -> bytes:
        from PIL import Image, ImageDraw

        size = 480
        background = self._colour_for(name)
        light = tuple(min(255, c + 60) for c in background)
        image = Image.new("RGB", (size, size), background)
        draw = ImageDraw.Draw(image)
        # a simple bust, the initials on the chest
        draw.ellipse((175, 50, 305, 190), fill=light)
        draw.ellipse((60, 210, 420, 640), fill=light)
        font = self._font(130)
        text = self._initials(name)
        box = draw.textbbox((0, 0), text, font=font)
        width, height = box[2] - box[0], box[3] - box[1]
        left, top = (size - width) // 2, 330 - height // 2
        draw.text((left - box[0], top - box[1]), text, font=font, fill=background)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()

    def _draw_building(self, name: str, colour: str) -> bytes:
        from PIL import Image, ImageColor, ImageDraw

        width, height = 800, 500
        wall = ImageColor.getrgb(colour or "#2f5d8a")
        image = Image.new("RGB", (width, height), (205, 226, 240))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 400, width, height), fill=(120, 150, 95))  # lawn
        draw.rectangle((0, 410, width, 430), fill=(170, 170, 170))  # pavement
        seed = int(hashlib.sha1(name.encode()).hexdigest()[:6], 16)
        floors = 2 + seed % 2
        left, right = 170, 630
        top = 390 - floors * 80
        draw.polygon([(left - 20, top), (width // 2, top - 60), (right + 20, top)],
                     fill=tuple(max(0, c - 40) for c in wall))  # roof
        draw.rectangle((left, top, right, 400), fill=wall)
        window = (235, 240, 200)
        for floor in range(floors):
            y = top + 20 + floor * 80
            for column in range(6):
                x = left + 25 + column * 73
                if floor == floors - 1 and column in (2, 3):
                    continue
                draw.rectangle((x, y, x + 40, y + 45), fill=window)
        draw.rectangle((width // 2 - 35, 320, width // 2 + 35, 400), fill=(90, 60, 40))  # door
        draw.line((right - 10, top - 10, right - 10, top - 110), fill=(80, 80, 80), width=4)
        flag_left, flag_top = right - 8, top - 110
        if self.flag == "ro":  # three vertical bands
            for i, band in enumerate(((0, 43, 127), (252, 209, 22), (206, 17, 38))):
                draw.rectangle((flag_left + 20 * i, flag_top, flag_left + 20 * (i + 1), top - 50),
                               fill=band)
        elif self.flag == "bg":  # three horizontal bands
            for i, band in enumerate(((255, 255, 255), (0, 150, 110), (214, 38, 18))):
                draw.rectangle((flag_left, flag_top + 20 * i, flag_left + 60,
                                flag_top + 20 * (i + 1)), fill=band)
        else:
            draw.rectangle((flag_left, flag_top, flag_left + 60, top - 80), fill=(0, 87, 184))
            draw.rectangle((flag_left, top - 80, flag_left + 60, top - 50), fill=(254, 221, 0))
        font = self._font(28)
        draw.rectangle((0, 450, width, height), fill=(40, 40, 40))
        draw.text((20, 460), name, font=font, fill=(255, 255, 255))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()

    def _draw_arms(self, spec: dict) -> bytes:
        """A simple shield of our own: a field in one or two tinctures (divided per pale,
        per fess or per bend), a charge (tower, waves, tree, sun, key or star) and a
        border. Drawn at twice the size and scaled down for smooth edges."""
        import math

        from PIL import Image, ImageColor, ImageDraw

        scale, width, height = 2, 360, 420
        w, h = width * scale, height * scale
        first, second = (list(spec.get("field") or ["#1d4f91"]) + [None])[:2]
        field = ImageColor.getrgb(first)
        other = ImageColor.getrgb(second) if second else field
        charge = ImageColor.getrgb(spec.get("charge_colour", "#ffffff"))
        border = ImageColor.getrgb(spec.get("border", "#f2c200"))
        margin = 14 * scale

        def shield(inset: int) -> list[tuple[float, float]]:
            left, right, top = margin + inset, w - margin - inset, margin + inset
            bottom, shoulder = h - margin - inset, top + (h - 2 * margin) * 0.52
            centre = w / 2
            points = [(left, top), (right, top), (right, shoulder)]
            steps = 40
            for i in range(1, steps + 1):  # the right flank curves down to the point
                t = i / steps * math.pi / 2
                points.append((right - (right - centre) * (1 - math.cos(t)),
                               shoulder + (bottom - shoulder) * math.sin(t)))
            for i in range(1, steps):  # and up again on the left
                t = (1 - i / steps) * math.pi / 2
                points.append((left + (centre - left) * (1 - math.cos(t)),
                               shoulder + (bottom - shoulder) * math.sin(t)))
            points.append((left, shoulder))
            return points

        image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        draw.polygon(shield(0), fill=border)
        inner = shield(12 * scale)
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).polygon(inner, fill=255)
        tinctures = Image.new("RGBA", (w, h), field)
        tdraw = ImageDraw.Draw(tinctures)
        division = spec.get("division", "pale")
        if second:
            if division == "fess":
                tdraw.rectangle((0, h * 0.5, w, h), fill=other)
            elif division == "bend":
                tdraw.polygon([(0, 0), (w, h), (0, h)], fill=other)
            else:
                tdraw.rectangle((w / 2, 0, w, h), fill=other)
        image.paste(tinctures, (0, 0), mask)
        draw = ImageDraw.Draw(image)
        cx, cy, r = w / 2, h * 0.45, w * 0.22
        kind = spec.get("charge", "tower")
        if kind == "tower":
            draw.rectangle((cx - r * 0.7, cy - r * 0.6, cx + r * 0.7, cy + r * 1.1), fill=charge)
            for i in range(3):  # battlements
                x = cx - r * 0.7 + i * r * 0.56
                draw.rectangle((x, cy - r * 0.95, x + r * 0.32, cy - r * 0.6), fill=charge)
            draw.rectangle((cx - r * 0.2, cy + r * 0.45, cx + r * 0.2, cy + r * 1.1), fill=field)
            draw.pieslice((cx - r * 0.2, cy + r * 0.25, cx + r * 0.2, cy + r * 0.65), 180, 360,
                          fill=field)
        elif kind == "waves":
            for row in range(3):
                y = cy - r * 0.6 + row * r * 0.6
                for i in range(4):
                    x = cx - r * 1.2 + i * r * 0.6
                    draw.arc((x, y, x + r * 0.6, y + r * 0.5), 180, 360, fill=charge,
                             width=int(9 * scale))
        elif kind == "tree":
            draw.rectangle((cx - r * 0.15, cy + r * 0.2, cx + r * 0.15, cy + r * 1.15),
                           fill=charge)
            for i, size in enumerate((1.0, 0.8, 0.58)):
                top = cy - r * 0.9 + i * r * 0.42
                draw.polygon([(cx, top - r * 0.3), (cx + r * size, top + r * 0.75),
                              (cx - r * size, top + r * 0.75)], fill=charge)
        elif kind == "sun":
            draw.ellipse((cx - r * 0.5, cy - r * 0.5, cx + r * 0.5, cy + r * 0.5), fill=charge)
            for i in range(12):
                angle = i * math.pi / 6
                draw.line((cx + math.cos(angle) * r * 0.65, cy + math.sin(angle) * r * 0.65,
                           cx + math.cos(angle) * r * 1.05, cy + math.sin(angle) * r * 1.05),
                          fill=charge, width=int(8 * scale))
        elif kind == "key":
            draw.ellipse((cx - r * 0.45, cy - r * 1.0, cx + r * 0.45, cy - r * 0.1), fill=charge)
            draw.ellipse((cx - r * 0.2, cy - r * 0.75, cx + r * 0.2, cy - r * 0.35), fill=field)
            draw.rectangle((cx - r * 0.12, cy - r * 0.15, cx + r * 0.12, cy + r * 1.1),
                           fill=charge)
            for y in (0.6, 0.9):
                draw.rectangle((cx, cy + r * y, cx + r * 0.45, cy + r * (y + 0.17)),
                               fill=charge)
        else:  # a six-pointed star
            points = []
            for i in range(12):
                angle = -math.pi / 2 + i * math.pi / 6
                radius = r if i % 2 == 0 else r * 0.5
                points.append((cx + math.cos(angle) * radius, cy + math.sin(angle) * radius))
            draw.polygon(points, fill=charge)
        image = image.resize((width, height), Image.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()

    def image(self, title: str, draw):
        """The Wagtail image titled ``title``, drawn by ``draw()`` the first time."""
        if title in self._image_cache:
            return self._image_cache[title]
        Image = get_image_model()
        image = Image.objects.filter(title=title).order_by("pk").first()
        created = image is None
        if created:
            digest = hashlib.sha1(title.encode()).hexdigest()[:12]
            image = Image(title=title, description=title)
            image.file = ImageFile(io.BytesIO(draw()), name=f"demo-{digest}.png")
            image._set_image_file_metadata()
            image.save()
        self._count(created, False)
        self._image_cache[title] = image
        return image

    # -- sites -------------------------------------------------------------------------

    def publish(self, page) -> None:
        """Save an updated page. One that editors have worked on gets a published revision,
        so that the editor shows the new content; a page only ever written here is saved."""
        if page.latest_revision_id:
            revision = page.save_revision(user=self.admin, log_action=True)
            revision.publish(user=self.admin)
        else:
            page.save()

    def sync_page(self, parent, model, slug: str, values: dict, *, relations=None, m2m=None,
                  before_publish=None):
        """The ``model`` page ``slug`` under ``parent``, created or updated to ``values``.

        ``relations``: child relation name -> (list of field dicts, key fields, replace?)
        where replace(existing) says whether differing rows may be replaced.
        ``m2m``: ParentalManyToMany name -> list of objects.
        """
        values = {name: value for name, value in values.items() if self._has_field(model, name)}
        page = model.objects.child_of(parent).filter(slug=slug).first()
        created = page is None
        changed = False
        if created:
            page = model(slug=slug, **values)
        else:
            changed = self._assign(page, values)
            if "title" in values and page.draft_title != page.title:
                page.draft_title = page.title
                changed = True
        for name, (rows, keys, may_replace) in (relations or {}).items():
            if not self._has_relation(model, name):
                continue
            current = [] if created else list(getattr(page, name).all())
            wanted = [tuple(row.get(key) for key in keys) for row in rows]
            have = [tuple(getattr(obj, key) for key in keys) for obj in current]
            if wanted != have and (created or may_replace(current)):
                related = getattr(model, name).rel.related_model
                setattr(page, name, [related(sort_order=i, **row) for i, row in enumerate(rows)])
                changed = True
        for name, objects in (m2m or {}).items():
            if not self._has_field(model, name):
                continue
            have = set() if created else set(getattr(page, name).values_list("pk", flat=True))
            if created or have != {obj.pk for obj in objects}:
                setattr(page, name, list(objects))
                changed = True
        if created:
            parent.add_child(instance=page)
        if before_publish is not None and before_publish(page, created):
            changed = True
            if created:
                page.save(update_fields=["moderators"])
        if changed and not created:
            self.publish(page)
        self._count(created, changed)
        return page

    @staticmethod
    def _has_field(model, name: str) -> bool:
        try:
            model._meta.get_field(name)
        except Exception:
            return False
        return True

    @staticmethod
    def _has_relation(model, name: str) -> bool:
        return hasattr(model, name) and hasattr(getattr(model, name), "rel")

    def site(self, spec: dict):
        site_spec, home_spec = spec["site"], spec["home"]
        root = Page.get_first_root_node()
        home = self.sync_page(root, HomePage, home_spec["slug"], {
            "title": home_spec["title"],
            "seo_title": home_spec.get("seo_title", ""),
            "intro": _html(home_spec.get("intro")),
        })
        hostname, port = site_spec["hostname"], int(site_spec.get("port", 80))
        is_default = bool(site_spec.get("default"))
        site = None
        if is_default:
            site = Site.objects.filter(is_default_site=True).first()
        site = site or Site.objects.filter(hostname=hostname, port=port).first()
        site = site or Site.objects.filter(root_page=home).first()
        created = site is None
        previous_root = None if created else site.root_page
        if created:
            site = Site(hostname=hostname, port=port)
        changed = self._assign(site, {
            "hostname": hostname, "port": port, "root_page_id": home.pk,
            "is_default_site": is_default, "site_name": site_spec.get("site_name", ""),
        })
        if changed:
            site.save()
        self._count(created, changed)
        if previous_root is not None and previous_root.pk != home.pk:
            self._remove_welcome_page(previous_root)
        return site, home

    def _remove_welcome_page(self, page) -> None:
        """Delete Wagtail's stock welcome page once no site uses it. Only a plain
        ``wagtailcore.Page`` without children is removed: a city's own page never is."""
        page = Page.objects.get(pk=page.pk)
        if (
            page.content_type.model_class() is Page
            and page.depth == 2
            and page.get_children_count() == 0
            and not Site.objects.filter(root_page=page).exists()
        ):
            page.delete()

    def profile(self, site, spec: dict) -> None:
        profile = SiteProfile.for_site(site)
        values = {key: value for key, value in spec.items()
                  if key not in ("map_center", "coat_of_arms")
                  and self._has_field(SiteProfile, key)}
        values["map_center"] = _point(spec.get("map_center"))
        arms = spec.get("coat_of_arms")
        if arms and self._has_field(SiteProfile, "coat_of_arms"):
            title = arms.get("title") or f"{spec['municipality_name']}: coat of arms"
            values["coat_of_arms"] = self.image(title, lambda arms=arms: self._draw_arms(arms))
        changed = self._assign(profile, values)
        if changed:
            profile.save()
        self._count(False, changed)

    def addons(self, site, spec: dict) -> list[str]:
        """Enable the deployment's optional add-ons on ``site`` except those the file
        switches off; returns the labels switched off."""
        optional = [addon.label for addon in registry.optional_addons()]
        wanted_off = list(spec.get("disable") or [])
        off = [label for label in wanted_off if label in optional]
        if wanted_off and not off and optional:
            off = [optional[-1]]  # a smaller town: at least one add-on stays off
        states = {label: label not in off for label in optional}
        current = AddonActivation.for_site(site).states or {}
        if any(current.get(label) is not value for label, value in states.items()):
            activation.apply_states(site, states)
            self._count(False, True)
        activation.setup_site(site)
        return off

    # -- the catalog -------------------------------------------------------------------

    def groups(self, spec: dict) -> dict[str, AddresseeGroup]:
        result = {}
        for key, data in spec.items():
            group = AddresseeGroup.objects.filter(slug=data["slug"]).first()
            created = group is None
            if created:
                group = AddresseeGroup(slug=data["slug"])
            changed = self._assign(group, {
                "name": data["name"], "description": data.get("description", ""),
            })
            if created or changed:
                group.save()
            self._count(created, changed)
            result[key] = group
        return result

    def catalog(self, home, spec: dict, group_pages: list, groups: dict):
        catalog = self.sync_page(home, AddresseeCatalogPage, spec["slug"], {
            "title": spec["title"], "intro": _html(spec.get("intro")),
            "per_page": spec.get("per_page", 30), "show_in_menus": True,
        })
        for data in group_pages:
            self.sync_page(home, AddresseeGroupPage, data["slug"], {
                "title": data["title"], "group": groups[data["group"]],
                "intro": _html(data.get("intro")), "per_page": data.get("per_page", 30),
                "show_in_menus": True,
            })
        return catalog

    def _schedules(self, names, templates: dict) -> list[dict]:
        rows = []
        for entry in names:
            schedule = templates[entry] if isinstance(entry, str) else entry
            for hours in schedule["hours"]:
                pause = hours.get("break") or (None, None)
                for day in hours["days"]:
                    rows.append({
                        "schedule": schedule["name"], "weekday": int(day),
                        "opens": _time(hours["opens"]), "closes": _time(hours["closes"]),
                        "break_start": _time(pause[0]) if pause[0] else None,
                        "break_end": _time(pause[1]) if pause[1] else None,
                    })
        return rows

    def _absences(self, entries) -> list[dict]:
        day = datetime.timedelta(days=1)
        return [
            {"kind": entry.get("kind", "vacation"),
             "start": self.today + entry["start"] * day,
             "end": self.today + entry["end"] * day,
             "note": entry.get("note", "")}
            for entry in entries or []
        ]

    def _absences_may_change(self, current) -> bool:
        # Demo absences are dated from the day of loading. A later run keeps the ones still
        # running or ahead, and dates them afresh only once they are all over.
        return all(absence.end < self.today for absence in current)

    def addressees(self, parent, nodes: list, data: dict, groups: dict, inherited: dict):
        buildings, templates = data["buildings"], data["schedules"]
        defaults = data.get("defaults", {}).get("schedules", {})
        portrait_kinds = {"official", "deputy", "department"}
        for node in nodes:
            kind = node.get("kind", "department")
            building_key = node.get("building", inherited.get("building"))
            building = buildings.get(building_key, {}) if building_key else {}
            group_keys = node["groups"] if "groups" in node else inherited.get("groups", [])
            office = ", ".join(part for part in (building.get("address"), node.get("room")) if part)
            photo = None
            photo_kind = node.get("photo", "portrait" if kind in portrait_kinds else "building")
            if photo_kind == "portrait" and node.get("head_name"):
                name = node["head_name"]
                photo = self.image(name, lambda name=name: self._draw_portrait(name))
            elif photo_kind == "building" and building:
                name, colour = building["name"], building.get("colour", "")
                photo = self.image(name, lambda n=name, c=colour: self._draw_building(n, c))
            values = {
                "title": node["title"], "kind": kind,
                "position": node.get("position", ""), "head_name": node.get("head_name", ""),
                "summary": node.get("summary", ""), "description": _html(node.get("description")),
                "duties": _lines(node.get("duties")),
                "phone": node.get("phone", ""), "extra_phones": _lines(node.get("extra_phones")),
                "email": node.get("email", ""), "extra_emails": _lines(node.get("extra_emails")),
                "website": node.get("website", ""),
                "postal_address": building.get("postal") or data["profile"]["postal_address"],
                "office_address": office, "location": _point(building.get("location")),
                "feedback_enabled": node.get("feedback", True), "show_in_menus": False,
                "photo": photo,
            }
            schedules = self._schedules(node.get("schedules", defaults.get(kind, [])), templates)
            specialists = [
                {"name": s["name"], "position": s.get("position", ""),
                 "competences": _lines(s.get("competences")), "phone": s.get("phone", ""),
                 "email": s.get("email", ""), "room": s.get("room", "")}
                for s in node.get("specialists", [])
            ]
            moderators = node.get("moderators", [])

            def before_publish(page, created, moderators=moderators, data=data):
                return self._moderators(page, moderators, data)

            page = self.sync_page(
                parent, AddresseePage, node["slug"], values,
                relations={
                    "office_hours": (schedules, ("schedule", "weekday", "opens", "closes",
                                                 "break_start", "break_end"), lambda c: True),
                    "absences": (self._absences(node.get("absences")),
                                 ("kind", "start", "end", "note"), self._absences_may_change),
                    "specialists": (specialists, ("name", "position", "competences", "phone",
                                                  "email", "room"), lambda c: True),
                },
                m2m={"groups": [groups[key] for key in group_keys]},
                before_publish=before_publish,
            )
            self.addressees(page, node.get("children", []), data, groups,
                            {"building": building_key, "groups": group_keys})

    def _moderators(self, page, people: list, data: dict) -> bool:
        """Put the demo moderators in the addressee's staff group. Returns whether the page
        itself changed (a group had to be made for it)."""
        if not people:
            return False
        changed = False
        stored = AddresseePage.objects.filter(pk=page.pk).values_list("moderators_id", flat=True)
        page.moderators_id = page.moderators_id or stored.first()
        group = page.moderators
        if group is None:
            # The addressee app makes this group when a page is saved; a page saved before
            # it did gets one here, with the rights to edit its own page subtree.
            prefix = data.get("moderators_group_prefix", "Moderators")
            group, _ = Group.objects.get_or_create(name=f"{prefix}: {page.title} #{page.pk}"[:150])
            page.moderators = group
            change_page = Permission.objects.get(content_type__app_label="wagtailcore",
                                                 codename="change_page")
            GroupPagePermission.objects.get_or_create(group=group, page=page,
                                                      permission=change_page)
            changed = True
        access_admin = Permission.objects.get(content_type__app_label="wagtailadmin",
                                              codename="access_admin")
        group.permissions.add(access_admin)
        for person in people:
            user = self.user(
                username=person["username"], email=person["email"], password=self.password,
                full_name=person.get("full_name", ""), is_staff=True, is_active=True,
                email_confirmed=True,
            )
            user.groups.add(group)
            if person["username"] not in self.moderator_names:
                self.moderator_names.append(person["username"])
        return changed

    def staffing(self, site, spec: dict) -> None:
        """The town's reception office (a staff group with its members) and leadership
        (an addressee slug): core's staffing setting."""
        from addons.core.models import StaffingSettings

        if not spec:
            return
        options = StaffingSettings.for_site(site)
        values = {}
        office = spec.get("reception_office")
        if office:
            group, created = Group.objects.get_or_create(name=office["name"])
            self._count(created, created)
            group.permissions.add(Permission.objects.get(
                content_type__app_label="wagtailadmin", codename="access_admin"))
            for person in office.get("members", []):
                user = self.user(
                    username=person["username"], email=person["email"],
                    password=self.password, full_name=person.get("full_name", ""),
                    is_staff=True, is_active=True, email_confirmed=True,
                )
                user.groups.add(group)
                if person["username"] not in self.moderator_names:
                    self.moderator_names.append(person["username"])
            values["reception_office"] = group
        if spec.get("leadership"):
            values["leadership"] = AddresseePage.objects.descendant_of(site.root_page).filter(
                slug=spec["leadership"]).first()
        changed = self._assign(options, values)
        if changed:
            options.save()
        self._count(False, changed)

    def attachables(self, site, catalog, disabled: list[str]) -> None:
        """Hang each enabled add-on's snippets of this site (the default forms its
        ``setup(site)`` made) on every addressee page. An add-on whose snippets are already
        placed (by an earlier run, or by the add-on's own demo loader) is left as it is."""
        pages = list(AddresseePage.objects.descendant_of(catalog))
        for addon, model in registry.placement_models():
            if addon.label in disabled or not model.snippet_field:
                continue
            snippet_model = model._meta.get_field(model.snippet_field).related_model
            if "site" not in {field.name for field in snippet_model._meta.fields}:
                continue
            snippets = list(snippet_model.objects.filter(site=site).order_by("pk"))
            if not snippets or model.objects.filter(page__in=pages).exists():
                continue
            for page in pages:
                for order, snippet in enumerate(snippets):
                    model.objects.create(page=page, sort_order=order,
                                         **{model.snippet_field: snippet})
                self._count(True, True)

    # -- problem reports, the home page's cards -----------------------------------------

    @staticmethod
    def _model(label: str, name: str):
        """An add-on's model, or None when the add-on is not installed (no import of it)."""
        from django.apps import apps

        try:
            return apps.get_model(label, name)
        except LookupError:
            return None

    def report_settings(self, site, spec: dict) -> None:
        """The town's own category -> addressee mapping, bounds and streets (data file's
        ``reports``), written before the add-on's own demo makes the categories."""
        settings_model = self._model("reports", "ReportsSettings")
        if settings_model is None or not spec:
            return
        options = settings_model.for_site(site)
        pages = AddresseePage.objects.descendant_of(site.root_page)
        values = {"category_map": spec.get("category_map") or {}}
        south, west, north, east = spec.get("bounds") or (None, None, None, None)
        values.update(min_lat=south, min_lng=west, max_lat=north, max_lng=east)
        for field in ("default_addressee",):
            slug = spec.get(field)
            values[field] = pages.filter(slug=slug).first() if slug else None
        changed = self._assign(options, values)
        if changed:
            options.save()
        self._count(False, changed)
        street_model = self._model("reports", "Street")
        known = set(street_model.objects.filter(site=site).values_list("name", flat=True))
        for row in spec.get("streets") or []:
            if row["name"] in known:
                continue
            lat, lng = row["point"]
            street_model.objects.create(site=site, name=row["name"], kind=row.get("kind", ""),
                                        aliases="\n".join(row.get("aliases") or []),
                                        lat=lat, lng=lng)
            self._count(True, True)

    def report_boxes(self, site, catalog, spec: dict, language: str) -> None:
        """A "Report a problem" box on every addressee page that handles report categories
        (the categories whose responsible addressee it is), offering those categories."""
        category_model = self._model("reports", "ReportCategory")
        placement = next((model for addon, model in registry.placement_models()
                          if addon.label == "reports" and model.snippet_field == "button"), None)
        if category_model is None or placement is None:
            return
        box_model = placement._meta.get_field("button").related_model
        pages = AddresseePage.objects.descendant_of(catalog)
        by_page: dict[int, list] = {}
        for category in (category_model.objects.filter(site=site, responsible__in=pages)
                         .select_related("parent").order_by("sort_order", "pk")):
            by_page.setdefault(category.responsible_id, []).append(category)
        for page in pages.filter(pk__in=by_page):
            if placement.objects.filter(page=page).exists():
                continue
            categories = by_page[page.pk]
            names = []
            for category in categories:
                group = category.parent or category
                name = (group.names or {}).get(language) or group.name
                if name not in names:
                    names.append(name)
            title = ", ".join(names)
            title = (title[:1].upper() + title[1:])[:200]
            box = box_model.objects.create(title=title, intro=spec.get("box_intro", ""))
            box.categories.set(categories)
            placement.objects.create(page=page, button=box, sort_order=5)
            self._count(True, True)

    def _card_url(self, site, home, target: str) -> tuple[object, str]:
        """(page, address) a home page card leads to: ``page:<slug>`` (a page of the
        site), ``appeal:<addressee slug>`` (the appeal form for that addressee),
        ``queue:<addressee slug>`` (booking that addressee's queue) or a URL name."""
        kind, _sep, key = target.partition(":")
        pages = AddresseePage.objects.descendant_of(home)
        if kind == "page":
            return Page.objects.descendant_of(home).filter(slug=key).first(), ""
        if kind == "appeal":
            form_model = self._model("appeals", "AppealForm")
            page = pages.filter(slug=key).first()
            form = form_model and form_model.objects.filter(site=site).order_by("pk").first()
            if page is None or not form:
                return None, ""
            return None, reverse("appeals:new", args=[form.pk]) + f"?addressee={page.pk}"
        if kind == "queue":
            queue_model = self._model("queues", "Queue")
            queue = queue_model and queue_model.objects.filter(
                site=site, addressee__slug=key).order_by("pk").first()
            return (None, reverse("queues:book", args=[queue.pk])) if queue else (None, "")
        try:
            return None, reverse(target)
        except NoReverseMatch:
            return None, ""

    def quick_links(self, site, home, cards: list, disabled: list[str]) -> None:
        from addons.addressees.pages import _addon_of

        rows = []
        for card in cards or []:
            page, url = self._card_url(site, home, card["target"])
            if page is None and not url:
                continue
            if url and _addon_of(url) in disabled:
                continue
            rows.append({"icon": card.get("icon", "find"), "title": card["title"],
                         "text": card.get("text", ""), "link_page": page, "link_url": url})
        current = list(home.quick_links.all())
        keys = ("icon", "title", "text", "link_page_id", "link_url")
        wanted = [tuple(row[k] if k != "link_page_id" else (row["link_page"].pk
                        if row["link_page"] else None) for k in keys) for row in rows]
        if wanted == [tuple(getattr(link, k) for k in keys) for link in current]:
            self._count(False, False)
            return
        home.quick_links = [type(home).quick_links.rel.related_model(sort_order=i, **row)
                            for i, row in enumerate(rows)]
        self.publish(home)
        self._count(False, True)

    # -- one file ----------------------------------------------------------------------

    def load(self, data: dict) -> dict:
        self.flag = data["profile"].get("jurisdiction", "ua")
        self.users(data.get("users") or {})
        if self.admin is None:
            self.admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        site, home = self.site(data)
        self.profile(site, data["profile"])
        disabled = self.addons(site, data.get("addons") or {})
        groups = self.groups(data.get("groups") or {})
        catalog = self.catalog(home, data["catalog"], data.get("group_pages") or [], groups)
        self.addressees(catalog, data.get("addressees") or [], data, groups, {})
        self.staffing(site, data.get("staffing") or {})
        if "queues" in {a.label for a in registry.optional_addons()} and "queues" not in disabled:
            from addons.queues.demo import load_demo as load_queues

            load_queues(site)
        if "surveys" in {a.label for a in registry.optional_addons()} and "surveys" not in disabled:
            from addons.surveys.demo import load_demo as load_surveys

            load_surveys(site)
        if ("bulletins" in {a.label for a in registry.optional_addons()}
                and "bulletins" not in disabled):
            from addons.bulletins.demo import load_demo as load_bulletins

            load_bulletins(site)
        self.attachables(site, catalog, disabled)
        if "reports" in {a.label for a in registry.optional_addons()} and "reports" not in disabled:
            from addons.reports.demo import load_demo as load_reports

            self.report_settings(site, data.get("reports") or {})
            load_reports(site)
            self.report_boxes(site, catalog, data.get("reports") or {},
                              data["profile"].get("default_language", "uk"))
            from addons.reports.situational.demo import attach_maps

            attach_maps(site)
        if ("mailings" in {a.label for a in registry.optional_addons()}
                and "mailings" not in disabled):
            from addons.mailings.demo import load_demo as load_mailings

            load_mailings(site)  # after the queues and districts its segments read
        self.quick_links(site, home, data.get("home", {}).get("quick_links") or [], disabled)
        return {"site": site, "home": home, "catalog": catalog, "disabled": disabled,
                "url": data["site"].get("url") or site.root_url + "/",
                "name": data["profile"]["municipality_name"]}


def _set_port(site_spec: dict, port: int) -> None:
    """The demo site served on ``port``: its Wagtail site and its announced URL."""
    from urllib.parse import urlsplit, urlunsplit

    site_spec["port"] = port
    url = site_spec.get("url")
    if url:
        parts = urlsplit(url)
        host = parts.hostname or site_spec.get("hostname", "")
        site_spec["url"] = urlunsplit(parts._replace(netloc=f"{host}:{port}"))


@contextmanager
def _quiet(names=("wagtail", "django_tasks")):
    """Hush the per-page and per-task INFO lines while the demo is written."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = "Load the demo municipalities (fixtures/demo/*.yaml). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="*",
            help="Data files to load (default: the Ukrainian, Romanian and Bulgarian towns).",
        )
        parser.add_argument(
            "--port", type=int, default=None,
            help="The port the demo is served on (runserver's): the demo sites get it, so "
                 "their absolute links (e-mails, feeds) work.",
        )

    def handle(self, *args, files=(), **options):
        paths = [Path(name) for name in files] or [DEMO_DIR / name for name in DEFAULT_FILES]
        documents = []
        for path in paths:
            if not path.exists():
                raise CommandError(f"No demo data file at {path}")
            with path.open(encoding="utf-8") as stream:
                documents.append(yaml.safe_load(stream))
        port = options.get("port")
        if port:
            for document in documents:
                _set_port(document.get("site") or {}, port)
        password = next(
            (doc["users"]["password"] for doc in documents
             if (doc.get("users") or {}).get("password")),
            DEFAULT_PASSWORD,
        )
        loader = DemoLoader(self.stdout, timezone.localdate(), password)
        results = []
        quiet = _quiet() if options.get("verbosity", 1) < 2 else _quiet(())
        with quiet, transaction.atomic():
            for document in documents:
                results.append(loader.load(document))
            if not files:  # the demo towns' translations (English, Hungarian)
                from addons.core.demo_translations import load as load_translations

                load_translations(DEMO_DIR / "translations", self.stdout)

        style = self.style
        self.stdout.write(style.SUCCESS(
            f"Demo loaded: {loader.created} created, {loader.updated} updated, "
            f"{loader.unchanged} unchanged."
        ))
        for result in results:
            self.stdout.write(f"  {result['name']}: {result['url']}")
            if result["disabled"]:
                off = ", ".join(result["disabled"])
                self.stdout.write(f"    add-ons switched off there: {off}")
        main = results[0]["url"].rstrip("/") if results else "http://127.0.0.1:8000"
        try:
            login = reverse(settings.LOGIN_URL)
        except NoReverseMatch:
            login = "/accounts/login/"
        admin = next((doc["users"]["admin"] for doc in documents
                      if (doc.get("users") or {}).get("admin")), None)
        citizen = next((doc["users"]["citizen"] for doc in documents
                        if (doc.get("users") or {}).get("citizen")), None)
        if admin:
            self.stdout.write(style.SUCCESS(
                f"Admin: {main}/admin/ user {admin['username']} password {password}"
            ))
        if citizen:
            self.stdout.write(style.SUCCESS(
                f"Citizen: {main}{login} email {citizen['email']} password {password}"
            ))
        if loader.moderator_names:
            self.stdout.write(
                f"Moderators (password {password}): {', '.join(loader.moderator_names)}"
            )
