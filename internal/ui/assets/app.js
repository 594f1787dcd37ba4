// gohttpdbg ui: the page. Plain JS, no build step; everything it shows
// comes from this server's /api/* (the process's admin socket). Data is
// put in the page with textContent only, never as HTML.
'use strict';

const meta = (n) => document.querySelector('meta[name="' + n + '"]').content;
const CSRF = meta('csrf');
const WINDOW = parseInt(meta('window'), 10) || 2000; // exchanges kept
const MAX_ROWS = 500; // rows drawn: the newest that match the filters
const MAX_EVENTS = 500; // gc pauses and stalls kept
const params = new URLSearchParams(location.search);
const target = params.get('t') || meta('target') || '';
const $ = (id) => document.getElementById(id);

const st = {
  exchanges: [], // oldest first, at most WINDOW
  byId: new Map(),
  dropped: 0, // left the window
  skipped: 0, // sampled out by the server under load
  gcs: [], // {from, to} ms
  stalls: [], // frame.stall events
  status: null, conns: null, streams: null,
  paused: false, dirty: false, newWhilePaused: 0,
  selected: null,
};

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function ms(s) { // RFC 3339 with nanoseconds → epoch ms
  return Date.parse(String(s).replace(/(\.\d{3})\d+/, '$1'));
}

function durMs(d) { // a Go duration string → ms
  let t = 0;
  const re = /([\d.]+)(ns|us|µs|ms|s|m|h)/g;
  let m;
  const unit = {ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1e3, m: 6e4, h: 36e5};
  while ((m = re.exec(String(d))) !== null) t += parseFloat(m[1]) * unit[m[2]];
  return t;
}

function api(path) {
  const sep = path.includes('?') ? '&' : '?';
  return path + sep + 't=' + encodeURIComponent(target);
}

async function getJSON(path) {
  const r = await fetch(api(path), {credentials: 'same-origin'});
  if (!r.ok) throw new Error(path + ': ' + r.status + ' ' + (await r.text()));
  return r.json();
}

