// The team dashboard: one HTML page, its script and its style sheet, served by the team server itself (no external
// assets; the CSP allows only same-origin script, style and fetch). The page asks for a token, keeps it in
// sessionStorage (this tab only), reads this month's summary and the team's budget status, and draws with DOM calls
// and textContent only: no string of the server's answers is ever parsed as HTML. Plain ES2020 in a string, as the
// browser gets it (the server has no build step of its own; the page is small).

export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agent Meter — team</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
  <div>
    <h1>Agent Meter <span id="team" class="team"></span></h1>
    <p id="range" class="muted"></p>
  </div>
  <div class="actions">
    <button id="refresh" type="button" hidden>Refresh</button>
    <button id="forget" type="button" hidden>Forget token</button>
  </div>
</header>
<main>
  <form id="login" hidden>
    <label for="token">Team token</label>
    <div class="row">
      <input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="amt_…" required>
      <button type="submit">Show</button>
    </div>
    <p class="muted">A member or admin token of the team. It stays in this tab (sessionStorage) and is sent only to this server.</p>
  </form>
  <p id="message" role="status" aria-live="polite"></p>
  <div id="view" hidden>
    <section class="cards" id="cards" aria-label="Totals and team budgets"></section>
    <section>
      <h2>Per day</h2>
      <div id="chart" class="chart"></div>
    </section>
    <div class="tables">
      <section><h2>By member</h2><table id="by-member"></table></section>
      <section><h2>By repo</h2><table id="by-repo"></table></section>
      <section><h2>By model</h2><table id="by-model"></table></section>
    </div>
  </div>
</main>
</body>
</html>
`;

export const dashboardCss = `:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --card: #f6f8fa; --bar: #0969da;
  --ok: #1a7f37; --warn: #9a6700; --throttle: #bc4c00; --stop: #cf222e; --none: #656d76;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --card: #161b22; --bar: #4493f8;
    --ok: #3fb950; --warn: #d29922; --throttle: #db6d28; --stop: #f85149; --none: #8d96a0;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { display: flex; justify-content: space-between; align-items: flex-start; gap: 1rem; padding: 1rem 1.5rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
