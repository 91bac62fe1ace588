"""resolve_region, region_choices, default_region and region_codes (kompilot_data.reference.regions)."""

import pytest

import kompilot_data as kd
from kompilot_data.reference.regions import Region, default_region, region_choices, region_codes, resolve_region

NAMDALEN = ("5007", "5042", "5043", "5044", "5045", "5046", "5047", "5049", "5052", "5060")


@pytest.mark.parametrize(
    ("text", "key", "name", "kind"),
    [
        ("namdalen", "Namdalen", "Namdalen", "delregion"),
        ("  TRØNDELAG SØR ", "Trøndelag sør", "Trøndelag sør", "delregion"),
        ("trondelag sor", "Trøndelag sør", "Trøndelag sør", "delregion"),
        ("Fosen", "Fosen", "Fosen", "delregion"),
        ("5007", "5007", "Namsos", "kommune"),
        ("røros", "5025", "Røros", "kommune"),
        ("Rosse", "5025", "Røros", "kommune"),
        ("Røros - Rosse", "5025", "Røros", "kommune"),
        ("Raarvihke", "5043", "Røyrvik", "kommune"),
        ("midtre gauldal", "5027", "Midtre Gauldal", "kommune"),
        ("Namsos (5007)", "5007", "Namsos", "kommune"),
        ("Trøndelag", "Trøndelag", "Trøndelag", "fylke"),
        ("trööndelage", "Trøndelag", "Trøndelag", "fylke"),
    ],
)
def test_resolve_region_accepts_names_numbers_and_sami_names_in_any_case(text, key, name, kind):
    region = resolve_region(text)
    assert (region.key, region.name, region.kind) == (key, name, kind)


def test_region_codes_are_the_primary_members():
    municipalities = kd.load_municipalities()
    namdalen = resolve_region("namdalen")
    assert namdalen == Region("Namdalen", "Namdalen", "delregion", NAMDALEN)
    # Osen is primary in Fosen and secondary in Namdalen: it counts in Fosen only.
    assert resolve_region("Fosen").codes == ("5020", "5054", "5057", "5058")
    assert "5020" not in namdalen.codes
    county = resolve_region("Trøndelag")
    assert county.codes == tuple(municipalities.index) and len(county.codes) == 38
    assert resolve_region("5025").codes == ("5025",)
    assert region_codes("Namdalen") == list(NAMDALEN)
    assert region_codes("5025") == ["5025"]
    with pytest.raises(KeyError, match="unknown region 'namdalen'"):
        region_codes("namdalen")  # strict: exact keys only


def test_region_is_frozen_and_labelled():
    region = resolve_region("5007")
    assert region.label == "Namsos (5007)"
    assert resolve_region("Namdalen").label == "Namdalen"
    assert hash(region) == hash(Region("5007", "Namsos", "kommune", ("5007",)))
    with pytest.raises(AttributeError):
        region.name = "Namsos by"  # type: ignore[misc]
    assert resolve_region(region) is region


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Nærøysundd", "Ukjent region «Nærøysundd». Mente du «Nærøysund»?"),
        ("Namdal", "Ukjent region «Namdal». Mente du «Namdalen» eller «Rindal»?"),
        (
            "Vikna",
            "«Vikna» er den tidligere kommunen Vikna (1750), nå Nærøysund (5060). Mente du «Nærøysund»?",
        ),
        ("1703", "«1703» er den tidligere kommunen Namsos (1703), nå Namsos (5007). Mente du «Namsos»?"),
        (
            "Snillfjord",
            "«Snillfjord» er den tidligere kommunen Snillfjord (1613), delt i 2020 mellom Heim (5055), "
            "Hitra (5056) og Orkland (5059); oppgi hvilken.",
        ),
        (
            "Bergen",
            "Ukjent region «Bergen». Bruk en delregion (Namdalen, Trøndelag sør, Fosen), "
            "et kommunenavn eller kommunenummer (f.eks. 5007), eller «Trøndelag».",
        ),
        (
            "  ",
            "Ingen region oppgitt. Bruk en delregion (Namdalen, Trøndelag sør, Fosen), "
            "et kommunenavn eller kommunenummer, eller «Trøndelag».",
        ),
    ],
)
def test_unknown_region_gives_a_norwegian_message_with_the_closest_names(text, message):
    with pytest.raises(ValueError) as raised:
        resolve_region(text)
    assert str(raised.value) == message


def test_region_choices_are_subregions_then_municipalities():
    choices = region_choices()
    municipalities = kd.load_municipalities()
    assert [c.key for c in choices] == [*kd.SUBREGIONS, *municipalities.index]
    assert len(choices) == 3 + 38
    assert [c.kind for c in choices[:3]] == ["delregion"] * 3
    assert choices[3] == Region("5001", "Trondheim", "kommune", ("5001",))
    # Every choice resolves to itself from its key and from its label.
    assert all(resolve_region(c.key) == c and resolve_region(c.label) == c for c in choices)


def test_default_region_follows_the_filters():
    assert default_region().key == "Namdalen"
    assert default_region(kd.Filters()).key == "Namdalen"
    assert default_region(kd.Filters(delregioner=("Fosen", "Trøndelag sør"))).key == "Fosen"
    assert default_region(kd.Filters(delregioner=("Fosen",), kommuner=("5025", "5020"))).key == "5025"
    assert default_region(kd.Filters(sentralitet=(6,))).key == "Namdalen"
