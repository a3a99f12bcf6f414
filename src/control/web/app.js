// app.js: the cutover web page (docs/web.md). Polls the control API every second with the
// bearer token (taken from the URL fragment #token=... or asked for, kept in sessionStorage),
// draws what it answers, and sends the actions the buttons ask for. No framework, no network
// fetches beyond the control API that served it.
'use strict';

(function() {
const TOKEN_KEY = 'cutover.control_token';
const POLL_MS = 1000;
const RATE_WINDOW_MS = 10000;  // rows/s and ETA: over the last ten seconds of polls
const STAGES =
    ['source_only', 'dual_write', 'shadow', 'target_reads', 'target_primary', 'target_only'];

let token = null;
let ctlServed = true;  // false once GET /v1/ctl answered 404 (no live controls here)
let pollCount = 0;
const copySamples = new Map();  // table -> [{at, rows}], the last RATE_WINDOW_MS of polls

const $ = (selector, root) => (root || document).querySelector(selector);

// --- the token ----------------------------------------------------------------------------

// The fragment never reaches the server; it is moved to sessionStorage and cleared from the
// address bar so that it is not bookmarked or shared by accident.
function takeToken() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  token = sessionStorage.getItem(TOKEN_KEY);
}

function needToken(why) {
  $('#need-token').hidden = false;
  $('#main').hidden = true;
  $('#token-error').textContent = why || '';
  document.body.dataset.state = 'need-token';
}

function haveToken() {
  $('#need-token').hidden = true;
  $('#main').hidden = false;
  document.body.dataset.state = 'ready';
}

// --- the API --------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const init = {method: method, headers: {}, cache: 'no-store'};
  if (token) init.headers['Authorization'] = 'Bearer ' + token;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, 'the control API does not answer (' + error.message + ')');
  }
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch (error) {
    json = null;
  }
  if (!response.ok) {
    const message = json && json.error ? json.error : (text || response.statusText);
    throw new ApiError(response.status, message);
  }
  return json;
}

// --- formatting -----------------------------------------------------------------------------

function number(value) {
  return value === undefined || value === null ? '—' : Number(value).toLocaleString('en-US');
}

function duration(seconds) {
  if (!isFinite(seconds) || seconds < 0) return '—';
  seconds = Math.round(seconds);
  if (seconds < 60) return seconds + ' s';
  if (seconds < 3600) return Math.floor(seconds / 60) + ' min ' + (seconds % 60) + ' s';
  return Math.floor(seconds / 3600) + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
}

function time(ms) { return ms ? new Date(ms).toLocaleString('en-GB', {hour12: false}) : 'never'; }

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

// The row of `tbody` keyed `key` (data-key), made with `columns` cells when missing.
function keyedRow(tbody, key, columns) {
  for (const row of tbody.rows) {
    if (row.dataset.key === key) return row;
  }
  const row = document.createElement('tr');
  row.dataset.key = key;
  for (let index = 0; index < columns; ++index) cell(row, '');
  tbody.appendChild(row);
  return row;
}

function showMessage(text, bad) {
  const box = $('#message');
  box.textContent = text;
  box.className = bad ? 'bad' : '';
}

// --- copy progress --------------------------------------------------------------------------

function copyRate(table, rows, now) {
  let samples = copySamples.get(table);
  if (!samples) copySamples.set(table, samples = []);
  samples.push({at: now, rows: rows});
  while (samples.length > 2 && now - samples[0].at > RATE_WINDOW_MS) samples.shift();
  const first = samples[0];
  const seconds = (now - first.at) / 1000;
  return seconds >= 0.9 ? (rows - first.rows) / seconds : null;
}

function renderTables(tables) {
  const tbody = $('#tables tbody');
  const now = Date.now();
  for (const table of tables) {
    const row = keyedRow(tbody, table.table, 6);
    row.dataset.rows = table.rows_copied;
    row.dataset.state = table.state;
    const done = table.state !== 'pending' && table.state !== 'copying';
    const estimate = Math.max(table.rows_estimate, table.rows_copied);
    const rate = copyRate(table.table, table.rows_copied, now);
    row.cells[0].textContent = table.table;
    row.cells[1].textContent = table.state;
    let bar = row.cells[2].firstChild;
    if (!bar) row.cells[2].appendChild(bar = document.createElement('progress'));
    bar.max = 1;
    bar.value = done ? 1 : (estimate > 0 ? table.rows_copied / estimate : 0);
    row.cells[2].title = Math.round(bar.value * 100) + '%';
    row.cells[3].textContent = number(table.rows_copied) + ' / ~' + number(table.rows_estimate);
    row.cells[3].className = 'num rows';
    row.cells[4].textContent = done || rate === null ? '—' : number(Math.round(rate));
    row.cells[4].className = 'num rate';
    const left = estimate - table.rows_copied;
    row.cells[5].textContent = done ? 'done' : (rate > 0 && left > 0 ? duration(left / rate) : '—');
    row.cells[5].className = 'eta';
  }
}

