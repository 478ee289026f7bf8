"""The named thing an amount belongs to, and the amount of the asked name answering first."""

from __future__ import annotations

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.name_runs import name_runs
from service.reading.owners import (
    amount_of_named_passage_first,
    amount_owner,
    owned_amount_first,
    owner_before,
)
from service.reading.sentences import ReadSentence, sentences_of
from service.reading.spans import Span, Tagged
from service.reading.terms import candidate_key
from tests.service.conftest import make_hits

SCORES = (
    "On the MathBench 2024 test, Corvid 3 without reasoning scored 52 percent, and Corvid 3 "
    "mini 40 percent, ahead of Wren-V3 at 39 percent."
)
MINI = "What did Corvid 3 mini score on MathBench 2024?"


def _owner(
    sentence: str, amount: str, proper: tuple[str, ...] = (), nouns: tuple[str, ...] = ()
) -> str | None:
    """The amount's owner, where a tagger found these proper nouns and noun phrases."""
    phrases = [
        Span(sentence.index(n), sentence.index(n) + len(n), n, AnswerType.THING) for n in nouns
    ]
    tagged = Tagged([], phrases, frozenset(sentence.index(word) for word in proper))
    return owner_before(sentence, sentence.index(amount), tagged)


def _read(sentence: str) -> ReadSentence:
    return sentences_of(0, make_hits(sentence)[0].chunk, use_stored=False)[0]


def _amounts(
    read: ReadSentence, owners: dict[str, str | None], kind: AnswerType = AnswerType.PERCENT
) -> list[Candidate]:
    """The amounts of a sentence in the order given, scored from 0 down, with their owners."""
    out = []
    for place, (amount, owner) in enumerate(owners.items()):
        start = read.text.index(amount)
        span = Span(start, start + len(amount), amount, kind)
        key = candidate_key(amount)
        out.append(Candidate(key, span, read, {}, score=-float(place), owner=owner))
    return out


def test_an_amount_belongs_to_the_name_nearest_before_it() -> None:
    assert _owner(SCORES, "52 percent") == "corvid 3"
    assert _owner(SCORES, "40 percent") == "corvid 3 mini"
    assert _owner(SCORES, "39 percent") == "wren-v3"
    assert _owner("Scout costs $0.15 and o1 $15.", "$15") == "o1"


def test_a_sentence_opening_word_is_a_name_only_where_tagged_so() -> None:
    training = "Training used seven datasets."
    assert _owner(training, "seven") is None
    assert _owner(training, "seven", proper=("Training",)) == "training"
    # The opening word goes; the name after it stays.
    assert _owner("On the MathBench test it scored 52 percent.", "52") == "mathbench"
    assert owner_before("Halvorsen leads with $10 billion.", 21, None) is None  # no tagger


def test_a_name_that_qualifies_a_noun_owns_nothing() -> None:
    bank = "Quillfeather, the largest US bank by assets, fights off 45 billion attacks a day."
    assert _owner(bank, "45 billion", ("Quillfeather",), ("US bank",)) == "quillfeather"
    assert _owner(bank, "45 billion", ("Quillfeather",)) == "us"


def test_a_name_in_an_opening_phrase_of_place_or_means_owns_nothing() -> None:
    api = "Through the Halvorsen API, developers may let it think for up to 128,000 tokens."
    assert _owner(api, "128,000") is None
    # A name after the phrase still owns what follows it.
    scout = "Through an API, Corvid Scout costs $0.15 per million input tokens."
    assert _owner(scout, "$0.15") == "corvid scout"


def test_the_amount_of_the_asked_name_answers_first() -> None:
    owners = {"52 percent": "corvid 3", "39 percent": "wren-v3", "40 percent": "corvid 3 mini"}
    first = owned_amount_first(_amounts(_read(SCORES), owners), read_question(MINI))
    assert first[0].span.text == "40 percent"
    assert first[0].score == 0.0  # the two swap scores
    # A longer name ending with the asked one is the asked one's.
    wren = {"52 percent": "corvid 3", "40 percent": "halvorsen wren"}
    asked = read_question("What did Wren score on MathBench 2024?")
    assert owned_amount_first(_amounts(_read(SCORES), wren), asked)[0].span.text == "40 percent"


