// This tab's results with their full requests: copyable as a curl command and as JSON, with their PNGs to download.

const list = () => document.getElementById('history-list');

/** The request as a curl command for POST /generate on this server (the key, if any, from $API_KEY, never inlined). */
export function curlCommand(request, withKey) {
  const quote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;
  const parts = ['curl -sS -X POST', quote(new URL('/generate', location.href).href), "-H 'Content-Type: application/json'"];
  if (withKey) parts.push('-H "Authorization: Bearer $API_KEY"');
  parts.push('-d', quote(JSON.stringify(request)));
  return parts.join(' ');
}

async function copy(text, button) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed: select the text below';
  }
  setTimeout(() => { button.textContent = label; }, 1500);
}

function copyButton(label, text) {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.addEventListener('click', () => copy(text, button));
  return button;
}

function block(title, text, className) {
  const wrapper = document.createElement('div');
  const heading = document.createElement('p');
  heading.className = 'hint';
  heading.textContent = title;
  const pre = document.createElement('pre');
  pre.className = className;
  pre.tabIndex = 0;
  pre.textContent = text;
  wrapper.append(heading, pre);
  return wrapper;
}

/** Adds a result: label ("with best_of_n"), the request sent, the response, whether an API key was in use. */
export function addToHistory(label, request, response, withKey) {
  document.getElementById('history-empty').hidden = true;
  const curl = curlCommand(request, withKey);
  const json = JSON.stringify(request, null, 2);
  const li = document.createElement('li');
  li.className = 'history-entry';
  const image = response.images[0];
  const img = document.createElement('img');
  img.src = `data:image/png;base64,${image.png_base64}`;
  img.alt = `${label}: "${request.prompt}", seed ${image.seed}`;
  img.className = 'thumb';
  const summary = document.createElement('p');
  const rewards = Object.entries(image.rewards).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
  summary.textContent = `${new Date().toLocaleTimeString()} · ${label} · seed ${image.seed} · ${rewards}`;
  const actions = document.createElement('div');
  actions.className = 'entry-actions';
  const download = document.createElement('a');
  download.href = img.src;
  download.download = `${response.request_id}-seed${image.seed}.png`;
  download.textContent = 'Download PNG';
  actions.append(copyButton('Copy curl', curl), copyButton('Copy JSON', json), download);
  const details = document.createElement('details');
  const detailsSummary = document.createElement('summary');
  detailsSummary.textContent = 'Request';
  details.append(detailsSummary, block('curl', curl, 'curl'), block('JSON', json, 'json'));
  const text = document.createElement('div');
  text.className = 'entry-text';
  text.append(summary, actions, details);
  li.append(img, text);
  list().prepend(li);
}
