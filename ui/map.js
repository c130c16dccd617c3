// A flight's track as SVG, without tiles: positions projected onto the box that holds them
// (equirectangular, longitude scaled by the cosine of the latitude), with a grid for scale.
const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 320;
const PAD = 24;

function el(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

export function drawMap(track, drops = []) {
  const svg = el('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'map',
    role: 'img',
    'aria-label': 'flight track',
  });
  const all = [...track, ...drops].filter((p) => p && Number.isFinite(p.lat) && Number.isFinite(p.lon));
  if (all.length === 0) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#5b6470' }, 'no positions'));
    return svg;
  }
  const lat0 = all.reduce((s, p) => s + p.lat, 0) / all.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = all.map((p) => p.lon * k);
  const ys = all.map((p) => p.lat);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(maxX - minX, maxY - minY, 0.002);
  const scale = Math.min((W - 2 * PAD) / span, (H - 2 * PAD) / span);
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const project = (p) => [W / 2 + (p.lon * k - cx) * scale, H / 2 - (p.lat - cy) * scale];
  // Grid lines every ~1 km (0.009° of latitude).
  const step = 0.009;
  for (let y = Math.ceil((cy - H / scale) / step) * step; y < cy + H / scale; y += step) {
    const py = H / 2 - (y - cy) * scale;
    if (py > 0 && py < H) svg.append(el('line', { x1: 0, x2: W, y1: py, y2: py, stroke: '#d8dde3' }));
  }
  for (let x = Math.ceil((cx - W / scale) / step) * step; x < cx + W / scale; x += step) {
    const px = W / 2 + (x - cx) * scale;
    if (px > 0 && px < W) svg.append(el('line', { x1: px, x2: px, y1: 0, y2: H, stroke: '#d8dde3' }));
  }
  if (track.length > 1) {
    svg.append(
      el('polyline', {
        points: track.map((p) => project(p).join(',')).join(' '),
        fill: 'none',
        stroke: '#0b5cad',
        'stroke-width': 3,
      }),
    );
  }
  // Events at one place (dispatched, then takeoff) share one marker and one label.
  const places = new Map();
  for (const d of drops) {
    const key = `${d.lat.toFixed(5)},${d.lon.toFixed(5)}`;
    const place = places.get(key);
    if (place) place.label = `${place.label} · ${d.label ?? 'delivery'}`;
    else places.set(key, { ...d, label: d.label ?? 'delivery' });
  }
  for (const d of places.values()) {
    const [x, y] = project(d);
    svg.append(
      el('rect', { x: x - 6, y: y - 6, width: 12, height: 12, fill: '#8a5a00' }),
      el('text', { x: x + 9, y: y + 4, 'font-size': 12 }, d.label),
    );
  }
  const last = track.at(-1);
  if (last) {
    const [x, y] = project(last);
    svg.append(
      el('circle', { cx: x, cy: y, r: 7, fill: '#b00020', stroke: '#fff', 'stroke-width': 2 }),
      el('text', { x: x + 10, y: y - 8, 'font-size': 12 }, 'now'),
    );
  }
  svg.append(el('text', { x: 8, y: H - 8, 'font-size': 11, fill: '#5b6470' }, 'grid ≈ 1 km'));
  return svg;
}
