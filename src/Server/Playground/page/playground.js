// The playground page: wires the form to POST /generate/stream, shows progress, results, the reward chart, errors and
// the history. Every request goes through the server's one request path; nothing here computes a result.
import { ApiError, apiKey, generateStream, getJson, setApiKey } from './api.js';
import { drawChart } from './chart.js';
import { clearMarks, fillAdapters, fillModels, markField, readRequest, showMethodParameters } from './form.js';
import { addToHistory } from './history.js';
import { resultCard } from './results.js';

const $ = (id) => document.getElementById(id);
let busy = false;

function showError(error) {
  const box = $('error');
  box.replaceChildren();
  if (error instanceof ApiError) {
    const code = document.createElement('strong');
    code.textContent = error.code;
    box.append(code);
    if (error.field) {
      const field = document.createElement('span');
      field.className = 'field';
      field.textContent = ` in ${error.field}`;
      box.append(field);
    }
    const message = document.createElement('p');
    message.className = 'message';
    message.textContent = error.message;
    box.append(message);
    box.hidden = false;
    // Focus goes to the field at fault (its message is under it); otherwise the alert is brought into view.
    const input = markField(error.field, error.message);
    if (input && input.tagName !== 'FIELDSET') input.focus();
    else box.scrollIntoView({ block: 'nearest' });
    return;
  }
  box.textContent = `The request did not reach the server: ${error.message}`;
  box.hidden = false;
  box.scrollIntoView({ block: 'nearest' });
}

function clearError() {
  $('error').hidden = true;
  $('error').replaceChildren();
  clearMarks();
}

// Progress text and the chart's series, from the stream's real events.
function progressTracker(label) {
  const series = new Map();
  let xLabel = null;
  const add = (name, x, y) => {
    if (!series.has(name)) series.set(name, []);
    series.get(name).push({ x, y });
  };
  const redraw = () => {
    $('chart').hidden = false;
    $('chart-caption').textContent = `Reward per ${xLabel} (${label}, from the stream's progress events)`;
    drawChart($('chart-plot'), [...series].map(([name, points]) => ({ name, points })), xLabel);
  };
  return (name, data) => {
    const bar = $('progress-bar');
    if (name === 'queued') {
      $('progress-label').textContent = `${label}: queued, ${data.position} ahead`;
      return;
    }
    if (name !== 'progress') return;
    bar.max = data.total;
    bar.value = data.step;
    const rewards = Object.entries(data.rewards ?? {}).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
    const what = { denoise: 'denoising step', candidates: 'candidates scored', iteration: 'ReNO iteration', attend: 'attend-and-excite step' }[data.phase] ?? data.phase;
    $('progress-label').textContent = `${label}: ${what} ${data.step}/${data.total}${rewards ? ` · ${rewards}` : ''}`;
    if (data.phase === 'iteration') {
      if (xLabel !== 'iteration') { series.clear(); xLabel = 'iteration'; }
      for (const [k, v] of Object.entries(data.rewards ?? {})) add(k, data.step, v);
      redraw();
    } else if (data.phase === 'candidates' && data.candidates && xLabel !== 'iteration') {
      xLabel = 'candidate';
      for (const c of data.candidates) add('weighted total', c.index + 1, c.total);
      redraw();
    } else if (data.phase === 'attend') {
      xLabel = 'step';
      for (const [k, v] of Object.entries(data.rewards ?? {})) add(k, data.step, v);
      redraw();
    }
  };
}

async function run(label, request) {
  $('progress').hidden = false;
  $('progress-label').textContent = `${label}: sending`;
  $('progress-bar').value = 0;
  const response = await generateStream(request, progressTracker(label));
  addToHistory(label, request, response, apiKey() !== '');
  const rewards = Object.entries(response.images[0].rewards).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
  $('status').textContent = `Done: ${label}, seed ${response.images[0].seed}, ${rewards}.`;
  return response;
}

async function exclusive(work) {
  if (busy) return;
  busy = true;
  $('request-form').setAttribute('aria-busy', 'true');
  for (const b of [$('generate'), $('compare')]) b.setAttribute('aria-disabled', 'true');
  clearError();
  $('status').textContent = '';
  try {
    await work();
  } catch (error) {
    showError(error);
  } finally {
    busy = false;
    $('progress').hidden = true;
    $('request-form').removeAttribute('aria-busy');
    for (const b of [$('generate'), $('compare')]) b.removeAttribute('aria-disabled');
  }
}

function generate() {
  return exclusive(async () => {
    const request = readRequest();
    $('chart').hidden = true;
    $('results').replaceChildren();
    const method = request.alignment?.method ?? 'none';
    const response = await run(method === 'none' ? 'generated' : `with ${method}`, request);
    $('results').replaceChildren(resultCard(method === 'none' ? 'Generated' : `With ${method}`, response));
  });
}

function compare() {
  return exclusive(async () => {
    const aligned = readRequest();
    if (!aligned.alignment) throw new ApiError(0, 'not sent', 'choose an alignment method to compare against plain generation', 'alignment.method');
    $('chart').hidden = true;
    $('results').replaceChildren();
    const plain = readRequest({ withoutAlignment: true });
    const without = await run('without alignment', plain);
    $('results').replaceChildren(resultCard('Without alignment', without));
    const withIt = await run(`with ${aligned.alignment.method}`, aligned);
    $('results').append(resultCard(`With ${aligned.alignment.method}`, withIt));
  });
}

async function loadLists() {
  try {
    const [{ models }, { adapters }] = await Promise.all([getJson('/models'), getJson('/adapters')]);
    fillModels(models);
    fillAdapters(adapters);
    clearError();
  } catch (error) {
    showError(error);
  }
}

$('api-key').value = apiKey();
$('api-key').addEventListener('change', (e) => { setApiKey(e.target.value.trim()); loadLists(); });
$('method').addEventListener('change', showMethodParameters);
$('request-form').addEventListener('submit', (e) => { e.preventDefault(); generate(); });
$('compare').addEventListener('click', compare);
$('prompt').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); generate(); }
});
showMethodParameters();
loadLists();
