/**
 * The chat page, served by the gateway at `/`. Plain HTML and browser
 * JavaScript, no build step. `?room=` picks the room (default `lobby`),
 * `?via=sse` reads the room with Server-Sent Events instead of the WebSocket
 * (messages are always sent as WebSocket requests to the chat worker).
 * Each message shows the time it was posted (`at`, in the reader's time
 * zone); messages under the reader's own name stand out; an empty room says so.
 */

/** The page's icon, served at `/favicon.ico` (where browsers look for one) as SVG. */
export const CHAT_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M2 2h12v9H7l-3 3v-3H2z" fill="#2d6cdf"/></svg>`;

export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Streamerson chat</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  header { display: flex; justify-content: space-between; align-items: baseline; }
  #box { border: 1px solid #ddd; border-radius: 6px; height: 24rem; overflow-y: auto; }
  #empty { color: #888; text-align: center; margin: 10rem 1rem 0; }
  #log { list-style: none; padding: 0; margin: 0; }
  #log li { padding: .3rem .6rem; border-bottom: 1px solid #f0f0f0; }
  #log li.own { background: #eef4ff; }
  #log time { color: #999; font-size: .8rem; margin-right: .5rem; font-variant-numeric: tabular-nums; }
  #log b { margin-right: .4rem; }
  form { display: flex; gap: .5rem; margin-top: .6rem; }
  #text { flex: 1; }
  #status { color: #888; font-size: .85rem; }
</style>
</head>
<body>
<header><h1>#<span id="room"></span></h1><span id="status">connecting…</span></header>
<div id="box"><p id="empty">No messages in #<span id="empty-room"></span> yet. Say hello!</p><ul id="log"></ul></div>
<form id="form">
  <input id="name" placeholder="name" size="10" required maxlength="40">
  <input id="text" placeholder="message" required maxlength="500" autocomplete="off">
  <button>Send</button>
</form>
<script>
(() => {
  const params = new URLSearchParams(location.search);
  const room = /^[A-Za-z0-9_-]{1,40}$/.test(params.get('room') || '') ? params.get('room') : 'lobby';
  const via = params.get('via') === 'sse' ? 'sse' : 'ws';
  const topic = 'chat.room.' + room;
  const $ = (id) => document.getElementById(id);
  $('room').textContent = room;
  $('empty-room').textContent = room;
  const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  $('name').value = params.get('name') || localStorage.getItem('chat-name') || '';
  const seen = new Set();
  let lastId = '0-0';
  function show(event) {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    lastId = event.id;
    const li = document.createElement('li');
    const when = document.createElement('time');
    const at = new Date(event.payload.at);
    if (!Number.isNaN(at.getTime())) {
      when.dateTime = at.toISOString();
      when.textContent = clock.format(at);
      when.title = full.format(at);
    }
    const who = document.createElement('b');
    who.textContent = event.payload.name;
    const text = document.createElement('span');
    text.textContent = event.payload.text;
    li.append(when, who, text);
    li.dataset.id = event.id;
    if (event.payload.name === $('name').value.trim()) li.classList.add('own');
    $('empty').hidden = true;
    $('log').append(li);
    $('box').scrollTop = $('box').scrollHeight;
  }
  function status(text) { $('status').textContent = text + ' (' + via + ')'; }

  let ws;
  let seq = 0;
  function connect() {
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws.onopen = () => {
      status('connected');
      if (via === 'ws') ws.send(JSON.stringify({ op: 'subscribe', id: 'room', topic, from: lastId }));
    };
    ws.onmessage = (m) => {
      const frame = JSON.parse(m.data);
      if (frame.op === 'event') show(frame);
      else if (frame.op === 'error') status('error: ' + frame.error.message);
    };
    ws.onclose = () => { status('reconnecting…'); setTimeout(connect, 1000); };
  }
  connect();
  if (via === 'sse') {
    // EventSource sends Last-Event-ID itself when it reconnects.
    const es = new EventSource('/events/' + topic + '?lastEventId=0-0');
    es.onmessage = (m) => show(JSON.parse(m.data));
  }
  $('form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('name').value.trim();
    const text = $('text').value;
    localStorage.setItem('chat-name', name);
    ws.send(JSON.stringify({ op: 'request', id: ++seq, topic: 'chat', type: 'post', payload: { room, name, text } }));
    $('text').value = '';
  });
})();
</script>
</body>
</html>
`;
