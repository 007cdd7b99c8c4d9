import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, StreamersonError, InvalidOptionError, InvalidUrlError, ClosedError, ProtocolError, redactUrl } from '../src/index.js';

const doc = readFileSync(new URL('../../../../docs/ERRORS.md', import.meta.url), 'utf8');

/** Rows of the table in docs/ERRORS.md: `| CODE | description |`. */
function documentedCodes(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of doc.split('\n')) {
    const m = /^\|\s*`(ERR_STREAMERSON_[A-Z_]+)`\s*\|\s*(.+?)\s*\|\s*$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!);
  }
  return rows;
}

test('docs/ERRORS.md lists exactly the codes of the registry, with the same descriptions', () => {
  const documented = documentedCodes();
  assert.deepEqual([...documented.keys()].sort(), Object.keys(ERROR_CODES).sort());
  for (const [code, description] of Object.entries(ERROR_CODES)) {
    assert.equal(documented.get(code), description, `description of ${code}`);
  }
});

test('errors carry name, code and cause', () => {
  const cause = new Error('boom');
  const e = new StreamersonError('ERR_STREAMERSON_ENGINE', 'engine failed', { cause });
  assert.equal(e.code, 'ERR_STREAMERSON_ENGINE');
  assert.equal(e.name, 'StreamersonError');
  assert.equal(e.cause, cause);
  assert.ok(e instanceof Error);

  const o = new InvalidOptionError('retention.maxLen', 'must be a positive integer');
  assert.equal(o.code, 'ERR_STREAMERSON_INVALID_OPTION');
  assert.equal(o.name, 'InvalidOptionError');
  assert.equal(o.option, 'retention.maxLen');
  assert.match(o.message, /retention\.maxLen/);
  assert.ok(o instanceof StreamersonError);

  assert.equal(new ClosedError('producer').code, 'ERR_STREAMERSON_CLOSED');
  const raw = { id: '1-0', fields: [Buffer.from('x')] };
  const p = new ProtocolError('ERR_STREAMERSON_BAD_ENTRY', 'bad', 'orders', raw);
  assert.equal(p.raw, raw);
  assert.equal(p.stream, 'orders');
  assert.equal(p.name, 'ProtocolError');
});

test('URLs in errors never carry the password', () => {
  assert.equal(redactUrl('redis://user:secret@host:6379/1'), 'redis://user:***@host:6379/1');
  assert.equal(redactUrl('redis://:secret@host'), 'redis://:***@host');
  assert.equal(redactUrl('redis://host:6379'), 'redis://host:6379');
  const e = new InvalidUrlError('redis://u:hunter2@h:99999', 'bad port');
  assert.doesNotMatch(e.message, /hunter2/);
  assert.doesNotMatch(e.url, /hunter2/);
});
