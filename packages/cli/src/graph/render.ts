/** The topology as Mermaid (`flowchart LR`), Graphviz DOT, or an SVG picture (see `svg.ts`). */
import type { GraphNode, NodeRole, Topology } from './topology.js';

export type GraphFormat = 'mermaid' | 'dot' | 'svg';

/** The graph formats, the first one the default. */
export const GRAPH_FORMATS: readonly GraphFormat[] = ['mermaid', 'dot', 'svg'];

/** What an empty graph says instead of drawing nothing. */
export const EMPTY_GRAPH_NOTE = 'nothing to draw: no instance in the service registry and no consumer group on any topic';

/** Mermaid shapes by role; a gateway is a hexagon whatever its role says. */
const MERMAID_SHAPES: Readonly<Record<NodeRole | 'gateway', [string, string]>> = {
  topic: ['[(', ')]'],
  component: ['[', ']'],
  gateway: ['{{', '}}'],
  group: ['([', '])'],
  endpoint: ['>', ']'],
};

const DOT_SHAPES: Readonly<Record<NodeRole | 'gateway', string>> = {
  topic: 'cylinder',
  component: 'box',
  gateway: 'hexagon',
  group: 'ellipse',
  endpoint: 'cds',
};

function shapeOf(n: GraphNode): NodeRole | 'gateway' {
  return n.role === 'component' && n.kind === 'gateway' ? 'gateway' : n.role;
}

/** Mermaid labels are quoted; a quote inside is written as its entity, lines joined with <br/>. */
function mermaidText(lines: readonly string[]): string {
  return `"${lines.map((l) => l.replaceAll('"', '#quot;')).join('<br/>')}"`;
}

export function toMermaid(t: Topology): string {
  const lines = ['flowchart LR'];
  if (t.nodes.length === 0) return `${lines[0]}\n  empty[${mermaidText([EMPTY_GRAPH_NOTE])}]\n`;
  const ids = new Map(t.nodes.map((n, i) => [n.key, `n${i}`]));
  for (const n of t.nodes) {
    const [open, close] = MERMAID_SHAPES[shapeOf(n)];
    lines.push(`  ${ids.get(n.key)}${open}${mermaidText(n.label)}${close}`);
  }
  for (const e of t.edges) {
    const arrow = e.dashed ? '-.->' : '-->';
    const label = e.label === '' ? '' : `|${mermaidText([e.label])}|`;
    lines.push(`  ${ids.get(e.from)} ${arrow}${label} ${ids.get(e.to)}`);
  }
  const down = t.nodes.filter((n) => n.down).map((n) => ids.get(n.key));
  if (down.length > 0) lines.push('  classDef down stroke-dasharray: 5 5,color:#888', `  class ${down.join(',')} down`);
  return `${lines.join('\n')}\n`;
}

export function toDot(t: Topology): string {
  const lines = ['digraph streamerson {', '  rankdir=LR;'];
  if (t.nodes.length === 0) lines.push(`  empty [shape=note, label=${JSON.stringify(EMPTY_GRAPH_NOTE)}];`);
  for (const n of t.nodes) {
    const style = n.down ? ', style=dashed, fontcolor=gray40' : '';
    lines.push(`  ${JSON.stringify(n.key)} [shape=${DOT_SHAPES[shapeOf(n)]}, label=${JSON.stringify(n.label.join('\n'))}${style}];`);
  }
  for (const e of t.edges) {
    const attrs = [...(e.label === '' ? [] : [`label=${JSON.stringify(e.label)}`]), ...(e.dashed ? ['style=dashed'] : [])];
    lines.push(`  ${JSON.stringify(e.from)} -> ${JSON.stringify(e.to)}${attrs.length === 0 ? '' : ` [${attrs.join(', ')}]`};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