.team { color: var(--muted); font-weight: normal; }
.muted { color: var(--muted); margin: .25rem 0 0; }
main { padding: 0 1.5rem 2rem; max-width: 72rem; }
button, input { font: inherit; color: inherit; }
button { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .35rem .8rem; cursor: pointer; }
button:focus-visible, input:focus-visible { outline: 2px solid var(--bar); outline-offset: 1px; }
input { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .35rem .6rem; min-width: 22rem; max-width: 100%; }
form { margin-top: 1.5rem; }
form label { display: block; font-weight: 600; margin-bottom: .35rem; }
.row { display: flex; gap: .5rem; flex-wrap: wrap; }
.actions { display: flex; gap: .5rem; }
#message:empty { display: none; }
#message { margin: 1rem 0; }
#message.error { color: var(--stop); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .75rem; margin-top: 1.25rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; }
.card .label { color: var(--muted); font-size: .85rem; }
.card .value { font-size: 1.5rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .detail { font-size: .85rem; }
.track { height: 6px; background: var(--line); border-radius: 3px; margin: .5rem 0 .25rem; overflow: hidden; }
.fill { height: 100%; background: var(--ok); }
.level { font-weight: 600; }
.level-ok { color: var(--ok); } .fill.level-ok { background: var(--ok); }
.level-warn { color: var(--warn); } .fill.level-warn { background: var(--warn); }
.level-throttle { color: var(--throttle); } .fill.level-throttle { background: var(--throttle); }
.level-stop { color: var(--stop); } .fill.level-stop { background: var(--stop); }
.level-none { color: var(--none); }
.chart svg { width: 100%; height: auto; display: block; }
.chart .bar { fill: var(--bar); }
.chart .axis { stroke: var(--line); }
.chart text { fill: var(--muted); font-size: 10px; }
.tables section { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .5rem; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; max-width: 24rem; overflow: hidden; text-overflow: ellipsis; }
th { color: var(--muted); font-weight: 600; font-size: .85rem; }
td.empty { text-align: left; color: var(--muted); }
`;

export const dashboardJs = `'use strict';
(() => {
  const STORAGE_KEY = 'agentMeterToken';
  const SVG = 'http://www.w3.org/2000/svg';
  const byId = (id) => document.getElementById(id);
  const usdFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

  const usd = (v) => (v === 0 ? '$0.00' : v > 0 && v < 0.005 ? '<$0.01' : usdFormat.format(v));
  const count = (n) => countFormat.format(n);
  const compact = (n) => {
    if (n < 1000) return String(n);
    for (const [size, suffix] of [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']]) {
      if (n >= size) return (n / size).toFixed(n / size < 100 ? 1 : 0).replace(/\\.0$/, '') + suffix;
    }
    return String(n);
  };
  const percent = (p) => (p >= 10 ? Math.round(p) + '%' : p.toFixed(1).replace(/\\.0$/, '') + '%');
  const levelWord = (l) => (l === 'none' ? 'no budget' : l);
  const PERIOD_LABEL = { daily: 'Today', weekly: 'This week', monthly: 'This month' };

  /** An element with a class and children (strings become text nodes). */
  function el(tag, className, ...children) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    for (const c of children) e.append(c);
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  }

  let token = sessionStorage.getItem(STORAGE_KEY) || '';

  async function api(path) {
    const res = await fetch(path, { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error((body && body.error && body.error.message) || res.statusText || 'request failed');
      err.status = res.status;
      throw err;
    }
    return body;
  }

  function say(text, isError) {
    const m = byId('message');
    m.textContent = text;
    m.className = isError ? 'error' : '';
  }

  function showLogin(message) {
    byId('login').hidden = false;
    byId('view').hidden = true;
    byId('refresh').hidden = true;
    byId('forget').hidden = true;
    say(message || '', Boolean(message));
    byId('token').focus();
  }

  async function load() {
    say('Loading…');
    try {
      const [summary, status] = await Promise.all([api('/v1/team/summary'), api('/v1/budget/status')]);
      byId('login').hidden = true;
      byId('view').hidden = false;
      byId('refresh').hidden = false;
      byId('forget').hidden = false;
      byId('team').textContent = summary.team;
      byId('range').textContent = summary.from + ' to ' + summary.to + ' · ' + summary.timeZone + ' · as of ' + new Date(status.asOf).toLocaleString();
      renderCards(summary, status);
      renderChart(summary);
      renderTable(byId('by-member'), 'Member', summary.byMember, summary.total, (k) => k);
      renderTable(byId('by-repo'), 'Repo', summary.byRepo, summary.total, (k) => k || '(not shared)');
      renderTable(byId('by-model'), 'Model', summary.byModel, summary.total, (k) => k);
      say('');
    } catch (err) {
      if (err.status === 401) {
        sessionStorage.removeItem(STORAGE_KEY);
        token = '';
        showLogin('That token is not valid here.');
      } else {
        say('Could not load: ' + err.message, true);
      }
    }
  }

  function renderCards(summary, status) {
    const cards = byId('cards');
    cards.replaceChildren();
    const total = el('div', 'card', el('div', 'label', 'Team total'), el('div', 'value', usd(summary.total.costUsd)),
      el('div', 'detail', count(summary.total.requests) + ' requests · ' + summary.byMember.length + ' members'));
    cards.append(total);
    for (const p of status.team.periods) {
      const card = el('div', 'card', el('div', 'label', PERIOD_LABEL[p.period] + ' (from ' + p.start + ')'), el('div', 'value', usd(p.spentUsd)));
      if (p.limitUsd === null) {
        card.append(el('div', 'detail level level-none', 'No team budget'));
      } else {
        const track = el('div', 'track');
        const fill = el('div', 'fill level-' + p.level);
        fill.style.width = Math.min(100, Math.max(0, p.percent || 0)) + '%';
        track.append(fill);
        track.setAttribute('role', 'progressbar');
        track.setAttribute('aria-valuemin', '0');
        track.setAttribute('aria-valuemax', '100');
        track.setAttribute('aria-valuenow', String(Math.round(Math.min(100, p.percent || 0))));
        card.append(track, el('div', 'detail', 'of ' + usd(p.limitUsd) + ' (' + percent(p.percent || 0) + ') — ', el('span', 'level level-' + p.level, levelWord(p.level))));
      }
      card.append(el('div', 'detail muted', 'Resets ' + new Date(p.resetAt).toLocaleString()));
      cards.append(card);
    }
  }

  function daysBetween(from, to) {
    const days = [];
    for (let t = Date.parse(from + 'T00:00:00Z'); t <= Date.parse(to + 'T00:00:00Z'); t += 86400000) days.push(new Date(t).toISOString().slice(0, 10));
    return days;
  }

  function renderChart(summary) {
    const box = byId('chart');
    box.replaceChildren();
    const cost = new Map(summary.byDay.map((d) => [d.key, d.costUsd]));
    const days = daysBetween(summary.from, summary.to);
    const max = Math.max(0, ...days.map((d) => cost.get(d) || 0));
    const slot = 24, plotH = 140, top = 14, left = 4, bottom = 18;
    const width = left + days.length * slot;
    const chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + (top + plotH + bottom), role: 'img' });
    chart.setAttribute('aria-label', 'Cost per day from ' + summary.from + ' to ' + summary.to + ', highest ' + usd(max));
    chart.append(svg('line', { class: 'axis', x1: left, x2: width, y1: top + plotH + 0.5, y2: top + plotH + 0.5 }));
    const peak = svg('text', { x: left, y: 10 });
    peak.textContent = 'max ' + usd(max);
    chart.append(peak);
    days.forEach((day, i) => {
      const v = cost.get(day) || 0;
      const h = max > 0 ? Math.max(v > 0 ? 1 : 0, (v / max) * plotH) : 0;
      const bar = svg('rect', { class: 'bar', x: left + i * slot + 3, y: top + plotH - h, width: slot - 6, height: h, rx: 2 });
      const tip = svg('title', {});
      tip.textContent = day + ': ' + usd(v);
      bar.append(tip);
      chart.append(bar);
      if (i % Math.ceil(days.length / 16) === 0) {
        const label = svg('text', { x: left + i * slot + slot / 2, y: top + plotH + 13, 'text-anchor': 'middle' });
        label.textContent = day.slice(8);
        chart.append(label);
      }
    });
    box.append(chart);
  }

  function renderTable(table, label, groups, total, name) {
    table.replaceChildren();
    const head = el('tr', '', ...[label, 'Cost', 'Share', 'Requests', 'Input', 'Output', 'Cache read', 'Cache write'].map((h) => {
      const th = el('th', '', h);
      th.scope = 'col';
      return th;
    }));
    table.append(el('thead', '', head));
    const body = el('tbody', '');
    if (groups.length === 0) {
      const td = el('td', 'empty', 'No usage in this range.');
      td.colSpan = 8;
      body.append(el('tr', '', td));
    }
    for (const g of groups) {
      const share = total.costNanoUsd > 0 ? percent((100 * g.costNanoUsd) / total.costNanoUsd) : '—';
      const t = g.tokens;
      body.append(el('tr', '', ...[name(g.key), usd(g.costUsd), share, count(g.requests), compact(t.input), compact(t.output),
        compact(t.cacheRead), compact(t.cacheWrite5m + t.cacheWrite1h)].map((c) => el('td', '', c))));
    }
    table.append(body);
  }

  byId('login').addEventListener('submit', (e) => {
    e.preventDefault();
    token = byId('token').value.trim();
    byId('token').value = '';
    sessionStorage.setItem(STORAGE_KEY, token);
    void load();
  });
  byId('refresh').addEventListener('click', () => void load());
  byId('forget').addEventListener('click', () => {
    sessionStorage.removeItem(STORAGE_KEY);
    token = '';
    showLogin('');
  });
  if (token) void load();
  else showLogin('');
})();
`;
