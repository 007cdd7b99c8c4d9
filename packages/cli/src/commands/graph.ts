/** `streamerson graph`: the live topology from the service registry, as Mermaid or DOT. */
import { Option, type Command } from 'commander';
import { listInstances } from '@streamerson/service';
import { urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { GRAPH_FORMATS, toDot, toMermaid, type GraphFormat } from '../graph/render.js';
import { buildTopology } from '../graph/topology.js';

export function registerGraph(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('graph')
      .description('print the topology of the instances online (gateways, routes, topics, services) as Mermaid or DOT')
      .addOption(new Option('--format <format>', 'graph language').choices(GRAPH_FORMATS).default('mermaid'))
      .option('-a, --all', 'include instances that went down or silent', false)
      .action(async (options: { format: GraphFormat; all: boolean }, command: Command) => {
        await withEngine(urlOf(command), async (engine) => {
          const topology = buildTopology(await listInstances(engine, { all: options.all }));
          await ctx.out.write(options.format === 'dot' ? toDot(topology) : toMermaid(topology));
        });
      }),
    [
      'streamerson graph > topology.mmd',
      'streamerson graph --format svg > topology.svg',
      'streamerson graph --format dot | dot -Tpng > topology.png',
    ],
  );
}
