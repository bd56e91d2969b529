import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from addons.bulletins import delivery
from addons.bulletins.models import Bulletin, Category, SentBulletin, Subscription
from addons.core import mass_email

from .conftest import make_bulletin, make_subscription


def unsubscribe_path(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    url = re.search(r"<(https?://[^>]+)>", header).group(1)
    return urlsplit(url).path


def test_daily_digest_merges_subscriptions_without_repeating(site, committee, roads, parks):
    make_subscription(site, "reader@example.org", addressee=committee, include_subtree=True,
                      language="en")
    make_subscription(site, "reader@example.org", tags="roads", language="en")
    make_subscription(site, "reader@example.org", frequency="weekly", addressee=parks)
    make_subscription(site, "other@example.org", addressee=parks, language="uk")
    both = make_bulletin(roads, "Road works on Main Street", tags=["roads"])
    committee_news = make_bulletin(committee, "Council session")
    make_bulletin(parks, "New playground")
    make_bulletin(roads, "Last month", published=timezone.now() - timedelta(days=20))

    assert delivery.send_digest("daily") == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    reader = by_address["reader@example.org"]
    assert reader.body.count("Road works on Main Street") == 1
    assert "Council session" in reader.body
    assert "New playground" not in reader.body and "Last month" not in reader.body
    assert reader.subject == "localhost: 2 new bulletins"
    other = by_address["other@example.org"]
    assert "New playground" in other.body
    assert other.subject == "localhost: нових бюлетенів — 1"  # in the subscriber's language
    assert "Ви отримуєте цей лист, бо підписалися на:" in other.body
    assert set(SentBulletin.objects.filter(email="reader@example.org")
               .values_list("bulletin_id", flat=True)) == {both.pk, committee_news.pk}


def test_edited_or_republished_bulletin_is_not_sent_again(site, roads):
    make_subscription(site, addressee=roads)
    bulletin = make_bulletin(roads, "Water outage")
    assert delivery.send_digest("daily") == 1
    bulletin.title = "Water outage: new hours"
    bulletin.save()
    assert delivery.send_digest("daily") == 0
    assert len(mail.outbox) == 1


def test_digest_carries_list_unsubscribe_and_one_click_ends_it(client, site, roads):
    first = make_subscription(site, addressee=roads)
    second = make_subscription(site, category=Category.NEWS)
    untouched = make_subscription(site, "other@example.org", addressee=roads)
    make_bulletin(roads, "Water outage")
    delivery.send_digest("daily")
    message = next(m for m in mail.outbox if m.to == ["reader@example.org"])
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<mailto:unsubscribe+" in message.extra_headers["List-Unsubscribe"]
    path = unsubscribe_path(message)
    # GET shows a page and changes nothing
    assert client.get(path).status_code == 200
    assert Subscription.objects.confirmed().count() == 3
    # the mail client's one-click POST, without cookies or login
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    for subscription in (first, second, untouched):
        subscription.refresh_from_db()
    assert first.ended_at and second.ended_at and untouched.ended_at is None
    make_bulletin(roads, "Second outage")
    mail.outbox.clear()
    delivery.send_digest("daily")
    assert [m.to for m in mail.outbox] == [["other@example.org"]]


@pytest.mark.parametrize("token", ["nonsense", "WyJidWxsZXRpbnMuc3Vic2NyaXB0aW9uIiwiMSJd.forged"])
def test_forged_unsubscribe_token_ends_nothing(client, site, roads, token):
    subscription = make_subscription(site, addressee=roads)
    response = client.post(f"/unsubscribe/{token}/")
    assert response.status_code == 404
    subscription.refresh_from_db()
    assert subscription.ended_at is None


def test_token_of_another_kind_cannot_end_a_subscription(site, roads):
    subscription = make_subscription(site, addressee=roads)
    with pytest.raises(mass_email.BadToken):
        mass_email.unsubscribe(mass_email.unsubscribe_token("nobody.handles", subscription.pk))
    assert delivery.end_subscription("not-a-number") is False
    subscription.refresh_from_db()
    assert subscription.ended_at is None


def test_suppressed_address_is_skipped(site, roads):
    make_subscription(site, "bounced@example.org", addressee=roads)
    make_subscription(site, "fine@example.org", addressee=roads)
    mass_email.record_bounce("bounced@example.org", hard=True)
    make_bulletin(roads, "Water outage")
    assert delivery.send_digest("daily") == 1
    assert [m.to for m in mail.outbox] == [["fine@example.org"]]


def test_only_bulletins_after_confirmation(site, roads):
    subscription = make_subscription(site, addressee=roads)
    make_bulletin(roads, "Before", published=timezone.now() - timedelta(hours=5))
    Subscription.objects.filter(pk=subscription.pk).update(
        confirmed_at=timezone.now() - timedelta(hours=1))
    make_bulletin(roads, "After")
    delivery.send_digest("daily")
    assert "After" in mail.outbox[0].body and "Before" not in mail.outbox[0].body


def test_words_of_a_saved_search_must_all_appear(site, roads):
    make_subscription(site, query="water outage")
    make_bulletin(roads, "Water outage on Friday")
    make_bulletin(roads, "Water quality report")
    delivery.send_digest("daily")
    assert "Water outage on Friday" in mail.outbox[0].body
    assert "Water quality report" not in mail.outbox[0].body


def test_immediate_on_publish_once(site, roads, django_capture_on_commit_callbacks):
    make_subscription(site, "now@example.org", frequency="immediate", addressee=roads)
    make_subscription(site, "daily@example.org", addressee=roads)
    bulletin = Bulletin(addressee=roads, title="Storm warning", live=False,
                        category=Category.ANNOUNCEMENT)
    bulletin.save()
    with django_capture_on_commit_callbacks(execute=True):
        bulletin.save_revision().publish()
    assert [m.to for m in mail.outbox] == [["now@example.org"]]
    assert mail.outbox[0].subject == "Storm warning"
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
    bulletin.refresh_from_db()
    bulletin.title = "Storm warning (corrected)"
    with django_capture_on_commit_callbacks(execute=True):
        bulletin.save_revision().publish()
    assert len(mail.outbox) == 1


def test_html_in_a_title_is_text_in_the_email(site, roads):
    make_subscription(site, addressee=roads)
    make_bulletin(roads, "<b>Bold</b> & <i>news</i>")
    delivery.send_digest("daily")
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; &amp;" in html
    assert "<b>Bold</b> & <i>news</i>" in message.body  # plain text stays as typed


class KilledWorker(BaseException):
    """Stands for the worker process dying: not an Exception the job would catch."""


def test_killed_digest_resumes_without_duplicates_or_gaps(site, roads, monkeypatch):
    for n in range(6):
        make_subscription(site, f"reader{n}@example.org", addressee=roads)
    make_bulletin(roads, "Water outage")
    real_send = delivery.EmailMultiAlternatives.send
    calls = {"n": 0}

    def dies_on_the_fourth(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KilledWorker
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(delivery.EmailMultiAlternatives, "send", dies_on_the_fourth)
    with pytest.raises(KilledWorker):
        delivery.send_digest("daily")
    assert len(mail.outbox) == 3
    monkeypatch.setattr(delivery.EmailMultiAlternatives, "send", real_send)
    assert delivery.send_digest("daily") == 3
    addresses = sorted(m.to[0] for m in mail.outbox)
    assert addresses == [f"reader{n}@example.org" for n in range(6)]


def test_a_failing_address_does_not_stop_the_others_and_is_retried(site, roads, monkeypatch):
    make_subscription(site, "refused@example.org", addressee=roads)
    make_subscription(site, "fine@example.org", addressee=roads)
    make_bulletin(roads, "Water outage")
    real_send = delivery.EmailMultiAlternatives.send

    def refuse(self, *args, **kwargs):
        if self.to == ["refused@example.org"]:
            raise OSError("550 mailbox unavailable")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(delivery.EmailMultiAlternatives, "send", refuse)
    assert delivery.send_digest("daily") == 1
    assert not SentBulletin.objects.filter(email="refused@example.org").exists()
    monkeypatch.setattr(delivery.EmailMultiAlternatives, "send", real_send)
    assert delivery.send_digest("daily") == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["fine@example.org", "refused@example.org"]


def test_weekly_digest_covers_the_week(site, roads):
    make_subscription(site, frequency="weekly", addressee=roads)
    make_bulletin(roads, "Monday", published=timezone.now() - timedelta(days=6))
    make_bulletin(roads, "Too old", published=timezone.now() - timedelta(days=9))
    assert delivery.send_digest("daily") == 0
    assert delivery.send_digest("weekly") == 1
    assert "Monday" in mail.outbox[0].body and "Too old" not in mail.outbox[0].body


def test_nothing_is_sent_where_bulletins_are_disabled(site, roads):
    from addons.core import activation

    make_subscription(site, addressee=roads)
    make_bulletin(roads, "Water outage")
    activation.disable(site, "bulletins")
    assert delivery.send_digest("daily") == 0
    activation.enable(site, "bulletins")
    assert delivery.send_digest("daily") == 1
