import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { runReadmeExample } from '@streamerson/testkit';

it("the README's example runs as written and prints what the README says", async () => {
  const { printed, expected } = await runReadmeExample(new URL('../../README.md', import.meta.url), new URL('../', import.meta.url));
  assert.equal(printed, expected);
});
