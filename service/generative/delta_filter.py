"""Cleans streamed text as it passes: a marker or link is held back until it is complete, then
passed on or removed, so a client never shows a link the passages do not carry.

While streaming, which passages the answer will cite is not known yet, so a link is let through
if any prompt passage carries it; the final `citations` event holds the strictly cleaned text.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.generative.citations import allowed_urls, drop_unknown_markers, remove_foreign_urls
from service.generative.prompt import PromptPassage

# An unclosed "[" further back than this is text, not the start of a marker or link.
_LONGEST_HELD = 400


class DeltaFilter:
    def __init__(self, passages: Sequence[PromptPassage]) -> None:
        self._numbers = {p.number for p in passages}
        self._urls = allowed_urls(passages)
        self._pending = ""

    def feed(self, text: str) -> str:
        """The part of the text so far that can be shown now, cleaned."""
        self._pending += text
        cut = _safe_cut(self._pending)
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._clean(ready)

    def flush(self) -> str:
        """Whatever is still held, cleaned (at the end of the stream)."""
        ready, self._pending = self._pending, ""
        return self._clean(ready)

    def _clean(self, text: str) -> str:
        if not text:
            return ""
        text, _ = remove_foreign_urls(text, self._urls)
        text, _ = drop_unknown_markers(text, self._numbers)
        return text


def _safe_cut(text: str) -> int:
    """Where complete text ends: after the last whitespace, and before an unclosed bracket."""
    cut = max(text.rfind(" "), text.rfind("\n"), text.rfind("\t")) + 1
    opened = text.rfind("[", 0, cut)
    if opened != -1 and "]" not in text[opened:] and cut - opened <= _LONGEST_HELD:
        cut = opened
    # A Markdown link whose "(url)" is still open is held whole.
    link = text.rfind("](", 0, cut)
    if link != -1 and ")" not in text[link:]:
        start = text.rfind("[", 0, link)
        cut = min(cut, start if start != -1 else link)
    return cut
