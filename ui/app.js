// The dashboard (docs/dashboard.md): one page, hash routes, every figure from the /v1 API and the live
// event stream with the token kept in sessionStorage. DOM is built with text nodes only (no innerHTML).
import { connectEvents } from './events.js';
import { drawMap } from './map.js';
import { news2 } from './news2.js';
import { verifyProof } from './verify.js';

const TOKEN_KEY = 'medgate.token';
const state = { trust: null, events: null, listeners: new Set(), flights: new Map() };

// ---------- small helpers ----------
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}
const $ = (sel) => document.querySelector(sel);
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const short = (hex) => (hex ? `${hex.slice(0, 12)}…` : '—');

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const res = await fetch(path, {
    method: options.method ?? 'GET',
    headers: {
      authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}`,
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** The open alarms, or [] while this gateway has no alarm routes. */
async function openAlarms(patientId) {
  if (!state.trust.features.includes('alarms')) return [];
  const q = patientId ? `&patientId=${encodeURIComponent(patientId)}` : '';
  return (await api(`/v1/alarms?status=open${q}`)).alarms ?? [];
}

// Live events since each view started: a view loads its data first and then listens, and the events that
// came in the meantime are handed to it before the new ones, so none falls between the two.
const RECENT_EVENTS = 1000;
const liveLog = { seq: 0, events: [] };
const viewStarts = new WeakMap();
function remember(event) {
  liveLog.seq += 1;
  liveLog.events.push({ seq: liveLog.seq, event });
  if (liveLog.events.length > RECENT_EVENTS) liveLog.events.shift();
}

/**
 * `fn(event, replayed)` for every live event since `view` was opened: first those that came while it loaded
 * (`replayed` true), then each new one. Nothing once the view has been left.
 */
const onLive = (view, fn) => {
  if (!view.isConnected) return () => {};
  const from = viewStarts.get(view) ?? liveLog.seq;
  for (const r of liveLog.events) if (r.seq > from) fn(r.event, true);
  const live = (event) => fn(event, false);
  state.listeners.add(live);
  return () => state.listeners.delete(live);
};

// ---------- sign-in ----------
async function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    state.trust = await api('/v1/trust');
  } catch (err) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw err;
  }
  state.role = state.trust.you.role;
  for (const a of document.querySelectorAll('#nav [data-roles]')) {
    a.hidden = !a.dataset.roles.split(' ').includes(state.role);
  }
  $('#signin').hidden = true;
  $('#nav').hidden = false;
  state.events = connectEvents(sessionStorage.getItem(TOKEN_KEY), {
    onEvent: (event) => {
      if (event.type === 'readings') {
        for (const r of event.data.readings)
          if (r.kind === 'flight' || r.kind === 'delivery') rememberFlight(r);
      }
      remember(event);
      for (const fn of state.listeners) fn(event);
    },
    onState: (s) => {
      $('#live').textContent = s === 'open' ? '● live' : '○ reconnecting…';
    },
  });
  route();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  state.events?.stop();
  state.events = null;
  state.trust = null;
  $('#nav').hidden = true;
  $('#live').textContent = '';
  $('#view').replaceChildren();
  $('#signin').hidden = false;
  location.hash = '';
}

// ---------- routing ----------
let cleanup = [];
function route() {
  for (const fn of cleanup) fn();
  cleanup = [];
  if (!state.trust) return;
  const [, name = 'overview', arg] = location.hash.split('/');
  const views = { overview, patients, patient, drones, ledger, verify };
  // Busy until the view has loaded and listens to live events.
  const view = h('div', { 'aria-busy': 'true' });
  viewStarts.set(view, liveLog.seq);
  $('#view').replaceChildren(view);
  const render = views[name] ?? overview;
  render(view, arg ? decodeURIComponent(arg) : undefined)
    .catch((err) => {
      view.append(h('p', { class: 'error', role: 'alert' }, `Could not load: ${err.message}`));
    })
    .finally(() => view.removeAttribute('aria-busy'));
}

// ---------- overview ----------
async function overview(view) {
  const fig = (id, label) =>
    h('div', { class: 'card' }, h('div', { class: 'figure', id }, '—'), h('div', { class: 'label' }, label));
  view.append(
    h('h1', {}, `Overview — ${state.trust.gatewayId}`),
    h(
      'div',
      { class: 'grid' },
      fig('fig-online', 'devices online'),
      fig('fig-rate', 'readings/s (last 10 s)'),
      fig('fig-received', 'readings received live'),
      fig('fig-ingested', 'readings stored since start'),
      fig('fig-rejected', 'rejected (quarantined)'),
      fig('fig-height', 'chain height'),
    ),
    h('h2', {}, 'Open alarms'),
    h('div', { id: 'alarms' }, h('p', { class: 'muted' }, 'loading…')),
    h('h2', {}, 'Peers'),
    h('div', { id: 'peers', class: 'muted' }),
    h('h2', {}, 'Last sealed windows'),
    h('div', { class: 'scroll' }, h('table', { id: 'windows' })),
  );
  let received = 0;
  let ingested = 0;
  const recent = [];
  const status = async () => {
    const s = await api('/v1/status');
    ingested = s.readings.ingested;
    $('#fig-online').textContent = `${s.devices.online} / ${s.devices.provisioned}`;
    $('#fig-ingested').textContent = ingested;
    $('#fig-rejected').textContent = s.readings.rejected;
    $('#fig-height').textContent = s.chain.height;
    $('#peers').replaceChildren(
      s.peers.length === 0
        ? 'no peers configured'
        : h(
            'ul',
            {},
            s.peers.map((p) => h('li', {}, `${p.url}: ${p.up ? 'up' : 'DOWN'}`)),
          ),
    );
  };
  await status();
  const timer = setInterval(() => status().catch(() => {}), 5000);
  const rate = () => {
    const now = Date.now();
    while (recent.length && recent[0] < now - 10_000) recent.shift();
    $('#fig-rate').textContent = (recent.length / 10).toFixed(1);
  };
  $('#fig-received').textContent = '0';
  rate();
  const rateTimer = setInterval(rate, 1000);
  cleanup.push(
    () => clearInterval(timer),
    () => clearInterval(rateTimer),
  );

  const windowsTable = $('#windows');
  const windowRow = (w) =>
    h(
      'tr',
      {},
      h('td', {}, fmtTime(w.minute)),
      h('td', {}, w.count),
      h('td', { class: 'hash' }, short(w.root)),
      h('td', { class: 'hash' }, w.batchCid),
    );
  const head = h(
    'tr',
    {},
    h('th', {}, 'window'),
    h('th', {}, 'leaves'),
    h('th', {}, 'root'),
    h('th', {}, 'batch CID'),
  );
  const { minutes } = await api(`/v1/minutes?from=${Date.now() - 3_600_000}&limit=1000`);
  windowsTable.replaceChildren(head, ...minutes.slice(-10).reverse().map(windowRow));

  const renderAlarms = async () => {
    const alarms = await openAlarms();
    $('#alarms').replaceChildren(
      alarms.length === 0 ? h('p', { class: 'muted' }, 'no alarms') : alarmList(alarms, renderAlarms),
    );
  };
  await renderAlarms();

  let caughtUp = false;
  cleanup.push(
    onLive(view, (event, replayed) => {
      if (event.type === 'readings') {
        const n = event.data.readings.length;
        received += n;
        // Readings that came while the view loaded may be in the status already: it is asked again below.
        if (replayed) caughtUp = true;
        else ingested += n;
        for (let i = 0; i < n; i++) recent.push(Date.now());
        $('#fig-received').textContent = received;
        $('#fig-ingested').textContent = ingested;
        rate();
      } else if (event.type === 'window') {
        if (minutes.some((m) => m.minute === event.data.minute)) return;
        windowsTable.insertBefore(windowRow(event.data), head.nextSibling);
        while (windowsTable.rows.length > 11) windowsTable.deleteRow(-1);
      } else if (event.type === 'block') {
        $('#fig-height').textContent = event.data.height;
      } else if (event.type === 'alarm') {
        renderAlarms().catch(() => {});
      }
    }),
  );
  if (caughtUp) await status();
}

function alarmList(alarms, refresh) {
  return h(
    'ul',
    { class: 'checks' },
    alarms.map((a) =>
      h(
        'li',
        { class: 'alarm card' },
        h('span', { class: 'level' }, `▲ ${a.level}`),
        ' ',
        a.kind === 'news2' ? `NEWS2 ${a.score}` : (a.rule ?? a.kind),
        ' — ',
        a.patientId
          ? h('a', { href: `#/patient/${encodeURIComponent(a.patientId)}` }, a.patientId)
          : (a.flightId ?? a.deviceId ?? ''),
        ` since ${fmtTime(a.openedAt)} `,
        a.acknowledgedAt
          ? h('span', { class: 'muted' }, `acknowledged by ${a.acknowledgedBy}`)
          : h(
              'button',
              {
                type: 'button',
                onclick: async () => {
                  await api(`/v1/alarms/${encodeURIComponent(a.id)}/ack`, { method: 'POST', body: {} });
                  await refresh();
                },
              },
              'Acknowledge',
            ),
      ),
    ),
  );
}

