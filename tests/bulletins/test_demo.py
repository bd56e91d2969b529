from addons.addressees.models import AddresseePage
from addons.bulletins.demo import load_demo
from addons.bulletins.models import Bulletin, BulletinStreamPlacement


def test_demo_bulletins_and_streams_are_idempotent(client, site, catalog):
    water = catalog.add_child(instance=AddresseePage(title="Водоканал", slug="vodokanal"))
    assert load_demo(site) == 1
    assert load_demo(site) == 0
    bulletin = Bulletin.objects.get()
    assert bulletin.addressee.pk == water.pk and bulletin.live
    assert set(bulletin.tags.names()) == {"вода", "відключення"}
    assert BulletinStreamPlacement.objects.filter(page=water).count() == 1
    assert bulletin.title in client.get(water.url).content.decode()