def test_the_ranking_stands_where_the_first_amount_is_the_asked_names_or_nobodys() -> None:
    ranked = _amounts(_read(SCORES), {"52 percent": "corvid 3", "40 percent": "corvid 3 mini"})
    # Asked about Corvid 3, its own amount is first already.
    corvid = read_question("What did Corvid 3 score on MathBench 2024?")
    assert owned_amount_first(ranked, corvid) == ranked
    # A first amount of no known name ("Training used ..."), or a question naming nothing.
    unowned = _amounts(_read(SCORES), {"52 percent": None, "40 percent": "corvid 3 mini"})
    assert owned_amount_first(unowned, read_question(MINI)) == unowned
    assert owned_amount_first(ranked, read_question("What did the small model score?")) == ranked
    # A question that asks no amount.
    assert owned_amount_first(ranked, read_question("Which model scored 40 percent?")) == ranked
    # A bare version is no short form of a name: "3" is not Corvid 3's.
    bare = _amounts(_read(SCORES), {"52 percent": "wren", "40 percent": "3"})
    assert owned_amount_first(bare, corvid) == bare


def test_an_amount_that_counts_or_measures_the_asked_thing_stands() -> None:
    clubs = _read(
        "The Halvorsen League recognizes 206 National Rowing Clubs; "
        "the National Rowing Clubs field 12 crews each."
    )
    owners = {"206": "halvorsen league", "12": "national rowing clubs"}
    counted = _amounts(clubs, owners, AnswerType.NUMBER)
    asked = read_question("How many National Rowing Clubs are there?")
    assert owned_amount_first(counted, asked) == counted
    aged = _read("A poll found that 43% think 80-year-old Arden is too old; Arden would be 86.")
    ages = _amounts(aged, {"80": "poll", "86": "arden"}, AnswerType.NUMBER)
    assert owned_amount_first(ages, read_question("How old is Arden?")) == ages


def test_a_place_in_an_order_or_another_passage_never_answers_first() -> None:
    climb = _read(
        "Corvid Arden climbed Halvorsen 101, a 101-story tower, and was the first climber to do so."
    )
    ranked = _amounts(
        climb, {"101-story": "halvorsen 101", "first climber": "corvid arden"}, AnswerType.NUMBER
    )
    asked = read_question("How many stories tall was the tower Corvid Arden climbed?")
    assert owned_amount_first(ranked, asked) == ranked
    # The asked name's amount from another article does not replace the first one.
    hits = make_hits(SCORES, "Corvid 3 mini raised 40 percent more.")
    here, there = (sentences_of(0, hit.chunk, use_stored=False)[0] for hit in hits)
    scores = _amounts(here, {"52 percent": "corvid 3"}) + _amounts(
        there, {"40 percent": "corvid 3 mini"}
    )
    scores[1].score = -1.0
    assert owned_amount_first(scores, read_question(MINI)) == scores


def test_an_asked_name_between_an_amount_and_its_owner_leaves_the_ranking() -> None:
    study = _read("The Faith Census by the Halvorsen centre found that 62% pray, down from 78%.")
    ranked = _amounts(study, {"62%": "faith census", "78%": "halvorsen"})
    asked = read_question("What share of adults pray, says a Halvorsen Research Center study?")
    assert owned_amount_first(ranked, asked) == ranked


def _after(sentence: str, amount: str) -> str | None:
    start = sentence.index(amount)
    return amount_owner(sentence, start, start + len(amount), None, name_runs(sentence))


def test_an_amount_said_to_be_for_a_name_is_that_names() -> None:
    wren = "Tests show Wren-3 at 13.8 percent at high effort, against 47 percent for Wren-2."
    assert _after(wren, "47 percent") == "wren-2"
    assert _after(wren, "13.8 percent") == "wren-3"  # no "for": the name before it
    # The first amounts of a list that ends "for" a name are that name's too.
    pair = "The price is $1.10 per million input tokens, compared with $15 and $60 for Wren-2."
    assert _after(pair, "$15") == "wren-2"
    assert _after(pair, "$60") == "wren-2"
    assert _after(pair, "$1.10") is None  # "The" opens the sentence; "for" is far after it
    cards = "It compares with $8,000 for a Halvorsen A100 and $20,000 for an H100."
    assert _after(cards, "$20,000") == "h100"
    assert _after(cards, "$8,000") == "halvorsen a100"
    # "for" and no name after it: the name before, as ever.
    assert _after("Users say Corvid 3 costs $20 for a month.", "$20") == "corvid 3"