// ---------- patients ----------
async function patients(view) {
  view.append(h('h1', {}, 'Patients'));
  const { patients: list } = await api('/v1/patients?limit=1000');
  if (list.length === 0) return view.append(h('p', { class: 'muted' }, 'No patients.'));
  view.append(
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { id: 'patients' },
        h('tr', {}, h('th', {}, 'patient'), h('th', {}, 'last reading'), h('th', {}, 'devices')),
        list.map((p) =>
          h(
            'tr',
            {},
            h('td', {}, h('a', { href: `#/patient/${encodeURIComponent(p.patientId)}` }, p.patientId)),
            h('td', {}, fmtTime(p.lastReadingAt)),
            h('td', {}, p.devices.join(', ')),
          ),
        ),
      ),
    ),
  );
}

// Normal ranges: the band where NEWS2 gives a parameter 0 points.
const VITALS = [
  { key: 'heartRate', label: 'Heart rate', unit: 'bpm', band: [51, 90] },
  { key: 'spo2', label: 'SpO₂', unit: '%', band: [96, 100] },
  { key: 'systolic', label: 'Systolic pressure', unit: 'mmHg', band: [111, 219] },
  { key: 'respRate', label: 'Respiratory rate', unit: '/min', band: [12, 20] },
  { key: 'temperature', label: 'Temperature', unit: '°C', band: [36.1, 38.0] },
];

