import { MemoryEngine } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import { backlogFlows } from './backlog.js';
import { featureFlows } from './features.js';
import { serviceFlows, sharedFixture } from './flows.js';
import { outcomeFlows } from './outcomes.js';
import { retentionFlows } from './retention.js';

const fixture = sharedFixture(async () => {
  const engine = new MemoryEngine(uniqueName('svc'));
  return { engine, teardown: () => engine.close() };
}, 5);

serviceFlows('memory://', fixture);
backlogFlows('memory://', fixture);
featureFlows('memory://', fixture);
outcomeFlows('memory://', fixture);
retentionFlows('memory://', fixture);
