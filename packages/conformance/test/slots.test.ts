import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisCluster } from '@streamerson/testkit';
import { keySlot, spreadNames } from '../src/index.js';

describe('keySlot', () => {
  it('matches the CRC16 reference values and hash tags', () => {
    assert.equal(keySlot('123456789'), 0x31c3 % 16_384);
    assert.equal(keySlot('foo'), 12_182);
    assert.equal(keySlot('{user1000}.following'), keySlot('user1000'));
    assert.equal(keySlot('{}foo'), keySlot('{}foo'));
  });

  it('agrees with CLUSTER KEYSLOT and spreadNames spans every master', async () => {
    const cluster = await startRedisCluster();
    after(() => cluster.stop());
    const names = spreadNames('spread', 6);
    for (const name of names) assert.equal(await cluster.nodes[0]!.command('CLUSTER', 'KEYSLOT', name), keySlot(name));
    const owners = new Set<number>();
    for (const name of names) {
      await cluster.command('SET', name, 'v');
      for (const node of cluster.nodes) {
        if ((await node.command('CLUSTER', 'COUNTKEYSINSLOT', String(keySlot(name)))) === 1) owners.add(node.port);
      }
    }
    assert.equal(owners.size, 3);
  });
});