async function patient(view, patientId) {
  view.append(h('h1', {}, `Patient ${patientId}`));
  const from = Date.now() - 3_600_000;
  const page = await api(
    `/v1/patients/${encodeURIComponent(patientId)}/readings?from=${from}&kind=vitals&limit=1000`,
  );
  const readings = page.readings;
  const scoreBox = h('div', { class: 'card', id: 'news2' });
  const alarmsBox = h('div', { id: 'patient-alarms' });
  const charts = h('div', { class: 'charts', id: 'charts' });
  const proofs = h('table', { id: 'proofs' });
  view.append(
    h('h2', {}, 'NEWS2'),
    scoreBox,
    h('h2', {}, 'Alarms'),
    alarmsBox,
    h('h2', {}, 'Vital signs, last hour'),
    charts,
    h('h2', {}, 'Latest readings and their proofs'),
    h('div', { class: 'scroll' }, proofs),
  );

  const plots = [];
  const boxes = VITALS.map((v) => h('div', { class: 'card chart', 'data-vital': v.key }));
  charts.append(...boxes);
  const chartWidth = (box) => Math.max(200, box.clientWidth - 34);
  for (const [i, v] of VITALS.entries()) {
    const box = boxes[i];
    const series = { x: [], y: [] };
    const width = chartWidth(box);
    const plot = new uPlot(
      {
        title: `${v.label} (${v.unit}), normal ${v.band[0]}–${v.band[1]}`,
        width,
        height: 160,
        series: [{}, { label: v.label, stroke: '#0b5cad', width: 2, points: { size: 4 } }],
        axes: [{}, { size: 56 }],
        hooks: {
          drawClear: [
            (u) => {
              // The normal band, behind the line.
              const top = u.valToPos(v.band[1], 'y', true);
              const bottom = u.valToPos(v.band[0], 'y', true);
              u.ctx.save();
              u.ctx.fillStyle = 'rgba(29,107,47,0.10)';
              u.ctx.fillRect(u.bbox.left, Math.min(top, bottom), u.bbox.width, Math.abs(bottom - top));
              u.ctx.restore();
            },
          ],
        },
      },
      [[], []],
      box,
    );
    plots.push({ v, plot, series });
  }
  // Charts follow their boxes (a phone turned, a window resized).
  const resize = new ResizeObserver(() => {
    for (const [i, p] of plots.entries()) p.plot.setSize({ width: chartWidth(boxes[i]), height: 160 });
  });
  for (const box of boxes) resize.observe(box);
  cleanup.push(() => resize.disconnect());
  const add = (r) => {
    const t = Date.parse(r.ts) / 1000;
    for (const p of plots) {
      const value = r.data.vitals?.[p.v.key];
      if (typeof value !== 'number') continue;
      let i = p.series.x.length;
      while (i > 0 && p.series.x[i - 1] > t) i--;
      p.series.x.splice(i, 0, t);
      p.series.y.splice(i, 0, value);
    }
  };
  for (const r of readings) add(r);
  const redraw = () => {
    for (const p of plots) p.plot.setData([p.series.x, p.series.y]);
  };
  redraw();
  const latest = [...readings];

  const renderScore = () => {
    const s = news2(latest, Date.now());
    const parts = Object.entries(s.parameters).map(([k, p]) =>
      h('li', {}, `${k}: ${p ? `${p.value} → ${p.points}` : 'no value in 5 min'}`),
    );
    scoreBox.replaceChildren(
      h(
        'div',
        { class: 'figure', id: 'news2-score' },
        s.complete
          ? `${s.score} ${s.level === 'none' ? '' : `▲ ${s.level.toUpperCase()}`}`
          : `${s.score} (incomplete)`,
      ),
      h('ul', {}, parts),
      h(
        'p',
        { class: 'muted' },
        'Computed in the page from the latest values (Royal College of Physicians, 2017; air, alert).',
      ),
    );
  };
  const renderProofs = () => {
    proofs.replaceChildren(
      h('tr', {}, h('th', {}, 'time'), h('th', {}, 'values'), h('th', {}, 'proof'), h('th', {}, '')),
      ...latest
        .slice(-10)
        .reverse()
        .map((r) =>
          h(
            'tr',
            {},
            h('td', {}, fmtTime(r.ts)),
            h(
              'td',
              {},
              Object.entries(r.data.vitals ?? {})
                .map(([k, v]) => `${k} ${v}`)
                .join(', '),
            ),
            h('td', {}, r.proof?.status ?? 'pending'),
            h('td', {}, h('button', { type: 'button', onclick: () => downloadProof(r.id) }, 'Proof file')),
          ),
        ),
    );
  };
  const renderAlarms = async () => {
    const alarms = await openAlarms(patientId);
    alarmsBox.replaceChildren(
      alarms.length === 0 ? h('p', { class: 'muted' }, 'no alarms') : alarmList(alarms, renderAlarms),
    );
  };
  renderScore();
  renderProofs();
  await renderAlarms();
  const scoreTimer = setInterval(renderScore, 10_000);
  cleanup.push(
    () => clearInterval(scoreTimer),
    onLive(view, (event) => {
      if (event.type === 'readings') {
        // A reading that came while the view loaded may be in the page it fetched already.
        const mine = event.data.readings.filter(
          (r) => r.kind === 'vitals' && r.data.patientId === patientId && !latest.some((l) => l.id === r.id),
        );
        if (mine.length === 0) return;
        for (const r of mine) {
          add(r);
          latest.push({ ...r, proof: { status: 'pending' } });
        }
        redraw();
        renderScore();
        renderProofs();
      } else if (event.type === 'alarm' && event.data.alarm?.patientId === patientId) {
        renderAlarms().catch(() => {});
      }
    }),
  );
}

