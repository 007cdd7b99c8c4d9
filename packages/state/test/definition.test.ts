/** Bad machine definitions: each an InvalidOptionError naming what is wrong, before anything runs. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { InvalidOptionError } from '@streamerson/core';
import { defineMachine } from '../src/index.js';

const good = {
  name: 'accounts',
  initial: () => ({ balance: 0 }),
  commands: { deposit: (_s: { balance: number }, p: { amount: number }) => [{ amount: p.amount }] },
  apply: (s: { balance: number }, e: { amount: number }) => ({ balance: s.balance + e.amount }),
};

describe('defineMachine', () => {
  it('takes a good definition', () => {
    const m = defineMachine(good);
    assert.deepEqual(m.commandTypes, ['deposit']);
    assert.deepEqual(m.fold(m.initial('a'), [{ amount: 2 }, { amount: 3 }]), { balance: 5 });
  });

  it('rejects bad definitions naming the option', () => {
    for (const [definition, option, message] of [
      [{ ...good, intial: () => null }, 'machine.intial', /did you mean "initial"/],
      [{ ...good, commands: { deposit: { decide: good.commands.deposit, shema: {} } } }, 'machine.commands.deposit.shema', /did you mean "schema"/],
      [{ ...good, name: 'bad name!' }, 'machine.name', /./],
      [{ ...good, shards: 0 }, 'machine.shards', /./],
      [{ ...good, apply: undefined }, 'machine.apply', /required/],
      [{ ...good, commands: {} }, 'machine.commands', /at least one/],
      [{ ...good, commands: { deposit: {} } }, 'machine.commands.deposit.decide', /function/],
      ['accounts', 'machine', /options object/],
    ] as const) {
      assert.throws(
        () => defineMachine(definition as never),
        (err: unknown) => {
          assert.ok(err instanceof InvalidOptionError, String(err));
          assert.equal(err.code, 'ERR_STREAMERSON_INVALID_OPTION');
          assert.equal(err.option, option);
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });
});
