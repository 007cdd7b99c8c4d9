import { uniqueName } from '@streamerson/testkit';
import { writerSuite } from './writers.js';

writerSuite('writers on memory://', async () => ({ url: `memory://${uniqueName('writers')}`, stop: async () => {} }));
