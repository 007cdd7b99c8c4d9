/**
 * Redis engine URLs: `redis://`, `rediss://` (TLS), `redis+cluster://`,
 * `rediss+cluster://`, `redis+sentinel://` and `rediss+sentinel://`.
 */
import { InvalidUrlError, splitEngineUrl } from '@streamerson/core';

/** A host and port. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `redis://[user:pass@]host:port[/db]` or `rediss://…` (TLS). */
export interface RedisUrl {
  readonly scheme: 'redis';
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db: number;
}

/** `redis+cluster://[user:pass@]host:port,host:port` or `rediss+cluster://…` (TLS); any reachable nodes seed the cluster. */
export interface RedisClusterUrl {
  readonly scheme: 'redis+cluster';
  readonly tls: boolean;
  readonly nodes: readonly HostPort[];
  readonly username?: string;
  readonly password?: string;
}

/**
 * `redis+sentinel://[user:pass@]host:port,host:port/<master name>[/<db>]` or
 * `rediss+sentinel://…` (TLS to the Sentinels and the data nodes): the
 * Sentinels to ask for the master of `<master name>`. The user and password
 * are the data nodes'; Sentinels that want their own are given them in the
 * engine options (`sentinelUsername`, `sentinelPassword`).
 */
export interface RedisSentinelUrl {
  readonly scheme: 'redis+sentinel';
  readonly tls: boolean;
  readonly sentinels: readonly HostPort[];
  readonly masterName: string;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
}

/** A parsed Redis engine URL. */
export type AnyRedisUrl = RedisUrl | RedisClusterUrl | RedisSentinelUrl;

/** Default Redis port. */
export const DEFAULT_REDIS_PORT = 6379;
/** Default port of a Redis Sentinel. */
export const DEFAULT_SENTINEL_PORT = 26379;

/** The schemes of the Redis engine. */
export const REDIS_SCHEMES: readonly string[] = Object.freeze(['redis', 'rediss', 'redis+cluster', 'rediss+cluster', 'redis+sentinel', 'rediss+sentinel']);

/**
 * Parses a Redis engine URL. Throws {@link InvalidUrlError}
 * (`ERR_STREAMERSON_INVALID_URL`) naming what is wrong.
 */
export function parseRedisUrl(url: string): AnyRedisUrl {
  const { scheme, rest } = splitEngineUrl(url);
  switch (scheme) {
    case 'redis':
    case 'rediss':
      return parseRedis(url, rest, scheme === 'rediss');
    case 'redis+cluster':
    case 'rediss+cluster':
      return parseCluster(url, rest, scheme === 'rediss+cluster');
    case 'redis+sentinel':
    case 'rediss+sentinel':
      return parseSentinel(url, rest, scheme === 'rediss+sentinel');
    default:
      throw new InvalidUrlError(url, `the Redis engine serves ${REDIS_SCHEMES.map((s) => `${s}://`).join(', ')}, not ${scheme}://`);
  }
}

interface Authority {
  readonly username?: string;
  readonly password?: string;
  readonly hosts: string;
  readonly path: string;
}

function splitAuthority(url: string, rest: string): Authority {
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  if (at === -1) return { hosts: authority, path };
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch (cause) {
      throw new InvalidUrlError(url, 'bad percent-encoding in user info', { cause });
    }
  };
  const username = decode(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = colon === -1 ? undefined : decode(userinfo.slice(colon + 1));
  return {
    hosts: authority.slice(at + 1),
    path,
    ...(username !== '' ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

function parseHostPort(url: string, text: string, defaultPort = DEFAULT_REDIS_PORT): HostPort {
  if (text === '') throw new InvalidUrlError(url, 'missing host');
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1) throw new InvalidUrlError(url, `unterminated IPv6 address in "${text}"`);
    host = text.slice(1, end);
    const after = text.slice(end + 1);
    if (after !== '' && !after.startsWith(':')) throw new InvalidUrlError(url, `bad host "${text}"`);
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = text.lastIndexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    portText = colon === -1 ? undefined : text.slice(colon + 1);
  }
  if (host === '' || /[\s/?#@]/.test(host)) throw new InvalidUrlError(url, `bad host "${host}"`);
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new InvalidUrlError(url, `bad port "${portText}" (expected 1-65535)`);
    }
    port = Number(portText);
  }
  return { host, port };
}

function parseRedis(url: string, rest: string, tls: boolean): RedisUrl {
  const { hosts, path, username, password } = splitAuthority(url, rest);
  if (hosts.includes(',')) throw new InvalidUrlError(url, 'several hosts need redis+cluster://');
  const { host, port } = parseHostPort(url, hosts);
  return {
    scheme: 'redis',
    tls,
    host,
    port,
    db: parseDb(url, path.replace(/\/+$/, '')),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

function parseCluster(url: string, rest: string, tls: boolean): RedisClusterUrl {
  const { hosts, path, username, password } = splitAuthority(url, rest);
  if (path.replace(/\/+$/, '') !== '') throw new InvalidUrlError(url, 'a Redis Cluster has no database number');
  const nodes = hosts.split(',').map((h) => parseHostPort(url, h.trim()));
  return {
    scheme: 'redis+cluster',
    tls,
    nodes,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

function parseDb(url: string, text: string): number {
  if (text !== '' && !/^\d{1,2}$/.test(text)) throw new InvalidUrlError(url, `bad database number "${text}"`);
  return text === '' ? 0 : Number(text);
}

function parseSentinel(url: string, rest: string, tls: boolean): RedisSentinelUrl {
  const { hosts, path, username, password } = splitAuthority(url, rest);
  const sentinels = hosts.split(',').map((h) => parseHostPort(url, h.trim(), DEFAULT_SENTINEL_PORT));
  const [name = '', db = '', ...more] = path.replace(/\/+$/, '').split('/');
  if (name === '') throw new InvalidUrlError(url, 'missing master name (redis+sentinel://host:port,…/<master name>)');
  if (more.length > 0) throw new InvalidUrlError(url, `bad path "/${path}" (expected /<master name>[/<db>])`);
  let masterName: string;
  try {
    masterName = decodeURIComponent(name);
  } catch (cause) {
    throw new InvalidUrlError(url, 'bad percent-encoding in the master name', { cause });
  }
  return {
    scheme: 'redis+sentinel',
    tls,
    sentinels,
    masterName,
    db: parseDb(url, db),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}
