"""Businesses' entries (issue 27): links, the form's checks and limits, the review queue, accept and reject; on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from records_support import BACKENDS, database

from kompilot_data.records import innsending, storage
from kompilot_data.records.access import COORDINATOR, VIEWER, Access, AccessDenied
from kompilot_data.records.errors import ConflictError
from kompilot_data.reference.errors import KompilotError

NAMDALEN = Access(COORDINATOR, "nina@namdalen.no", "innlogget", "Namdalen")
FOSEN = Access(COORDINATOR, "fred@fosen.no", "innlogget", "Fosen")
ALL = Access(COORDINATOR, "alle@trondelag.no", "innlogget", None)
READER = Access(VIEWER, "leser@x.no", "innlogget")
CONSENT = "Hva vi lagrer og hvorfor …"
ENTRY = {
    "tekst": "Trenger sveisesertifikat for 3 ansatte",
    "ansatte": "12",
    "deltakere": "3",
    "kommunenummer": "5007",  # Namsos
    "naar": "12m",
    "laeringsform": "samlingsbasert",
    "orgnr": "974 760 673",  # valid MOD11
    "virksomhet": "Namsos Sveis AS",
    "kontakt_navn": "Kari Nordmann",
    "kontakt_epost": "kari@example.no",
    "kontakt_telefon": "+47 900 00 000",
    "samtykke": CONSENT,
}
T0 = datetime(2026, 12, 8, 10, 0, 0)


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from database(request, tmp_path)


def entries(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(innsending.ENTRY_TABLE)).scalar_one()


def refusal(error: pytest.ExceptionInfo, language: str = "nb") -> str:
    return error.value.message(language)


def test_schema_is_at_the_new_head(engine):
    assert storage.schema_revision(engine) == "0006_innsending"


def test_a_link_stores_only_the_hash_and_opens_for_its_region(engine):
    link_id, token = innsending.create_link(engine, "Namdalen", "Næringsforum", NAMDALEN.user, NAMDALEN)
    assert len(token) >= 32
    with engine.connect() as connection:
        stored = connection.execute(sa.select(innsending.LINK_TABLE)).mappings().one()
    assert stored["token_sha256"] == innsending.token_hash(token) != token
    assert token not in str(dict(stored))
    assert innsending.open_link(engine, token) == innsending.Link(link_id, "Namdalen", "Næringsforum")
    log = storage.audit_log(engine)
    assert log.iloc[0]["handling"] == "lenke_opprettet" and log.iloc[0]["tabell"] == "innsending"
    assert token not in " ".join(map(str, log.iloc[0].tolist()))


def test_links_are_for_coordinators_of_that_region(engine):
    with pytest.raises(AccessDenied):
        innsending.create_link(engine, "Namdalen", "x", READER.user, READER)
    with pytest.raises(AccessDenied) as error:
        innsending.create_link(engine, "Namdalen", "x", FOSEN.user, FOSEN)
    assert "Fosen" in refusal(error)
    innsending.create_link(engine, "Fosen", "F", ALL.user, ALL)
    innsending.create_link(engine, "Namdalen", "N", NAMDALEN.user, NAMDALEN)
    assert innsending.links(engine, FOSEN)["navn"].tolist() == ["F"]
    assert innsending.links(engine, ALL)["navn"].tolist() == ["N", "F"]
    with pytest.raises(AccessDenied):
        innsending.links(engine, READER)


def test_an_entry_lands_in_the_queue_of_its_region_only(engine):
    _, token = innsending.create_link(engine, "Namdalen", "N", NAMDALEN.user, NAMDALEN)
    needs_before = storage.count(engine, "needs")
    entry_id = innsending.submit(engine, token, ENTRY, now=T0)
    assert storage.count(engine, "needs") == needs_before  # never straight into the data
    waiting = innsending.queue(engine, NAMDALEN)
    assert waiting["id"].tolist() == [entry_id]
    row = waiting.iloc[0]
    assert (row["orgnr"], row["kommunenummer"], row["ansatte"], row["samtykke"]) == ("974760673", "5007", 12, CONSENT)
    assert innsending.queue(engine, FOSEN).empty
    assert innsending.queue(engine, ALL)["id"].tolist() == [entry_id]
    with pytest.raises(AccessDenied):
        innsending.queue(engine, READER)
    assert innsending.links(engine, NAMDALEN)["venter"].tolist() == [1]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"tekst": "x" * (innsending.MAX_TEXT + 1)}, "er for lang (2\u202f001 tegn; høyst 2\u202f000)"),
        ({"tekst": "Kurs <script>alert(1)</script> for oss"}, "inneholder kode eller HTML"),
        ({"virksomhet": "<b>Firma</b>"}, "«Bedriftens navn» inneholder kode eller HTML"),
        ({"tekst": "Kurs &#60;i&#62; sveising"}, "inneholder kode eller HTML"),
        ({"tekst": "Kurs i sveis\x00ing for tre"}, "usynlige kontrolltegn"),
        ({"orgnr": "974760674"}, "Organisasjonsnummeret er ikke gyldig"),
        ({"kommunenummer": "5054"}, "Velg en kommune i Namdalen."),  # Indre Fosen: another sub-region
        ({"deltakere": "13"}, "fra 1 til antall ansatte"),
        ({"samtykke": ""}, "Kryss av for samtykke"),
        ({"kontakt_epost": "kari@"}, "gyldig e-postadresse"),
        ({"naar": "i morgen"}, "Velg når"),
        ({"laeringsform": "bedriftsintern"}, "Velg en læringsform"),
    ],
)
def test_hostile_or_wrong_input_is_refused_clearly_and_stores_nothing(engine, changes, expected):
    _, token = innsending.create_link(engine, "Namdalen", "N", NAMDALEN.user, NAMDALEN)
    with pytest.raises(innsending.FormRefused) as error:
        innsending.submit(engine, token, {**ENTRY, **changes}, now=T0)
    assert refusal(error).startswith("Innsendingen ble ikke lagret:")
    assert expected in refusal(error)
    assert refusal(error, "en").startswith("The entry was not saved:")
    assert entries(engine) == 0


def test_every_problem_is_named_at_once():
    with pytest.raises(innsending.FormRefused) as error:
        innsending.check_entry({**ENTRY, "orgnr": "123", "samtykke": None, "ansatte": "mange"}, "Namdalen")
    assert error.value.problems("en") == [
        "The number of employees must be a whole number from 1 to 100,000.",
        "The organisation number is not valid (9 digits with the right check digit, as in the Central Coordinating "
        "Register).",
        "Tick the consent box to send.",
    ]


def test_rate_limit_per_link_holds_in_the_database(engine):
    _, token = innsending.create_link(engine, "Namdalen", "N", NAMDALEN.user, NAMDALEN)
    _, other = innsending.create_link(engine, "Namdalen", "M", NAMDALEN.user, NAMDALEN)
    refused = 0
    for i in range(1000):  # 1 000 posts in one minute
        try:
            innsending.submit(engine, token, ENTRY, now=T0 + timedelta(milliseconds=50 * i))
        except innsending.FormRefused as error:
            refused += 1
            assert "det siste minuttet (høyst 5)" in error.message("nb")
            assert "in the last minute (at most 5)" in error.message("en")
    assert (refused, entries(engine)) == (1000 - innsending.MAX_PER_MINUTE, innsending.MAX_PER_MINUTE)
    innsending.submit(engine, other, ENTRY, now=T0 + timedelta(seconds=10))  # another link is not limited
    innsending.submit(engine, token, ENTRY, now=T0 + timedelta(seconds=61))  # a minute later again
    assert entries(engine) == innsending.MAX_PER_MINUTE + 2


def test_rate_limit_per_day(engine, monkeypatch):
    monkeypatch.setattr(innsending, "MAX_PER_DAY", 7)
    _, token = innsending.create_link(engine, "Namdalen", "N", NAMDALEN.user, NAMDALEN)
    for i in range(7):
        innsending.submit(engine, token, ENTRY, now=T0 + timedelta(minutes=2 * i))
    with pytest.raises(innsending.FormRefused) as error:
        innsending.submit(engine, token, ENTRY, now=T0 + timedelta(hours=5))
    assert "høyst 7 i døgnet" in refusal(error)
    innsending.submit(engine, token, ENTRY, now=T0 + timedelta(days=1, minutes=1))


def test_unknown_and_revoked_links_are_refused_and_store_nothing(engine):
    link_id, token = innsending.create_link(engine, "Namdalen", "N", NAMDALEN.user, NAMDALEN)
    for bad in ("", "x" * 500, token + "x", token.upper()):
        with pytest.raises(innsending.FormRefused) as error:
            innsending.submit(engine, bad, ENTRY, now=T0)
        assert "Lenken til skjemaet er ugyldig" in refusal(error)
    with pytest.raises(AccessDenied):
        innsending.revoke_link(engine, link_id, FOSEN.user, FOSEN)
    innsending.revoke_link(engine, link_id, NAMDALEN.user, NAMDALEN)
    with pytest.raises(innsending.FormRefused) as error:
        innsending.submit(engine, token, ENTRY, now=T0)
    assert "trukket tilbake" in refusal(error) and "has been revoked" in refusal(error, "en")
    with pytest.raises(innsending.FormRefused):
        innsending.open_link(engine, token)
    with pytest.raises(ConflictError):
        innsending.revoke_link(engine, link_id, NAMDALEN.user, NAMDALEN)
    assert entries(engine) == 0
    assert storage.audit_log(engine).iloc[0]["handling"] == "lenke_tilbakekalt"


def test_accepting_creates_the_need_with_the_confirmed_labels_and_audits_it(engine):
    _, token = innsending.create_link(engine, "Namdalen", "N", NAMDALEN.user, NAMDALEN)
    entry_id = innsending.submit(engine, token, ENTRY, now=T0)
    suggestions = {"kompetanseomrade": [{"kode": "industri", "score": 3.1}], "styrk": []}
    confirmed = {"kompetanseomrade": "industri", "styrk": ["7212"], "naering": "C", "niva": "kurs"}
    with pytest.raises(AccessDenied):
        innsending.accept(engine, entry_id, confirmed, FOSEN.user, FOSEN)
    need_id = innsending.accept(engine, entry_id, confirmed, NAMDALEN.user, NAMDALEN, suggestions)
    assert need_id == f"skjema-{entry_id}"
    need = storage.read_frame(engine, "needs").set_index("behov_id").loc[need_id]
    assert (need["kompetanseomrade"], need["naering"], need["niva"], need["storrelse"]) == (
        "industri",
        "C",
        "kurs",
        "5-19",
    )
    assert (need["antall_deltakere"], need["kommunenummer"], need["kilde"], need["status"]) == (
        3,
        "5007",
        "nettskjema",
        "kartlagt",
    )
    assert need["laeringsform"] == "samlingsbasert" and need["merknad"] == ENTRY["tekst"]
    assert str(need["tidsramme_til"].date()) == "2027-12-08"
    assert innsending.queue(engine, NAMDALEN).empty
    labels = innsending.confirmed_labels(engine)
    assert labels[["tekst", "kompetanseomrade", "styrk", "behov_id"]].values.tolist() == [
        [ENTRY["tekst"], "industri", "7212", need_id]
    ]
    assert '"industri"' in labels.iloc[0]["forslag"]
    log = storage.audit_log(engine)
    assert log.iloc[0][["handling", "tabell", "post_id"]].tolist() == [
        "innsending_godtatt",
        "innsending",
        str(entry_id),
    ]
    assert log.iloc[1][["handling", "tabell", "post_id"]].tolist() == ["ny", "behov", need_id]
    with pytest.raises(ConflictError) as error:
        innsending.accept(engine, entry_id, confirmed, NAMDALEN.user, NAMDALEN)
    assert "allerede behandlet" in refusal(error)


def test_accept_refuses_a_wrong_confirmation_and_changes_nothing(engine):
    _, token = innsending.create_link(engine, "Namdalen", "N", NAMDALEN.user, NAMDALEN)
    entry_id = innsending.submit(engine, token, ENTRY, now=T0)
    needs = storage.count(engine, "needs")
    with pytest.raises(innsending.FormRefused):
        innsending.accept(engine, entry_id, {"kompetanseomrade": "industri", "styrk": ["0000"]}, "u", NAMDALEN)
    with pytest.raises(KompilotError):  # no industry chosen: the need does not validate
        innsending.accept(engine, entry_id, {"kompetanseomrade": "industri", "niva": "kurs"}, "u", NAMDALEN)
    assert storage.count(engine, "needs") == needs
    assert innsending.queue(engine, NAMDALEN)["id"].tolist() == [entry_id]


def test_rejecting_keeps_the_entry_out_of_the_data_and_audits_it(engine):
    _, token = innsending.create_link(engine, "Namdalen", "N", NAMDALEN.user, NAMDALEN)
    entry_id = innsending.submit(engine, token, ENTRY, now=T0)
    needs = storage.count(engine, "needs")
    with pytest.raises(innsending.FormRefused):
        innsending.reject(engine, entry_id, "  ", NAMDALEN.user, NAMDALEN)
    innsending.reject(engine, entry_id, "Dobbel innsending", NAMDALEN.user, NAMDALEN)
    assert storage.count(engine, "needs") == needs
    assert innsending.queue(engine, NAMDALEN, "avvist")["avvist_grunn"].tolist() == ["Dobbel innsending"]
    assert storage.audit_log(engine).iloc[0]["handling"] == "innsending_avvist"


def test_size_class_follows_the_code_list():
    assert [innsending.size_class(n) for n in (1, 4, 5, 19, 20, 99, 100, 5000)] == [
        "1-4",
        "1-4",
        "5-19",
        "5-19",
        "20-49",
        "50-99",
        "100+",
        "100+",
    ]
