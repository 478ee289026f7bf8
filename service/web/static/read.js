// The stored article at /read/{id}?start=&end=, with the cited span [start, end) marked.
import { getJson } from './api.js';
import { dateElement, el, externalLink, showError } from './dom.js';
import { renderFreshness } from './info.js';
import { appendMarked, spanInText } from './highlight.js';

const article = document.getElementById('article');
const errorBox = document.getElementById('error');

function offset(name, query) {
  const raw = query.get(name);
  return raw !== null && /^\d+$/.test(raw) ? Number(raw) : null;
}

// Back to the question that led here (same-origin referrer), else to an empty ask page.
function backLink() {
  if (!document.referrer) return;
  const from = new URL(document.referrer);
  if (from.origin === location.origin && from.pathname === '/') {
    document.getElementById('back').href = `/${from.search}`;
    document.getElementById('back').textContent = '← Back to the answer';
  }
}

function sourceLine(view) {
  const parts = [
    el('span', { class: 'outlet' }, view.source || 'Unknown outlet'),
    ' · ',
    dateElement(view.published_at),
  ];
  if (view.author) parts.push(` · ${view.author}`);
  if (view.url) {
    parts.push(' · ', externalLink(view.url, 'Original', 'original'));
  }
  return el('p', { class: 'byline' }, ...parts);
}

function otherCopies(view) {
  const parts = [];
  if (view.duplicate_of) {
    parts.push(
      el(
        'p',
        { class: 'hint' },
        'This copy of the story is not indexed itself; the index keeps ',
        el('a', { href: `/read/${encodeURIComponent(view.duplicate_of)}` }, 'this one'),
        '.',
      ),
    );
  }
  if (view.alternative_sources.length) {
    const items = view.alternative_sources.map((other) =>
      el(
        'li',
        {},
        el(
          'a',
          { href: `/read/${encodeURIComponent(other.id)}` },
          other.source || other.title || other.id,
        ),
        ' · ',
        dateElement(other.published_at),
      ),
    );
    parts.push(
      el(
        'div',
        { class: 'also' },
        el('h2', {}, 'The same story elsewhere'),
        el('ul', {}, ...items),
      ),
    );
  }
  return parts;
}

function render(view, start, end) {
  document.title = `${view.title || 'Article'} | newsqa`;
  const text = el('div', { class: 'article-text' });
  const asked = start !== null && end !== null;
  const span = asked ? spanInText(view.text, 0, start, end) : null;
  const mark = appendMarked(text, view.text, span);
  const notes = [];
  if (asked && !span) {
    notes.push(
      el(
        'p',
        { class: 'error', role: 'status' },
        `The cited span (characters ${start} to ${end}) is not inside this article's text, ` +
          'so nothing is marked.',
      ),
    );
  }
  article.replaceChildren(
    el('h1', {}, view.title || 'Untitled article'),
    sourceLine(view),
    ...otherCopies(view),
    ...notes,
    text,
  );
  article.setAttribute('aria-busy', 'false');
  if (mark) {
    mark.id = 'cited';
    mark.tabIndex = -1; // focusable from script, so screen readers and the keyboard start there
    mark.scrollIntoView({ block: 'center' });
    mark.focus({ preventScroll: true });
  }
}

async function main() {
  backLink();
  renderFreshness(document.getElementById('freshness'));
  const query = new URLSearchParams(location.search);
  try {
    const id = decodeURIComponent(location.pathname.slice('/read/'.length));
    const view = await getJson(`/articles/${encodeURIComponent(id)}`);
    render(view, offset('start', query), offset('end', query));
  } catch (error) {
    article.replaceChildren();
    article.setAttribute('aria-busy', 'false');
    showError(errorBox, error.message);
  }
}

main();
