"""The rules that put another candidate first after the ranker has scored them all.

The ranker scores each candidate on its own, from features fitted on quiz passages. Each rule
here reads what one feature cannot (the shape a question asks for, whose an amount is, what a
sentence says a name is) and, where its conditions hold, promotes a candidate ranked near the
top to first, the two swapping scores; else it leaves the ranking as it is. They run in this
order; the last one only acts where none before found the asked amount.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.reading.answer_forms import in_asked_form
from service.reading.asked import Asked
from service.reading.clauses import changed_to_first, clause_amount_first
from service.reading.context import Candidate
from service.reading.counted import counted_number_first
from service.reading.described import described_person_first
from service.reading.kinds import kind_phrase_first
from service.reading.list_items import list_item_first
from service.reading.objects import object_first
from service.reading.ordinal import ordinal_item_first
from service.reading.owners import amount_of_named_passage_first, owned_amount_first
from service.reading.parts import part_first
from service.reading.possessed import owned_thing_first
from service.reading.prepositions import preposition_amount_first
from service.reading.relative import described_name_first
from service.reading.scored import scored_on_test_first
from service.reading.stated import stated_kind_first
from service.reading.superlative import superlative_amount_first
from service.reading.title_holders import title_holder_first


def promoted(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranker's ranking after every promotion rule, in order."""
    out = described_person_first(in_asked_form(ranked, asked), asked)
    out = title_holder_first(out, asked)
    out = ordinal_item_first(out, asked)
    out = counted_number_first(owned_amount_first(out, asked), asked)
    # A part of the whole the question names, after the clause rule: the whole's clause
    # names what the question counts ("Of its 671 billion parameters, 37 billion ...").
    out = part_first(clause_amount_first(out, asked), asked)
    out = superlative_amount_first(preposition_amount_first(out, asked), asked)
    out = stated_kind_first(owned_thing_first(out, asked), asked)
    out = kind_phrase_first(described_name_first(out, asked), asked)
    out = list_item_first(object_first(out, asked), asked)
    # The result beside the test, then the amount a change reached: "from 35.5 percent to
    # 73.3 percent" on AIME 2024, where 35.5 stands nearest the test's name.
    out = changed_to_first(scored_on_test_first(out, asked), asked)
    # An amount of a passage that names what is asked about, then that passage's amount of
    # the asked name ("$15 and $60 for o1" gives way to the thing's own "$1.10").
    return owned_amount_first(amount_of_named_passage_first(out, asked), asked)