// --- the lag plot ---------------------------------------------------------------------------

// Each line scaled to its own maximum (named under the plot), time on x.
function line(points, width, height) {
  const xs = points.map(point => point[0]);
  const min = Math.min(...xs);
  const span = Math.max(Math.max(...xs) - min, 1);
  const top = Math.max(...points.map(point => point[1]), 1e-9);
  return points
      .map(
          point => ((point[0] - min) / span * width).toFixed(1) + ',' +
              (height - 4 - point[1] / top * (height - 8)).toFixed(1))
      .join(' ');
}

function renderHistory(history) {
  const samples = history.samples || [];
  const plot = $('#lag-plot');
  plot.dataset.samples = samples.length;
  if (samples.length === 0) return;
  const seconds = samples.map(sample => [sample[0], sample[1]]);
  const records = samples.map(sample => [sample[0], sample[2]]);
  // Per second between samples: changes applied (field 3) and rows copied (field 4).
  const perSecond = field => {
    const out = [];
    for (let index = 1; index < samples.length; ++index) {
      const elapsed = (samples[index][0] - samples[index - 1][0]) / 1000;
      const grown = samples[index][field] - samples[index - 1][field];
      if (elapsed > 0 && grown >= 0) out.push([samples[index][0], grown / elapsed]);
    }
    return out;
  };
  const rates = perSecond(3);
  const copied = perSecond(4);
  $('#lag-seconds-line').setAttribute('points', line(seconds, 600, 160));
  $('#lag-records-line').setAttribute('points', line(records, 600, 160));
  $('#apply-rate-line').setAttribute('points', rates.length ? line(rates, 600, 160) : '');
  $('#copy-rate-line').setAttribute('points', copied.length ? line(copied, 600, 160) : '');
  const maxOf = list => Math.max(0, ...list.map(point => point[1]));
  $('#plot-max').textContent = 'max ' + maxOf(seconds).toFixed(1) + ' s · ' +
      number(maxOf(records)) + ' records · ' + number(Math.round(maxOf(rates))) + ' changes/s · ' +
      number(Math.round(maxOf(copied))) + ' rows copied/s; from ' + time(samples[0][0]) + ' to ' +
      time(samples[samples.length - 1][0]);
  $('#history-span').textContent =
      duration((samples[samples.length - 1][0] - samples[0][0]) / 1000);
  // The apply rate now: over the last five samples.
  const recent = samples.slice(-6);
  const elapsed = (recent[recent.length - 1][0] - recent[0][0]) / 1000;
  $('#apply-rate').textContent = elapsed > 0 ?
      number(Math.round((recent[recent.length - 1][3] - recent[0][3]) / elapsed)) + ' changes/s' :
      '—';
}

// --- changes applied, verify, fences --------------------------------------------------------

function renderApplied(byTable) {
  const tbody = $('#applied tbody');
  for (const [table, counts] of Object.entries(byTable || {})) {
    const row = keyedRow(tbody, table, 4);
    row.cells[0].textContent = table;
    row.cells[1].textContent = number(counts.inserts);
    row.cells[2].textContent = number(counts.updates);
    row.cells[3].textContent = number(counts.deletes);
    for (let index = 1; index < 4; ++index) row.cells[index].className = 'num';
  }
}

