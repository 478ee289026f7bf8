"""The thing a sentence says the asked verb acts on."""

from __future__ import annotations

from dataclasses import replace

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.objects import object_first
from tests.service.conftest import ranked_in_sentence

TEXT = (
    "The same day Mayor Quill unveiled Wren, a venture of Tarn, Corvid and Mosswood, and "
    "declared a regional water emergency to speed up new reservoirs."
)


def test_the_object_of_the_asked_verb_answers() -> None:
    ranked = ranked_in_sentence(
        TEXT, "Tarn", "venture", "regional water emergency", kind=AnswerType.THING
    )
    asked = read_question("What did Quill declare alongside Wren?")
    assert object_first(ranked, asked)[0].span.text == "regional water emergency"


def test_adverbs_and_a_preposition_may_stand_between() -> None:
    text = "Wren 2 was tuned mainly for contract review rather than chat, Tarn said."
    ranked = ranked_in_sentence(text, "Tarn", "chat", "contract review", kind=AnswerType.THING)
    asked = read_question("What was Wren 2 mainly tuned for?")
    assert object_first(ranked, asked)[0].span.text == "contract review"


def test_only_what_as_an_object_and_a_sentence_that_names_what_is_asked() -> None:
    ranked = ranked_in_sentence(
        TEXT, "Tarn", "venture", "regional water emergency", kind=AnswerType.THING
    )
    # "what" as the subject, or a kind asked: no verb's object is asked for.
    assert object_first(ranked, read_question("What emergency worried Quill and Wren?")) == ranked
    assert object_first(ranked, read_question("Which emergency did Quill declare?")) == ranked
    # The sentence does not name Bramble.
    assert object_first(ranked, read_question("What did Bramble declare?")) == ranked


def test_a_first_candidate_that_is_the_object_stays() -> None:
    ranked = ranked_in_sentence(TEXT, "regional water emergency", "Tarn", kind=AnswerType.THING)
    asked = read_question("What did Quill declare alongside Wren?")
    assert object_first(ranked, asked) == ranked


def test_an_amount_the_asked_verb_acts_on_answers_how_much() -> None:
    text = "On money, Tarn pledged about $90 billion for research and set aside 2 gigawatts."
    ranked = ranked_in_sentence(text, "2 gigawatts", "$90 billion", kind=AnswerType.NUMBER)
    asked = read_question("How much did Tarn pledge for research?")
    assert object_first(ranked, asked)[0].span.text == "$90 billion"
    # An amount asked with a qualifier ("per output token") is qualifiers.py's to find.
    rate = read_question("How much did Tarn pledge per year?")
    assert object_first(ranked, rate) == ranked
    # A thing's object is no answer to an amount, nor an amount's to a thing.
    things = ranked_in_sentence(text, "research", "money", kind=AnswerType.THING)
    assert object_first(things, asked) == things


def test_where_things_are_counted_only_a_number_of_them_replaces_one() -> None:
    # "collect 12 topics" follows the verb too, but counts no prompts.
    text = (
        "Tested on 500 prompts, Wren refused none; Tarn went on to collect 12 topics and "
        "collect 30,000 prompts."
    )
    ranked = ranked_in_sentence(text, "500", "12", "30,000", kind=AnswerType.NUMBER)
    asked = read_question("How many prompts did Tarn collect for Wren?")
    assert object_first(ranked, asked)[0].span.text == "30,000"


def test_a_part_of_the_first_number_or_the_first_read_again_is_not_promoted() -> None:
    text = "Each tutor picks one of 9 teaching styles and can build as many as three lessons."
    styles = ranked_in_sentence(text, "9", "one")
    asked = read_question("How many teaching styles can tutors pick from in Wren?")
    assert object_first(styles, asked) == styles  # "one of 9": parts.py's to weigh
    lessons = ranked_in_sentence(text, "three", "as many as three")
    built = read_question("How many lessons can a tutor build with Wren?")
    assert object_first(lessons, built) == lessons


def test_an_amount_another_name_owns_is_not_promoted() -> None:
    text = "Wren Plus, which costs $40 a month, runs on Tarn chips priced at $9,000 each."
    ranked = ranked_in_sentence(text, "$9,000", "$40", kind=AnswerType.MONEY)
    ranked[1] = replace(ranked[1], owner="wren plus")
    asked = read_question("How much does a Tarn chip cost?")
    assert object_first(ranked, asked) == ranked
    ranked[1] = replace(ranked[1], owner=None)  # of no name, it follows "costs" and answers
    assert object_first(ranked, asked)[0].span.text == "$40"


