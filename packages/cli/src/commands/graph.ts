/** `streamerson graph`: the topology from the service registry and the engine, as Mermaid, DOT or SVG. */
import { Option, type Command } from 'commander';
import type { Engine } from '@streamerson/core';
import { listInstances, type InstanceInfo } from '@streamerson/service';
import { note, urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { EMPTY_GRAPH_NOTE, GRAPH_FORMATS, toDot, toMermaid, type GraphFormat } from '../graph/render.js';
import { toSvg } from '../graph/svg.js';
import { buildTopology, type TopicFacts } from '../graph/topology.js';
import { describeTopic } from '../inspect/describe.js';
import { DEAD_LETTER_SUFFIX, findStreams, INTERNAL_PREFIX, topicOf } from '../topics.js';

/** Topics whose consumer groups are looked up at most (the registry's own are always looked up). */
export const GRAPH_TOPIC_LIMIT = 1_000;

/** The topics to draw: those the registry names, and those of the engine's listing under `prefix`. */
async function topicFacts(engine: Engine, instances: readonly InstanceInfo[], prefix: string): Promise<TopicFacts[]> {
  const named = instances.flatMap((i) => [...i.topics, ...i.produces, ...(i.routes ?? []).map((r) => r.topic)]);
  const listed = (await engine.listStreams(prefix)).filter((s) => !s.startsWith(INTERNAL_PREFIX) && !s.endsWith(DEAD_LETTER_SUFFIX)).map(topicOf);
  const topics = [...new Set([...named, ...listed.slice(0, GRAPH_TOPIC_LIMIT)])];
  return Promise.all(
    topics.map(async (topic) => {
      const report = await describeTopic(engine, topic, await findStreams(engine, topic));
      return { topic, groups: report.groups.map((g) => ({ name: g.name, consumers: g.consumers.length })), deadLetters: report.deadLetters };
    }),
  );
}

const RENDER: Readonly<Record<GraphFormat, (t: ReturnType<typeof buildTopology>) => string>> = { mermaid: toMermaid, dot: toDot, svg: toSvg };

export function registerGraph(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('graph')
      .description(
        'draw the topology: the instances of the service registry (marked when down), the topics they read and write, their endpoints, and the consumer groups of the engine',
      )
      .argument('[prefix]', "only topics of the engine whose name starts with this (the registry's are always drawn)", '')
      .addOption(new Option('--format <format>', 'Mermaid, Graphviz DOT, or an SVG picture').choices(GRAPH_FORMATS).default('mermaid'))
      .action(async (prefix: string, options: { format: GraphFormat }, command: Command) => {
        await withEngine(urlOf(command), async (engine) => {
          const instances = await listInstances(engine, { all: true });
          const topology = buildTopology(instances, await topicFacts(engine, instances, prefix));
          if (topology.nodes.length === 0) note(ctx, `streamerson: ${EMPTY_GRAPH_NOTE}`);
          await ctx.out.write(RENDER[options.format](topology));
        });
      }),
    ['streamerson graph > topology.mmd', 'streamerson graph --format svg > topology.svg', 'streamerson graph --format dot | dot -Tpng > topology.png'],
  );
}
