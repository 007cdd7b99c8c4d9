/**
 * `node cgroup-reaper.js <1|2> <home> <dir>`: removes the bench's CPU groups
 * under `dir` when its standard input closes, that is when the bench process
 * ends, however it ends (a normal exit, a crash, Ctrl-C). Processes still in
 * a group go back to `home`, the bench's own group. Ctrl-C reaches the whole
 * process group, so the reaper ignores SIGINT and SIGTERM: it must outlive the
 * bench to do its work.
 */
import { removeGroupTree } from '../budget/cgroup.js';

const [version, home, dir] = process.argv.slice(2);
if ((version !== '1' && version !== '2') || home === undefined || dir === undefined) {
  process.stderr.write('usage: cgroup-reaper <1|2> <home group dir> <bench group dir>\n');
  process.exit(2);
}
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.stdin.resume();
process.stdin.on('end', () => {
  removeGroupTree({ version: version === '2' ? 2 : 1, home }, dir).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench: could not remove the CPU groups under ${dir}: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
});
