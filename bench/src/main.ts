/**
 * `npm run bench [-- <scenario> …] [--quick] [--n N] [--rounds R] [--out PATH|--no-write]`:
 * prints the Markdown tables and, unless `--no-write`, writes
 * docs/benchmarks/latest.json, latest.svg and the results section of docs/BENCHMARKS.md.
 */
import { writeResultsInto } from './doc.js';
import { parseBenchArgs } from './options.js';
import { formatChart, formatMarkdown, writeJson, writeText } from './report.js';
import { runBench } from './run.js';

const options = parseBenchArgs(process.argv.slice(2), process.env);
const result = await runBench(options, (line) => process.stderr.write(`${line}\n`));
const markdown = formatMarkdown(result);
process.stdout.write(`${markdown}\n`);
if (options.outputPath !== null) {
  const chartPath = `${options.outputPath.replace(/\.json$/, '')}.svg`;
  await writeJson(options.outputPath, result);
  await writeText(chartPath, formatChart(result));
  await writeResultsInto(options.docPath, markdown);
  process.stderr.write(`wrote ${options.outputPath}, ${chartPath} and the results of ${options.docPath}\n`);
}
