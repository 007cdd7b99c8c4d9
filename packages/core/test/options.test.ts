import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { optionKeys, optionsObject } from '../src/options.js';

interface Sample {
  readonly concurrency?: number;
  readonly topic: string;
}

const KEYS = optionKeys<Sample>({ concurrency: true, topic: true });

describe('optionsObject', () => {
  it('returns a plain object whose keys are all known', () => {
    const o = { topic: 't', concurrency: 2 };
    assert.equal(optionsObject(o, KEYS), o);
    assert.equal(optionsObject({ topic: 't', concurrency: undefined }, KEYS).topic, 't', 'undefined values count as absent');
  });

  it('rejects an unknown key, naming it and the key it probably meant', () => {
    assert.throws(() => optionsObject({ topic: 't', concurency: 2 }, KEYS), {
      name: 'InvalidOptionError',
      code: 'ERR_STREAMERSON_INVALID_OPTION',
      option: 'concurency',
      message: 'invalid option "concurency": unknown key (did you mean "concurrency"?)',
    });
    assert.throws(() => optionsObject({ Topic: 't' }, KEYS), { option: 'Topic', message: /did you mean "topic"/ });
  });

  it('lists the known keys when nothing is close', () => {
    assert.throws(() => optionsObject({ retention: {} }, KEYS), {
      option: 'retention',
      message: 'invalid option "retention": unknown key (the options are concurrency, topic)',
    });
  });

  it('names nested keys with their path', () => {
    assert.throws(() => optionsObject({ maxlen: 5 }, ['maxLen', 'minId'], 'retention'), { option: 'retention.maxlen', message: /did you mean "maxLen"/ });
  });

  it('rejects what is not a plain object', () => {
    for (const bad of [null, 3, 'x', [1]]) assert.throws(() => optionsObject(bad, KEYS), { option: 'options' });
    assert.throws(() => optionsObject([], KEYS, 'retention'), { option: 'retention' });
  });

  it('optionKeys lists the keys of the record, frozen', () => {
    assert.deepEqual(KEYS, ['concurrency', 'topic']);
    assert.ok(Object.isFrozen(KEYS));
  });
});
