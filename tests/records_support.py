"""One valid need, as the tests' starting point for good and bad rows."""

NEED = {
    "behov_id": "B1",
    "registrert": "27.11.2026",
    "bedrift_id": "V1",
    "orgnr": "",
    "kommunenummer": "5007",
    "naering": "Q",
    "storrelse": "5-19",
    "kompetanseomrade": "helse",
    "niva": "fagskole",
    "laeringsform": "",
    "antall_deltakere": "3",
    "tidsramme_fra": "01.01.2027",
    "tidsramme_til": "30.06.2027",
    "status": "kartlagt",
    "kilde": "bedriftsbesok",
    "merknad": "",
    "demo": "nei",
}


def need(**changes) -> dict[str, str]:
    return {**NEED, **changes}
