/**
 * The chat page, served by the gateway at `/`. Plain HTML and browser
 * JavaScript, no build step. `?room=` picks the room (default `lobby`),
 * `?via=sse` reads the room with Server-Sent Events instead of the WebSocket
 * (messages are always sent as WebSocket requests to the chat worker).
 */
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Streamerson chat</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  header { display: flex; justify-content: space-between; align-items: baseline; }
  #log { list-style: none; padding: 0; border: 1px solid #ddd; border-radius: 6px; height: 24rem; overflow-y: auto; }
  #log li { padding: .3rem .6rem; border-bottom: 1px solid #f0f0f0; }
  #log b { margin-right: .4rem; }
  form { display: flex; gap: .5rem; margin-top: .6rem; }
  #text { flex: 1; }
  #status { color: #888; font-size: .85rem; }
</style>
</head>
<body>
<header><h1>#<span id="room"></span></h1><span id="status">connecting…</span></header>
<ul id="log"></ul>
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
  $('name').value = params.get('name') || localStorage.getItem('chat-name') || '';
  const seen = new Set();
  let lastId = '0-0';
  function show(event) {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    lastId = event.id;
    const li = document.createElement('li');
    const who = document.createElement('b');
    who.textContent = event.payload.name;
    li.append(who, document.createTextNode(event.payload.text));
    li.dataset.id = event.id;
    $('log').append(li);
    $('log').scrollTop = $('log').scrollHeight;
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