def test_a_which_question_asked_of_an_object_takes_one_of_the_asked_type() -> None:
    text = "Wren, a desk computer from Tarn, is built around the Corvid 7 chip and 64 GB."
    ranked = ranked_in_sentence(text, "Tarn", "Wren", "Corvid 7", kind=AnswerType.NAME)
    for candidate in ranked:
        candidate.features["type_fit"] = 1.0
    asked = read_question("Which chip is Tarn's Wren built around?")
    assert object_first(ranked, asked)[0].span.text == "Corvid 7"
    # A name the question gives, or a candidate of another type, is not promoted.
    named = read_question("Which chip is Corvid 7 built around?")
    assert object_first(ranked, named) == ranked
    ranked[2].features["type_fit"] = 0.5
    assert object_first(ranked, asked) == ranked


def test_after_has_or_will_a_which_question_asks_for_the_subject() -> None:
    text = "Tarn says Wren now has the highest score, and the lab will use Corvid next."
    ranked = ranked_in_sentence(text, "Tarn", "Corvid", kind=AnswerType.NAME)
    for candidate in ranked:
        candidate.features["type_fit"] = 1.0
    for question in ("Which lab now has the highest score?", "Which lab will use Corvid?"):
        assert object_first(ranked, read_question(question)) == ranked, question


def test_an_owner_may_stand_between_the_preposition_and_the_object_but_a_comma_not() -> None:
    text = "Wren is a coding tool based on Tarn's Corvid 3, a model tuned for code."
    ranked = ranked_in_sentence(text, "Wren", "Corvid 3", "model", kind=AnswerType.NAME)
    for candidate in ranked:
        candidate.features["type_fit"] = 1.0
    asked = read_question("Which model is Wren based on?")
    assert object_first(ranked, asked)[0].span.text == "Corvid 3"
    # A comma ends what a verb acts on: "co-pilot, a tutoring system" is no object of the
    # question's lower-case "co-pilot".
    built = "Tarn built its co-pilot, a tutoring system for schools."
    ranked = ranked_in_sentence(built, "Tarn", "tutoring system", kind=AnswerType.THING)
    asked = read_question("What did Tarn's co-pilot propose for schools?")
    assert object_first(ranked, asked) == ranked


def test_a_plural_noun_of_the_question_is_no_verb() -> None:
    # "tutors" is a noun of the question: "first" after "The tutor" is no object of it.
    text = "With Wren, the tutor first picks a hint, and 90 tutors took part."
    ranked = ranked_in_sentence(text, "90", "first", kind=AnswerType.NUMBER)
    asked = read_question("How much did the students of the best tutors improve with Wren?")
    assert object_first(ranked, asked) == ranked


def test_an_amount_may_follow_the_change_it_measures_or_the_question_s_own_words() -> None:
    text = (
        "Wren's pupils improved by 7 percent over 12 weeks, and Wren writes its first "
        "reply in 0.4 seconds and then about 30 words per second."
    )
    ranked = ranked_in_sentence(text, "12", "7 percent", "30", "0.4 seconds")
    improved = read_question("How much did Wren's pupils improve?")
    assert object_first(ranked, improved)[0].span.text == "7 percent"
    # "writes its first reply in": the question's words stand between verb and amount.
    fast = read_question("How fast does Wren write its first reply?")
    assert object_first(ranked, fast)[0].span.text == "0.4 seconds"
    # Words the question does not say still end the verb's reach.
    other = read_question("How fast does Wren write its answers?")
    assert object_first(ranked, other) == ranked


def test_a_passive_amount_question_takes_the_active_verb_s_amount() -> None:
    text = "Of the rest, Tarn hand-picked five and managed to synthesize two."
    ranked = ranked_in_sentence(text, "five", "two")
    asked = read_question("How many of Tarn's hand-picked crystals were synthesized?")
    assert object_first(ranked, asked)[0].span.text == "two"
    # A form of "be" without a participle asks for no object.
    plain = read_question("How many of Tarn's hand-picked crystals were there?")
    assert object_first(ranked, plain) == ranked
