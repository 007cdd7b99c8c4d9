/**
 * `npm run demo`. On memory:// (no STREAMERSON_URL): the gateway, the workers
 * and the chat page in this one process. With STREAMERSON_URL=redis://…: the
 * gateway and the workers as two child processes that share only Redis.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, DEFAULT_ENGINE_URL, engineScheme, redactUrl } from '@streamerson/core';
import { banner, demoGateway, demoWorkers, listenOptions } from './apps.js';

const url = process.env['STREAMERSON_URL'] ?? DEFAULT_ENGINE_URL;

async function inProcess(): Promise<void> {
  const engine = await connect(url);
  const drain = await demoWorkers(engine);
  const app = await demoGateway(engine);
  console.log(banner(await app.listen(listenOptions())));
  const stop = async (): Promise<void> => {
    await app.close();
    await drain();
    await engine.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

function separate(): void {
  console.log(`demo on ${redactUrl(url)}: gateway and workers in separate processes`);
  const children: ChildProcess[] = ['workers.js', 'gateway.js'].map((file) => fork(fileURLToPath(new URL(file, import.meta.url)), { stdio: 'inherit' }));
  // Once: a second SIGTERM would find a child's handler gone and kill it by signal.
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
  };
  for (const child of children)
    child.once('exit', (code) => {
      if (code !== 0) process.exitCode = code ?? 1;
      stop();
    });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (engineScheme(url) === 'memory') await inProcess();
else separate();
