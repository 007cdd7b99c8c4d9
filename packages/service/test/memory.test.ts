import { MemoryEngine } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import { featureFlows } from './features.js';
import { serviceFlows } from './flows.js';

serviceFlows('memory://', async () => {
  const engine = new MemoryEngine(uniqueName('svc'));
  return { engine, teardown: () => engine.close() };
});

featureFlows('memory://', async () => {
  const engine = new MemoryEngine(uniqueName('svc'));
  return { engine, teardown: () => engine.close() };
});
