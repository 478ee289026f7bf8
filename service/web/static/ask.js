// The ask page: the form and its filters, kept in the address bar (/?q=...&sources=...), and the
// answer drawn under it. A shared link asks on load; asking again adds a history entry.
import { postJson } from './api.js';
import { dateElement, el, hideError, percent, plural, showError } from './dom.js';
import { loadInfo, renderFreshness, retryInfo } from './info.js';
import { ABSTENTION, renderResponse, renderStreaming } from './render.js';
import { streamAsk } from './stream.js';

const $ = (id) => document.getElementById(id);
const form = $('ask-form');
const question = $('q');
const after = $('after');
const before = $('before');
const asOf = $('as_of');
const mode = $('mode');
const filters = $('filters');
const outletList = $('outlet-list');
const errorBox = $('error');
const status = $('status');
const results = $('results');

const OUTLET_SEARCH_FROM = 8; // outlets in the list before it gets a search box
let pendingSources = []; // outlets named in the address, kept until the list is drawn
let outletsDrawn = false;
let inFlight = null; // the AbortController of the ask under way

// --- the form's state, the address bar's and the API's

function paramsFromAddress() {
  const query = new URLSearchParams(location.search);
  return {
    q: query.get('q') ?? '',
    sources: query.getAll('sources').filter(Boolean),
    after: query.get('after') ?? '',
    before: query.get('before') ?? '',
    as_of: query.get('as_of') ?? '',
    mode: query.get('mode') ?? '',
  };
}

function paramsFromForm() {
  const checked = [...outletList.querySelectorAll('input:checked')].map((box) => box.value);
  return {
    q: question.value,
    sources: outletsDrawn ? checked : pendingSources,
    after: after.value,
    before: before.value,
    as_of: asOf.value,
    mode: mode.value === 'auto' ? '' : mode.value,
  };
}

function fillForm(params) {
  question.value = params.q;
  after.value = params.after;
  before.value = params.before;
  asOf.value = params.as_of;
  mode.value = ['extractive', 'generative'].includes(params.mode) ? params.mode : 'auto';
  pendingSources = params.sources;
  if (outletsDrawn) checkOutlets(params.sources);
  if (countFilters(params)) filters.open = true;
  updateFilterCount();
}

function addressFor(params) {
  const query = new URLSearchParams();
  query.set('q', params.q);
  for (const source of params.sources) query.append('sources', source);
  for (const name of ['after', 'before', 'as_of', 'mode'])
    if (params[name]) query.set(name, params[name]);
  return `/?${query}`;
}

// POST /ask's body. Values from the address go as they are: the API says what is wrong with them.
function requestBody(params) {
  const body = { question: params.q };
  if (params.mode) body.mode = params.mode;
  if (params.as_of) body.as_of = params.as_of;
  if (params.sources.length || params.after || params.before) {
    body.filters = { sources: params.sources };
    if (params.after) body.filters.published_after = params.after;
    if (params.before) body.filters.published_before = params.before;
  }
  return body;
}

function countFilters(params) {
  return [params.sources.length > 0, params.after, params.before, params.as_of, params.mode].filter(
    Boolean,
  ).length;
}

function updateFilterCount() {
  const count = countFilters(paramsFromForm());
  $('filter-count').textContent = count ? `${count} on` : '';
}

// --- outlets from the index

function outletOption(name, detail) {
  const box = el('input', { type: 'checkbox', name: 'sources', value: name });
  return el(
    'label',
    { class: 'outlet-option', 'data-name': name.toLowerCase() },
    box,
    ` ${name} `,
    el('span', { class: 'hint' }, ...detail),
  );
}

function checkOutlets(names) {
  const wanted = new Set(names);
  for (const name of names) {
    if (![...outletList.querySelectorAll('input')].some((box) => box.value === name)) {
      outletList.append(outletOption(name, ['(not in this index)']));
    }
  }
  for (const box of outletList.querySelectorAll('input')) box.checked = wanted.has(box.value);
}

