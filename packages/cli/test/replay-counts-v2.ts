/** The same processor, changed: a big order counts twice. Replayed against the first version's record, it diverges at the first big order. */
import { counts } from './replay-counts.js';

export const changed = counts('replay-counts', 2);
