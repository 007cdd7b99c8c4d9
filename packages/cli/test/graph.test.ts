/**
 * graph draws what the system says of itself: every instance of the registry
 * whatever its kind (a processor too), marked when down; the topics read and
 * written; a gateway's routes, WebSocket and SSE endpoints; consumer groups
 * the engine has that nobody announced; dead letters. As Mermaid, DOT and an
 * SVG picture checked in headless Chromium.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { connect, encodeMessage, type Engine } from '@streamerson/core';
import { ANNOUNCE_TYPE, REGISTRY_STREAM, Service } from '@streamerson/service';
import { startRedis, type RedisServer } from '@streamerson/testkit';
import { cli } from './cli.js';

/** The browser `npm test` found (scripts/prerequisites.mjs). */
const CHROMIUM = process.env['STREAMERSON_CHROMIUM'] ?? '/usr/bin/chromium';

/** An announcement written as any program may write it (docs/PROTOCOL.md §10). */
function announce(engine: Engine, payload: Record<string, unknown>): Promise<string | null> {
  return engine.append(
    REGISTRY_STREAM,
    encodeMessage({
      type: ANNOUNCE_TYPE,
      source: String(payload['instanceId']),
      payload: {
        host: 'h',
        pid: 1,
        startedAt: Date.now(),
        ttlMs: 60_000,
        state: 'up',
        topics: [],
        types: [],
        produces: [],
        ...payload,
      },
    }),
  );
}

