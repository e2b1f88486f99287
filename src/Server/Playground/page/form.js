// The request form: filled from GET /models and GET /adapters, read into the server's request JSON (empty fields are
// left out so the server's defaults apply), and marked where the server named a field at fault.

const $ = (id) => document.getElementById(id);

let models = [];

export function fillModels(list) {
  models = list;
  const select = $('model');
  select.replaceChildren(...list.map((m) => new Option(`${m.name}${m.ready ? '' : ' (loading)'}`, m.name)));
  select.addEventListener('change', showModelDefaults);
  showModelDefaults();
}

// The model's defaults as placeholders, its rewards as weight fields.
function showModelDefaults() {
  const model = models.find((m) => m.name === $('model').value);
  if (!model) return;
  $('width').placeholder = model.default_width ?? '';
  $('height').placeholder = model.default_height ?? '';
  $('steps').placeholder = model.default_steps;
  $('guidance').placeholder = model.default_guidance;
  // empty: the model's own sampler
  const own = model.default_scheduler ? `model's own (${model.default_scheduler})` : "model's own";
  $('scheduler').replaceChildren(new Option(own, ''), ...model.schedulers.map((name) => new Option(name, name)));
  $('reward-list').replaceChildren(...model.rewards.map((reward, i) => {
    const div = document.createElement('div');
    const label = document.createElement('label');
    label.htmlFor = `reward-${i}`;
    label.textContent = reward;
    const input = document.createElement('input');
    Object.assign(input, { id: `reward-${i}`, type: 'number', step: 'any', inputMode: 'decimal' });
    input.dataset.reward = reward;
    input.dataset.field = `alignment.rewards.${reward}`;
    div.append(label, input);
    return div;
  }));
}

export function fillAdapters(list) {
  $('adapters-empty').hidden = list.length > 0;
  $('adapter-list').replaceChildren(...list.map((adapter, i) => {
    const li = document.createElement('li');
    const use = document.createElement('input');
    Object.assign(use, { type: 'checkbox', id: `adapter-${i}` });
    use.dataset.adapter = adapter.name;
    const label = document.createElement('label');
    label.htmlFor = use.id;
    label.textContent = `${adapter.name} (v${adapter.version})`;
    const weightLabel = document.createElement('label');
    weightLabel.htmlFor = `adapter-weight-${i}`;
    weightLabel.textContent = 'weight';
    const weight = document.createElement('input');
    Object.assign(weight, { type: 'number', id: `adapter-weight-${i}`, step: 'any', inputMode: 'decimal', value: '1' });
    weight.setAttribute('aria-label', `weight of ${adapter.name}`);
    li.append(use, label, weightLabel, weight);
    return li;
  }));
}

export function showMethodParameters() {
  const method = $('method').value;
  for (const el of document.querySelectorAll('[data-methods]')) el.hidden = !el.dataset.methods.split(' ').includes(method);
  // n is best-of-n's candidate count (default 4); for ReNO, empty means no best-of-n start.
  $('alignment-n').placeholder = method === 'reno' ? 'none' : '4';
}

// A number field as typed: empty → absent; anything else goes to the server as a number, or as the text itself when it
// is not one, so the server's own error names the field.
function number(input) {
  const text = input.value.trim();
  if (text === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

/** The request JSON for POST /generate, with the alignment as chosen (or method "none" when withoutAlignment). */
export function readRequest({ withoutAlignment = false } = {}) {
  const request = { prompt: $('prompt').value };
  const optional = {
    negative_prompt: $('negative-prompt').value.trim() || undefined,
    model: $('model').value || undefined,
    seed: number($('seed')),
    width: number($('width')),
    height: number($('height')),
    steps: number($('steps')),
    guidance: number($('guidance')),
    scheduler: $('scheduler').value || undefined,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) request[key] = value;

  const adapters = [];
  for (const li of document.querySelectorAll('#adapter-list li')) {
    const [use, weight] = [li.querySelector('[data-adapter]'), li.querySelector('input[type=number]')];
    // The server names an adapter's fields by its place in the request: adapters[k].name, adapters[k].weight.
    const k = adapters.length;
    if (use.checked) {
      use.dataset.field = `adapters[${k}].name`;
      weight.dataset.field = `adapters[${k}].weight`;
      adapters.push({ name: use.dataset.adapter, weight: number(weight) ?? 1 });
    } else {
      delete use.dataset.field;
      delete weight.dataset.field;
    }
  }
  if (adapters.length > 0) request.adapters = adapters;

  const method = withoutAlignment ? 'none' : $('method').value;
  if (method === 'none') return request;
  const alignment = { method };
  for (const input of document.querySelectorAll('#method-parameters [data-key]')) {
    if (input.closest('[data-methods]').hidden) continue;
    if (input.dataset.key === 'token_indices') {
      const text = input.value.trim();
      if (text) alignment.token_indices = text.split(/[\s,]+/).filter(Boolean).map((t) => (Number.isInteger(Number(t)) ? Number(t) : t));
      continue;
    }
    const value = number(input);
    if (value !== undefined) alignment[input.dataset.key] = value;
  }
  if (!$('reward-weights').hidden) {
    const rewards = {};
    for (const input of document.querySelectorAll('#reward-list [data-reward]')) {
      const value = number(input);
      if (value !== undefined) rewards[input.dataset.reward] = value;
    }
    if (Object.keys(rewards).length > 0) alignment.rewards = rewards;
  }
  request.alignment = alignment;
  return request;
}

/**
 * Marks the input the server named (its field or the nearest enclosing one, e.g. "width" or "alignment.n"), puts the
 * server's message under it and returns it; null when no input matches.
 */
export function markField(field, message) {
  clearMarks();
  if (!field) return null;
  const candidates = [field, field.replace(/\[\d+\].*$/, ''), field.split('.').slice(0, -1).join('.')];
  for (const name of candidates) {
    const el = name && document.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (!el) continue;
    const note = document.createElement('p');
    note.id = 'field-error';
    note.className = 'field-error';
    note.textContent = message;
    el.after(note);
    el.setAttribute('aria-invalid', 'true');
    el.setAttribute('aria-describedby', note.id);
    return el;
  }
  return null;
}

export function clearMarks() {
  document.getElementById('field-error')?.remove();
  for (const el of document.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
}