async function downloadProof(id) {
  const proof = await api(`/v1/readings/${encodeURIComponent(id)}/proof`);
  const url = URL.createObjectURL(new Blob([JSON.stringify(proof, null, 2)], { type: 'application/json' }));
  const a = h('a', { href: url, download: `proof-${id}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---------- drones ----------
function rememberFlight(r) {
  const f = state.flights.get(r.data.flightId) ?? {
    flightId: r.data.flightId,
    deviceId: r.deviceId,
    readings: [],
  };
  f.readings.push(r);
  state.flights.set(f.flightId, f);
}

const BANDS = { vaccine: [2, 8], blood: [2, 8], sample: [2, 8] };

async function drones(view, flightId) {
  const form = h(
    'form',
    { class: 'card' },
    h('label', { for: 'flight-id' }, 'Flight id '),
    h('input', { id: 'flight-id', name: 'flight', value: flightId ?? '' }),
    ' ',
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/drones/${encodeURIComponent(form.elements.flight.value.trim())}`;
  });
  const seen = h('p', { class: 'muted', id: 'flights-seen' });
  const detail = h('div', { id: 'flight' });
  view.append(h('h1', {}, 'Drones'), form, seen, detail);
  const listSeen = () => {
    const ids = [...state.flights.keys()];
    seen.replaceChildren(
      ids.length === 0 ? 'No flight reported since sign-in.' : 'Flights reporting: ',
      ...ids.flatMap((id) => [h('a', { href: `#/drones/${encodeURIComponent(id)}` }, id), ' ']),
    );
  };
  listSeen();
  if (!flightId) {
    const first = state.flights.keys().next().value;
    if (first) flightId = first;
  }
  let readings = [];
  const render = () => {
    const telemetry = readings.filter((r) => r.kind === 'flight');
    const deliveries = readings.filter((r) => r.kind === 'delivery');
    const last = telemetry.at(-1)?.data;
    const kind = deliveries.find((d) => d.data.payload?.kind)?.data.payload.kind;
    const band = BANDS[kind] ?? [2, 8];
    const temp = last?.payloadTempC;
    const out = typeof temp === 'number' && (temp < band[0] || temp > band[1]);
    detail.replaceChildren(
      h('h2', {}, `Flight ${flightId}`),
      h(
        'div',
        { class: 'grid' },
        h(
          'div',
          { class: 'card' },
          h('div', { class: 'figure' }, last?.batteryPct === undefined ? '—' : `${last.batteryPct} %`),
          h('div', { class: 'label' }, 'battery'),
        ),
        h(
          'div',
          { class: 'card' },
          h(
            'div',
            { class: `figure${out ? ' band-out' : ''}` },
            temp === undefined ? '—' : `${temp} °C${out ? ' ▲ OUT OF BAND' : ''}`,
          ),
          h(
            'div',
            { class: 'label' },
            `payload temperature, band ${band[0]}–${band[1]} °C${kind ? ` (${kind})` : ''}`,
          ),
        ),
        h(
          'div',
          { class: 'card' },
          h(
            'div',
            { class: 'figure' },
            last ? `${last.position.lat.toFixed(4)}, ${last.position.lon.toFixed(4)}` : '—',
          ),
          h('div', { class: 'label' }, 'last position'),
        ),
      ),
      h('h2', {}, 'Track'),
      drawMap(
        telemetry.map((r) => r.data.position),
        deliveries.filter((r) => r.data.position).map((r) => ({ ...r.data.position, label: r.data.event })),
      ),
      h('h2', {}, 'Chain of custody'),
      deliveries.length === 0
        ? h('p', { class: 'muted' }, 'No delivery events.')
        : h(
            'ol',
            { id: 'custody' },
            deliveries.map((d) =>
              h(
                'li',
                {},
                `${fmtTime(d.ts)} — ${d.data.event}${d.data.patientId ? ` for ${d.data.patientId}` : ''}${d.data.payload ? ` (${d.data.payload.kind}: ${d.data.payload.description ?? ''})` : ''}${d.masked ? ' [masked]' : ''}`,
              ),
            ),
          ),
    );
  };
  if (flightId) {
    const page = await api(`/v1/flights/${encodeURIComponent(flightId)}?limit=1000`);
    readings = page.readings;
    render();
  }
  cleanup.push(
    onLive(view, (event) => {
      if (event.type !== 'readings') return;
      listSeen();
      const mine = event.data.readings.filter(
        (r) => r.data.flightId === flightId && !readings.some((x) => x.id === r.id),
      );
      if (mine.length === 0 || !flightId) return;
      readings.push(...mine);
      render();
    }),
  );
}

