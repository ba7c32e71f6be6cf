/* global document, window, fetch, EventSource, navigator, setInterval, setTimeout, clearTimeout */
// The installer page. Everything comes from the hub it is served by; nothing is kept in browser
// storage (the session is an HttpOnly cookie), and typed PINs and install codes are cleared from
// the form as soon as they are sent.
'use strict';

const $ = (id) => document.getElementById(id);
const STAGES = [
  ['whitelisted', 'Whitelisted'],
  ['historicKey', 'Join window, first half: historic key'],
  ['installCode', 'Join window, second half: install code'],
  ['heard', 'Heard on the network'],
  ['linkKeyEstablished', 'Trust-centre link key established'],
  ['cs14AlertSent', 'CS14 alert sent'],
  ['firstMessage', 'First GBCS message relayed'],
];
const FAILURES = {
  wrongInstallCode: 'Wrong install code: the Device does not hold the key its install code gives',
  notWhitelisted: 'Not whitelisted: the Device is not in the CHF Device Log',
  windowClosed: 'Join window closed before the Device joined',
  keyEstablishmentFailed: 'Key establishment failed',
  radioFailed: 'The radio would not open the join window',
};
const STATES = { waiting: 'joining', joined: 'joined', talking: 'joined, talking', failed: 'join failed', removed: 'removed', notJoined: 'not joined' };

let state = null;
let offset = 0; // the hub's clock minus this phone's, for countdowns
let journeys = new Map();
let events = null;
let refreshTimer = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'class') node.className = value;
    else if (name.startsWith('data-')) node.setAttribute(name, value);
    else if (name === 'width') node.style.width = value; // through the CSSOM: the page's CSP allows no inline style
    else node[name] = value;
  }
  for (const child of children) node.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
  return node;
}

async function api(path, body) {
  const response = await fetch(path, body === undefined ? { credentials: 'same-origin' } : { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await response.json().catch(() => ({ error: { code: 'BAD_ANSWER', message: 'the hub gave no answer' } }));
  if (response.status === 401 && path !== '/api/login' && state) signedOut(data.error && data.error.message);
  return { ok: response.ok, status: response.status, data };
}

function say(target, text, kind) {
  target.textContent = text;
  target.className = `message ${kind || ''}`;
}

function signedOut(why) {
  if (events) events.close();
  events = null;
  state = null;
  $('signed-in').hidden = true;
  $('logout').hidden = true;
  $('mode').hidden = true;
  $('login').hidden = false;
  if (why) say($('login-message'), why, 'error');
}

async function signIn(event) {
  event.preventDefault();
  const pin = $('pin').value;
  $('pin').value = '';
  const { ok, data } = await api('/api/login', { pin });
  if (!ok) return say($('login-message'), data.error.message, 'error');
  say($('login-message'), '');
  $('login').hidden = true;
  $('signed-in').hidden = false;
  $('logout').hidden = false;
  await refresh();
  listen();
}

async function refresh() {
  const { ok, data } = await api('/api/state');
  if (!ok) return;
  state = data;
  offset = data.now - Date.now();
  for (const journey of data.journeys) journeys.set(journey.eui64, journey);
  render();
}

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 300);
}

function listen() {
  events = new EventSource('/api/events');
  events.addEventListener('snapshot', (message) => {
    const data = JSON.parse(message.data);
    offset = data.now - Date.now();
    journeys = new Map(data.journeys.map((journey) => [journey.eui64, journey]));
    renderJourneys();
  });
  events.addEventListener('progress', (message) => {
    const { now, event } = JSON.parse(message.data);
    offset = now - Date.now();
    const fresh = event.stage === 'whitelisted' || (event.stage === 'windowOpened' && ['failed', 'talking', 'removed'].includes((journeys.get(event.eui64) || {}).state));
    const journey = fresh || !journeys.has(event.eui64) ? { eui64: event.eui64, state: 'waiting', steps: fresh && event.stage !== 'whitelisted' ? (journeys.get(event.eui64)?.steps || []).filter((s) => s.stage === 'whitelisted') : [] } : journeys.get(event.eui64);
    journey.steps.push(event);
    journey.state = nextState(journey.state, event);
    journeys.set(event.eui64, journey);
    renderJourneys();
    refreshSoon();
  });
  events.addEventListener('sessionEnded', (message) => signedOut(JSON.parse(message.data).reason));
}