function renderVerify(verify) {
  const summary = $('#verify-summary');
  const report = verify.report;
  let text = report ? 'last verify: ' + (report.complete ? 'complete' : 'not complete') + ', ' +
          number(report.differences) + ' differences, started ' + time(report.started_at_ms) +
          (report.finished_at_ms ? ', finished ' + time(report.finished_at_ms) : '') +
          (report.tables_glob ? ', tables ' + report.tables_glob : '') :
                      'no verify yet';
  if (verify.running) text = 'verify running since ' + time(verify.started_at_ms) + '; ' + text;
  if (verify.error) text += '; the last verify started here failed: ' + verify.error;
  summary.textContent = text;
  summary.className = report && report.complete && report.differences === 0 ? 'good' :
      (report && report.differences > 0) || verify.error                    ? 'bad' :
                                                                              '';
  document.body.dataset.verify =
      verify.running ? 'running' : (report ? (report.complete ? 'complete' : 'partial') : 'none');
  const tbody = $('#verify tbody');
  tbody.textContent = '';
  for (const table of (report && report.tables) || []) {
    const row = keyedRow(tbody, table.table, 6);
    row.cells[0].textContent = table.table + (table.scan ? ' (scan)' : '');
    row.cells[1].textContent = number(table.rows);
    row.cells[2].textContent = number(table.missing);
    row.cells[3].textContent = number(table.extra);
    row.cells[4].textContent = number(table.different);
    row.cells[5].textContent = table.done ? 'yes' : 'no';
    row.className = table.differences > 0 ? 'bad' : '';
  }
}

function renderFences(fences) {
  const tbody = $('#fences tbody');
  tbody.textContent = '';
  for (const fence of (fences || []).slice().reverse()) {
    const row = document.createElement('tr');
    cell(row, time(fence.written_at_ms));
    cell(row, time(fence.applied_at_ms));
    cell(row, Number(fence.lag_seconds).toFixed(3) + ' s', 'num');
    cell(row, fence.id, 'muted');
    tbody.appendChild(row);
  }
}

// --- stages ---------------------------------------------------------------------------------

function groupBox(group) {
  const container = $('#groups');
  for (const box of container.children) {
    if (box.dataset.group === group) return box;
  }
  const box = document.createElement('div');
  box.className = 'group';
  box.dataset.group = group;
  box.innerHTML =
      '<p><b class="name"></b>: <b class="stage"></b> <span class="since muted"></span></p>' +
      '<p><button type="button" class="back"></button> <button type="button" class="forward">' +
      '</button> <input class="reason" size="30" placeholder="reason (audited)"></p>' +
      '<p class="refusal bad"></p><p class="next muted"></p><ul class="checks"></ul>' +
      '<details><summary>audit</summary><ul class="audit"></ul></details>';
  $('.name', box).textContent = group;
  $('.back', box).addEventListener('click', () => moveStage(box, box.dataset.back));
  $('.forward', box).addEventListener('click', () => moveStage(box, box.dataset.forward));
  container.appendChild(box);
  return box;
}

function renderGroups(flags, guards) {
  for (const flag of flags) {
    const box = groupBox(flag.group);
    box.dataset.stage = flag.stage;
    $('.stage', box).textContent = flag.stage;
    $('.since', box).textContent = 'since ' + time(flag.since_ms) +
        (flag.tables.length ? ' · tables ' + flag.tables.join(', ') : '');
    const index = STAGES.indexOf(flag.stage);
    box.dataset.back = index > 0 ? STAGES[index - 1] : '';
    box.dataset.forward = index + 1 < STAGES.length ? STAGES[index + 1] : '';
    $('.back', box).hidden = !box.dataset.back;
    $('.back', box).textContent = 'back to ' + box.dataset.back;
    $('.forward', box).hidden = !box.dataset.forward;
    $('.forward', box).textContent = 'forward to ' + box.dataset.forward;
    const guard = (guards || []).find(each => each.group === flag.group);
    const list = $('.checks', box);
    list.textContent = '';
    if (!guard || !guard.next) {
      $('.next', box).textContent = 'the last stage';
      continue;
    }
    $('.next', box).textContent = guard.checks.length ?
        'to move to ' + guard.next + ':' :
        'to move to ' + guard.next + ': no guard rail beyond one stage at a time';
    for (const check of guard.checks) {
      const item = document.createElement('li');
      item.className = check.met ? 'met' : 'unmet';
      item.dataset.check = check.name;
      item.textContent = check.needs + (check.met ? '' : ': ' + check.problems.join('; '));
      list.appendChild(item);
    }
  }
}

async function renderAudit(group) {
  const box = groupBox(group);
  const answer = await api('GET', '/v1/flags/' + encodeURIComponent(group) + '/history');
  const list = $('.audit', box);
  list.textContent = '';
  for (const change of answer.changes.slice().reverse()) {
    const item = document.createElement('li');
    item.textContent = '#' + change.sequence + ' ' + time(change.at_ms) + ': ' + change.from +
        ' → ' + change.to + (change.forced ? ' (forced)' : '') + ' by ' + change.by +
        (change.reason ? ': ' + change.reason : '');
    list.appendChild(item);
  }
}

