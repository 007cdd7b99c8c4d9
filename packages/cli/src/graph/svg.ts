/**
 * The topology as an SVG picture a person can open in a browser: a layered
 * drawing from left to right — endpoints, gateways, topics, the components
 * that read them, the topics they write — in the classic way (Sugiyama):
 * cycles broken, each node on the layer after its longest chain of
 * predecessors, the nodes of a layer ordered by where their predecessors are,
 * edges as curves from one layer to a later one (an edge back to an earlier
 * layer, as in a cycle, curves below the picture). Text is monospace, so
 * sizes are known without measuring.
 */
import { EMPTY_GRAPH_NOTE } from './render.js';
import type { GraphEdge, GraphNode, Topology } from './topology.js';

const FONT_SIZE = 12;
/** Width of a character of the monospace font at {@link FONT_SIZE}. */
const CHAR_WIDTH = 7.3;
const LINE_HEIGHT = 16;
const PADDING_X = 12;
const PADDING_Y = 8;
/** Least room between two layers; more when the labels of the edges leaving a layer need it. */
const LAYER_GAP = 80;
const LABEL_LINE_HEIGHT = 14;
const NODE_GAP = 28;
const MARGIN = 24;
/** Barycenter passes over the layers. */
const ORDER_PASSES = 4;

const FILL: Readonly<Record<string, string>> = {
  topic: '#e3effc',
  service: '#e4f5e9',
  gateway: '#fff1d6',
  client: '#eeeeee',
  processor: '#efe6fb',
  'state-machine': '#fbe4ec',
  group: '#ffffff',
  endpoint: '#fffbe6',
};