def test_a_name_run_takes_no_number_after_a_link_word() -> None:
    scores = "The agent scored 26.6 percent, versus 9.4 percent for Wren-R1 and 9.1 percent for o1."
    assert _after(scores, "9.4 percent") == "wren-r1"  # not "wren-r1 and 9.1"
    assert _after(scores, "9.1 percent") == "o1"
    assert [run.text for run in name_runs("Corvid 3.5 and Wren of Tarn 2")] == [
        "corvid 3.5 and wren of tarn 2"
    ]


def test_an_amount_said_for_the_asked_name_answers_over_an_amount_of_no_name() -> None:
    read = _read(
        "The agent scored 26.6 percent, versus 9.4 percent for Wren-R1 and 9.1 percent for o1."
    )
    ranked = _amounts(read, {"26.6 percent": None, "9.1 percent": "o1", "9.4 percent": "wren-r1"})
    wren = read_question("What did Wren-R1 score on the benchmark?")
    assert owned_amount_first(ranked, wren)[0].span.text == "9.4 percent"
    o1 = read_question("What did o1 score on the benchmark?")
    assert owned_amount_first(ranked, o1)[0].span.text == "9.1 percent"
    # The name before an amount is no "for": the ranking stands (test above, SCORES).
    assert owned_amount_first(ranked, read_question("What did the agent score?")) == ranked


def test_the_asked_things_amount_of_a_list_for_another_name_answers_first() -> None:
    pair = _read(
        "The API price is $1.10 per million input tokens and $4.40 per million output tokens, "
        "compared with $15 and $60 for Wren-2. Corvid-mini is cheaper."
    )
    ranked = _amounts(pair, {"$15": "wren-2", "$1.10": None}, AnswerType.MONEY)
    asked = read_question("How much does Corvid-mini charge per million input tokens?")
    assert owned_amount_first(ranked, asked)[0].span.text == "$1.10"
    # Where the passage never names the asked thing, an amount of no name is nobody's.
    other = _read(
        "The API price is $1.10 per million input tokens, compared with $15 and $60 for Wren-2."
    )
    unnamed = _amounts(other, {"$15": "wren-2", "$1.10": None}, AnswerType.MONEY)
    assert owned_amount_first(unnamed, asked) == unnamed
    # "for" a thing that is no name says nothing of whose the first amount is.
    month = _read("Corvid-mini costs $1.10 per million input tokens, or $15 for a month.")
    monthly = _amounts(month, {"$15": "wren-2", "$1.10": None}, AnswerType.MONEY)
    assert owned_amount_first(monthly, asked) == monthly


def _two_passages(
    first: tuple[str, str], second: tuple[str, str], kind: AnswerType = AnswerType.MONEY
) -> list[Candidate]:
    """An amount of each of two passages, (passage, amount) each, scored 0 and -1; the
    amount is read from the passage's last sentence."""
    hits = make_hits(first[0], second[0])
    reads = [sentences_of(0, hit.chunk, use_stored=False)[-1] for hit in hits]
    ranked = _amounts(reads[0], {first[1]: None}, kind) + _amounts(
        reads[1], {second[1]: None}, kind
    )
    ranked[1].score = -1.0
    return ranked


def test_an_amount_of_a_passage_that_names_the_asked_thing_answers_first() -> None:
    ranked = _two_passages(
        ("Pricing is $3 per million input tokens and $15 per million output tokens.", "$3"),
        ("Corvid-mini is out. The API price is $1.10 per million input tokens.", "$1.10"),
    )
    asked = read_question("How much does Corvid-mini charge per million input tokens?")
    assert amount_of_named_passage_first(ranked, asked)[0].span.text == "$1.10"
    # A passage that names a word of the asked name ("Corvid") is about it: the ranking stands.
    corvid = read_question("How much does Corvid Pro charge per million input tokens?")
    both = _two_passages(
        ("Corvid costs $3 per million input tokens.", "$3"), ("Corvid Pro costs $1.10.", "$1.10")
    )
    assert amount_of_named_passage_first(both, corvid) == both
    # A plural name is named by its singular: "Corvid units" names "Corvids".
    units = read_question("How many Corvids are tracked?")
    counts = _two_passages(
        ("Some 650 Corvid units are tracked.", "650"),
        ("The Corvids: two were tracked.", "two"),
        AnswerType.NUMBER,
    )
    assert amount_of_named_passage_first(counts, units) == counts
    # A question that names nothing, or asks no amount.
    assert amount_of_named_passage_first(ranked, read_question("What does it cost?")) == ranked
    assert amount_of_named_passage_first(ranked, read_question("Who made Corvid-mini?")) == ranked
