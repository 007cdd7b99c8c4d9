/**
 * The topology as a graph, drawn from what the system says of itself and
 * nothing else: every instance in the service registry, whatever its kind
 * (service, gateway, processor, state machine, …), one node per kind and name
 * with how many instances run and how many went down; the topics it reads
 * (`topics`, in its consumer group) and writes (`produces`, a gateway's
 * routes); the endpoints clients reach it by (a gateway's WebSocket and SSE);
 * and from the engine, the consumer groups no announced instance accounts for
 * and the dead letters of the topics it reads.
 */
import type { InstanceInfo } from '@streamerson/service';
import { DEAD_LETTER_SUFFIX } from '../topics.js';
import { plural } from '../inspect/units.js';

/** What a node stands for. */
export type NodeRole = 'component' | 'topic' | 'group' | 'endpoint';

export interface GraphNode {
  readonly key: string;
  readonly role: NodeRole;
  /** A component's kind as announced (`service`, `gateway`, `processor`…), an endpoint's protocol; '' otherwise. */
  readonly kind: string;
  /** The label, one entry per line. */
  readonly label: readonly string[];
  /** Every instance of this component went down or stopped announcing. */
  readonly down: boolean;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  /** Not a message flow of the request path: dead letters, an endpoint's subscriptions. */
  readonly dashed: boolean;
}

export interface Topology {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** What the engine says of a topic: its consumer groups (with their consumer counts) and its dead letters. */
export interface TopicFacts {
  readonly topic: string;
  readonly groups: readonly { readonly name: string; readonly consumers: number }[];
  readonly deadLetters: number;
}

/** Whether an instance is online at `now`: its newest announcement says up and is younger than its TTL. */
export function isOnline(i: InstanceInfo, now: number): boolean {
  return i.state === 'up' && now - i.seenAt <= i.ttlMs;
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { ws: 'WebSocket', sse: 'SSE', http: 'HTTP' };

export function buildTopology(instances: readonly InstanceInfo[], topics: readonly TopicFacts[], now = Date.now()): Topology {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, { from: string; to: string; labels: Set<string>; dashed: boolean }>();
  const node = (n: GraphNode): string => {
    if (!nodes.has(n.key)) nodes.set(n.key, n);
    return n.key;
  };
  const topicNode = (topic: string): string => node({ key: `topic:${topic}`, role: 'topic', kind: '', label: [topic], down: false });
  const edge = (from: string, to: string, label: string, dashed = false): void => {
    const key = `${from}\u0000${to}`;
    const seen = edges.get(key) ?? { from, to, labels: new Set<string>(), dashed };
    if (label !== '') seen.labels.add(label);
    edges.set(key, seen);
  };

  const components = new Map<string, InstanceInfo[]>();
  for (const i of instances) {
    const key = `${i.kind}:${i.name}`;
    components.set(key, [...(components.get(key) ?? []), i]);
  }
  /** `<topic>\0<group>` read by an announced component. */
  const accounted = new Set<string>();
  const facts = new Map(topics.map((t) => [t.topic, t]));

  for (const [key, all] of components) {
    const { kind, name } = all[0]!;
    const online = all.filter((i) => isOnline(i, now)).length;
    const down = all.length - online;
    const counted = `${kind === name ? '' : kind}${all.length > 1 ? ` ×${all.length}` : ''}`.trim();
    const state = down === 0 ? '' : online === 0 ? 'down' : `${down} down`;
    const second = [counted, state].filter((s) => s !== '').join(' — ');
    const self = node({ key, role: 'component', kind, label: second === '' ? [name] : [name, second], down: online === 0 });
    for (const i of all) {
      const group = i.group ?? i.name;
      for (const topic of i.topics) {
        accounted.add(`${topic}\u0000${group}`);
        const via = group === name ? '' : `group ${group}`;
        edge(topicNode(topic), self, [via, i.types.join(', ')].filter((s) => s !== '').join(': '));
        if ((facts.get(topic)?.deadLetters ?? 0) > 0) edge(self, topicNode(topic + DEAD_LETTER_SUFFIX), 'dead letters', true);
      }
      const routed = new Set((i.routes ?? []).map((r) => r.topic));
      for (const topic of i.produces) if (!routed.has(topic)) edge(self, topicNode(topic), '');
      for (const r of i.routes ?? []) edge(self, topicNode(r.topic), `${r.method} ${r.url} → ${r.type}`);
      for (const e of i.endpoints ?? []) {
        const endpoint = node({
          key: `endpoint:${key}:${e.protocol}:${e.url}`,
          role: 'endpoint',
          kind: e.protocol,
          label: [`${PROTOCOL_NAMES[e.protocol] ?? e.protocol} ${e.url}`],
          down: false,
        });
        edge(endpoint, self, '', true);
      }
    }
  }

  for (const t of topics) {
    for (const g of t.groups) {
      if (accounted.has(`${t.topic}\u0000${g.name}`)) continue;
      const group = node({
        key: `group:${t.topic}:${g.name}`,
        role: 'group',
        kind: '',
        label: [`group ${g.name}`, plural(g.consumers, 'consumer')],
        down: false,
      });
      edge(topicNode(t.topic), group, '');
    }
  }

  return {
    nodes: [...nodes.values()],
    edges: [...edges.values()].map((e) => ({ from: e.from, to: e.to, label: [...e.labels].sort().join('; '), dashed: e.dashed })),
  };
}
