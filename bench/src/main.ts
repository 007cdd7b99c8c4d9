/**
 * `npm run bench [-- <scenario> …] [--quick] [--n N] [--rounds R] [--out PATH|--no-write]`
 * (`--help` prints every option; a bad argument exits 2 with one line naming it):
 * prints the Markdown tables and, unless `--no-write`, writes
 * docs/benchmarks/latest.json, latest.svg and the results section of docs/BENCHMARKS.md.
 */
import { writeResultsInto } from './doc.js';
import { InvalidOptionError } from '@streamerson/core';
import { parseBenchArgs, USAGE } from './options.js';
import { formatChart, formatMarkdown, writeJson, writeText } from './report.js';
import { runBench } from './run.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
let options: ReturnType<typeof parseBenchArgs>;
try {
  options = parseBenchArgs(argv, process.env);
} catch (error) {
  if (!(error instanceof InvalidOptionError)) throw error;
  process.stderr.write(`bench: ${error.message}\n`);
  process.exit(2);
}
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
