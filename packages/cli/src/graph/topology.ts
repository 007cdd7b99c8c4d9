/**
 * The topology of the service registry as a graph: gateways, services and
 * clients (one node per name, however many instances run), topics, and who
 * writes to and reads from which topic.
 */
import type { InstanceInfo } from '@streamerson/service';

export type NodeKind = 'gateway' | 'service' | 'client' | 'topic';

export interface GraphNode {
  readonly key: string;
  readonly kind: NodeKind;
  readonly label: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

export interface Topology {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export function buildTopology(instances: readonly InstanceInfo[]): Topology {
  const nodes = new Map<string, GraphNode & { count: number }>();
  const edges = new Map<string, { from: string; to: string; labels: Set<string> }>();
  const node = (kind: NodeKind, name: string): string => {
    const key = `${kind}:${name}`;
    const seen = nodes.get(key);
    if (seen === undefined) nodes.set(key, { key, kind, label: name, count: 1 });
    return key;
  };
  const edge = (from: string, to: string, label: string) => {
    const key = `${from}\u0000${to}`;
    const seen = edges.get(key) ?? { from, to, labels: new Set<string>() };
    if (label !== '') seen.labels.add(label);
    edges.set(key, seen);
  };
  const instancesOf = new Map<string, Set<string>>();
  for (const i of instances) {
    const self = node(i.kind, i.name);
    instancesOf.set(self, (instancesOf.get(self) ?? new Set()).add(i.instanceId));
    for (const topic of i.topics) edge(node('topic', topic), self, i.types.join(', '));
    for (const topic of i.produces) edge(self, node('topic', topic), '');
    for (const r of i.routes ?? []) edge(self, node('topic', r.topic), `${r.method} ${r.url} → ${r.type}`);
  }
  return {
    nodes: [...nodes.values()].map(({ key, kind, label }) => {
      const n = instancesOf.get(key)?.size ?? 0;
      return { key, kind, label: kind === 'topic' ? label : `${kind} ${label}${n > 1 ? ` ×${n}` : ''}` };
    }),
    edges: [...edges.values()].map((e) => ({ from: e.from, to: e.to, label: [...e.labels].sort().join('; ') })),
  };
}
