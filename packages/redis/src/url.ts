/**
 * Redis engine URLs: `redis://`, `rediss://` (TLS), `redis+cluster://` and
 * `rediss+cluster://`.
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

/** A parsed Redis engine URL. */
export type AnyRedisUrl = RedisUrl | RedisClusterUrl;

/** Default Redis port. */
export const DEFAULT_REDIS_PORT = 6379;

/** The schemes of the Redis engine. */
export const REDIS_SCHEMES: readonly string[] = Object.freeze(['redis', 'rediss', 'redis+cluster', 'rediss+cluster']);

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

function parseHostPort(url: string, text: string): HostPort {
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
  let port = DEFAULT_REDIS_PORT;
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
  const dbText = path.replace(/\/+$/, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) throw new InvalidUrlError(url, `bad database number "${dbText}"`);
  return {
    scheme: 'redis',
    tls,
    host,
    port,
    db: dbText === '' ? 0 : Number(dbText),
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
