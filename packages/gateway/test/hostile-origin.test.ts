/**
 * Cross-site WebSocket upgrades: a page of another origin cannot open the
 * gateway's socket (with cookie authentication it would act for the user),
 * tested over real upgrades.
 */
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { InvalidOptionError, MemoryEngine } from '@streamerson/core';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { parseGatewayOptions, type WsOrigins } from '../src/index.js';
import { assertCoded } from './hostile.js';
import { gatewayApp, listen } from './helpers.js';

/** A real upgrade with these headers: 101, or the refusal's status and body. */
function upgrade(base: string, headers: Record<string, string>): Promise<{ status: number; body?: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as unknown }));
    });
    ws.once('error', reject);
  });
}

const apps: FastifyInstance[] = [];
async function gateway(origins?: WsOrigins): Promise<string> {
  const app = await gatewayApp({ ws: origins === undefined ? {} : { origins } });
  apps.push(app);
  return listen(app);
}
after(async () => {
  for (const app of apps) await app.close();
});

async function refused(base: string, origin: string): Promise<void> {
  const answer = await upgrade(base, { origin });
  assert.equal(answer.status, 403, `origin ${origin}`);
  assertCoded((answer.body as { error: unknown }).error, origin);
}

describe('WebSocket origins', () => {
  it("by default only pages of the gateway's own host, and programs that send no Origin, may upgrade", async () => {
    const base = await gateway();
    const own = new URL(base);
    assert.equal((await upgrade(base, { origin: own.origin })).status, 101);
    assert.equal((await upgrade(base, { origin: `https://${own.host}` })).status, 101);
    assert.equal((await upgrade(base, {})).status, 101);
    for (const origin of ['https://evil.example', `http://${own.hostname}:1`, 'http://localhost', 'null', 'not a url', `http://${own.host}.evil.example`])
      await refused(base, origin);
  });

  it('an explicit list allows exactly those origins', async () => {
    const base = await gateway(['https://app.example.com', 'http://localhost:8080']);
    for (const origin of ['https://app.example.com', 'https://APP.example.com:443', 'http://localhost:8080'])
      assert.equal((await upgrade(base, { origin })).status, 101, origin);
    for (const origin of ['http://app.example.com', 'https://app.example.com:8443', 'http://localhost', new URL(base).origin]) await refused(base, origin);
  });

  it("'*' allows every origin", async () => {
    const base = await gateway('*');
    assert.equal((await upgrade(base, { origin: 'https://evil.example' })).status, 101);
  });

  it('a bad origins option is refused naming it', () => {
    const engine = new MemoryEngine();
    for (const [origins, name] of [
      ['everyone', 'ws.origins'],
      [['https://a.example/path'], 'ws.origins.0'],
      [[5], 'ws.origins.0'],
      [['https://ok.example', 'null'], 'ws.origins.1'],
    ] as const) {
      assert.throws(
        () => parseGatewayOptions({ engine, ws: { origins: origins as unknown as WsOrigins } }),
        (e: unknown) => e instanceof InvalidOptionError && e.option === name,
        String(origins),
      );
    }
  });
});
