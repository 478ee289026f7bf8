"""Slack's message text, both ways: a question out of a message's markup, and safe mrkdwn in.

Slack escapes `&`, `<` and `>` and writes mentions, channels and links as `<...>` entities
(docs.slack.dev "Formatting text for app surfaces").
"""

from __future__ import annotations

import html
import re

_ENTITY = re.compile(r"<([^<>]*)>")


def question_text(text: str, bot_user_id: str | None = None) -> str:
    """The plain question in a message: the bot's mention dropped, other entities as words."""

    def plain(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):  # a person: the bot itself is not part of the question
            return "" if target[1:] == bot_user_id else (f"@{label}" if label else "")
        if target.startswith("#"):
            return f"#{label}" if label else ""
        if target.startswith("!"):  # <!here>, <!channel>, <!date^...|fallback>
            return label
        return label or target  # a link

    return " ".join(html.unescape(_ENTITY.sub(plain, text)).split())


def escape(text: str) -> str:
    """Text shown as itself in mrkdwn: no mention, link or `<!channel>` can be smuggled in."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """`<url|label>`, with the characters that would end the entity early escaped."""
    safe_url = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def quote(text: str) -> str:
    """A blockquote of `text` (every line quoted)."""
    return "\n".join(f"> {escape(line)}" for line in text.splitlines() or [""])


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word where one is near, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"