function drawOutlets(info) {
  const hint = $('outlets-hint');
  outletList.replaceChildren(
    ...info.outlets.map((outlet) => {
      const newest = outlet.newest_published_at
        ? [', newest ', dateElement(outlet.newest_published_at)]
        : [];
      return outletOption(outlet.name, ['(', plural(outlet.articles, 'article'), ...newest, ')']);
    }),
  );
  outletsDrawn = true;
  checkOutlets(pendingSources);
  hint.textContent = info.outlets.length
    ? 'None checked: every outlet.'
    : 'This index names no outlets.';
  $('outlet-search').hidden = info.outlets.length < OUTLET_SEARCH_FROM;
  $('mode-field').hidden = !info.llm_configured;
}

$('outlet-query').addEventListener('input', (event) => {
  const wanted = event.target.value.trim().toLowerCase();
  for (const label of outletList.querySelectorAll('label')) {
    label.hidden = wanted !== '' && !label.dataset.name.includes(wanted);
  }
});

// --- asking

function announce(response) {
  if (response.abstained || !response.answer) {
    status.textContent = ABSTENTION;
    return;
  }
  const sure =
    typeof response.confidence === 'number' ? `, ${percent(response.confidence)} confidence` : '';
  status.textContent = `Answer: ${response.answer}${sure}.`;
}

async function askStreaming(body, signal) {
  let text = '';
  let passages = [];
  let cited = { citations: [] }; // the citations event: the final answer and its citations
  renderStreaming(results, text, passages);
  await streamAsk(
    body,
    {
      passages: (list) => {
        passages = list;
        if (!signal.aborted) renderStreaming(results, text, passages);
      },
      delta: (piece) => {
        text += piece;
        const answer = results.querySelector('#answer .answer-text');
        if (answer && !signal.aborted) answer.textContent = text;
      },
      citations: (event) => {
        cited = event;
      },
      done: (final) => {
        if (signal.aborted) return;
        const answer = 'answer' in cited ? cited.answer : text || null;
        // A plain JSON answer (a server that does not stream) is whole: it overrides all.
        const whole = { abstained: !answer, passages, ...cited, answer, ...(final ?? {}) };
        renderResponse(results, whole);
        announce(whole);
      },
    },
    signal,
  );
}

async function ask(params) {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const { signal } = controller;
  hideError(errorBox);
  results.setAttribute('aria-busy', 'true');
  status.textContent = 'Asking…';
  document.title = `${params.q.trim() || 'Ask'} | newsqa`;
  try {
    const body = requestBody(params);
    const info = await loadInfo().catch(() => null); // its failure is shown in the footer
    if (info?.llm_configured && params.mode !== 'extractive') {
      await askStreaming(body, signal);
    } else {
      const response = await postJson('/ask', body, { signal });
      if (signal.aborted) return;
      renderResponse(results, response);
      announce(response);
    }
    if (retryInfo()) showInfo();
  } catch (error) {
    if (signal.aborted) return; // a newer question replaced this one
    results.replaceChildren();
    status.textContent = '';
    showError(errorBox, error.message);
  } finally {
    if (inFlight === controller) results.setAttribute('aria-busy', 'false');
  }
}

function clearAnswer() {
  inFlight?.abort();
  results.replaceChildren();
  hideError(errorBox);
  status.textContent = '';
  document.title = 'newsqa';
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const params = paramsFromForm();
  const address = addressFor(params);
  if (address !== location.pathname + location.search) history.pushState(null, '', address);
  ask(params);
});

form.addEventListener('change', updateFilterCount);

$('clear-filters').addEventListener('click', () => {
  for (const box of outletList.querySelectorAll('input')) box.checked = false;
  pendingSources = [];
  after.value = '';
  before.value = '';
  asOf.value = '';
  mode.value = 'auto';
  updateFilterCount();
});

window.addEventListener('popstate', () => {
  const params = paramsFromAddress();
  fillForm(params);
  if (params.q.trim()) ask(params);
  else clearAnswer();
});

function showInfo() {
  renderFreshness($('freshness'));
  loadInfo().then(drawOutlets, (error) => {
    $('outlets-hint').textContent = `The outlets are unavailable: ${error.message}`;
  });
}

showInfo();
const initial = paramsFromAddress();
fillForm(initial);
if (initial.q.trim()) ask(initial);
