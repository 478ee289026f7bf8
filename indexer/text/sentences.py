"""Sentence spans with exact character offsets (blingfire inside each paragraph).

blingfire (Microsoft's finite-state splitter) was chosen after comparing pysbd, nupunkt, syntok,
sentencex and blingfire on abbreviations, decimals, initials and quotes: it made the fewest
mistakes and runs at ~4 ms per 1,000 words (pysbd: ~470 ms). It does not treat blank lines as
boundaries, so paragraphs are split first.
"""

from __future__ import annotations

import re

import blingfire  # type: ignore[import-untyped]  # ships no type information

# A paragraph: text between blank lines (a line holding only whitespace counts as blank).
_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=[^\S\n]*\n[^\S\n]*\n|\s*\Z)", re.DOTALL)


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, stripped of surrounding whitespace."""
    return [m.span() for m in _PARAGRAPH.finditer(text)]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; `text[start:end]` is the sentence, stripped."""
    spans: list[tuple[int, int]] = []
    for p_start, p_end in split_paragraphs(text):
        spans.extend(_sentences_in(text, p_start, p_end))
    return spans


def _sentences_in(text: str, p_start: int, p_end: int) -> list[tuple[int, int]]:
    paragraph = text[p_start:p_end]
    try:
        _, offsets = blingfire.text_to_sentences_and_offsets(paragraph)
    except AssertionError:
        # The wrapper maps UTF-8 offsets back to characters with an assert; keep the paragraph
        # whole rather than lose text if that mapping ever fails.
        offsets = [(0, len(paragraph))]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for start, end in offsets:
        start, end = max(start, cursor), min(end, len(paragraph))
        if end <= start:
            continue
        # Text between blingfire's spans (rare) goes to the previous sentence so none is lost.
        if spans and paragraph[cursor:start].strip():
            spans[-1] = (spans[-1][0], start)
        stripped = _strip(paragraph, start, end)
        if stripped is not None:
            spans.append(stripped)
        cursor = end
    if cursor < len(paragraph) and paragraph[cursor:].strip():
        tail = _strip(paragraph, cursor, len(paragraph))
        if tail is not None:
            if spans:
                spans[-1] = (spans[-1][0], tail[1])
            else:
                spans.append(tail)
    if not spans:
        spans = [(0, len(paragraph))]
    return [(p_start + s, p_start + e) for s, e in spans]


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    if lead == len(piece):
        return None
    return start + lead, end - trail
