/**
 * `npm run bench [-- <scenario> …] [--quick] [--n N] [--rounds R] [--out PATH|--no-write]`:
 * prints a Markdown table and writes docs/benchmarks/latest.json and latest.svg.
 */
import { parseBenchArgs } from './options.js';
import { formatChart, formatMarkdown, writeJson, writeText } from './report.js';
import { runBench } from './run.js';

const options = parseBenchArgs(process.argv.slice(2), process.env);
const result = await runBench(options, (line) => process.stderr.write(`${line}\n`));
process.stdout.write(`${formatMarkdown(result)}\n`);
if (options.outputPath !== null) {
  const chartPath = options.outputPath.replace(/\.json$/, '') + '.svg';
  await writeJson(options.outputPath, result);
  await writeText(chartPath, formatChart(result));
  process.stderr.write(`wrote ${options.outputPath} and ${chartPath}\n`);
}