function nextState(current, event) {
  if (event.stage === 'linkKeyEstablished') return 'joined';
  if (event.stage === 'firstMessage') return 'talking';
  if (event.stage === 'failed') return event.final ? 'failed' : current;
  if (event.stage === 'removed') return 'removed';
  if (event.stage === 'windowOpened' || event.stage === 'whitelisted') return 'waiting';
  return current;
}

function render() {
  if (!state) return;
  $('mode').hidden = false;
  $('mode').textContent = state.mode === 'local-add' ? 'local-add mode' : 'watch mode';
  for (const node of document.querySelectorAll('.local-add')) node.hidden = state.mode !== 'local-add';
  $('pair').textContent = state.mode === 'local-add' ? 'Add and pair' : 'Re-open its join window';
  $('health').replaceChildren(...state.health.map((item) => el('li', { class: item.level, 'data-health': item.name }, el('b', {}, item.name), item.detail)));
  renderHan();
  renderLogs();
  renderJourneys();
}

function renderHan() {
  const nodes = state.han.devices.map((device) => {
    const lqi = device.lqi === null ? 0 : Math.round((device.lqi / 255) * 100);
    return el('div', { class: 'node', 'data-eui64': device.eui64 },
      el('b', {}, `${device.deviceType} `), device.eui64, el('br'),
      STATES[device.state] || device.state, el('br'),
      `last heard ${device.lastHeard === null ? 'never' : `${Math.max(0, Math.round((Date.now() + offset - device.lastHeard) / 1000))} s ago`}`, el('br'),
      `link ${device.lqi === null ? '–' : `LQI ${device.lqi}`}${device.rssi === null ? '' : `, ${device.rssi} dBm`}`,
      el('div', { class: 'bar' }, el('span', { width: `${lqi}%` })));
  });
  $('han').replaceChildren(el('div', { class: 'node hub' }, el('b', {}, 'Hub '), state.han.hub), ...nodes);
}

function renderLogs() {
  const head = (...names) => el('tr', {}, ...names.map((name) => el('th', {}, name)));
  const rows = state.deviceLog.devices.map((d) => {
    const remove = state.mode === 'local-add' ? el('button', { type: 'button', onclick: () => removeDevice(d.eui64) }, 'Remove') : '';
    return el('tr', { 'data-eui64': d.eui64 }, el('td', {}, d.eui64), el('td', {}, d.deviceType), el('td', {}, d.installCode || '–'), el('td', {}, d.tcLinkKey), el('td', {}, d.lastCommunication || 'never'), el('td', {}, remove));
  });
  $('device-log').replaceChildren(head('EUI-64', 'Type', 'Install code', 'TC link key', 'Last heard', ''), ...rows);
  const historic = state.historic.map((h) => el('tr', {}, el('td', {}, h.eui64), el('td', {}, h.tcLinkKey), el('td', {}, h.recordedAt)));
  $('historic-log').replaceChildren(head('EUI-64', 'TC link key', 'Recorded'), ...(historic.length ? historic : [el('tr', {}, el('td', { colSpan: 3, class: 'quiet' }, 'empty'))]));
}

function renderJourneys() {
  const shown = [...journeys.values()].reverse();
  if (shown.length === 0) return $('journeys').replaceChildren(el('p', { class: 'quiet' }, 'No Device is joining.'));
  $('journeys').replaceChildren(...shown.map(renderJourney));
  tick();
}

function renderJourney(journey) {
  const reached = new Map();
  let halves = [];
  let failure = null;
  for (const step of journey.steps) {
    if (step.stage === 'windowOpened') halves = step.halves;
    else if (step.stage === 'failed') failure = step;
    else reached.set(step.stage, step);
  }
  const items = STAGES.filter(([key]) => key !== 'historicKey' || halves.some((h) => h.phase === 'historicKey')).map(([key, words]) => {
    const half = halves.find((h) => h.phase === key);
    const step = reached.get(key);
    let text = words;
    let status = step ? 'done' : '';
    if (key === 'whitelisted' && step) text += step.by === 'CCS01' ? " by its supplier's CCS01" : ' by a local add';
    if (half) {
      const keyed = reached.has('linkKeyEstablished');
      const now = Date.now() + offset;
      status = keyed || now >= half.closesAt ? 'done' : now >= half.opensAt ? 'now' : '';
      return el('li', { class: status, 'data-stage': key }, `${text} `, el('span', { class: 'countdown', 'data-closes': half.closesAt, 'data-opens': half.opensAt }));
    }
    return el('li', { class: status, 'data-stage': key }, text);
  });
  if (failure) items.push(el('li', { class: 'failed', 'data-stage': 'failed', 'data-failure': failure.failure }, `${failure.final ? '' : 'Not yet: '}${FAILURES[failure.failure] || failure.failure}`));
  if (journey.state === 'removed') items.push(el('li', { class: 'failed', 'data-stage': 'removed' }, 'Removed from the CHF Device Log'));
  return el('div', { class: 'journey', 'data-eui64': journey.eui64, 'data-state': journey.state }, el('h3', {}, `${journey.deviceType || 'Device'} ${journey.eui64}: ${STATES[journey.state] || journey.state}`), el('ol', {}, ...items));
}

