"""Exact and near-duplicate detection, incremental through persisted signatures."""

from __future__ import annotations

import pytest

from indexer.text.dedup import Deduplicator, DuplicateMatch, exact_hash
from indexer.types import Article

STORY = (
    "The port authority of a northern harbour city started a month-long trial of two "
    "driverless ferries on Monday, carrying commuters between the old fish market and the "
    "new science park. Each vessel seats forty passengers and follows a fixed route that "
    "crosses the busiest shipping lane in the bay. Engineers from a local university fitted "
    "the boats with radar, lidar and six cameras, and a remote operator can take control "
    "from a station on shore at any moment. The city hopes to replace its ageing diesel "
    "fleet within five years if the trial goes well, and officials said fares would stay "
    "the same during the test. Fishermen who share the harbour said they were worried about "
    "how the ferries would react to small boats without lights at dawn. The authority said "
    "it would publish a report on every incident before the summer season begins."
)
OTHER = (
    "A company that builds chips for hearing aids said it had cut their power use by half, "
    "which lets a single battery last a full week of normal listening. The new design moves "
    "noise filtering into a tiny neural network that runs only when someone is speaking, "
    "and sleeps in between. Audiologists who tested early samples said the sound was "
    "clearer in crowded rooms, though the devices still struggle outdoors in strong wind."
)


def _article(id: str, text: str) -> Article:
    return Article(id=id, text=text)


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_exact_duplicates_ignore_case_spacing_and_punctuation() -> None:
    dedup = Deduplicator()
    dedup.add(_article("a", STORY))
    copy = "  " + STORY.upper().replace(", ", " ,  ").replace(".", "!") + "\n\n"
    assert dedup.check(_article("b", copy)) == DuplicateMatch("a", "exact", 1.0)
    assert exact_hash(copy) == exact_hash(STORY)
    assert exact_hash(STORY) != exact_hash(OTHER)


def test_near_duplicate_matches_and_unrelated_text_does_not() -> None:
    dedup = Deduplicator()
    dedup.add(_article("a", STORY))
    dedup.add(_article("other", OTHER))
    near = _edit(STORY, "five years", "six years") + " A spokesperson confirmed the dates."
    match = dedup.check(_article("b", near))
    assert match is not None
    assert (match.canonical_id, match.kind) == ("a", "near")
    assert 0.85 <= match.similarity < 1.0
    other_near = dedup.check(_article("c", _edit(OTHER, "strong wind", "heavy rain")))
    assert other_near is not None and other_near.canonical_id == "other"
    bees = "Beekeepers in the valley said a mild winter let their colonies grow early this year."
    assert dedup.check(_article("d", bees)) is None


def test_threshold_is_configurable() -> None:
    # About a third of the sentences rewritten: similar, but not a copy.
    edited = STORY
    for old, new in [
        ("Monday", "Tuesday"),
        ("forty passengers", "fifty riders"),
        ("six cameras", "eight cameras"),
        ("diesel", "petrol"),
        ("Fishermen", "Sailors"),
        ("small boats", "kayaks"),
    ]:
        edited = _edit(edited, old, new)
    strict, loose = Deduplicator(threshold=0.85), Deduplicator(threshold=0.4)
    for dedup in (strict, loose):
        dedup.add(_article("a", STORY))
    assert strict.check(_article("b", edited)) is None
    match = loose.check(_article("b", edited))
    assert match is not None and match.kind == "near" and 0.4 <= match.similarity < 0.85


def test_short_texts_only_match_exactly() -> None:
    dedup = Deduplicator(threshold=0.1)
    text_hash, signature = dedup.add(_article("a", "Shares of Lumenfold rose sharply today."))
    assert signature == b""
    assert dedup.check(_article("b", "Shares of Lumenfold fell sharply today.")) is None
    assert dedup.check(_article("c", "shares of lumenfold rose sharply today")) == DuplicateMatch(
        "a", "exact", 1.0
    )
    assert text_hash == exact_hash("Shares of Lumenfold rose sharply today!")


def test_an_article_never_matches_itself() -> None:
    dedup = Deduplicator()
    dedup.add(_article("a", STORY))
    assert dedup.check(_article("a", STORY)) is None


def test_best_match_wins_and_ties_go_to_the_earlier_article() -> None:
    dedup = Deduplicator(threshold=0.5)
    far = _edit(_edit(STORY, "Monday", "Sunday"), "diesel", "gas")
    dedup.add(_article("far", far))
    dedup.add(_article("close", STORY))
    probe = _article("probe", _edit(STORY, "summer season", "winter season"))
    first = dedup.check(probe)
    assert first is not None and first.canonical_id == "close"
    twin = Deduplicator(threshold=0.5)
    twin.add(_article("first", _edit(STORY, "Monday", "Sunday")))
    twin.add(_article("second", _edit(STORY, "Monday", "Friday")))
    match = twin.check(_article("probe", _edit(STORY, "Monday", "Saturday")))
    assert match is not None and match.canonical_id == "first"


def test_state_survives_a_round_trip_through_the_store() -> None:
    original = Deduplicator()
    persisted = [
        ("a", *original.add(_article("a", STORY))),
        ("s", *original.add(_article("s", "Tiny."))),
    ]
    near = _article("b", _edit(STORY, "five years", "seven years"))
    expected = original.check(near)
    restored = Deduplicator()
    restored.load(persisted)
    assert len(restored) == 2
    assert restored.check(near) == expected is not None
    assert restored.check(_article("t", "tiny")) == DuplicateMatch("s", "exact", 1.0)


def test_signatures_of_another_size_are_refused() -> None:
    (text_hash, blob) = Deduplicator(num_perm=64).add(_article("a", STORY))
    with pytest.raises(ValueError, match="64 permutations"):
        Deduplicator(num_perm=128).load([("a", text_hash, blob)])


def test_remove_forgets_an_article() -> None:
    dedup = Deduplicator()
    dedup.add(_article("a", STORY))
    dedup.remove("a")
    dedup.remove("never-added")
    assert len(dedup) == 0
    assert dedup.check(_article("b", STORY)) is None
    dedup.add(_article("a", STORY))  # re-adding after removal works
    assert dedup.check(_article("b", STORY)) == DuplicateMatch("a", "exact", 1.0)


def test_re_adding_an_id_replaces_its_text() -> None:
    dedup = Deduplicator()
    dedup.add(_article("a", STORY))
    dedup.add(_article("a", OTHER))
    assert dedup.check(_article("b", STORY)) is None
    assert dedup.check(_article("c", OTHER)) == DuplicateMatch("a", "exact", 1.0)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="threshold"):
        Deduplicator(threshold=0)
    with pytest.raises(ValueError, match="num_perm"):
        Deduplicator(num_perm=4)


def test_removing_the_owner_of_a_shared_hash_hands_it_on() -> None:
    source = Deduplicator()
    text_hash, blob = source.add(_article("a", STORY))
    dedup = Deduplicator()
    dedup.load([("a", text_hash, blob), ("a2", text_hash, blob)])
    assert dedup.check(_article("b", STORY)) == DuplicateMatch("a", "exact", 1.0)
    dedup.remove("a")
    assert dedup.check(_article("b", STORY)) == DuplicateMatch("a2", "exact", 1.0)
