// GET /info, once per page: the index's outlets and freshness (for the filters and the footer)
// and whether an LLM is configured (for the mode selector and streaming).
import { getJson } from './api.js';
import { dateElement, plural } from './dom.js';

let info = null;
let failed = false;

export function loadInfo() {
  if (!info) {
    info = getJson('/info');
    info.catch(() => {
      failed = true;
    });
  }
  return info;
}

// Asks again where the first try failed (a prompt for the key cancelled, say): after an answer
// came, the key works. null where there is nothing to retry.
export function retryInfo() {
  if (!failed) return null;
  failed = false;
  info = null;
  return loadInfo();
}

// The footer line: '48 articles from 2 outlets, the newest from 9 Apr 2026 (index gen-000001).'
export function renderFreshness(paragraph) {
  loadInfo().then(
    (body) => {
      const newest = body.newest_published_at
        ? [', the newest from ', dateElement(body.newest_published_at)]
        : [', none of them dated'];
      paragraph.replaceChildren(
        'This index holds ',
        plural(body.articles, 'article'),
        ' from ',
        plural(body.outlets.length, 'outlet'),
        ...newest,
        ` (index ${body.index_version}).`,
      );
    },
    (error) => {
      paragraph.textContent = `The index's details are unavailable: ${error.message}`;
    },
  );
}