// ---------- ledger ----------
async function ledger(view) {
  view.append(h('h1', {}, 'Ledger'));
  const headBox = h('div', { class: 'card', id: 'head' });
  const table = h('table', { id: 'blocks' });
  view.append(headBox, h('h2', {}, 'Latest blocks'), h('div', { class: 'scroll' }, table));
  const load = async () => {
    const head = await api('/v1/ledger/head');
    headBox.replaceChildren(
      h(
        'div',
        {},
        `Height ${head.height} · head ${short(head.hash)} · ${head.pending} record(s) pending · genesis ${short(head.genesis)}`,
      ),
    );
    const fromHeight = Math.max(0, head.height - 19);
    const { blocks } = await api(`/v1/ledger/blocks?fromHeight=${fromHeight}&limit=20`);
    table.replaceChildren(
      h(
        'tr',
        {},
        h('th', {}, 'height'),
        h('th', {}, 'hash'),
        h('th', {}, 'time'),
        h('th', {}, 'records by gateway'),
        h('th', {}, 'confirmations'),
      ),
      ...blocks.reverse().map((b) => {
        const ts = Number.parseInt(b.header.slice(80, 96), 16);
        const byGateway = {};
        for (const r of b.records) byGateway[r.gatewayId] = (byGateway[r.gatewayId] ?? 0) + 1;
        return h(
          'tr',
          {},
          h('td', {}, b.height),
          h('td', { class: 'hash' }, short(b.hash)),
          h('td', {}, new Date(ts).toLocaleString()),
          h(
            'td',
            {},
            Object.entries(byGateway)
              .map(([g, n]) => `${g}: ${n}`)
              .join(', ') || '—',
          ),
          h('td', {}, head.height - b.height + 1),
        );
      }),
    );
  };
  await load();
  cleanup.push(
    onLive(view, (event) => {
      if (event.type === 'block') load().catch(() => {});
    }),
  );
}