async function change(method, path, body) {
  const r = await fetch(api(path), {
    method, credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-Gohttpdbg-Csrf': CSRF},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(text.trim());
  return JSON.parse(text);
}

// ---- live stream ----

function setState(cls, text) {
  const s = $('state');
  s.className = 'state ' + cls;
  s.textContent = text;
}

function connect() {
  const es = new EventSource(api('/api/live'));
  es.addEventListener('state', (e) => {
    const m = JSON.parse(e.data);
    if (m.state === 'attached') {
      setState('attached', 'live: ' + m.program + ' (pid ' + m.pid + ')');
      $('picker').hidden = true;
    } else if (m.state === 'lost') {
      setState('lost', 'lost pid ' + m.pid + ': ' + m.msg);
    } else {
      setState('waiting', m.msg);
      if (/pick one/.test(m.msg)) showPicker(m.msg);
    }
  });
  es.addEventListener('status', (e) => { st.status = JSON.parse(e.data); renderControls(); });
  es.addEventListener('exchanges', (e) => {
    const m = JSON.parse(e.data);
    st.skipped += m.skipped || 0;
    for (const r of m.records || []) addExchange(r);
    markDirty();
  });
  es.addEventListener('events', (e) => { for (const ev of JSON.parse(e.data)) addEvent(ev); markDirty(); });
  es.addEventListener('conns', (e) => { st.conns = JSON.parse(e.data); renderConns(); });
  es.addEventListener('streams', (e) => { st.streams = JSON.parse(e.data); renderConns(); });
  es.onerror = () => {
    // EventSource retries by itself (the server asks for 1 s).
    setState('lost', 'the ui server is unreachable; retrying');
  };
}

function addExchange(r) {
  if (st.byId.has(r.id)) return;
  r._start = ms(r.start);
  r._end = r._start + Math.max(0, r.time || 0);
  st.exchanges.push(r);
  st.byId.set(r.id, r);
  while (st.exchanges.length > WINDOW) {
    st.byId.delete(st.exchanges.shift().id);
    st.dropped++;
  }
  if (st.paused) st.newWhilePaused++;
}

function addEvent(ev) {
  if (ev.event === 'gc.pause' && ev.attrs) {
    const to = ms(ev.attrs.end);
    st.gcs.push({from: to - durMs(ev.attrs.pause), to, d: ev.attrs.pause});
    if (st.gcs.length > MAX_EVENTS) st.gcs.shift();
  } else if (ev.event === 'frame.stall' || ev.event === 'frame.goaway') {
    ev._t = ms(ev.ts);
    st.stalls.push(ev);
    if (st.stalls.length > MAX_EVENTS) st.stalls.shift();
    renderConns();
  }
}

function markDirty() { st.dirty = true; }

// stallsOf returns the frame.stall events of r's connection while it ran:
// for an exchange that knows its HTTP/2 stream, those of that stream and of
// the connection's own window (stream 0). A client HTTP/2 exchange without
// a connection id (a response without a body, a build without the std
// patch) gets those of a client connection to its host.
function stallsOf(r) {
  return st.stalls.filter((s) => {
    if (s.event !== 'frame.stall' || s._t < r._start - 5 || s._t > r._end + 5) return false;
    if (r.conn && r.stream) return s.conn === r.conn && (!s.stream || s.stream === r.stream);
    if (r.conn) return s.conn === r.conn;
    const a = s.attrs || {};
    return a.side === r.side && (a.remote === r.remote || a.remote === r.host);
  });
}

// ---- waterfall ----

function filters() {
  return {
    side: $('f-side').value, method: $('f-method').value.trim().toUpperCase(),
    status: $('f-status').value.trim(), host: $('f-host').value.trim(),
    path: $('f-path').value.trim(), site: $('f-site').value.trim(), diag: $('f-diag').value.trim(),
  };
}

function matches(r, f) {
  if (f.side && r.side !== f.side) return false;
  if (f.method && r.method !== f.method) return false;
  if (f.status) {
    const s = String(r.status);
    if (/^\dxx$/i.test(f.status) ? s[0] !== f.status[0] : s !== f.status) return false;
  }
  if (f.host && !(r.host || '').includes(f.host)) return false;
  if (f.path && !(r.path || '').includes(f.path)) return false;
  if (f.site && !(r.site || '').includes(f.site)) return false;
  if (f.diag) {
    const names = (r.diagnostics || []).concat(stallsOf(r).length ? ['frame.stall'] : []);
    if (!names.some((d) => d.includes(f.diag))) return false;
  }
  return true;
}

const PHASES = ['blocked', 'dns', 'connect', 'ssl', 'send', 'wait', 'receive'];

function phaseSpans(r) {
  const t = r.timings || {};
  const v = (k) => (t[k] > 0 ? t[k] : 0);
  // HAR's connect includes ssl: draw them apart.
  const d = {blocked: v('blocked'), dns: v('dns'), connect: Math.max(0, v('connect') - v('ssl')), ssl: v('ssl'),
    send: v('send'), wait: v('wait'), receive: v('receive')};
  let at = 0;
  const out = [];
  for (const k of PHASES) {
    if (d[k] > 0) out.push({k, at, d: d[k]});
    at += d[k];
  }
  return out;
}

function render() {
  st.dirty = false;
  const f = filters();
  const shown = [];
  for (let i = st.exchanges.length - 1; i >= 0 && shown.length < MAX_ROWS; i--) {
    if (matches(st.exchanges[i], f)) shown.push(st.exchanges[i]);
  }
  // Rows in the order they started, as a network panel draws them (a
  // sampled batch arrives in no particular order).
  shown.sort((a, b) => a._start - b._start);
  let t0 = Infinity, t1 = -Infinity;
  for (const r of shown) { t0 = Math.min(t0, r._start); t1 = Math.max(t1, r._end); }
  const span = Math.max(1, t1 - t0);
  const pct = (t) => ((t - t0) / span) * 100;
  const rows = [];
  for (const r of shown) {
    const row = el('div', 'row side-' + r.side + (st.selected === r.id ? ' selected' : ''));
    row.dataset.id = r.id;
    row.append(el('span', 'c-side', r.side));
    const req = el('span', 'c-req');
    req.append(el('b', 'status s' + String(r.status)[0], r.status || 'ERR'), ' ', el('span', 'method', r.method), ' ',
      el('span', 'url', (r.host || '') + (r.path || '')));
    if (r.proto) req.append(' ', el('span', 'proto', r.proto));
    req.title = r.url + (r.error ? '\n' + r.error : '');
    row.append(req);
    row.append(el('span', 'c-site', r.site || r.via || ''));
    const conn = el('span', 'c-conn');
    if (r.side === 'client') conn.append(el('span', r.reused ? 'badge reused' : 'badge new', r.reused ? 'reused' : 'new conn'));
    if (r.conn) conn.append(' ', el('span', 'connid', '#' + r.conn));
    row.append(conn);
    const bar = el('span', 'c-bar');
    const track = el('span', 'track');
    track.style.left = pct(r._start) + '%';
    track.style.width = Math.max(0.2, ((r._end - r._start) / span) * 100) + '%';
    const total = Math.max(1e-9, phaseSpans(r).reduce((a, p) => a + p.d, 0));
    for (const p of phaseSpans(r)) {
      const s = el('span', 'ph ph-' + p.k);
      s.style.left = (p.at / total) * 100 + '%';
      s.style.width = (p.d / total) * 100 + '%';
      s.title = p.k + ' ' + p.d.toFixed(2) + ' ms';
      track.append(s);
    }
    bar.append(track);
    row.append(bar);
    const badges = el('span', 'c-badges');
    badges.append(el('span', 'time', (r.time || 0).toFixed(1) + ' ms'));
    for (const d of r.diagnostics || []) badges.append(el('span', 'badge diag', d));
    if (stallsOf(r).length) badges.append(el('span', 'badge diag stall', 'frame.stall'));
    row.append(badges);
    rows.push(row);
  }
  $('rows').replaceChildren(...rows);
  const bands = [];
  if (shown.length) {
    for (const g of st.gcs) {
      if (g.to < t0 || g.from > t1) continue;
      const b = el('span', 'gcband');
      b.style.left = pct(g.from) + '%';
      b.style.width = Math.max(0.15, ((g.to - g.from) / span) * 100) + '%';
      b.title = 'GC pause ' + g.d;
      bands.push(b);
    }
  }
  $('gc-layer').replaceChildren(...bands);
  $('axis').textContent = shown.length ? 'timeline: ' + span.toFixed(1) + ' ms' : 'timeline';
  let c = st.exchanges.length + ' exchanges kept (window ' + WINDOW + ', oldest dropped: ' + st.dropped + ')';
  if (st.skipped) c += '; ' + st.skipped + ' sampled out under load';
  if (st.paused) c += '; paused, ' + st.newWhilePaused + ' new';
  $('count').textContent = c;
  $('wf-note').textContent = shown.length === MAX_ROWS ? 'showing the newest ' + MAX_ROWS + ' matching exchanges' : '';
  const gcLevel = st.status && st.status.probes ? st.status.probes.gc : undefined;
  $('span-note').textContent = gcLevel !== undefined && gcLevel < 2 ? '(GC bands need gc=2)' : '';
}

// ---- detail pane ----

function kv(dl, k, v) { dl.append(el('dt', null, k), el('dd', null, v)); }

function headerRows(tbody, list) {
  tbody.replaceChildren(...(list || []).map((h) => {
    const tr = el('tr');
    tr.append(el('th', null, h.name), el('td', null, h.value));
    return tr;
  }));
  if (!list || !list.length) tbody.append(el('tr', 'none', 'not kept (header level 2 or a capture keeps them)'));
}

async function showDetail(id) {
  st.selected = id;
  $('detail').hidden = false;
  document.body.classList.add('detail-open');
  $('curl-text').hidden = true;
  let r;
  try {
    r = await getJSON('/api/admin/v1/requests/' + id);
  } catch (e) {
    r = st.byId.get(id);
    if (!r) { $('d-title').textContent = String(e.message); return; }
  }
  $('detail').dataset.id = id;
  $('d-title').textContent = r.side + ' ' + r.method + ' ' + r.url;
  const dl = $('d-summary');
  dl.replaceChildren();
  kv(dl, 'id', r.id); kv(dl, 'status', r.status + (r.error ? ' (' + r.error + ')' : ''));
  kv(dl, 'source line', r.site || ''); if (r.via) kv(dl, 'via', r.via);
  kv(dl, 'proto', r.proto || ''); kv(dl, 'start', r.start);
  kv(dl, 'connection', (r.conn ? '#' + r.conn : '?') + (r.side === 'client' ? (r.reused ? ' reused' : ' new') : '') +
    ' ' + (r.local || '') + ' → ' + (r.remote || ''));
  kv(dl, 'sizes', 'request header ' + r.request_header_size + ' B, body ' + r.request_body_size +
    ' B; response header ' + r.response_header_size + ' B, body ' + r.response_body_size + ' B');
  kv(dl, 'diagnostics', (r.diagnostics || []).join(', ') || 'none');
  const tb = $('d-timings').tBodies[0];
  tb.replaceChildren();
  for (const k of PHASES) {
    const tr = el('tr');
    tr.append(el('th', null, k === 'blocked' ? 'queued' : k === 'ssl' ? 'tls' : k), el('td', null, r.timings[k] < 0 ? '–' : r.timings[k].toFixed(3)));
    tb.append(tr);
  }
  headerRows($('d-reqh').tBodies[0], r.request_headers);
  headerRows($('d-resph').tBodies[0], r.response_headers);
  const bodies = $('d-bodies');
  bodies.replaceChildren();
  for (const [name, b] of [['request', r.request_body], ['response', r.response_body]]) {
    if (!b) continue;
    bodies.append(el('h4', null, name + ' body (' + b.size + ' B' + (b.truncated ? ', truncated' : '') + ')'), el('pre', 'body', b.text));
  }
  if (!bodies.childNodes.length) bodies.append(el('p', 'none', 'no body kept (a capture rule keeps them: Controls)'));
  // Events: what the process still keeps (its last 256) of this request and its connection.
  let evs = [];
  try { evs = await getJSON('/api/reqevents?req=' + r.id + '&conn=' + (r.conn || 0)); } catch (e) { /* shown empty */ }
  const mine = evs.filter((e) => e.req === r.id || (!e.req && !String(e.event).startsWith('frame.')));
  $('d-events').replaceChildren(...mine.map((e) => el('li', 'sev-' + e.sev, e.ts.slice(11, 26) + ' ' + e.event + ' ' + e.msg)));
  if (!mine.length) $('d-events').append(el('li', 'none', 'none kept (the process keeps its last 256 events)'));
  const dc = $('d-conn');
  dc.replaceChildren();
  const c = st.conns && (st.conns.conns || []).find((x) => x.id === r.conn);
  if (c) dc.append(el('p', null, '#' + c.id + ' ' + c.side + ' ' + c.state + ' for ' + c.in_state + ', ' + c.requests + ' request(s)' + (c.proto ? ', ' + c.proto : '') + (c.tls ? ', ' + c.tls : '')));
  else dc.append(el('p', 'none', r.conn ? 'connection #' + r.conn + ' is closed' : 'unknown connection'));
  const onConn = st.exchanges.filter((x) => x.conn && x.conn === r.conn && x.side === r.side);
  dc.append(el('p', null, onConn.length + ' exchange(s) in the window used this connection: ' +
    onConn.map((x) => '#' + x.id + (x.reused ? ' (reused)' : ' (new)')).join(', ')));
  const h2 = $('d-h2');
  h2.replaceChildren();
  const isH2 = r.proto === 'h2' || r.proto === 'h2c';
  $('d-h2-title').hidden = !isH2;
  if (isH2) {
    const flow = st.streams && (st.streams.conns || []).find((x) => x.conn === r.conn);
    if (flow) {
      h2.append(el('p', null, 'connection windows: send ' + flow.send_window + ', recv ' + flow.recv_window));
      for (const s of flow.streams || []) h2.append(el('p', s.send_closed_for || s.recv_closed_for ? 'stalled' : null,
        'stream ' + s.id + ': send ' + s.send_window + ', recv ' + s.recv_window + (s.send_closed_for ? ', send closed for ' + s.send_closed_for : '') + (s.recv_closed_for ? ', recv closed for ' + s.recv_closed_for : '')));
    } else {
      h2.append(el('p', 'none', 'the connection is no longer open (windows are shown while it is)'));
    }
    for (const s of stallsOf(r)) h2.append(el('p', 'stalled', 'stall: stream ' + s.stream + ' ' + s.attrs.dir + ': ' + s.msg));
    // The exchange's own stream when its record names it, else the
    // whole connection's.
    const frames = evs.filter((e) => String(e.event).startsWith('frame.') && (!r.stream || e.stream === r.stream));
    const ol = el('ol', 'frames');
    ol.append(...frames.map((e) => el('li', null, e.ts.slice(11, 26) + ' ' + e.event + ' stream=' + (e.stream || 0) + ' ' + e.msg)));
    const what = r.stream ? 'frames of stream ' + r.stream : 'frames on the connection';
    h2.append(el('h4', null, what + ' (' + frames.length + ' kept; the frame probe at 2 sees each)'), ol);
  }
  markDirty();
}

async function copyCurl() {
  const id = $('detail').dataset.id;
  const r = await fetch(api('/api/admin/v1/requests/' + id + '/curl'), {credentials: 'same-origin'});
  const text = await r.text();
  const pre = $('curl-text');
  pre.textContent = text;
  pre.hidden = false;
  try { await navigator.clipboard.writeText(text); pre.dataset.copied = 'yes'; } catch (e) { pre.dataset.copied = 'no'; }
}

function downloadHAR() {
  const a = el('a');
  a.href = api('/api/admin/v1/har') + '&download=1';
  a.download = '';
  document.body.append(a);
  a.click();
  a.remove();
}

// ---- connections view ----

function cells(tr, list) { for (const v of list) tr.append(el('td', null, v === undefined || v === null ? '' : v)); }

function renderConns() {
  if (st.conns) {
    $('hosts').tBodies[0].replaceChildren(...(st.conns.hosts || []).map((h) => {
      const tr = el('tr', h.new_conns > 1 && h.reuse < 0.5 ? 'churn' : null);
      cells(tr, [h.host, h.transport, h.new_conns, h.reused, (h.reuse * 100).toFixed(0) + '%', h.max_idle_per_host]);
      return tr;
    }));
    $('conns').tBodies[0].replaceChildren(...(st.conns.conns || []).map((c) => {
      const tr = el('tr', 'state-' + c.state);
      cells(tr, [c.id, c.side, c.local, c.remote, c.state, c.in_state, c.proto, c.tls, c.requests, c.h2_streams]);
      return tr;
    }));
  }
  if (st.streams) {
    const rows = [];
    for (const f of st.streams.conns || []) {
      const tr = el('tr', f.send_closed_for || f.recv_closed_for ? 'stalled' : null);
      cells(tr, [f.conn, f.side, f.remote, '(conn)', f.send_window, f.recv_window, [f.send_closed_for && 'send ' + f.send_closed_for, f.recv_closed_for && 'recv ' + f.recv_closed_for].filter(Boolean).join(', ')]);
      rows.push(tr);
      for (const s of f.streams || []) {
        const sr = el('tr', s.send_closed_for || s.recv_closed_for ? 'stalled stream' : 'stream');
        cells(sr, [f.conn, f.side, f.remote, s.id, s.send_window, s.recv_window, [s.send_closed_for && 'send ' + s.send_closed_for, s.recv_closed_for && 'recv ' + s.recv_closed_for].filter(Boolean).join(', ')]);
        rows.push(sr);
      }
    }
    $('streams').tBodies[0].replaceChildren(...rows);
    $('streams-note').textContent = st.streams.frame_level < 1 ? 'the frame probe is at 0: windows are followed at frame ≥ 1' : '';
  }
  const stalls = st.stalls.slice(-50).reverse();
  $('stalls').replaceChildren(...stalls.map((s) => el('li', 'stalled', s.ts.slice(11, 23) + ' conn #' + s.conn + ' stream ' + s.stream +
    ' (' + ((s.attrs && s.attrs.side) || '') + '): ' + s.msg)));
  if (!stalls.length) $('stalls').append(el('li', 'none', 'no stall seen'));
}

// ---- controls ----

function renderControls() {
  const s = st.status;
  if (!s) return;
  const ro = s.mode !== 'on';
  const reason = $('ro-reason');
  reason.hidden = !ro;
  reason.textContent = ro ? 'Changes are disabled: the process runs with its admin socket in "' + s.mode +
    '" mode (GOHTTPDBG_ADMIN=' + s.mode + '), which refuses every change.' : '';
  for (const b of document.querySelectorAll('#view-controls button, #view-controls select, #view-controls input')) b.disabled = ro;
  const box = $('levels');
  for (const [name, lvl] of Object.entries(s.probes || {})) {
    let sel = $('lvl-' + name);
    if (!sel) {
      const lab = el('label', 'level', name + ' ');
      sel = el('select');
      sel.id = 'lvl-' + name;
      for (const v of [0, 1, 2]) { const o = el('option', null, v); o.value = String(v); sel.append(o); }
      sel.disabled = ro;
      lab.append(sel);
      box.append(lab);
    }
    if (!sel.dataset.touched) sel.value = String(lvl);
    sel.dataset.current = String(lvl);
  }
  $('overrides').replaceChildren(...(s.overrides || []).map((o) => el('li', null, o.kind + '/' + o.key + ' = ' + o.value +
    ' (reverts to ' + (o.unset ? '(unset)' : o.before) + ' at ' + o.expires + ', by pid ' + o.by.pid + ')')));
  if (!(s.overrides || []).length) $('overrides').append(el('li', 'none', 'none'));
}

async function refreshControls() {
  try {
    const [cap, audit] = await Promise.all([getJSON('/api/admin/v1/capture'), getJSON('/api/admin/v1/audit')]);
    $('capture-now').textContent = cap.rule ? 'capturing: ' + JSON.stringify(cap.rule) + ' until ' + cap.expires : 'no capture';
    $('audit').replaceChildren(...(audit.entries || []).slice(-10).map((e) => el('li', null, e.seq + ' ' + e.time + ' ' + e.action + ' ' +
      JSON.stringify(e.before) + ' → ' + JSON.stringify(e.after) + ' ttl ' + e.ttl + ' ' + e.result)));
  } catch (e) { $('ctl-msg').textContent = e.message; }
}

async function applyProbes() {
  const body = {};
  for (const sel of document.querySelectorAll('#levels select')) {
    if (sel.value !== sel.dataset.current) body[sel.id.slice(4)] = parseInt(sel.value, 10);
  }
  if (!Object.keys(body).length) { $('ctl-msg').textContent = 'nothing to change'; return; }
  body.ttl = $('ttl').value.trim();
  try {
    const c = await change('PUT', '/api/admin/v1/probes', body);
    $('ctl-msg').textContent = 'changed (audit entry ' + c.audit + '): ' + JSON.stringify(c.before) + ' → ' + JSON.stringify(c.after) + ', reverts at ' + c.expires;
    for (const sel of document.querySelectorAll('#levels select')) delete sel.dataset.touched;
    st.status = await getJSON('/api/admin/v1/status');
    renderControls();
  } catch (e) { $('ctl-msg').textContent = 'refused: ' + e.message; }
  refreshControls();
}

async function setCapture() {
  const rule = {side: $('cap-side').value, method: $('cap-method').value.trim().toUpperCase(), path: $('cap-path').value.trim(),
    host: $('cap-host').value.trim(), max_body: parseInt($('cap-max').value, 10) || 4096};
  try {
    const c = await change('PUT', '/api/admin/v1/capture', {rule, ttl: $('cap-ttl').value.trim()});
    $('ctl-msg').textContent = 'capture set (audit entry ' + c.audit + '), until ' + c.expires;
  } catch (e) { $('ctl-msg').textContent = 'refused: ' + e.message; }
  refreshControls();
}

async function stopCapture() {
  try { await change('DELETE', '/api/admin/v1/capture'); $('ctl-msg').textContent = 'capture stopped'; } catch (e) { $('ctl-msg').textContent = 'refused: ' + e.message; }
  refreshControls();
}

// ---- picker ----

async function showPicker(msg) {
  $('picker').hidden = false;
  $('picker-msg').textContent = msg;
  const list = await (await fetch('/api/procs', {credentials: 'same-origin'})).json();
  $('procs').replaceChildren(...list.map((p) => {
    const li = el('li');
    const a = el('a', null, p.pid + ' ' + p.program + ' (up ' + p.uptime + ', ' + p.mode + ')');
    a.href = '/?t=' + p.pid;
    li.append(a);
    return li;
  }));
}

// ---- wiring ----

function showView(name) {
  for (const b of document.querySelectorAll('.tab')) b.classList.toggle('active', b.dataset.view === name);
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + name;
  if (name === 'controls') refreshControls();
}

document.addEventListener('DOMContentLoaded', () => {
  for (const b of document.querySelectorAll('.tab')) b.addEventListener('click', () => showView(b.dataset.view));
  $('filters').addEventListener('input', markDirty);
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('pause').addEventListener('click', () => {
    st.paused = !st.paused;
    st.newWhilePaused = 0;
    $('pause').textContent = st.paused ? 'Resume' : 'Pause';
    render();
  });
  $('rows').addEventListener('click', (e) => {
    const row = e.target.closest('.row');
    if (row) showDetail(Number(row.dataset.id));
  });
  $('detail-close').addEventListener('click', () => { $('detail').hidden = true; document.body.classList.remove('detail-open'); st.selected = null; markDirty(); });
  $('copy-curl').addEventListener('click', copyCurl);
  $('download-har').addEventListener('click', downloadHAR);
  $('levels').addEventListener('change', (e) => { e.target.dataset.touched = '1'; });
  $('apply-probes').addEventListener('click', applyProbes);
  $('capture-set').addEventListener('click', setCapture);
  $('capture-off').addEventListener('click', stopCapture);
  // Drawing is throttled: at most twice a second, whatever the rate of
  // exchanges; paused, the view stays as it is.
  setInterval(() => { if (st.dirty && !st.paused) render(); }, 500);
  connect();
  render();
  renderConns();
});
