"""What a question already says in other forms (echoes.py), the noun it asks about and the
names it gives."""

from __future__ import annotations

import pytest

from service.reading.asked import read_question
from service.reading.echoes import question_echoes
from service.reading.terms import stem


@pytest.mark.parametrize(
    ("question", "echo"),
    [
        ("What did the World Health Organization list as a threat?", "who"),
        ("Backlash followed the US Centers for Disease Control and Prevention's change.", "cdc"),
        ("What did the Department of Homeland Security call the gravest threat?", "dhs"),
        ("Which unique animal did protesters bring to Chile's presidential palace?", "chilean"),
        ("Which Australian product did politicians urge consumers to buy?", "australia"),
        ("What did Iraqi officials say?", "iraq"),
        ("Which dish did Ukraine's chefs cook?", "ukrainian"),
        ("What did Canada's premier say?", "canadian"),
        ("What did Chinese authorities find in imported food?", "china"),
        # Each capitalised part of a hyphenated word is a word of the name.
        ("Who built the Computer-Using Agent model behind the browser tool?", "cua"),
    ],
)
def test_echoes_hold_the_initials_of_names_and_the_people_of_places(
    question: str, echo: str
) -> None:
    assert echo in question_echoes(question)


@pytest.mark.parametrize(
    ("question", "not_echo"),
    [
        # One capitalised word has no acronym; initials never bridge other words.
        ("What did Twitter ban this week?", "t"),
        ("Which city did the Mayor of London visit, says the BBC?", "mlb"),
        # Words in lower case are not names.
        ("Which american city hosted the games?", "america"),
        # A name with digits after its hyphen is not a run of words to take initials of.
        ("What did Covid-19 Vaccine makers report?", "cv"),
    ],
)
def test_echoes_leave_out_forms_the_question_does_not_name(question: str, not_echo: str) -> None:
    assert not_echo not in question_echoes(question)


def test_an_echo_is_a_feature_of_the_candidate_that_restates_the_question() -> None:
    asked = read_question("Major backlash followed the US Centers for Disease Control's change.")
    assert "cdc" in asked.echoes and "guidance" not in asked.echoes


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("Chinese authorities found which food product infected with the virus?", "food product"),
        ("Which type of automobile sold for 8% above sticker price?", "automobile"),
        ("What is the Transportation Security Administration reportedly seizing?",
         "transportation security administration"),
        ("Which dog breed won Best in Show?", "dog breed"),
        ("Which country went from a 102-day streak to a cluster of cases?", "country"),
        ("Coffee does not cause which worrying physical anomaly?", "worrying physical anomaly"),
        ("Which highly infectious disease was eradicated?", "highly infectious disease"),
        ("Which household pets did the survey count?", "household pets"),
        # "Who is the <description>": the description the answer is named beside.
        ("Who is the finance minister that signed the accord?", "finance minister"),
        ("Who's the robotics boss behind the layoffs?", "robotics boss"),
        ("Which lab among the bidders won the contract?", "lab"),  # a preposition ends it
        ("What is the name of the pact between the two labs?", "pact"),
        # An initialism in capitals is not the pronoun "us", with or without its dots.
        ("Which US state saw its power prices double?", "us state"),
        ("Which U.S. agency approved the chip export?", "us agency"),
        # A modifier that opens the phrase is skipped, not taken for its end.
        ("Which other country agreed to the pact?", "country"),
        ("What new project did the lab announce?", "project"),
        ("What is the most popular chatbot among students?", "popular chatbot"),
        ("Which of these startups raised the most?", "startups"),
        # "which of" an owner's things: the things are asked for.
        ("Which of Halvorsen's own models does the app route requests to?", "models"),
        ("Which of the lab's chips did the ban cover?", "chips"),
        ("Which city held the robotics summit?", "city"),
        ("Which singer set a streaming record?", "singer"),
        ("What caused the outage at the data centre?", ""),  # asks for no noun
        ("What specifically did the audit find?", ""),
        # A possessive: the thing owned is asked for, unless the wh-word governs the owner.
        ("What is Quillfeather's new pricing tier called?", "pricing tier"),
        ("What is the name of Vellum's browsing agent?", "browsing agent"),
        ("What is Parley-2.5's error rate?", "error rate"),
        ("Which country's parliament voted on the pact?", "country"),
        ("Which labs' chips were banned?", "labs"),
        ("What is the name of the forum that's credited with the rally?", "forum"),
        # "What's" is "what is"; a superlative opens the phrase.
        ("What's the biggest Halvorsen model?", "halvorsen model"),
        # A verb in the present tense ends it; so does "per".
        ("Which platform runs the decoy pages?", "platform"),
        ("Which law requires disclosure of training data?", "law"),
        ("What license covers Wren 4's weights?", "license"),
        ("How much is the lab's core plan per month?", "core plan"),
        # Four words are read after an owner, however many the owner took; "big" and "major"
        # in lower case open the phrase as modifiers, in capitals a name.
        ("What was Halvorsen Labs' first big release?", "release"),
        ("What is Corvid Wren Arden's most visited national park?", "visited national park"),
        ("Which major sports league banned the flag?", "sports league"),
        ("Which Major League Rowing team won?", "major league rowing team"),
        # "times" counts how often or how many fold; what follows it is no part of the noun.
        ("How many times bigger is the Wren corpus than Tarn's?", "times"),
        ("How many times has Corvid won the cup?", "times"),
    ],
)  # fmt: skip
def test_the_asked_noun_ends_at_a_verb_or_adverb_after_it(question: str, head: str) -> None:
    assert read_question(question).head_text == head


