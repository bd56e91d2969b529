import pytest
from django.core.exceptions import ValidationError

from addons.core.models import SiteProfile, contrast_with_white
from addons.core.sites import branding


def test_contrast_with_white_known_values():
    assert round(contrast_with_white("#000000"), 1) == 21.0
    assert round(contrast_with_white("#ffffff"), 1) == 1.0


@pytest.mark.django_db
def test_brand_colour_must_carry_white_text(site):
    profile = SiteProfile.for_site(site)
    profile.brand_colour = "#ffdd00"  # yellow: white text unreadable
    with pytest.raises(ValidationError) as err:
        profile.full_clean()
    assert "brand_colour" in err.value.message_dict
    profile.brand_colour = "blue"
    with pytest.raises(ValidationError):
        profile.full_clean()
    profile.brand_colour = "#0b5394"
    profile.full_clean()


@pytest.mark.django_db
def test_branding_reads_the_site_profile(site):
    profile = SiteProfile.for_site(site)
    profile.municipality_name = "Town One"
    profile.brand_colour = "#0b5394"
    profile.save()
    data = branding(site)
    assert data["name"] == "Town One"
    assert data["colour"] == "#0b5394"
    assert data["coat_of_arms"] is None
