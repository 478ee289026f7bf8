"""Citations to the character for a generated answer.

Each [n] of the answer names prompt passage n. For every answer sentence, the sentence of each
passage it cites that holds most of its content words becomes a citation with article offsets,
narrowed to the words the answer adds to the question ("Alexandr Wang" for "who leads
Superintelligence Labs?") where the sentence has such a run, as extractive citations are. Markers
naming no passage are removed and reported, sentences that no cited sentence supports are listed,
and links found in no cited passage are removed: the model may not invent sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.text.sentences import split_sentences
from service.generative.prompt import NO_ANSWER, PromptPassage
from service.reading.terms import content_terms
from service.types import Citation

MARKER = re.compile(r"[ \t]?\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_MARKDOWN_LINK = re.compile(
    r"\[([^\]\n]{1,300})\]\(\s*<?((?:https?://|www\.)[^\s)>]+)>?\s*\)", re.I
)
URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"'()\[\]]+", re.I)
_TOKEN = re.compile(r"[\w'\u2019-]+")
# A cited sentence must hold at least this share of an answer sentence's content words.
MIN_SUPPORT = 0.3
_TRAILING_PUNCTUATION = ".,;:!?)"


@dataclass(frozen=True)
class Grounding:
    """How well a generated answer is backed by the passages it cites."""

    grounded: bool  # at least one answer sentence has a supporting passage sentence
    unsupported_sentences: tuple[str, ...] = ()
    dropped_markers: tuple[int, ...] = ()  # [n] that named no passage, removed from the text
    removed_urls: tuple[str, ...] = ()  # links found in no cited passage, removed from the text
    partial: bool = False  # the answer was cut short by an upstream failure


@dataclass(frozen=True)
class GroundedAnswer:
    text: str | None  # the cleaned answer; None where the model said the passages do not tell
    citations: tuple[Citation, ...]
    grounding: Grounding
    confidence: float  # share of the answer's sentences that a cited sentence supports


def markers_in(text: str) -> list[int]:
    """Every passage number an [n] or [n, m] of `text` names, in order."""
    return [int(n) for m in MARKER.finditer(text) for n in re.split(r"\s*,\s*", m.group(1))]


def allowed_urls(passages: Sequence[PromptPassage]) -> frozenset[str]:
    """The links these passages carry: their articles' URLs and any link in their text."""
    urls = {p.hit.chunk.url for p in passages if p.hit.chunk.url}
    urls.update(_strip_url(u) for p in passages for u in URL.findall(p.text))
    return frozenset(_strip_url(u) for u in urls if u)


def remove_foreign_urls(text: str, allowed: frozenset[str]) -> tuple[str, list[str]]:
    """`text` without the links not in `allowed` (a Markdown link keeps its words)."""
    removed: list[str] = []

    def markdown(match: re.Match[str]) -> str:
        if _strip_url(match.group(2)) in allowed:
            return match.group(0)
        removed.append(match.group(2))
        return match.group(1)

    def bare(match: re.Match[str]) -> str:
        url = _strip_url(match.group(0))
        if url in allowed:
            return match.group(0)
        removed.append(url)
        return match.group(0)[len(url) :]  # keep a sentence's closing punctuation

    return URL.sub(bare, _MARKDOWN_LINK.sub(markdown, text)), removed


