import { processorSuite } from './suite.js';
import { redisTarget } from './redis-target.js';

processorSuite('processors on standalone Redis', redisTarget);
