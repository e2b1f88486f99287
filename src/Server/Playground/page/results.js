// One result card: the image (scaled up, pixels kept sharp), its seed and reward scores, and its PNG to download.

export function resultCard(title, response) {
  const card = document.createElement('figure');
  card.className = 'result';
  const image = response.images[0];
  const img = document.createElement('img');
  img.src = `data:image/png;base64,${image.png_base64}`;
  img.alt = `${title}, seed ${image.seed}`;
  const caption = document.createElement('figcaption');
  const heading = document.createElement('strong');
  heading.textContent = title;
  const meta = document.createElement('span');
  const { method, iterations_run: iterations } = response.alignment;
  const unit = { best_of_n: 'candidates', reno: 'iterations', attend_excite: 'steps' }[method] ?? 'runs';
  const adapters = (response.adapters ?? []).map((a) => `${a.name} v${a.version} ×${a.weight}`).join(', ');
  meta.textContent = ` · seed ${image.seed} · ${method}${method === 'none' ? '' : `, ${iterations} ${unit}`}${adapters ? ` · ${adapters}` : ''}` +
    ` · ${response.scheduler} · ${response.timings_ms.total.toFixed(0)} ms`;
  const scores = document.createElement('dl');
  scores.className = 'scores';
  for (const [name, value] of Object.entries(image.rewards)) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value.toFixed(4);
    dd.dataset.reward = name;
    scores.append(dt, dd);
  }
  const download = document.createElement('a');
  download.href = img.src;
  download.download = `${response.request_id}-seed${image.seed}.png`;
  download.textContent = 'Download PNG';
  caption.append(heading, meta, scores, download);
  card.append(img, caption);
  return card;
}