interface Placed {
  readonly node: GraphNode;
  readonly layer: number;
  readonly width: number;
  readonly height: number;
  x: number;
  y: number;
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function textWidth(text: string): number {
  return [...text].length * CHAR_WIDTH;
}

/** Edges that close a cycle (found by a depth-first walk), which layering leaves out. */
function backEdges(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Set<GraphEdge> {
  const out = new Map<string, GraphEdge[]>(nodes.map((n) => [n.key, []]));
  for (const e of edges) out.get(e.from)?.push(e);
  const state = new Map<string, 'open' | 'done'>();
  const back = new Set<GraphEdge>();
  const visit = (key: string): void => {
    state.set(key, 'open');
    for (const e of out.get(key) ?? []) {
      const s = state.get(e.to);
      if (s === 'open') back.add(e);
      else if (s === undefined) visit(e.to);
    }
    state.set(key, 'done');
  };
  for (const n of nodes) if (!state.has(n.key)) visit(n.key);
  return back;
}

/** Each node's layer: one after the longest chain of predecessors over the edges that close no cycle. */
function layers(nodes: readonly GraphNode[], forward: readonly GraphEdge[]): Map<string, number> {
  const layer = new Map(nodes.map((n) => [n.key, 0]));
  const incoming = new Map(nodes.map((n) => [n.key, 0]));
  for (const e of forward) incoming.set(e.to, (incoming.get(e.to) ?? 0) + 1);
  const ready = nodes.filter((n) => incoming.get(n.key) === 0).map((n) => n.key);
  while (ready.length > 0) {
    const key = ready.shift()!;
    for (const e of forward) {
      if (e.from !== key) continue;
      layer.set(e.to, Math.max(layer.get(e.to)!, layer.get(key)! + 1));
      incoming.set(e.to, incoming.get(e.to)! - 1);
      if (incoming.get(e.to) === 0) ready.push(e.to);
    }
  }
  return layer;
}

/** The nodes of each layer, ordered by the mean position of their neighbours in the layer before (and after). */
function order(byLayer: Placed[][], edges: readonly GraphEdge[]): void {
  const position = new Map<string, number>();
  const note = (): void => {
    for (const l of byLayer) for (const [i, p] of l.entries()) position.set(p.node.key, i);
  };
  note();
  const mean = (keys: string[]): number | undefined => (keys.length === 0 ? undefined : keys.reduce((n, k) => n + position.get(k)!, 0) / keys.length);
  for (let pass = 0; pass < ORDER_PASSES; pass++) {
    const down = pass % 2 === 0;
    const sequence = down ? byLayer.slice(1) : byLayer.slice(0, -1).reverse();
    for (const layer of sequence) {
      const weight = new Map(
        layer.map((p, i) => {
          const neighbours = edges
            .filter((e) => (down ? e.to : e.from) === p.node.key)
            .map((e) => (down ? e.from : e.to))
            .filter((k) => position.has(k));
          return [p.node.key, mean(neighbours) ?? i];
        }),
      );
      layer.sort((a, b) => weight.get(a.node.key)! - weight.get(b.node.key)!);
      for (const [i, p] of layer.entries()) position.set(p.node.key, i);
    }
  }
}

function shape(p: Placed): string {
  const { node, x, y, width: w, height: h } = p;
  const fill = FILL[node.role === 'component' ? node.kind : node.role] ?? '#f4f4f4';
  const stroke = node.down ? ' stroke="#999" stroke-dasharray="5 4"' : ' stroke="#556"';
  switch (node.role) {
    case 'topic':
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${Math.min(14, h / 2)}" fill="${fill}"${stroke}/>`;
    case 'group':
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${h / 2}" fill="${fill}" stroke="#556" stroke-dasharray="2 3"/>`;
    case 'endpoint': {
      const s = 10;
      return `<polygon points="${x + s},${y} ${x + w},${y} ${x + w - s},${y + h} ${x},${y + h}" fill="${fill}"${stroke}/>`;
    }
    case 'component':
      if (node.kind === 'gateway') {
        const s = 10;
        return `<polygon points="${x + s},${y} ${x + w - s},${y} ${x + w},${y + h / 2} ${x + w - s},${y + h} ${x + s},${y + h} ${x},${y + h / 2}" fill="${fill}"${stroke}/>`;
      }
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="3" fill="${fill}"${stroke}/>`;
  }
}

function label(p: Placed): string {
  const colour = p.node.down ? '#888' : '#223';
  const lines = p.node.label.map((line, i) => {
    const y = p.y + PADDING_Y + LINE_HEIGHT * (i + 1) - 4;
    return `<text x="${p.x + p.width / 2}" y="${y}" text-anchor="middle" fill="${colour}"${i > 0 ? ' font-size="11"' : ''}>${escapeXml(line)}</text>`;
  });
  return lines.join('');
}

/** The picture of `t`: a standalone SVG document. */
export function toSvg(t: Topology): string {
  const nodes = t.nodes.length > 0 ? t.nodes : [{ key: 'empty', role: 'group', kind: '', label: [EMPTY_GRAPH_NOTE], down: false } satisfies GraphNode];
  const back = backEdges(nodes, t.edges);
  const layerOf = layers(
    nodes,
    t.edges.filter((e) => !back.has(e)),
  );
  const placed = new Map<string, Placed>();
  const byLayer: Placed[][] = [];
  for (const node of nodes) {
    const width = Math.max(...node.label.map(textWidth)) + 2 * PADDING_X;
    const p: Placed = { node, layer: layerOf.get(node.key)!, width, height: node.label.length * LINE_HEIGHT + 2 * PADDING_Y, x: 0, y: 0 };
    placed.set(node.key, p);
    (byLayer[p.layer] ??= []).push(p);
  }
  const layered = byLayer.filter((l) => l !== undefined);
  order(layered, t.edges);
  // A forward edge's label sits just before its target, at the target's height, one line per part ("; "):
  // the gap before a layer is as wide as its widest label, a node's slot as tall as the labels coming into it.
  const labelLines = new Map(t.edges.map((e) => [e, e.label === '' ? [] : e.label.split('; ')]));
  const forward = t.edges.filter((e) => placed.get(e.to)!.layer > placed.get(e.from)!.layer);
  const labelWidth = (e: GraphEdge) => Math.max(0, ...labelLines.get(e)!.map(textWidth)) + 8;
  const labelHeight = (e: GraphEdge) => (labelLines.get(e)!.length === 0 ? 0 : labelLines.get(e)!.length * LABEL_LINE_HEIGHT + 6);
  const gapBefore = layered.map((_, i) => Math.max(LAYER_GAP, ...forward.filter((e) => placed.get(e.to)!.layer === i).map((e) => labelWidth(e) + 56)));
  const incoming = new Map<string, GraphEdge[]>();
  for (const e of forward) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e]);
  const slot = (p: Placed) =>
    Math.max(
      p.height,
      (incoming.get(p.node.key) ?? []).reduce((n, e) => n + labelHeight(e), 0),
    );
  const columnHeight = (l: Placed[]) => l.reduce((n, p) => n + slot(p), 0) + NODE_GAP * (l.length - 1);
  const tallest = Math.max(...layered.map(columnHeight));
  let x = MARGIN;
  for (const [i, layer] of layered.entries()) {
    if (i > 0) x += gapBefore[i]!;
    let y = MARGIN + (tallest - columnHeight(layer)) / 2;
    const width = Math.max(...layer.map((p) => p.width));
    for (const p of layer) {
      p.x = x + (width - p.width) / 2;
      p.y = y + (slot(p) - p.height) / 2;
      y += slot(p) + NODE_GAP;
    }
    x += width;
  }
  /** Where each forward edge's label goes: stacked around its target's middle, before the target's layer. */
  const labelAt = new Map<GraphEdge, [number, number]>();
  for (const [key, into] of incoming) {
    const b = placed.get(key)!;
    const withLabels = into.filter((e) => labelLines.get(e)!.length > 0);
    let top = b.y + b.height / 2 - withLabels.reduce((n, e) => n + labelHeight(e), 0) / 2;
    for (const e of withLabels) {
      labelAt.set(e, [b.x - gapBefore[b.layer]! / 2, top + labelHeight(e) / 2]);
      top += labelHeight(e);
    }
  }
  const bottom = MARGIN + tallest;
  let below = 0;
  const paths: string[] = [];
  const labels: string[] = [];
  for (const e of t.edges) {
    const a = placed.get(e.from)!;
    const b = placed.get(e.to)!;
    const dash = e.dashed ? ' stroke-dasharray="6 4"' : '';
    let d: string;
    let mid: [number, number];
    if (b.layer > a.layer) {
      const [x1, y1, x2, y2] = [a.x + a.width, a.y + a.height / 2, b.x, b.y + b.height / 2];
      mid = labelAt.get(e) ?? [(x1 + x2) / 2, (y1 + y2) / 2];
      // Through the label's place, then level into the target.
      const [lx, ly] = mid;
      d = `M${x1},${y1} C${(x1 + lx) / 2},${y1} ${(x1 + lx) / 2},${ly} ${lx},${ly} S${x2 - 12},${y2} ${x2},${y2}`;
    } else {
      below += 24;
      const [x1, y1, x2, y2] = [a.x + a.width / 2, a.y + a.height, b.x + b.width / 2, b.y + b.height];
      const low = bottom + below;
      d = `M${x1},${y1} C${x1},${low} ${x2},${low} ${x2},${y2}`;
      mid = [(x1 + x2) / 2, low - 6];
    }
    paths.push(`<path d="${d}" fill="none" stroke="#667" stroke-width="1.3"${dash} marker-end="url(#arrow)"/>`);
    const parts = labelLines.get(e)!;
    if (parts.length > 0) {
      const w = labelWidth(e);
      const h = parts.length * LABEL_LINE_HEIGHT + 2;
      const top = mid[1] - h / 2;
      labels.push(
        `<rect x="${mid[0] - w / 2}" y="${top}" width="${w}" height="${h}" rx="3" fill="#ffffff" fill-opacity="0.9"/>`,
        ...parts.map(
          (part, k) =>
            `<text x="${mid[0]}" y="${top + LABEL_LINE_HEIGHT * (k + 1) - 2}" text-anchor="middle" font-size="11" fill="#445">${escapeXml(part)}</text>`,
        ),
      );
    }
  }
  const width = x + MARGIN;
  const height = bottom + below + MARGIN + (below > 0 ? 12 : 0);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${FONT_SIZE}">`,
    '<title>streamerson graph</title>',
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#667"/></marker></defs>',
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    ...paths,
    ...[...placed.values()].map(
      (p) =>
        `<g class="node ${p.node.role}${p.node.down ? ' down' : ''}" data-key="${escapeXml(p.node.key)}"><title>${escapeXml(p.node.role === 'component' ? `${p.node.kind} ${p.node.label[0]}` : p.node.label.join(' '))}</title>${shape(p)}${label(p)}</g>`,
    ),
    ...labels,
    '</svg>',
    '',
  ].join('\n');
}
