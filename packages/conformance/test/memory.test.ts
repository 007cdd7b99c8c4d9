import { engineConformance } from '../src/index.js';
import { uniqueName } from '@streamerson/testkit';

engineConformance('memory:// engine', async () => ({
  url: `memory://${uniqueName('conf')}`,
  teardown: async () => {},
}));
