// A small SVG line chart of rewards: one line per series, a dot (with a tooltip title) per point.

const svgNs = 'http://www.w3.org/2000/svg';
const size = { width: 360, height: 180, left: 44, right: 10, top: 10, bottom: 28 };
const colours = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df'];

function el(name, attributes, text) {
  const node = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Draws series ([{name, points: [{x, y}]}]) into container, x labelled xLabel (e.g. "iteration"); returns the SVG.
 * Non-finite values are left out.
 */
export function drawChart(container, series, xLabel) {
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y));
  const svg = el('svg', { viewBox: `0 0 ${size.width} ${size.height}`, role: 'img', class: 'reward-chart' });
  const description = series.map((s) => `${s.name}: ${s.points.map((p) => `${xLabel} ${p.x} = ${p.y.toFixed(3)}`).join(', ')}`).join('; ');
  svg.append(el('title', {}, `Reward per ${xLabel}. ${description}`));
  container.replaceChildren(svg);
  if (all.length === 0) return svg;

  let [xMin, xMax] = [Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))];
  let [yMin, yMax] = [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))];
  if (xMax === xMin) { xMin -= 1; xMax += 1; }
  if (yMax === yMin) { yMin -= 1; yMax += 1; }
  const pad = (yMax - yMin) * 0.08;
  yMin -= pad; yMax += pad;
  const plotW = size.width - size.left - size.right, plotH = size.height - size.top - size.bottom;
  const sx = (x) => size.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y) => size.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;

  const bottom = size.top + plotH;
  svg.append(el('line', { x1: size.left, y1: bottom, x2: size.left + plotW, y2: bottom, class: 'axis' }));
  svg.append(el('line', { x1: size.left, y1: size.top, x2: size.left, y2: bottom, class: 'axis' }));
  for (const y of [yMin + pad, yMax - pad]) svg.append(el('text', { x: size.left - 4, y: sy(y) + 4, 'text-anchor': 'end', class: 'tick' }, y.toFixed(2)));
  for (const x of new Set([Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))]))
    svg.append(el('text', { x: sx(x), y: bottom + 14, 'text-anchor': 'middle', class: 'tick' }, String(x)));
  svg.append(el('text', { x: size.left + plotW / 2, y: size.height - 2, 'text-anchor': 'middle', class: 'tick' }, xLabel));

  series.forEach((s, i) => {
    const colour = colours[i % colours.length];
    const points = s.points.filter((p) => Number.isFinite(p.y));
    svg.append(el('polyline', { points: points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' '), fill: 'none', stroke: colour, 'stroke-width': 2 }));
    for (const p of points) {
      const dot = el('circle', { cx: sx(p.x), cy: sy(p.y), r: 3.5, fill: colour, class: 'point' });
      dot.append(el('title', {}, `${s.name}, ${xLabel} ${p.x}: ${p.y.toFixed(4)}`));
      svg.append(dot);
    }
    svg.append(el('text', { x: size.left + 6, y: size.top + 12 + i * 13, fill: colour, class: 'legend' }, s.name));
  });
  return svg;
}
