// A test reporter for the end of a long run: once every file has run, it names each test
// that failed, with its file and the first lines of its error, so that a failure among
// a thousand passing tests is found without reading the whole TAP output.
// scripts/test.mjs runs it next to the TAP reporter.

const ERROR_LINES = 12;

function errorText(error) {
  const cause = error?.cause ?? error;
  const text = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
  return text.split('\n').slice(0, ERROR_LINES);
}

export default async function* failures(source) {
  const failed = [];
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    // A suite fails when one of its tests did; that test is already listed.
    if (event.data.details?.error?.failureType === 'subtestsFailed') continue;
    failed.push(event.data);
  }
  if (failed.length === 0) return;
  yield `\n# ${failed.length} failed:\n`;
  for (const test of failed) {
    const where = test.file ? `${test.file}${test.line ? `:${test.line}` : ''}` : 'unknown file';
    yield `# ✖ ${test.name} (${where})\n`;
    for (const line of errorText(test.details?.error)) yield `#     ${line}\n`;
  }
}
