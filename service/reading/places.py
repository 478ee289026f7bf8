"""The level of place a question asks for, and the levels a candidate's name is known at.

"Which state ...?" is not answered by the county the sentence names first, nor "Which
country ...?" by its capital: the reader's ranker gets whether a candidate is known as a place
of the asked level (`level_match`) or only of another (`level_clash`). What is known comes
from standard tables, never from the news: ISO 3166 countries and their states, provinces and
territories (pycountry) and the English short names of countries and continents in the
Unicode CLDR (Babel: "Russia", "Laos", "Europe").
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from service.reading.terms import candidate_key

COUNTRY, STATE, CITY, REGION = "country", "state", "city", "region"

# The asked noun's last word says the level: "which African capital city" asks for a city,
# "which country's prime minister" for no place at all.
_ASKED_LEVELS = {
    "country": COUNTRY, "countries": COUNTRY, "nation": COUNTRY, "nations": COUNTRY,
    "state": STATE, "states": STATE, "province": STATE, "provinces": STATE,
    "territory": STATE,
    "city": CITY, "cities": CITY, "capital": CITY, "town": CITY, "towns": CITY,
    "village": CITY,
    "continent": REGION, "continents": REGION,
}  # fmt: skip
# ISO 3166-2 subdivision types that a question calls a state or province.
_STATE_TYPES = frozenset({"State", "Province", "Territory", "Federal district"})


def asked_level(head_text: str) -> str | None:
    """The level of place the asked noun names ("state", "country", ...), if any."""
    words = head_text.split()
    return _ASKED_LEVELS.get(words[-1]) if words else None


def place_levels(text: str) -> frozenset[str]:
    """The levels a candidate is known at (empty if none): by its name, or, written in capitals,
    by its ISO country code ("US", "USA"; not "us" nor "It")."""
    key = candidate_key(text)
    levels = _gazetteer().get(key, frozenset())
    letters = text.removeprefix("the ").removeprefix("The ")
    if letters.isalpha() and letters.isupper() and key in _country_codes():
        levels |= {COUNTRY}
    return levels


def level_features(asked: str | None, text: str) -> tuple[float, float]:
    """(match, clash): known at the asked level; known only at other levels."""
    if asked is None:
        return 0.0, 0.0
    levels = place_levels(text)
    if asked in levels:
        return 1.0, 0.0
    return 0.0, 1.0 if levels else 0.0


def load_gazetteer() -> None:
    """Builds the tables now (once per process), so that no request waits for them."""
    _gazetteer()
    _country_codes()


def _forms(name: str) -> set[str]:
    """A table name and its short forms: "Korea, Republic of" -> also "Korea"; "Congo -
    Kinshasa" -> also "Congo"; "Myanmar (Burma)" -> also "Myanmar" and "Burma"; "Wales [Cymru
    GB-CYM]" -> "Wales"."""
    name = re.sub(r"\s*\[[^\]]*\]$", "", name)  # "Wales [Cymru GB-CYM]": the local name
    out = {name, name.split(",")[0], name.split(" - ")[0]}
    bracketed = re.match(r"(.+?)\s*\((.+)\)$", name)
    if bracketed:
        out.update(bracketed.groups())
    return {k for k in map(candidate_key, out) if k}


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    import pycountry

    return frozenset(
        code.lower()
        for country in pycountry.countries
        for code in (country.alpha_2, country.alpha_3)
    )


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, frozenset[str]]:
    import pycountry
    from babel import Locale

    levels: dict[str, set[str]] = defaultdict(set)
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            if name := getattr(country, attribute, None):
                for form in _forms(name):
                    levels[form].add(COUNTRY)
    countries = {country.alpha_2 for country in pycountry.countries}
    for code, name in Locale("en").territories.items():
        # ISO letter codes are countries ("EU" and "UN" are not); digits are world regions.
        level = (
            COUNTRY if code in countries else None if code.isalpha() or code == "001" else REGION
        )
        if level is not None:
            for form in _forms(name):
                levels[form].add(level)
    for subdivision in pycountry.subdivisions:
        # The United Kingdom's own countries ("Scotland") are countries to a question too.
        level = STATE if subdivision.type in _STATE_TYPES else None
        level = COUNTRY if subdivision.type == "Country" else level
        if level is not None:
            for form in _forms(subdivision.name):
                levels[form].add(level)
    return {key: frozenset(value) for key, value in levels.items()}
