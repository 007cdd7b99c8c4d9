/**
 * `node cpu-wrapper.js <script> [args…]`: runs the Node script (the
 * `streamerson` binary) in this very process, as `node <script> [args…]`
 * would, and when the process exits writes its CPU time (a {@link CpuTime}
 * as JSON, startup included) to the file named by `BENCH_CPU_FILE`. Node reports no
 * resource usage of child processes, so the child reports its own.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { fromCpuUsage, type CpuTime } from '../cpu-time.js';

const out = process.env['BENCH_CPU_FILE'];
const script = process.argv[2];
if (out === undefined || script === undefined) {
  process.stderr.write('usage: BENCH_CPU_FILE=<path> node cpu-wrapper.js <script> [args…]\n');
  process.exit(2);
}
process.on('exit', () => {
  const cpu: CpuTime = fromCpuUsage(process.cpuUsage());
  writeFileSync(out, JSON.stringify(cpu));
});
// The script reads its arguments from process.argv: make it look as if it had been started itself.
process.argv.splice(1, 1);
await import(pathToFileURL(script).href);