function tick() {
  const now = Date.now() + offset;
  for (const node of document.querySelectorAll('.countdown')) {
    const journey = node.closest('.journey');
    if (['joined', 'talking', 'failed', 'removed'].includes(journey.dataset.state)) {
      node.textContent = '';
      continue;
    }
    const closes = Number(node.dataset.closes);
    const opens = Number(node.dataset.opens);
    node.textContent = now < opens ? `opens in ${Math.ceil((opens - now) / 1000)} s` : now < closes ? `closes in ${Math.ceil((closes - now) / 1000)} s` : 'closed';
  }
}

function labelBody() {
  const body = {};
  const label = $('label').value.trim();
  if (label) body.label = label;
  if ($('eui64').value.trim()) body.eui64 = $('eui64').value.trim();
  if (!label && $('code').value.trim()) body.installCode = $('code').value.trim();
  return body;
}

async function checkLabel() {
  const { ok, data } = await api('/api/labels/check', labelBody());
  if (!ok) return say($('pair-message'), data.error.message, 'error');
  const where = data.inDeviceLog ? 'is in the CHF Device Log' : 'is not in the CHF Device Log';
  if (data.action === 'refused') return say($('pair-message'), `${data.eui64} ${where}: ${data.refusal}`, 'error');
  const next = { add: 'it will be added and its join window opened', reopen: 'its join window will be opened', alreadyJoined: 'it has already joined' }[data.action];
  say($('pair-message'), `${data.eui64} ${where}; install code ${data.installCode}, CRC right: ${next}.`, 'ok');
}

async function pair(event) {
  event.preventDefault();
  const body = { ...labelBody(), ...(state && state.mode === 'local-add' ? { deviceType: $('type').value } : {}) };
  const { ok, data } = await api('/api/pair', body);
  if (!ok) return say($('pair-message'), data.error.message, 'error');
  for (const id of ['label', 'eui64', 'code']) $(id).value = '';
  say($('pair-message'), `${data.eui64}: ${data.added ? 'added; ' : ''}join window open.`, 'ok');
  refreshSoon();
}

async function removeDevice(eui64) {
  if (!window.confirm(`Remove ${eui64} from the CHF Device Log?`)) return;
  const { ok, data } = await api('/api/remove', { eui64 });
  say($('pair-message'), ok ? `${eui64} removed.` : data.error.message, ok ? 'ok' : 'error');
  refreshSoon();
}

// The phone's camera reads the label's QR code where the browser has a BarcodeDetector; elsewhere the label is typed.
async function scan() {
  const video = $('camera');
  try {
    const detector = new window.BarcodeDetector({ formats: ['qr_code', 'data_matrix', 'code_128'] });
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const stop = () => { for (const track of stream.getTracks()) track.stop(); video.hidden = true; video.srcObject = null; };
    const look = async () => {
      const found = await detector.detect(video).catch(() => []);
      if (found.length > 0) {
        stop();
        $('label').value = found[0].rawValue;
        return checkLabel();
      }
      if (!video.hidden) window.requestAnimationFrame(look);
    };
    look();
  } catch {
    video.hidden = true;
    say($('pair-message'), 'The camera could not be used here: type the label instead.', 'error');
  }
}

document.addEventListener('DOMContentLoaded', async () => {
  $('login-form').addEventListener('submit', signIn);
  $('pair-form').addEventListener('submit', pair);
  $('check').addEventListener('click', checkLabel);
  $('label').addEventListener('change', () => $('label').value.trim() && checkLabel());
  $('logout').addEventListener('click', async () => { await api('/api/logout', {}); signedOut(); });
  $('scan').hidden = !('BarcodeDetector' in window && navigator.mediaDevices);
  $('scan').addEventListener('click', scan);
  setInterval(tick, 1000);
  // A session that is still live (a reload) goes straight in; otherwise the PIN is asked for.
  const { ok } = await api('/api/state');
  if (ok) {
    $('login').hidden = true;
    $('signed-in').hidden = false;
    $('logout').hidden = false;
    await refresh();
    listen();
  }
});
