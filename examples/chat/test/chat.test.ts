import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import WebSocket from 'ws';
import { startChat, type ChatFixture } from './fixture.js';

let chat: ChatFixture;
before(async () => {
  chat = await startChat();
});
after(async () => {
  await chat.close();
});

// biome-ignore lint/suspicious/noExplicitAny: frames are JSON that the test reads field by field.
type Frame = Record<string, any>;

function socket(): Promise<{ ws: WebSocket; frames: Frame[]; next(match: (f: Frame) => boolean): Promise<Frame> }> {
  const ws = new WebSocket(`${chat.url.replace('http', 'ws')}/ws`);
  const frames: Frame[] = [];
  const waiters: [(f: Frame) => boolean, (f: Frame) => void][] = [];
  ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as Frame;
    frames.push(f);
    for (const [match, resolve] of waiters) if (match(f)) resolve(f);
  });
  const next = (match: (f: Frame) => boolean): Promise<Frame> => {
    const seen = frames.find(match);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push([match, resolve]));
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, next }));
    ws.once('error', reject);
  });
}

it('serves the page', async () => {
  const res = await fetch(`${chat.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await res.text(), /<title>Streamerson chat<\/title>/);
});

it('a message sent over WebSocket reaches WebSocket and SSE readers of the room, and only that room', async () => {
  const alice = await socket();
  const bob = await socket();
  bob.ws.send(JSON.stringify({ op: 'subscribe', id: 's', topic: 'chat.room.lobby' }));
  await bob.next((f) => f['op'] === 'subscribed');
  const sse = await fetch(`${chat.url}/events/chat.room.lobby`);
  const reader = (sse.body as ReadableStream<Uint8Array>).getReader();
  await reader.read(); // the ": subscribed" comment
  alice.ws.send(JSON.stringify({ op: 'request', id: 1, topic: 'chat', type: 'post', payload: { room: 'lobby', name: 'alice', text: ' hi bob ' } }));
  const reply = await alice.next((f) => f['id'] === 1);
  assert.equal(reply['op'], 'reply');
  const event = await bob.next((f) => f['op'] === 'event');
  assert.equal(event['id'], reply['payload'].id);
  assert.deepEqual({ name: event['payload'].name, text: event['payload'].text }, { name: 'alice', text: 'hi bob' });
  const { value } = await reader.read();
  assert.match(new TextDecoder().decode(value), new RegExp(`^id: ${reply['payload'].id}\\ndata: .*"text":"hi bob"`));
  await reader.cancel();
  alice.ws.send(JSON.stringify({ op: 'request', id: 2, topic: 'chat', type: 'post', payload: { room: 'other', name: 'alice', text: 'elsewhere' } }));
  await alice.next((f) => f['id'] === 2);
  // A marker posted to the lobby after it: an event of the other room leaked to the lobby would come before it.
  alice.ws.send(JSON.stringify({ op: 'request', id: 3, topic: 'chat', type: 'post', payload: { room: 'lobby', name: 'alice', text: 'marker' } }));
  await bob.next((f) => f['op'] === 'event' && f['payload'].text === 'marker');
  assert.deepEqual(
    bob.frames.filter((f) => f['op'] === 'event').map((f) => f['payload'].text),
    ['hi bob', 'marker'],
  );
  alice.ws.close();
  bob.ws.close();
});

it('checks messages in the worker and keeps clients away from everything but rooms and the chat worker', async () => {
  const s = await socket();
  s.ws.send(JSON.stringify({ op: 'request', id: 'blank', topic: 'chat', type: 'post', payload: { room: 'lobby', name: 'x', text: '   ' } }));
  assert.deepEqual((await s.next((f) => f['id'] === 'blank'))['error'], { code: 'INVALID_MESSAGE', message: 'text must be 1-500 characters', status: 422 });
  s.ws.send(JSON.stringify({ op: 'publish', id: 'direct', topic: 'chat.room.lobby', type: 'message', payload: { name: 'mallory', text: 'forged' } }));
  assert.equal((await s.next((f) => f['id'] === 'direct'))['error'].code, 'ERR_STREAMERSON_FORBIDDEN');
  s.ws.send(JSON.stringify({ op: 'subscribe', id: 'work', topic: 'chat' }));
  assert.equal((await s.next((f) => f['id'] === 'work'))['error'].code, 'ERR_STREAMERSON_FORBIDDEN');
  assert.equal((await fetch(`${chat.url}/events/chat`)).status, 403);
  s.ws.close();
});

it('POST /rooms/:room/messages posts over HTTP', async () => {
  const res = await fetch(`${chat.url}/rooms/lobby/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'curl', text: 'hello from http' }),
  });
  assert.equal(res.status, 201);
  const { id } = (await res.json()) as { id: string };
  const sse = await fetch(`${chat.url}/events/chat.room.lobby`, { headers: { 'last-event-id': '0-0' } });
  const reader = (sse.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while (!text.includes(`id: ${id}`)) text += new TextDecoder().decode((await reader.read()).value);
  assert.match(text, /hello from http/);
  await reader.cancel();
  const bad = await fetch(`${chat.url}/rooms/no%20spaces/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name":"a","text":"b"}',
  });
  assert.equal(bad.status, 400);
});
