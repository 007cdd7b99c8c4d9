/**
 * Finds import cycles between the modules of a compiled package: a module that
 * imports itself through others can run before its imports are initialised,
 * and a cycle is two concepts that should be one, or one that should be split.
 * Reads the compiled JavaScript, so type-only imports (erased) do not count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const RELATIVE_IMPORT = /^\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?\s*['"](\.{1,2}\/[^'"]+)['"]/gm;

function jsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...jsFiles(path));
    else if (name.endsWith('.js')) out.push(path);
  }
  return out;
}

/** The import cycles among the `.js` files below `dir`, each as a path list from and back to one module, relative to `dir`. */
export function importCycles(dir: string): string[][] {
  const graph = new Map<string, string[]>();
  for (const file of jsFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    graph.set(
      file,
      [...text.matchAll(RELATIVE_IMPORT)].map((m) => resolve(dirname(file), m[1]!)),
    );
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (module: string): void => {
    state.set(module, 'open');
    path.push(module);
    for (const next of graph.get(module) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].map((m) => relative(dir, m)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(module, 'done');
  };
  for (const module of graph.keys()) if (!state.has(module)) visit(module);
  return cycles;
}
