"""Question -> expected answer type, on questions written for these tests."""

from __future__ import annotations

import pytest

from service.reading.answer_types import AnswerType, expected_answer_type


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who founded the robotics startup Quillfeather?", AnswerType.PERSON),
        ("Whom did the board appoint as interim chief?", AnswerType.PERSON),
        ("Which state senator proposed the chip subsidy bill?", AnswerType.PERSON),
        # The owner is what is asked for: "which city's mayor" is answered with a city.
        ("Which company's CEO resigned after the outage?", AnswerType.ORG),
        ("Which country\u2019s leaders met in Oslo?", AnswerType.PLACE),
        ("Which labs' researchers wrote the safety report?", AnswerType.ORG),
        ("Which state officials signed the pledge?", AnswerType.PERSON),  # plural noun
        # The noun of the choices, past the words that offer them.
        ("Which of the following countries banned the app?", AnswerType.PLACE),
        ("Which of these startups raised the largest round?", AnswerType.ORG),
        ("Which cloud provider counts the lab as a customer?", AnswerType.ORG),  # verb "counts"
        ("What is the total parameter count of the new model?", AnswerType.NUMBER),
        ("What is the starting price of the robot?", AnswerType.MONEY),
        ("What is the chatbot's monthly subscription fee?", AnswerType.MONEY),
        ("Under the new law, what is the largest penalty for a breach?", AnswerType.MONEY),
        ("What is the training data cutoff of the model?", AnswerType.DATE),
        ("What fraction of the votes went to the proposal?", AnswerType.PERCENT),
        ("What did the upgraded model score on the maths test?", AnswerType.NUMBER),
        ("What will the headset cost in Europe?", AnswerType.MONEY),
        ("What do subscribers to the premium tier pay?", AnswerType.MONEY),
        ("How quickly does the assistant reply when running offline?", AnswerType.NUMBER),
        ("What context window does the model support?", AnswerType.NUMBER),
        # A limit, and a metric named by its initials, are measured.
        ("What is the output token limit of the model?", AnswerType.NUMBER),
        # An owner named with digits is one word, not four that crowd out the noun.
        ("What is zq4-mini's output token limit?", AnswerType.NUMBER),
        ("What FID did the image model reach?", AnswerType.NUMBER),
        ("What normalized AUC did the classifier average?", AnswerType.NUMBER),
        # "when" and "where" that join clauses do not ask; the noun phrase ends at its verb.
        ("Fans cheered when the trailer came out for which new film?", AnswerType.NAME),
        ("Which startup announced this week that it will close?", AnswerType.ORG),
        ("The lab was founded at the university in which year?", AnswerType.DATE),
        ("Who was in charge when the outage began?", AnswerType.PERSON),
        ("The minister flew where last month for talks?", AnswerType.PLACE),
        ("Which party cabinet member's remarks drew criticism?", AnswerType.PERSON),
        ("Which company acquired the speech lab Vellum Audio?", AnswerType.ORG),
        # "Whose" asks for the owner; a clause it opens ends the asked noun phrase.
        ("Whose debut album topped the streaming charts?", AnswerType.PERSON),
        ("Which startup, whose founder resigned, cut its staff?", AnswerType.ORG),
        # A time after the noun, or an owned time before the question, asks for nothing.
        ("About 8,000 runners took part in which coastal marathon this week?", AnswerType.NAME),
        ("Before this week's vote, for whom was the last recount held?", AnswerType.PERSON),
        ("Which influential figure signed the open letter?", AnswerType.PERSON),
        ("Which popular coffee chain closed 200 stores?", AnswerType.ORG),
        ("This streaming service will carry the new cartoon series.", AnswerType.ORG),
        ("Where will the new data centre be built?", AnswerType.PLACE),
        # Where to get something online is a service or platform, not a place on a map.
        ("Where can developers download the model's weights?", AnswerType.ORG),
        ("Where can I try the new voice assistant for free?", AnswerType.ORG),
        ("Where is the translation app available?", AnswerType.ORG),
        ("Where can hikers get a view of the glacier?", AnswerType.PLACE),
        ("Where did the police find the stolen drone?", AnswerType.PLACE),
        ("A ban on facial recognition passed in which country?", AnswerType.PLACE),
        ("This city hosted the robotics olympiad.", AnswerType.PLACE),
        ("When did the model launch?", AnswerType.DATE),
        ("In what year was the lab founded?", AnswerType.DATE),
        ("How many engineers did the startup hire?", AnswerType.NUMBER),
        ("How much did Quillfeather raise in its seed round?", AnswerType.MONEY),
        ("How much memory does the chip have?", AnswerType.NUMBER),
        ("What percentage of users turned the feature off?", AnswerType.PERCENT),
        ("Which chatbot was banned from classrooms?", AnswerType.NAME),
        ("What was the storm's official name?", AnswerType.NAME),
        ("What did the regulator ask for?", AnswerType.NAME),
        ("Tell me about the merger.", AnswerType.THING),
        ("Which news outlet lost its licence this week?", AnswerType.ORG),
        ("This week, which city banned delivery drones?", AnswerType.PLACE),
        ("What did the senator compare the app to this year?", AnswerType.NAME),
        # A kind of thing is named by a common noun ("oat milk") as often as by a name,
        # whatever the noun after "of": not a company where "what kind of company" is asked.
        ("Which type of milk did the cafe chain stop selling?", AnswerType.THING),
        ("What kind of company was the buyer?", AnswerType.THING),
        ("What breeds of dog were banned from the park?", AnswerType.THING),
        ("Which company makes the new kind of battery?", AnswerType.ORG),
    ],
)
def test_expected_answer_type(question: str, expected: AnswerType) -> None:
    assert expected_answer_type(question) == expected


def test_curly_apostrophes_and_spacing_do_not_change_the_type() -> None:
    straight = expected_answer_type("Which  company's founder left?")
    curly = expected_answer_type("Which company\u2019s founder left?")
    assert straight == curly == AnswerType.ORG