async function moveStage(box, stage) {
  if (!stage) return;
  const group = box.dataset.group;
  $('.refusal', box).textContent = '';
  try {
    const reason = $('.reason', box).value || 'from the web page';
    await api(
        'PUT', '/v1/flags/' + encodeURIComponent(group),
        {stage: stage, reason: reason, by: 'web page'});
    showMessage('group ' + group + ' moved to ' + stage);
    await poll(false);
    await renderAudit(group);
  } catch (error) {
    $('.refusal', box).textContent = error.message;
    showMessage('HTTP ' + error.status + ': ' + error.message, true);
    if (error.status === 401) needToken(error.message);
  }
}

// --- throttle and live controls (GET/POST /v1/ctl) ------------------------------------------

function stateText(paused, reason, held) {
  if (paused) return reason ? 'paused: ' + reason : 'paused';
  if (held && held.held) return 'held back: ' + (held.detail || held.reason);
  return 'running';
}

// `holds`: GET /v1/status `throttle` (what holds copy and apply now, from a running run only);
// `throttle`: the run's status record's (time waited on rate limits, target throttling).
function renderControls(ctl, holds, throttle) {
  const state = (holds && holds.state) || {};
  const paused = (ctl && ctl.paused) || {};
  const reasons = (ctl && ctl.pause_reasons) || {};
  $('#copy-state').textContent = stateText(paused.copy, reasons.copy, state.copy);
  $('#apply-state').textContent = stateText(paused.apply, reasons.apply, state.apply);
  document.body.dataset.copy = paused.copy ? 'paused' : 'running';
  document.body.dataset.apply = paused.apply ? 'paused' : 'running';
  const why = [];
  if (ctl && ctl.throttled_by_hand && ctl.throttled_by_hand.on) {
    why.push('throttled by hand: ' + (ctl.throttled_by_hand.reason || 'no reason given'));
  }
  for (const stage of ['copy', 'apply']) {
    const held = state[stage];
    if (held && held.held) why.push(stage + ': ' + (held.detail || held.reason));
  }
  if (throttle) {
    why.push(
        'waited: copy ' + Number(throttle.copy_wait_seconds || 0).toFixed(1) + ' s, apply ' +
        Number(throttle.apply_wait_seconds || 0).toFixed(1) + ' s; target throttling answers ' +
        number(throttle.target_throttled || 0));
  }
  $('#throttle-why').textContent = why.join(' · ');
  if (!ctl) return;
  const tbody = $('#settings tbody');
  const keys = Object.keys(ctl.settings || {}).sort();
  for (const key of keys) {
    const setting = ctl.settings[key];
    const row = keyedRow(tbody, key, 3);
    row.cells[0].textContent = key;
    row.cells[1].textContent = setting.text !== undefined ? setting.text : String(setting.value);
    row.cells[2].textContent = setting.source +
        (setting.source === 'live' && setting.spec !== undefined ? ' (spec: ' + setting.spec + ')' :
                                                                   '');
  }
  const audit = $('#ctl-history');
  audit.textContent = '';
  for (const change of (ctl.history || []).slice(-8).reverse()) {
    const item = document.createElement('li');
    item.textContent = '#' + change.sequence + ' ' + time(change.at_ms) + ': ' + change.action +
        (change.what ? ' ' + change.what : '') + (change.key ? ' ' + change.key : '') + ': ' +
        change.from + ' → ' + change.to + ' by ' + change.by +
        (change.reason ? ': ' + change.reason : '');
    audit.appendChild(item);
  }
  const select = $('#set-key');
  if (select.options.length !== keys.length) {
    select.textContent = '';
    for (const key of keys) select.appendChild(new Option(key, key));
  }
}

// POST /v1/ctl, audited as the page's (`by`: "api <address> (web page)").
async function control(body, done) {
  try {
    await api('POST', '/v1/ctl', Object.assign({by: 'web page'}, body));
    showMessage(done);
    await poll(false);
  } catch (error) {
    showMessage('HTTP ' + error.status + ': ' + error.message, true);
    if (error.status === 401) needToken(error.message);
  }
}

