/** The requests the engine builds itself are the bytes ioredis would write for the same arguments. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Command } from 'ioredis';
import { xackCommand, xaddCommand } from '../src/commands.js';

/** What ioredis writes for a command, as bytes. */
function written(command: Command): Buffer {
  const w = command.toWritable(undefined as never);
  return typeof w === 'string' ? Buffer.from(w) : w;
}

const text = fc.string({ unit: 'binary', maxLength: 40 });

test('an XADD of string fields is written as ioredis writes it, ASCII or not, with NOMKSTREAM or without', () => {
  fc.assert(
    fc.property(text, fc.array(text, { maxLength: 12 }), fc.boolean(), (stream, values, noMkStream) => {
      const fields = values.length % 2 === 0 ? values : values.slice(1);
      const ours = xaddCommand({ stream, fields, ...(noMkStream ? { noMkStream } : {}) });
      const theirs = new Command('xadd', [stream, ...(noMkStream ? ['NOMKSTREAM'] : []), '*', ...fields]);
      assert.deepEqual(written(ours), written(theirs));
      assert.deepEqual(ours.getKeys(), [stream]);
    }),
    { numRuns: 1000 },
  );
});

test('an XADD with a Buffer field is left to ioredis', () => {
  const fields = ['v', '1', 'p', Buffer.from([0, 255, 10])];
  const command = xaddCommand({ stream: 's', fields });
  assert.equal(command.constructor, Command);
  assert.deepEqual(written(command), written(new Command('xadd', ['s', '*', ...fields])));
});

test('an XACK is written as ioredis writes it', () => {
  fc.assert(
    fc.property(text, text, fc.array(fc.constantFrom('1-0', '1700000000000-12', 'é-1'), { minLength: 1, maxLength: 5 }), (stream, group, ids) => {
      assert.deepEqual(written(xackCommand(stream, group, ids)), written(new Command('xack', [stream, group, ...ids])));
    }),
  );
});
