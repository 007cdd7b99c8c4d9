import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { MemoryEngine } from '@streamerson/core';
import { streamersonGateway } from '@streamerson/gateway';
import Fastify from 'fastify';
import { helloRoutes, helloService } from '../src/hello.js';

it('GET /hello is answered by the worker over a stream', async () => {
  const engine = new MemoryEngine();
  const service = helloService(engine);
  await service.start();
  const app = Fastify();
  await app.register(streamersonGateway, { engine });
  helloRoutes(app.streamerson);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    assert.deepEqual(await (await fetch(`${base}/hello`)).json(), { hello: 'world' });
    assert.deepEqual(await (await fetch(`${base}/hello?name=ada`)).json(), { hello: 'ada' });
    assert.equal(service.stats().processed, 2);
  } finally {
    await app.close();
    await service.close();
    await engine.close();
  }
});
