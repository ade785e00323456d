/**
 * Checks the import graph of `lib/`: no file imports a layer above its own (layers, bottom up:
 * util, engine, model, policy, metrics, sandbox, viz, log, envs, rl, dist) and no two files import each
 * other through a cycle (type-only imports included). Prints what it finds; exits 1 on any.
 *
 * ```sh
 * deno run --allow-read tools/check_imports.ts
 * ```
 *
 * @module
 */

/** The layers of `lib/`, bottom up: a file may import its own layer or one listed before it. */
export const LAYERS = [
  "util",
  "engine",
  "model",
  "policy",
  "metrics",
  "sandbox",
  "viz",
  "log",
  "envs",
  "rl",
  "dist",
] as const;

/** Relative imports (static, `import type` and `export … from` included) of every `lib/` file. */
export async function importGraph(libDir: URL): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  const walk = async (dir: URL, rel: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
      else if (e.name.endsWith(".ts")) {
        const text = await Deno.readTextFile(new URL(e.name, dir));
        const deps: string[] = [];
        // Strip JSDoc/comments so examples inside them do not count.
        const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
        for (const m of code.matchAll(/(?:import|export)[^"';]*?from\s*"(\.{1,2}\/[^"]+)"/g)) {
          const target = new URL(m[1], new URL(`${rel}${e.name}`, libDir));
          deps.push(target.href.slice(libDir.href.length));
        }
        graph.set(`${rel}${e.name}`, deps);
      }
    }
  };
  await walk(libDir, "");
  return graph;
}

/** Problems in the graph: upward imports between layers, and import cycles between files. */
export function importProblems(graph: Map<string, string[]>): string[] {
  const layer = (file: string) => LAYERS.indexOf(file.split("/")[0] as typeof LAYERS[number]);
  const problems: string[] = [];
  for (const [file, deps] of graph) {
    for (const dep of deps) {
      if (layer(dep) > layer(file)) problems.push(`upward import: ${file} → ${dep}`);
    }
  }
  // Cycles: Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], on = new Set<string>();
  const strong = (v: string) => {
    idx.set(v, index), low.set(v, index++), stack.push(v), on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) strong(w), low.set(v, Math.min(low.get(v)!, low.get(w)!));
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w;
      do (w = stack.pop()!, on.delete(w), scc.push(w)); while (w !== v);
      if (scc.length > 1) problems.push(`import cycle: ${scc.sort().join(" ↔ ")}`);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return problems;
}

if (import.meta.main) {
  const problems = importProblems(await importGraph(new URL("../lib/", import.meta.url)));
  for (const p of problems) console.log(p);
  console.log(problems.length === 0 ? "lib/ imports: no upward imports, no cycles" : "");
  if (problems.length) Deno.exit(1);
}
