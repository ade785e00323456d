// Runs tools/run_notebooks.py (with Debian's /usr/bin/python3 and its jupyter_client) on real
// Deno kernels. Ignored, not failed, where jupyter_client is missing: `bash tools/test.sh`
// installs it first, so CI always runs these.
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";

function hasJupyterClient(): boolean {
  try {
    const probe = new Deno.Command(PYTHON, {
      args: ["-c", "import jupyter_client, nbformat"],
      stderr: "null",
    });
    return probe.outputSync().success;
  } catch {
    return false;
  }
}
const ignore = !hasJupyterClient();

type Output = {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
};
type Cell = {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
};

const joined = (
  v: string | string[] | undefined,
) => (Array.isArray(v) ? v.join("") : v ?? "");

async function runNotebook(
  notebook: string,
  outDir: string,
  ...flags: string[]
) {
  const cmd = new Deno.Command(PYTHON, {
    args: ["tools/run_notebooks.py", "--out-dir", outDir, ...flags, notebook],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await cmd.output();
  const dec = new TextDecoder();
  return { code, log: dec.decode(stdout) + dec.decode(stderr) };
}

async function readCells(path: string): Promise<Cell[]> {
  return (JSON.parse(await Deno.readTextFile(path)) as { cells: Cell[] }).cells;
}

/** Writes a notebook of these code cells into a temporary folder, runs it, removes the folder. */
async function runCells(name: string, sources: string[], ...flags: string[]) {
  const dir = await Deno.makeTempDir();
  try {
    const nb = `${dir}/${name}.ipynb`;
    await Deno.writeTextFile(nb, notebookJson(sources));
    const run = await runNotebook(nb, `${dir}/out`, ...flags);
    const out = `${dir}/out/${name}.ipynb`;
    const cells = await Deno.stat(out).then(() => readCells(out), () => []);
    return { ...run, cells };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function notebookJson(sources: string[]): string {
  const cells = sources.map((source, i) => ({
    cell_type: "code",
    execution_count: null,
    id: `cell-${i}`,
    metadata: {},
    outputs: [],
    source,
  }));
  return JSON.stringify({
    cells,
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });
}

Deno.test({
  name: "run_notebooks: smoke notebook keeps every output of fast cells (123 outputs, in order)",
  ignore,
  async fn() {
    const out = await Deno.makeTempDir();
    try {
      const { code, log } = await runNotebook(
        "tools/testdata/runner_smoke.ipynb",
        out,
      );
      assert.equal(code, 0, log);
      const cells = (await readCells(`${out}/runner_smoke.ipynb`)).filter((c) =>
        c.cell_type === "code"
      );
      assert.equal(cells.length, 28);
      const outputs = cells.flatMap((c) => c.outputs ?? []);
      assert.equal(outputs.length, 1 + 24 * 5 + 1 + 1, log);

      // Cell 0: `typeof Deno.jupyter` inside the kernel is "object".
      assert.equal(cells[0].outputs!.length, 1);
      assert.match(
        String(cells[0].outputs![0].data!["text/plain"]),
        /"object"/,
      );

      // Cells 1..24: stdout (two logs merged), display, stderr, stdout, last-expression value.
      for (let i = 0; i < 24; i++) {
        const outs = cells[i + 1].outputs!;
        assert.deepEqual(
          outs.map((o) => o.output_type),
          ["stream", "display_data", "stream", "stream", "execute_result"],
          `cell ${i + 1}`,
        );
        assert.deepEqual(outs.map((o) => o.name ?? ""), [
          "stdout",
          "",
          "stderr",
          "stdout",
          "",
        ]);
        assert.equal(joined(outs[0].text), `cell ${i}: one\ncell ${i}: two\n`);
        assert.equal(
          joined(outs[1].data!["text/plain"] as string),
          `display ${i}`,
        );
        assert.equal(joined(outs[2].text), `cell ${i}: warn\n`);
        assert.equal(joined(outs[3].text), `cell ${i}: three\n`);
        assert.equal(
          joined(outs[4].data!["text/plain"] as string),
          `result ${i}`,
        );
        assert.equal(
          joined(outs[4].data!["text/html"] as string),
          `<b>result ${i}</b>`,
        );
      }
      // The empty cell is not run; the plotly cell's JSON arrives as an object, not a string.
      assert.deepEqual([cells[25].outputs, cells[25].execution_count], [
        [],
        null,
      ]);
      const plot = cells[26].outputs![0]
        .data!["application/vnd.plotly.v1+json"] as { data: { y: number[] }[] };
      assert.deepEqual(plot.data[0].y, [3, 2, 1.5]);
      assert.match(
        joined(cells[27].outputs![0].data!["text/plain"] as string),
        /42/,
      );
      const counts = cells.map((c) => c.execution_count).filter((n) => n !== null);
      assert.deepEqual(counts, Array.from({ length: 27 }, (_, k) => k + 1));
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test({
  name: "run_notebooks: a throwing cell fails the run, names the cell, stops before later cells",
  ignore,
  async fn() {
    const sources = [
      'console.log("before")',
      'throw new Error("boom 42")',
      "1 + 1",
    ];
    const { code, log, cells } = await runCells(
      "failing",
      sources,
      "--quiet-ms",
      "100",
    );
    assert.equal(code, 1, log);
    assert.match(log, /failing\.ipynb: cell 1 failed/);
    assert.match(log, /throw new Error\("boom 42"\)/); // source excerpt
    assert.match(log, /Error: boom 42/);
    const types = cells.map((c) => c.outputs!.map((o) => o.output_type));
    assert.deepEqual(types, [["stream"], ["error"], []]);
    assert.equal(cells[1].outputs![0].evalue, "boom 42");
  },
});

Deno.test({
  name: "run_notebooks: a cell past --timeout fails with a timeout message",
  ignore,
  async fn() {
    const started = performance.now();
    const sleepy = ["await new Promise((r) => setTimeout(r, 60_000))"];
    const { code, log } = await runCells("slow", sleepy, "--timeout", "2");
    assert.equal(code, 1, log);
    assert.match(log, /slow\.ipynb: cell 0 failed[^]*timed out after 2 s/);
    assert.ok(performance.now() - started < 30_000);
  },
});

Deno.test({
  name: "run_notebooks: a kernel that exits mid-notebook fails the run at that cell",
  ignore,
  async fn() {
    const sources = ["console.log(1)", "Deno.exit(3)", "2"];
    const { code, log, cells } = await runCells("dies", sources);
    assert.equal(code, 1, log);
    assert.match(
      log,
      /dies\.ipynb: cell 1 failed[^]*kernel process died \(exit status 3\)/,
    );
    assert.deepEqual(cells.map((c) => c.outputs!.length), [1, 0, 0]);
  },
});

Deno.test({
  name: "run_notebooks: an output with ANSI escape codes fails the run, naming the cell",
  ignore,
  async fn() {
    const { code, log } = await runCells("ansi", [
      'console.log("plain");',
      'console.log("\\x1b[31mred\\x1b[0m");',
    ]);
    assert.notEqual(code, 0, log);
    assert.match(log, /ansi\.ipynb: cell 1 failed[^]*ANSI escape codes/);
  },
});

/** The stored notebooks (notebooks/*.ipynb), parsed. */
async function storedNotebooks(): Promise<
  [string, { cells: Cell[]; metadata: Record<string, unknown> }][]
> {
  const out: [string, { cells: Cell[]; metadata: Record<string, unknown> }][] = [];
  for await (const e of Deno.readDir(`${ROOT}notebooks`)) {
    if (!e.name.endsWith(".ipynb")) continue;
    out.push([e.name, JSON.parse(await Deno.readTextFile(`${ROOT}notebooks/${e.name}`))]);
  }
  return out.sort(([a], [b]) => a.localeCompare(b));
}

Deno.test("stored notebooks: plain-text outputs, the magrpo-deno kernel, imports of mod.ts only", async () => {
  // deno-lint-ignore no-control-regex
  const ansi = /\x1b\[[0-9;?]*[A-Za-z]/;
  // Our code through mod.ts or a sub-entry (lib/<layer>/mod.ts); npm packages by name.
  const allowed = /^(\.\.\/mod\.ts|\.\.\/lib\/[a-z]+\/mod\.ts|npm:.*|@?[a-z][\w./@-]*)$/;
  const notebooks = await storedNotebooks();
  assert.ok(notebooks.length >= 4, "notebooks/*.ipynb not found");
  for (const [name, nb] of notebooks) {
    assert.equal((nb.metadata.kernelspec as { name?: string })?.name, "magrpo-deno", name);
    nb.cells.forEach((cell, i) => {
      for (const out of cell.outputs ?? []) {
        const texts = [
          joined(out.text),
          ...Object.values(out.data ?? {}).map((v) =>
            typeof v === "string" || Array.isArray(v) ? joined(v as string | string[]) : ""
          ),
        ];
        for (const t of texts) assert.ok(!ansi.test(t), `${name} cell ${i}: ANSI escape codes`);
      }
      if (cell.cell_type !== "code") return;
      for (const m of joined(cell.source).matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        assert.match(m[1], allowed, `${name} cell ${i} imports ${m[1]} (use ../mod.ts)`);
      }
    });
  }
});

Deno.test("kernelspec magrpo-deno: its launcher runs the pinned Deno by absolute path", async () => {
  const dir = `${ROOT}tools/jupyter/kernels/magrpo-deno`;
  const spec = JSON.parse(await Deno.readTextFile(`${dir}/kernel.json`));
  assert.deepEqual(spec.argv, ["/bin/sh", "{resource_dir}/launch.sh", "{connection_file}"]);
  // With an empty PATH but /bin/sh, the launcher still finds tools/deno-bin's deno: make it
  // print its version instead of starting a kernel (a missing connection file fails fast).
  const launcher = (await Deno.readTextFile(`${dir}/launch.sh`)).replace(
    /exec "\$deno" jupyter .*$/m,
    'exec "$deno" --version',
  );
  const tmp = await Deno.makeTempDir();
  try {
    // The copy sits where the real one does (four levels below the root) via MAGRPO_ROOT.
    await Deno.writeTextFile(
      `${tmp}/launch.sh`,
      launcher.replace(/^MAGRPO_ROOT=""$/m, `MAGRPO_ROOT='${ROOT.replace(/\/$/, "")}'`),
    );
    const out = await new Deno.Command("/bin/sh", {
      args: [`${tmp}/launch.sh`, "unused"],
      clearEnv: true,
      env: { PATH: "/nonexistent" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, new RegExp(`^deno ${Deno.version.deno.replaceAll(".", "\\.")} `));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
