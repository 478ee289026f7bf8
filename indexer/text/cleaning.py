"""Text cleaning applied before indexing; the cleaned text is what gets stored and cited.

Offsets of chunks and answers refer to the cleaned text, so cleaning must be deterministic and
idempotent (`clean_text(clean_text(t)) == clean_text(t)`).
"""

from __future__ import annotations

import html
import re
import unicodedata

# NFC keeps meaning (NFKC would turn "m²" into "m2"); the few compatibility characters that
# matter for search are mapped explicitly below.
_SPACES = "\t\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACES += "\u202f\u205f\u3000"
# Zero-width joiners (U+200C, U+200D) are kept: emoji and some scripts need them.
_INVISIBLE = "\u200b\u2060\ufeff\u00ad"
_CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_TABLE: dict[int, str | None] = {ord(c): " " for c in _SPACES}
_TABLE |= {ord(c): None for c in _INVISIBLE + _CONTROLS}
_TABLE |= {ord(c): "'" for c in "\u2018\u2019\u201a\u201b"}
_TABLE |= {ord(c): '"' for c in "\u201c\u201d\u201e\u201f"}
_TABLE |= {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}  # ligatures
_TABLE |= {0x2028: "\n", 0x2029: "\n\n", 0x85: "\n"}

_SHARE = (
    r"(?:share(?: this(?: article| story| page| post)?| on \w+)?|tweet|e-?mail|print|facebook"
    r"|twitter|x|linkedin|whatsapp|reddit|pinterest|copy link|comments?)"
)
# Whole-line, case-insensitive; each is short so that a real sentence is never caught.
_BOILERPLATE = re.compile(
    "|".join(
        [
            r"advertisement|sponsored content|story continues below(?: advertisement)?",
            r"scroll to continue(?: with content)?|skip to (?:main )?content",
            r"(?:subscribe|sign up)(?: now| today)?(?: for free)?(?: to| for)(?: our| the)?"
            r"(?: \w+){0,3} newsletters?\b.{0,80}",
            r"(?:read|see) (?:more|also)(?:\s*:.{0,200})?|related(?: \w+)?\s*:.{0,200}",
            r"click here\b.{0,100}",
            rf"{_SHARE}(?:\s*[|·•/,]?\s*{_SHARE})*",
            r"(?:we use cookies|this (?:web)?site uses cookies|accept (?:all )?cookies"
            r"|manage cookies|cookie (?:settings|preferences|policy)).{0,250}",
            r"follow us on (?:twitter|x|facebook|instagram|linkedin|threads)\b.{0,60}",
            r"(?:©|copyright(?: ©)?) ?\d{4}\b.{0,80}",
        ]
    ),
    re.IGNORECASE,
)
_HSPACE = re.compile(r"[ ]+")

# Stray markup inside plain-text fields (some scraped passages keep their links and emphasis):
# the words stay, the tags go. Embedded players go whole; block tags become line breaks.
_EMBED = re.compile(r"<(iframe|script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAG = re.compile(r"</?(?:p|div|br|h[1-6]|li|ul|ol|blockquote)\b[^<>]*>", re.IGNORECASE)
_INLINE_TAG = re.compile(
    r"</?(?:a|u|b|i|em|strong|span|font|sup|sub|small|mark|s|del|ins|abbr|cite|code)\b[^<>]*>",
    re.IGNORECASE,
)


def strip_markup(text: str) -> str:
    """Removes HTML tags left in plain text, keeping their words; entities are unescaped."""
    if "<" not in text:
        return text
    stripped = _EMBED.sub(" ", text)
    stripped = _BLOCK_TAG.sub("\n", stripped)
    stripped = _INLINE_TAG.sub("", stripped)
    # Entities are only decoded where there was markup: plain text with a bare "&" stays as is.
    return html.unescape(stripped) if stripped != text else text


def normalise_chars(text: str) -> str:
    """NFC, straight quotes, plain spaces, no invisible characters, "\\n" line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).translate(_TABLE)


def is_boilerplate(line: str) -> bool:
    """A whole line of site furniture ("Advertisement", share buttons, cookie notices)."""
    return _BOILERPLATE.fullmatch(line.strip()) is not None


def clean_text(text: str) -> str:
    """Clean article text; paragraphs stay separated by one blank line, line breaks are kept."""
    paragraphs: list[list[str]] = [[]]
    for raw in normalise_chars(strip_markup(text)).split("\n"):
        line = _HSPACE.sub(" ", raw).strip()
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
        elif not is_boilerplate(line):
            paragraphs[-1].append(line)
    return "\n\n".join("\n".join(lines) for lines in paragraphs if lines)


def clean_inline(value: str | None) -> str | None:
    """Clean a one-line field (title, author, source); empty becomes None."""
    if value is None:
        return None
    cleaned = " ".join(normalise_chars(value).split())
    return cleaned or None
