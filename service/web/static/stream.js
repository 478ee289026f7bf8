// Generative answers as they are written: POST /ask with "stream": true answers with
// server-sent events `passages`, `delta` ({"text"}), `citations`, `done` and `error`.
// EventSource cannot POST, so the response body is read from fetch's stream and parsed here.
import { ApiError, errorMessage, request } from './api.js';

// A parser for text/event-stream fed in chunks of any size; calls onEvent({type, data}) per
// event, as the HTML standard's "interpret an event stream" does (comments, multi-line data,
// CR, LF or CRLF line ends, a CRLF split between chunks).
export function createSseParser(onEvent) {
  let buffer = '';
  let type = '';
  let data = [];
  function line(text) {
    if (text === '') {
      if (data.length) onEvent({ type: type || 'message', data: data.join('\n') });
      type = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  return {
    push(chunk) {
      buffer += chunk;
      const ends = /\r\n|\r|\n/g;
      let start = 0;
      for (let match = ends.exec(buffer); match; match = ends.exec(buffer)) {
        if (match[0] === '\r' && match.index === buffer.length - 1) break; // maybe half a CRLF
        line(buffer.slice(start, match.index));
        start = match.index + match[0].length;
      }
      buffer = buffer.slice(start);
    },
    end() {
      if (buffer.endsWith('\r')) this.push('\n'); // the stream's last CR ended a line
    },
  };
}

function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    throw new ApiError('The answer stream sent something that is not JSON.', 0);
  }
}

// Asks with streaming; calls on.passages(list), on.delta(text), on.citations({answer, citations,
// grounded, unsupported_sentences, dropped_markers}) and on.done({mode_used, abstained,
// confidence, ...}): the server's events (service/generative/sse.py). The citations event's
// `answer` is the final text, which may differ from the deltas joined (links and markers the
// cited passages do not back are removed). Resolves when the stream is done; rejects with an
// ApiError on an error event or a cut stream. A plain JSON answer is handed to on.done whole.
export async function streamAsk(body, on, signal) {
  const response = await request('/ask', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify({ ...body, stream: true }),
    signal,
  });
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    on.done(await response.json());
    return;
  }
  let done = false;
  const parser = createSseParser(({ type, data }) => {
    const payload = parse(data);
    if (type === 'passages') on.passages(payload.passages ?? []);
    else if (type === 'delta') on.delta(String(payload.text ?? ''));
    else if (type === 'citations') on.citations(payload);
    else if (type === 'error') throw new ApiError(errorMessage(0, payload), 0);
    else if (type === 'done') {
      done = true;
      on.done(payload);
    }
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      parser.push(chunk.value);
    }
    parser.end();
  } catch (error) {
    reader.cancel().catch(() => {}); // stop the body, whatever went wrong while reading it
    throw error;
  }
  if (!done) throw new ApiError('The answer stream ended before the answer was complete.', 0);
}
