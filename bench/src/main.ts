/**
 * `npm run bench [-- produce|consume|memory] [--quick] [--n N] [--rounds R] [--out PATH|--no-write]`:
 * prints a Markdown table and writes docs/benchmarks/latest.json.
 */
import { parseBenchArgs } from './options.js';
import { formatMarkdown, writeJson } from './report.js';
import { runBench } from './run.js';

const options = parseBenchArgs(process.argv.slice(2), process.env);
const result = await runBench(options, (line) => process.stderr.write(`${line}\n`));
process.stdout.write(`${formatMarkdown(result)}\n`);
if (options.outputPath !== null) {
  await writeJson(options.outputPath, result);
  process.stderr.write(`wrote ${options.outputPath}\n`);
}
