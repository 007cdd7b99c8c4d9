/** The topology as Mermaid (`flowchart LR`) or Graphviz DOT text. */
import type { NodeKind, Topology } from './topology.js';

export type GraphFormat = 'mermaid' | 'dot';

/** The graph formats, the first one the default. */
export const GRAPH_FORMATS: readonly GraphFormat[] = ['mermaid', 'dot'];

const MERMAID_SHAPES: Readonly<Record<NodeKind, [string, string]>> = {
  topic: ['[(', ')]'],
  gateway: ['{{', '}}'],
  service: ['[', ']'],
  client: ['([', '])'],
};

const DOT_SHAPES: Readonly<Record<NodeKind, string>> = { topic: 'cylinder', gateway: 'hexagon', service: 'box', client: 'ellipse' };

/** Mermaid labels are quoted; a quote inside is written as its entity. */
function mermaidText(text: string): string {
  return `"${text.replaceAll('"', '#quot;')}"`;
}

export function toMermaid(t: Topology): string {
  const ids = new Map(t.nodes.map((n, i) => [n.key, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const n of t.nodes) {
    const [open, close] = MERMAID_SHAPES[n.kind];
    lines.push(`  ${ids.get(n.key)}${open}${mermaidText(n.label)}${close}`);
  }
  for (const e of t.edges) {
    const arrow = e.label === '' ? '-->' : `-- ${mermaidText(e.label)} -->`;
    lines.push(`  ${ids.get(e.from)} ${arrow} ${ids.get(e.to)}`);
  }
  return lines.join('\n') + '\n';
}

export function toDot(t: Topology): string {
  const lines = ['digraph streamerson {', '  rankdir=LR;'];
  for (const n of t.nodes) lines.push(`  ${JSON.stringify(n.key)} [shape=${DOT_SHAPES[n.kind]}, label=${JSON.stringify(n.label)}];`);
  for (const e of t.edges) {
    lines.push(`  ${JSON.stringify(e.from)} -> ${JSON.stringify(e.to)}${e.label === '' ? '' : ` [label=${JSON.stringify(e.label)}]`};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
