import { uniqueName } from '@streamerson/testkit';
import { commandSuite } from './suite.js';

commandSuite('a bank on memory://', async () => ({ url: `memory://${uniqueName('bank')}`, stop: async () => {} }));
