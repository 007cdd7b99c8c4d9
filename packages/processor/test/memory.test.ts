import { uniqueName } from '@streamerson/testkit';
import { processorSuite } from './suite.js';

processorSuite('processors on memory://', async () => ({ url: `memory://${uniqueName('proc')}`, stop: async () => {} }));