def drop_unknown_markers(text: str, known: set[int]) -> tuple[str, list[int]]:
    """`text` with the numbers no passage has taken out of its markers."""
    dropped: list[int] = []

    def keep_known(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
        good = [n for n in numbers if n in known]
        dropped.extend(n for n in numbers if n not in known)
        if not good:
            return ""
        lead = match.group(0)[: len(match.group(0)) - len(match.group(0).lstrip(" \t"))]
        return f"{lead}[{', '.join(map(str, good))}]"

    return MARKER.sub(keep_known, text), dropped


def ground(
    answer: str, question: str, passages: Sequence[PromptPassage], *, partial: bool = False
) -> GroundedAnswer:
    """The cleaned answer with one citation per (answer sentence, cited passage) it can back."""
    by_number = {p.number: p for p in passages}
    cited = [by_number[n] for n in dict.fromkeys(markers_in(answer)) if n in by_number]
    text, removed = remove_foreign_urls(answer, allowed_urls(cited))
    text, dropped = drop_unknown_markers(text, set(by_number))
    text = _tidy(text)
    if _says_no_answer(text):
        grounding = Grounding(False, (), tuple(dropped), tuple(removed), partial)
        return GroundedAnswer(None, (), grounding, 0.0)
    citations: list[Citation] = []
    unsupported: list[str] = []
    sentences = _answer_sentences(text)
    question_terms = content_terms(question)
    for sentence, numbers in sentences:
        found = [
            citation
            for n in numbers
            if (citation := _support(sentence, question_terms, by_number[n])) is not None
        ]
        if found:
            citations.extend(found)
        else:
            unsupported.append(sentence)
    supported = len(sentences) - len(unsupported)
    grounding = Grounding(
        grounded=bool(citations),
        unsupported_sentences=tuple(unsupported),
        dropped_markers=tuple(dropped),
        removed_urls=tuple(removed),
        partial=partial,
    )
    confidence = supported / len(sentences) if sentences else 0.0
    return GroundedAnswer(text or None, tuple(citations), grounding, round(confidence, 4))


def _answer_sentences(text: str) -> list[tuple[str, list[int]]]:
    """(sentence without its markers, the passage numbers it cites) for each sentence with words.

    Markers standing alone after a sentence's full stop ("... Labs. [1]") belong to it.
    """
    result: list[tuple[str, list[int]]] = []
    for start, end in split_sentences(text):
        piece = text[start:end]
        numbers = markers_in(piece)
        words = _tidy(MARKER.sub("", piece))
        if not content_terms(words) and result:
            previous, cited = result[-1]
            result[-1] = (previous, cited + [n for n in numbers if n not in cited])
        elif words:
            result.append((words, list(dict.fromkeys(numbers))))
    return result


def _support(
    sentence: str, question_terms: frozenset[str], passage: PromptPassage
) -> Citation | None:
    """The passage sentence that best backs `sentence`, as a citation; None below MIN_SUPPORT."""
    wanted = content_terms(sentence)
    if not wanted:
        return None
    best: tuple[float, int, int] | None = None  # (score, start, end) within passage.text
    for start, end in split_sentences(passage.text):
        held = content_terms(passage.text[start:end])
        overlap = len(wanted & held)
        if not overlap:
            continue
        # Coverage of the answer sentence first; a tighter passage sentence breaks ties.
        score = overlap / len(wanted) + 0.01 * overlap / len(held)
        if best is None or score > best[0]:
            best = (score, start, end)
    if best is None or best[0] < MIN_SUPPORT:
        return None
    _, start, end = best
    chunk = passage.hit.chunk
    base = chunk.start + chunk.text.find(passage.text)  # the passage text's place in its article
    span_start, span_end = _answer_span(passage.text, start, end, sentence, question_terms)
    return Citation(
        article_id=chunk.article_id,
        title=chunk.title,
        source=chunk.source,
        url=chunk.url,
        published_at=chunk.published_at,
        quote=passage.text[start:end],
        start=base + span_start,
        end=base + span_end,
        marker=passage.number,
        supports=sentence,
    )


def _answer_span(
    text: str, start: int, end: int, answer_sentence: str, question_terms: frozenset[str]
) -> tuple[int, int]:
    """The run of the cited sentence's words that the answer repeats and the question lacks.

    Stop words may join such words ("Bank of America"); the run with the most new words wins.
    Without one, the whole sentence is the span.
    """
    answer_terms = content_terms(answer_sentence)
    answer_words = {w.lower() for w in _TOKEN.findall(answer_sentence)}
    best: tuple[int, int, int] | None = None  # (new words, start, end)
    run: list[tuple[int, int, bool]] = []  # (start, end, is new) of the current run

    def close_run() -> None:
        nonlocal best
        while run and not run[-1][2]:
            run.pop()
        while run and not run[0][2]:
            run.pop(0)
        new = sum(1 for *_, is_new in run if is_new)
        if run and (best is None or new > best[0]):
            best = (new, run[0][0], run[-1][1])
        run.clear()

    for match in _TOKEN.finditer(text, start, end):
        word = match.group(0).lower()
        terms = content_terms(word)
        is_content = bool(terms)
        term = next(iter(terms)) if is_content else word
        if is_content and term in answer_terms:
            run.append((match.start(), match.end(), term not in question_terms))
        elif not is_content and word in answer_words and run:
            run.append((match.start(), match.end(), False))
        else:
            close_run()
    close_run()
    return (best[1], best[2]) if best is not None and best[0] > 0 else (start, end)


def _says_no_answer(text: str) -> bool:
    normalised = " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())
    sentinel = " ".join(re.sub(r"[^\w\s]", " ", NO_ANSWER.lower()).split())
    return not text.strip() or normalised.startswith(sentinel)


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _strip_url(url: str) -> str:
    return url.rstrip(_TRAILING_PUNCTUATION)
