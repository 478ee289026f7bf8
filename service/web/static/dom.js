// Small DOM and formatting helpers. Text always goes in as text nodes, never as HTML.

// el('a', {href: '/x', class: 'y'}, 'text', child) -> the element
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// A link to another site (an article's outlet), opened in a new tab and said so; only http(s)
// addresses become links (an indexed feed could carry a javascript: URL).
export function externalLink(href, text, className) {
  let url = null;
  try {
    url = new URL(href);
  } catch {
    // not an absolute address: shown as text
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    return el('span', { class: className }, text);
  }
  return el(
    'a',
    { class: className, href: url.href, rel: 'noopener noreferrer', target: '_blank' },
    text,
    el('span', { class: 'visually-hidden' }, ' (opens in a new tab)'),
  );
}

// 'YYYY-MM-DD' as a <time>, read in the person's language ('9 Apr 2026'); null -> 'undated'.
export function dateElement(iso) {
  if (!iso) return el('span', { class: 'undated' }, 'undated');
  return el('time', { datetime: iso }, formatDate(iso));
}

export function formatDate(iso) {
  const [year, month, day] = iso.split('-').map(Number);
  const when = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(when.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(when);
}

export function percent(value) {
  return `${Math.round(Math.max(0, Math.min(1, value)) * 100)}%`;
}

export function plural(count, one, many = `${one}s`) {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

export function showError(box, message) {
  box.textContent = message;
  box.hidden = false;
}

export function hideError(box) {
  box.textContent = '';
  box.hidden = true;
}
