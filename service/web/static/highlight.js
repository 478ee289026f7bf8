// Where a cited span sits inside a quote or a passage, and the text drawn with it marked.
//
// The API's offsets count Unicode code points of the article's text (Python's str); JavaScript
// strings count UTF-16 units, which differ after any character outside the BMP (an emoji).

// UTF-16 index of the code point at `codePoints` in `text` (clamped to its end).
export function utf16Index(text, codePoints) {
  let index = 0;
  for (let seen = 0; seen < codePoints && index < text.length; seen += 1) {
    const unit = text.charCodeAt(index);
    index += unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length ? 2 : 1;
  }
  return index;
}

export function codePointLength(text) {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

// [start, end) in UTF-16 units of `text`, for article offsets [spanStart, spanEnd) where `text`
// begins at article offset `textStart`; null where the span is not inside the text.
export function spanInText(text, textStart, spanStart, spanEnd) {
  const from = spanStart - textStart;
  const to = spanEnd - textStart;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to <= from) return null;
  if (to > codePointLength(text)) return null;
  return [utf16Index(text, from), utf16Index(text, to)];
}

// The passage that holds a citation's span (same article, offsets inside), or null.
export function passageFor(citation, passages) {
  return (
    (passages ?? []).find(
      (p) =>
        p.article_id === citation.article_id && p.start <= citation.start && citation.end <= p.end,
    ) ?? null
  );
}

// [start, end) of the cited span inside citation.quote (UTF-16 units), or null.
// The quote is a sentence of a passage, so the passage tells exactly where the span falls in it;
// where no passage holds it, the answer's own words are looked for in the quote.
export function spanInQuote(citation, passages, answer) {
  const quote = citation.quote ?? '';
  const passage = passageFor(citation, passages);
  if (passage && quote) {
    const span = spanInText(passage.text, passage.start, citation.start, citation.end);
    if (span) {
      for (
        let at = passage.text.indexOf(quote);
        at !== -1;
        at = passage.text.indexOf(quote, at + 1)
      ) {
        if (at <= span[0] && span[1] <= at + quote.length) return [span[0] - at, span[1] - at];
      }
    }
  }
  if (answer && quote) {
    const at = quote.toLowerCase().indexOf(answer.toLowerCase());
    if (at !== -1 && quote.length === quote.toLowerCase().length) return [at, at + answer.length];
  }
  return null;
}

// Appends `text` to `parent`, with [start, end) in a <mark> (or no mark where span is null).
export function appendMarked(parent, text, span) {
  if (!span) {
    parent.append(text);
    return null;
  }
  const mark = document.createElement('mark');
  mark.textContent = text.slice(span[0], span[1]);
  parent.append(text.slice(0, span[0]), mark, text.slice(span[1]));
  return mark;
}