// ---------- verify ----------
async function verify(view) {
  const t = state.trust;
  const input = h('input', { type: 'file', id: 'proof-file', accept: 'application/json,.json' });
  const result = h('div', { id: 'verdict', role: 'status', 'aria-live': 'polite' });
  view.append(
    h('h1', {}, 'Verify a proof'),
    h('p', {}, 'The file is checked in this browser only: nothing is sent to the gateway.'),
    h('div', { class: 'card' }, h('label', { for: 'proof-file' }, 'Proof file (JSON) '), input),
    result,
    h('h2', {}, 'Trusted at sign-in'),
    h(
      'ul',
      { class: 'checks', id: 'trust' },
      h('li', {}, `gateway ${t.gatewayId}: key ${t.gatewayKey}`),
      h('li', {}, `consortium ${t.consortium.name}, genesis ${t.consortium.genesis}`),
      t.consortium.members.map((m) => h('li', {}, `member ${m.gatewayId}: key ${m.publicKey}`)),
    ),
  );
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    let proof;
    try {
      proof = JSON.parse(await file.text());
    } catch {
      proof = undefined;
    }
    const verdict = await verifyProof(proof, t);
    result.replaceChildren(
      h(
        'p',
        { class: verdict.valid ? 'valid' : 'invalid', id: 'verdict-word' },
        verdict.valid ? '✔ VALID' : '✘ INVALID',
      ),
      h(
        'ul',
        { class: 'checks', id: 'checks' },
        verdict.checks.map((c) =>
          h(
            'li',
            { 'data-check': c.name },
            h('strong', {}, `${c.ok ? 'VALID' : 'INVALID'} ${c.name}`),
            ': ',
            c.detail,
          ),
        ),
      ),
    );
  });
}

// ---------- start ----------
$('#signin').addEventListener('submit', (e) => {
  e.preventDefault();
  $('#signin-error').textContent = '';
  signIn($('#token').value.trim()).catch((err) => {
    $('#signin-error').textContent =
      err.status === 401 ? 'That token is not valid.' : `Sign-in failed: ${err.message}`;
  });
});
$('#signout').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved).catch(() => ($('#signin').hidden = false));
else $('#signin').hidden = false;