const ACTIONS = {
  'pause-copy': () =>
      control({action: 'pause', what: 'copy', reason: 'from the web page'}, 'copy paused'),
  'resume-copy': () =>
      control({action: 'resume', what: 'copy', reason: 'from the web page'}, 'copy resumed'),
  'pause-apply': () =>
      control({action: 'pause', what: 'apply', reason: 'from the web page'}, 'apply paused'),
  'resume-apply': () =>
      control({action: 'resume', what: 'apply', reason: 'from the web page'}, 'apply resumed'),
  'throttle-on': () =>
      control({action: 'throttle', on: true, reason: 'from the web page'}, 'throttled by hand'),
  'throttle-off': () => control(
      {action: 'throttle', on: false, reason: 'from the web page'}, 'no longer throttled by hand'),
  'verify': async () => {
    try {
      await api('POST', '/v1/verify', {});
      showMessage('verify started');
      await renderVerify(await api('GET', '/v1/verify'));
    } catch (error) {
      showMessage('HTTP ' + error.status + ': ' + error.message, true);
      if (error.status === 401) needToken(error.message);
    }
  },
  'fence': async () => {
    showMessage('fence running: waiting until apply passes its marker…');
    try {
      const fence = await api('POST', '/v1/fence', {});
      showMessage('fence passed: lag ' + Number(fence.lag_seconds).toFixed(3) + ' s');
      await poll(false);
    } catch (error) {
      showMessage('HTTP ' + error.status + ': ' + error.message, true);
      if (error.status === 401) needToken(error.message);
    }
  },
};

// --- polling --------------------------------------------------------------------------------

async function readCtl() {
  if (!ctlServed) return null;
  try {
    return await api('GET', '/v1/ctl');
  } catch (error) {
    if (error.status === 404) {
      ctlServed = false;
      $('#ctl-missing').hidden = false;
      for (const button of document.querySelectorAll(
               '[data-action$="-copy"], ' +
               '[data-action$="-apply"], ' +
               '[data-action^="throttle"]')) {
        button.disabled = true;
      }
      $('#set-form').hidden = true;
      return null;
    }
    throw error;
  }
}

// One round of reads; `slow` adds the reads that change rarely (verify, audit).
async function poll(slow) {
  if (!token) return needToken('');
  try {
    const [status, history, ctl] =
        await Promise.all([api('GET', '/v1/status'), api('GET', '/v1/history'), readCtl()]);
    haveToken();
    $('#migration').textContent = status.migration;
    $('#phase').textContent = status.phase;
    const cdc = status.cdc || {};
    $('#lag').textContent = cdc.lag_seconds === undefined ?
        '?' :
        Number(cdc.lag_seconds).toFixed(1) + ' s / ' + number(cdc.lag_records) + ' records';
    $('#updated').textContent = cdc.updated_at_ms ?
        'run status of ' + duration((Date.now() - cdc.updated_at_ms) / 1000) + ' ago' :
        'no `cutover run` has recorded its status';
    renderTables(status.tables || []);
    renderHistory(history);
    renderApplied(cdc.applied_by_table);
    renderControls(ctl, status.throttle, cdc.throttle);
    renderGroups(status.flags || [], status.guards);
    renderFences(status.fence_history);
    if (slow) {
      renderVerify(await api('GET', '/v1/verify'));
      for (const flag of status.flags || []) await renderAudit(flag.group);
    }
    document.body.dataset.polls = ++pollCount;
  } catch (error) {
    if (error.status === 401) {
      needToken(error.message);
    } else {
      showMessage(
          error.status ? 'HTTP ' + error.status + ': ' + error.message : error.message, true);
    }
  }
}

async function loop() {
  await poll(pollCount % 3 === 0);
  setTimeout(loop, POLL_MS);
}

function start() {
  takeToken();
  $('#token-form').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('#token-input').value.trim());
    token = sessionStorage.getItem(TOKEN_KEY);
    pollCount = 0;
    poll(true);
  });
  $('#forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    needToken('');
  });
  $('#set-form').addEventListener('submit', event => {
    event.preventDefault();
    const key = $('#set-key').value;
    control(
        {
          action: 'set',
          key: key,
          value: $('#set-value').value,
          reason: $('#set-reason').value || 'from the web page'
        },
        key + ' set');
  });
  for (const button of document.querySelectorAll('button[data-action]')) {
    button.addEventListener('click', () => ACTIONS[button.dataset.action]());
  }
  if (!token) needToken('');
  loop();
}

start();
})();