describe('graph', () => {
  let redis: RedisServer;
  let engine: Engine;
  let url: string;
  let service: Service;
  const orders = 'orders';
  const payments = 'payments';
  const shipments = 'shipments';
  before(async () => {
    redis = await startRedis();
    url = redis.url;
    engine = await connect(url);
  });
  after(async () => {
    await service?.close();
    await engine.close();
    await redis.stop();
  });

  test('with nothing online and no consumer group, it says so instead of drawing nothing', async () => {
    const r = await cli(['graph'], { url });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'flowchart LR\n  empty["nothing to draw: no instance in the service registry and no consumer group on any topic"]\n');
    assert.match(r.stderr, /^streamerson: nothing to draw/);
  });

  test('services, a gateway with routes and endpoints, a processor, a down instance, unannounced groups, dead letters', async () => {
    service = new Service(engine, { name: 'order-service', topic: orders, produces: [payments], consumer: 'o-1' })
      .handle('create', () => 'ok')
      .handle('get', () => 'ok');
    await service.start();
    await announce(engine, {
      kind: 'gateway',
      name: 'gateway',
      instanceId: 'gw-1',
      produces: [orders],
      routes: [
        { method: 'POST', url: '/orders', topic: orders, type: 'create' },
        { method: 'GET', url: '/orders/:id', topic: orders, type: 'get' },
      ],
      endpoints: [
        { protocol: 'ws', url: '/ws' },
        { protocol: 'sse', url: '/events' },
      ],
    });
    // A kind the graph has no special case for: drawn as announced, with its inputs and outputs.
    await announce(engine, {
      kind: 'processor',
      name: 'billing',
      instanceId: 'b-1',
      topics: [payments],
      group: 'billing-v2',
      consumer: 'b-1',
      produces: [shipments],
    });
    await announce(engine, {
      kind: 'processor',
      name: 'billing',
      instanceId: 'b-2',
      topics: [payments],
      group: 'billing-v2',
      consumer: 'b-2',
      produces: [shipments],
    });
    // A service whose only instance stopped.
    await announce(engine, { kind: 'service', name: 'mailer', instanceId: 'm-1', topics: [shipments] });
    await announce(engine, { kind: 'service', name: 'mailer', instanceId: 'm-1', topics: [shipments], state: 'down' });
    // A group nobody announced (a tap, a worker in another language) and a dead letter.
    await engine.append(shipments, encodeMessage({ payload: 'shipped' }));
    await engine.createGroup(shipments, 'audit', '0');
    await engine.readGroup('audit', 'cli-1', [{ stream: shipments, after: '>' }]);
    await engine.append(`${orders}:dlq`, encodeMessage({ payload: 'failed' }));

    const mermaid = await cli(['graph'], { url });
    assert.equal(mermaid.code, 0, mermaid.stderr);
    const m = mermaid.stdout;
    const id = (label: string) =>
      new RegExp(`  (n\\d+)[\\[({>]+"${label.replaceAll('/', '\\/').replaceAll('.', '\\.')}(?:"|<br/>)`).exec(m)?.[1] ??
      assert.fail(`no node "${label}" in\n${m}`);
    const has = (from: string, arrow: string, to: string) => assert.ok(m.includes(`  ${id(from)} ${arrow} ${id(to)}\n`), `${from} ${arrow} ${to} in\n${m}`);
    assert.match(m, /\{\{"gateway"\}\}/, 'the gateway once, as a hexagon, not "gateway gateway"');
    assert.match(m, /\["order-service<br\/>service"\]/);
    assert.match(m, /\["billing<br\/>processor ×2"\]/, 'a kind without a special case, with its instance count');
    assert.match(m, /\["mailer<br\/>service — down"\]/);
    assert.match(m, /class n\d+ down/);
    has('gateway', '-->|"GET /orders/:id → get; POST /orders → create"|', orders);
    has(orders, '-->|"create, get"|', 'order-service');
    has('order-service', '-->', payments);
    has('order-service', '-.->|"dead letters"|', `${orders}:dlq`);
    has(payments, '-->|"group billing-v2"|', 'billing');
    has('billing', '-->', shipments);
    has(shipments, '-->', 'mailer');
    has(shipments, '-->', 'group audit');
    has('WebSocket /ws', '-.->', 'gateway');
    has('SSE /events', '-.->', 'gateway');

    const dot = (await cli(['graph', '--format', 'dot'], { url })).stdout;
    assert.match(dot, /^digraph streamerson \{\n {2}rankdir=LR;\n/);
    assert.match(dot, new RegExp(`"topic:${orders}" -> "service:order-service" \\[label="create, get"\\];`));
    assert.match(dot, /"service:mailer" \[shape=box, label="mailer\\nservice — down", style=dashed, fontcolor=gray40\];/);
    assert.match(dot, /"gateway:gateway" \[shape=hexagon, label="gateway"\];/);
  });

  test('--format svg is a picture a browser draws: every node labelled, none overlapping', async () => {
    const r = await cli(['graph', '--format', 'svg'], { url });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/);
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.setContent(r.stdout);
      const nodes = await page.$$eval('g.node', (gs) =>
        gs.map((g) => {
          const box = (g.querySelector('rect, polygon') as unknown as { getBBox(): { x: number; y: number; width: number; height: number } }).getBBox();
          return {
            key: g.getAttribute('data-key'),
            text: [...g.querySelectorAll('text')].map((t) => t.textContent).join(' '),
            x: box.x,
            y: box.y,
            w: box.width,
            h: box.height,
          };
        }),
      );
      const texts = nodes.map((n) => n.text);
      for (const label of [
        'gateway',
        'order-service service',
        'billing processor ×2',
        'mailer service — down',
        'group audit 1 consumer',
        'WebSocket /ws',
        'SSE /events',
        orders,
        payments,
        shipments,
        `${orders}:dlq`,
      ]) {
        assert.ok(texts.includes(label), `"${label}" among ${JSON.stringify(texts)}`);
      }
      for (const a of nodes) {
        for (const b of nodes) {
          if (a === b) continue;
          const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
          assert.ok(apart, `${a.key} and ${b.key} overlap`);
        }
      }
      const edges = await page.$$eval('path[marker-end]', (ps) => ps.length);
      assert.equal(edges, 10);
      assert.equal(await page.$$eval('g.node.down', (gs) => gs.length), 1);
    } finally {
      await browser.close();
    }
  });
});
