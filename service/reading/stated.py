"""The sentence that states the asked kind of thing, over the one that only introduces its
subject.

"Microsoft has released Phi-4-multimodal, its first ... model. ... it is distributed under the
MIT license." Asked "What license is Phi-4-multimodal released under?", the ranker prefers the
first sentence, which names the model and its maker, to the one that names a license: its
features were fitted on quiz passages, whose first sentence most often answers. Where a made
thing is asked for ("which license", "what vision encoder"), the sentence of the ranker's
first candidate never names that kind's noun ("encoder"), and a candidate of the same passage
that fits the asked type fully stands beside the kind's name in a sentence that names it ("the
MIT license", "the SigLIP 2 vision encoder"), that one answers.

So it does where the first candidate is the maker of a named thing ("Cohere has released Aya
Vision, a pair of ... vision-language models" for "Which vision encoder does Aya Vision
use?"), whatever its sentence names: the answer's type already says a maker is not it
(fit.ARTIFACT_CLASH), but the ranker weighs the introducing sentence's place and focus above
that. A part of a name the question gives ("Omni" of "Qwen2.5-Omni 7B") never answers. Where
no candidate fits the type fully, a name in capitals typed otherwise does: the small tagger
often calls a model a person or a company ("Aya Expanse").
"""

from __future__ import annotations

from collections.abc import Sequence

from service.reading.answer_forms import promote_first
from service.reading.answer_types import AnswerType
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.features import makes_a_named_thing
from service.reading.terms import content_terms, stem

# How far down the ranking a candidate beside the asked kind is looked for.
_LOOK_DOWN = 15
# A name typed otherwise than asked, by the tagger or a pattern (features.type_fit).
_TAGGED_FIT = 0.6


def stated_kind_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best candidate named beside the asked kind first, where the first
    candidate is a maker or its sentence never names that kind; else as it is."""
    out = list(ranked)
    if not (asked.artifact and asked.head_text and out):
        return out
    best = out[0]
    kind = stem(asked.head_text.split()[-1])  # "encoder" of "vision encoder"
    if _sentence_names(best, kind) and not makes_a_named_thing(best.sentence.text, best.span):
        return out
    question = asked.text.lower()

    def stated(candidate: Candidate) -> bool:
        return (
            _beside_kind(candidate)
            and _sentence_names(candidate, kind)
            and candidate.sentence.chunk.id == best.sentence.chunk.id
            # A part of a name the question gives ("Omni" of "Qwen2.5-Omni 7B") is no answer.
            and candidate.span.text.lower() not in question
            # Nor a place: "the model answered Sacramento" names no model.
            and candidate.span.kind != AnswerType.PLACE
            # The whole name, not its last words: "Responsible AI Progress Report".
            and candidate.span.origin != "part"
        )

    out = promote_first(
        out, lambda candidate: _fit(candidate) >= 1.0 and stated(candidate), _LOOK_DOWN
    )
    if out[0] is not best:
        return out
    # The small tagger often calls a model a person or a company ("Aya Expanse"): where no
    # candidate fits fully, a name typed otherwise does (features.type_fit's 0.6 and 0.7), in
    # capitals throughout (the tagger also tags phrases: "algorithm called group").
    return promote_first(
        out,
        lambda candidate: (
            _fit(candidate) >= _TAGGED_FIT
            and candidate.features.get("capitalised", 0.0) >= 1.0
            and stated(candidate)
        ),
        _LOOK_DOWN,
    )


def _fit(candidate: Candidate) -> float:
    return candidate.features.get("type_fit", 0.0)


def _beside_kind(candidate: Candidate) -> bool:
    """Whether the asked kind's name stands next to the candidate or inside it ("the MIT
    license": features.head_near, features.repeated_words)."""
    features = candidate.features
    return max(features.get("head_near", 0.0), features.get("names_kind", 0.0)) >= 1.0


def _sentence_names(candidate: Candidate, kind: str) -> bool:
    """Whether the candidate's sentence holds the asked kind's noun ("license"; "encoder" of
    "vision encoder", where "vision" alone may name the subject: "Aya Vision")."""
    return kind in content_terms(candidate.sentence.text)
