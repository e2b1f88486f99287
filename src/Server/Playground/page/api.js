// The server's HTTP API as the page uses it: the API key from sessionStorage as a Bearer token, the contract's error
// body turned into an ApiError, and POST /generate/stream read as Server-Sent Events (EventSource cannot POST).

const keyStorage = 'align-playground-api-key';

export function apiKey() { return sessionStorage.getItem(keyStorage) ?? ''; }
export function setApiKey(key) {
  if (key) sessionStorage.setItem(keyStorage, key); else sessionStorage.removeItem(keyStorage);
}

/** An error as the server wrote it: {"error": {"code", "message", "field"}}. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field ?? null;
  }
}

function headers(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

async function errorOf(response) {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text);
    if (error?.message) return new ApiError(response.status, error.code, error.message, error.field);
  } catch { /* not the contract's body: show what came instead */ }
  return new ApiError(response.status, `http_${response.status}`, text.trim() || `${response.status} ${response.statusText}`, null);
}

export async function getJson(path) {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

/**
 * Runs a request through POST /generate/stream; onEvent(name, data) sees queued and progress events; resolves with the
 * result event's response, or rejects with the error event's (or the HTTP error's) ApiError.
 */
export async function generateStream(request, onEvent, signal) {
  const response = await fetch('/generate/stream', {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
    body: JSON.stringify(request),
    signal,
  });
  if (!response.ok) throw await errorOf(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const { name, data } = parseEvent(block);
      if (name === 'result') return data;
      if (name === 'error') throw new ApiError(response.status, data.error.code, data.error.message, data.error.field);
      onEvent(name, data);
    }
  }
  throw new ApiError(0, 'unavailable', 'the server closed the stream before a result', null);
}

function parseEvent(block) {
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return { name, data: JSON.parse(data.join('\n')) };
}
