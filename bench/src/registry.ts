/**
 * The scenario registry: every scenario `npm run bench` knows, by name. A new
 * scenario is one module under
 * `scenarios/` plus one entry here and its name in `SCENARIOS` (options.ts);
 * the report, the chart and the JSON pick it up from here.
 */
import { comparisonScenario } from './comparison-scenario.js';
import type { ScenarioName } from './options.js';
import type { Scenario } from './scenario.js';
import { runBullmq } from './scenarios/bullmq.js';
import { runCli } from './scenarios/cli.js';
import { runConsume } from './scenarios/consume.js';
import { runFile } from './scenarios/file.js';
import { runHttp } from './scenarios/http.js';
import { memoryScenario } from './scenarios/memory.js';
import { runProduce } from './scenarios/produce.js';
import { runProcessor } from './scenarios/processor.js';
import { runRequestReply } from './scenarios/request-reply.js';
import { stateScenario } from './scenarios/state.js';
import { fanoutScenario } from './scenarios/fanout.js';
import { rssScenario } from './scenarios/rss.js';
import { scaleScenario } from './scenarios/scale.js';
import { soakScenario } from './scenarios/soak.js';

/** Scenario definitions by name; `SCENARIOS` gives the order of a full run. */
export const REGISTRY: Readonly<Record<ScenarioName, Scenario>> = Object.freeze({
  produce: comparisonScenario('produce', runProduce),
  consume: comparisonScenario('consume', runConsume),
  processor: comparisonScenario('processor', runProcessor),
  state: stateScenario,
  cli: comparisonScenario('cli', runCli),
  bullmq: comparisonScenario('bullmq', runBullmq),
  'request-reply': comparisonScenario('request-reply', runRequestReply),
  http: comparisonScenario('http', runHttp),
  file: comparisonScenario('file', runFile),
  scale: scaleScenario,
  fanout: fanoutScenario,
  memory: memoryScenario,
  rss: rssScenario,
  soak: soakScenario,
});
