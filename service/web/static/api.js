// Calls to the newsqa API from the page: the bearer key (asked for once, kept for this tab) and
// the API's error messages, in both of its shapes.
import { askForKey, storedKey } from './apikey.js';

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0: no HTTP answer (network, or an error event in a stream)
  }
}

// The message of an error body: {"error": {"code", "message"}}, or a 422's {"detail": [...]}.
export function errorMessage(status, body) {
  if (body && typeof body === 'object') {
    if (body.error && typeof body.error.message === 'string') return body.error.message;
    if (typeof body.message === 'string') return body.message;
    if (Array.isArray(body.detail) && body.detail.length) {
      return body.detail.map(validationMessage).join('; ');
    }
    if (typeof body.detail === 'string') return body.detail;
  }
  return status ? `The server answered with status ${status}.` : 'The server sent no answer.';
}

function validationMessage(item) {
  // loc is e.g. ["body", "filters", "published_after"] or ["query", "q"]
  const loc = Array.isArray(item.loc) ? item.loc.slice(1).join('.') : '';
  const message = String(item.msg ?? 'invalid value').replace(/^Value error, /, '');
  return loc ? `${loc}: ${message}` : message;
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

// fetch with the key; the Response when it is 2xx, else an ApiError with the server's message.
// A 401 asks for a key (one prompt shared by concurrent requests) and tries again with it.
export async function request(path, init = {}) {
  let key = storedKey();
  for (;;) {
    const headers = new Headers(init.headers);
    if (key) headers.set('Authorization', `Bearer ${key}`);
    let response;
    try {
      response = await fetch(path, { ...init, headers });
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      throw new ApiError(`Could not reach the newsqa server (${err.message}).`, 0);
    }
    if (response.ok) return response;
    const message = errorMessage(response.status, await readJson(response));
    if (response.status !== 401) throw new ApiError(message, response.status);
    const entered = await askForKey(message, key);
    if (!entered) throw new ApiError(message, 401);
    key = entered;
  }
}

export async function getJson(path, init = {}) {
  const response = await request(path, init);
  return response.json();
}

export async function postJson(path, body, init = {}) {
  const response = await request(path, {
    ...init,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}