def test_a_possessive_apostrophe_does_not_change_a_stem() -> None:
    assert stem("dunkin\u2019") == stem("dunkin") == stem("dunkin's")
    assert stem("companies'") == stem("companies")


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        # A run of capitals stops where a sentence of the question ends inside it.
        ("The Halvorsen Prize is on Sunday. How many labs entered?", ("halvorsen prize",)),
        ("The lab moved its servers to Oslo Harbour. Which firm built them?", ("oslo harbour",)),
        ("The show moves from ABC. Which network bought it?", ("abc",)),
        # An initialism, a middle initial and an abbreviated title end no sentence.
        ("Which U.S. Army lab tested the chip?", ("u.s. army",)),
        ("What did Dr. Ines Calloway present?", ("dr. ines calloway",)),
        ("What did Mara J. Quist announce?", ("mara j. quist",)),
        # A model's name in lower case, and a variant word closing a versioned name.
        ("What does o1 charge per million input tokens?", ("o1",)),
        ("What is o3-mini's output token limit?", ("o3-mini",)),
        ("What did Corvid 3 mini score on MathBench?", ("corvid 3 mini", "mathbench")),
        ("Is Wren-4o mini cheaper than Wren-4o?", ("wren-4o mini", "wren-4o")),
        # "mini" is only a variant after a version; a name that begins as a month is a name.
        ("Which mini robot did Halvorsen show?", ("halvorsen",)),
        ("What did Mariner score on WebVoyager?", ("webvoyager", "mariner")),
        ("What did the lab release on Sept. 5?", ()),
    ],
)
def test_the_named_things_a_question_is_about(question: str, focus: tuple[str, ...]) -> None:
    assert read_question(question).focus == focus


@pytest.mark.parametrize(
    ("question", "field", "value"),
    [
        # How many things it asks for (answer_forms.py, as the two below).
        ("Which two labs agreed to merge?", "several", 2),
        ("What are the three models the startup released?", "several", 3),
        ("Name the two founders of the lab.", "several", 2),
        ("Which lab agreed to merge with two rivals?", "several", 0),
        ("How many labs agreed to merge?", "several", 0),
        # The acronym whose expansion it asks for.
        ("What does NAS stand for?", "expands", "NAS"),
        ("What does \u201cDSB\u201d stand for?", "expands", "DSB"),
        ("what is HRE short for", "expands", "HRE"),
        ("What does TabQN stand for?", "expands", "TabQN"),
        ("What does TabQN stand for?", "acronyms", ("TabQN",)),  # read for its expansion
        ("What does Quillfeather stand to gain?", "expands", ""),
        ("Who does the union stand for?", "expands", ""),
        # The unit of date it asks for.
        ("In what month did the lab open?", "date_unit", "month"),
        ("Which year was the startup founded?", "date_unit", "year"),
        ("When did the lab open?", "date_unit", ""),
        ("How many months did the trial last?", "date_unit", ""),
    ],
)
def test_the_form_of_answer_a_question_names(question: str, field: str, value: object) -> None:
    assert getattr(read_question(question), field) == value
