// Draws an /ask response: the answer in its quoted sentence (or the abstention), the sources
// with their passages, and every passage read.
import { dateElement, el, externalLink, percent, plural } from './dom.js';
import { appendMarked, passageFor, spanInQuote, spanInText } from './highlight.js';

export const ABSTENTION = 'The news in this index does not say.';
const CLOSEST_SHOWN = 3; // passages shown open under an abstention

// The stored article's view, with [start, end) marked.
export function readLink(articleId, start, end, label) {
  const query =
    Number.isInteger(start) && Number.isInteger(end) ? `?start=${start}&end=${end}` : '';
  return el(
    'a',
    {
      class: 'read-link',
      href: `/read/${encodeURIComponent(articleId)}${query}`,
      'aria-label': label,
    },
    'Read in the stored article',
  );
}

function titleOf(item) {
  return item.title || 'Untitled article';
}

function byline(item) {
  return el(
    'p',
    { class: 'byline' },
    el('span', { class: 'outlet' }, item.source || 'Unknown outlet'),
    ' · ',
    dateElement(item.published_at),
  );
}

function titleLink(item) {
  const title = titleOf(item);
  return item.url ? externalLink(item.url, title, 'title') : el('span', { class: 'title' }, title);
}

function confidence(value) {
  return el(
    'p',
    { class: 'confidence' },
    el('meter', { min: 0, max: 1, value, 'aria-hidden': 'true' }),
    ` ${percent(value)} confidence`,
  );
}

function answerCard(response) {
  const card = el('section', {
    id: 'answer',
    class: 'card answer',
    'aria-labelledby': 'answer-heading',
  });
  card.append(el('h2', { id: 'answer-heading', class: 'visually-hidden' }, 'Answer'));
  if (response.abstained || !response.answer) {
    card.classList.add('abstained');
    card.append(el('p', { class: 'answer-text' }, ABSTENTION));
    if (typeof response.confidence === 'number') {
      card.append(
        el(
          'p',
          { class: 'hint' },
          'No passage answers it with enough confidence (the best candidate scored ' +
            `${percent(response.confidence)}). The closest passages are below.`,
        ),
      );
    }
    return card;
  }
  if (response.mode_used === 'generative') card.classList.add('generative'); // prose, not a span
  const head = el(
    'div',
    { class: 'answer-head' },
    el('p', { class: 'answer-text' }, response.answer),
  );
  if (typeof response.confidence === 'number') head.append(confidence(response.confidence));
  card.append(head);
  const first = response.citations[0];
  if (first) {
    const quote = el('blockquote', { class: 'quote' });
    appendMarked(quote, first.quote, spanInQuote(first, response.passages, response.answer));
    const cite = el(
      'p',
      { class: 'cite' },
      '— ',
      titleLink(first),
      `, ${first.source || 'unknown outlet'}, `,
      dateElement(first.published_at),
      ' · ',
      readLink(
        first.article_id,
        first.start,
        first.end,
        `Read "${titleOf(first)}" in the stored article`,
      ),
    );
    card.append(quote, cite);
  }
  if (response.bridge) {
    // A bridge question: say which name the description was read as (its sentence is cited).
    card.append(
      el(
        'p',
        { class: 'hint bridge' },
        'Read as a question about ',
        el('strong', {}, response.bridge),
        ', the name a first search found for what the question describes.',
      ),
    );
  }
  return card;
}

// One source: its title, outlet and date, and its passage with the cited span marked.
function sourceItem(citation, passages, answer) {
  const passage = passageFor(citation, passages);
  const text = el('p', { class: 'passage' });
  if (passage)
    appendMarked(
      text,
      passage.text,
      spanInText(passage.text, passage.start, citation.start, citation.end),
    );
  else appendMarked(text, citation.quote, spanInQuote(citation, passages, answer));
  return el(
    'li',
    { class: 'source' },
    titleLink(citation),
    byline(citation),
    text,
    readLink(
      citation.article_id,
      citation.start,
      citation.end,
      `Read "${titleOf(citation)}" in the stored article`,
    ),
  );
}

function passageItem(passage) {
  return el(
    'li',
    { class: 'source' },
    titleLink(passage),
    byline(passage),
    el('p', { class: 'passage' }, passage.text),
    readLink(
      passage.article_id,
      passage.start,
      passage.end,
      `Read "${titleOf(passage)}" in the stored article`,
    ),
  );
}

function passageList(summary, passages) {
  return el(
    'details',
    { id: 'passages', class: 'passages' },
    el('summary', {}, summary),
    el('ol', { class: 'sources' }, ...passages.map(passageItem)),
  );
}

export function renderResponse(container, response) {
  const passages = response.passages ?? [];
  const citations = response.citations ?? [];
  const answered = !response.abstained && response.answer;
  const parts = [answerCard(response)];
  if (citations.length && answered) {
    parts.push(
      el(
        'section',
        { id: 'sources', 'aria-labelledby': 'sources-heading' },
        el(
          'h2',
          { id: 'sources-heading' },
          citations.length === 1 ? 'Source' : `Sources (${citations.length})`,
        ),
        el(
          'ol',
          { class: 'sources' },
          ...citations.map((c) => sourceItem(c, passages, response.answer)),
        ),
      ),
    );
  }
  // Without an answer, the closest passages are what there is to read; with one, they are extra.
  const shown = answered ? [] : passages.slice(0, CLOSEST_SHOWN);
  const folded = passages.slice(shown.length);
  if (shown.length) {
    parts.push(
      el(
        'section',
        { id: 'closest', 'aria-labelledby': 'closest-heading' },
        el('h2', { id: 'closest-heading' }, 'Closest passages'),
        el('ol', { class: 'sources' }, ...shown.map(passageItem)),
      ),
    );
  }
  if (folded.length) {
    const summary = shown.length
      ? `${plural(folded.length, 'more passage')} read`
      : `All ${plural(folded.length, 'passage')} read`;
    parts.push(passageList(summary, folded));
  }
  container.replaceChildren(...parts);
}

// A generative answer while it is being written: its text grows; the rest comes at the end.
export function renderStreaming(container, text, passages) {
  const card = el('section', {
    id: 'answer',
    class: 'card answer streaming',
    'aria-labelledby': 'answer-heading',
  });
  card.append(
    el('h2', { id: 'answer-heading', class: 'visually-hidden' }, 'Answer'),
    el('p', { class: 'answer-text' }, text || '…'),
  );
  const parts = [card];
  if (passages.length)
    parts.push(passageList(`All ${plural(passages.length, 'passage')} read`, passages));
  container.replaceChildren(...parts);
}
