import assert from "node:assert/strict";
import { lossFigure, rewardFigure, writeRunFigure } from "../lib/log/curves.ts";
import { writeReport } from "../lib/log/report.ts";
import type { CompletionsRecord } from "../lib/log/completions.ts";
import { readMetrics } from "../lib/rl/records.ts";

const lines = [
  {
    type: "step",
    step: 1,
    reward: { mean: 0.25, levels: { format: 0.5, coop: 0 } },
    loss: [1.5, 2],
  },
  {
    type: "step",
    step: 2,
    reward: { mean: 0.5, levels: { format: 0.75, coop: 0.25 } },
    loss: [1, 1.25],
  },
  { type: "eval", step: 2, rows: 4, reward: { mean: 0.625, levels: {} } },
];
const completions: CompletionsRecord[] = [{
  step: 2,
  turn: 0,
  prompts: ["Say a <fruit>", "Say a color"],
  answers: [{
    texts: ["apple & pear", "red"],
    reward: 0.75,
    levels: { coop: 0.5 },
    advantage: 0.25,
  }],
}];

async function fakeRun(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "report-" });
  await Deno.writeTextFile(
    `${dir}/metrics.jsonl`,
    lines.map((l) => JSON.stringify(l)).join("\n") + "\n",
  );
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ groupSize: 8, steps: 2 }));
  await Deno.writeTextFile(
    `${dir}/manifest.json`,
    JSON.stringify({ project: { commit: "abc123" } }),
  );
  await Deno.writeTextFile(`${dir}/completions.jsonl`, JSON.stringify(completions[0]) + "\n");
  return dir;
}

Deno.test("curves: reward per step with levels and eval, loss per agent", async () => {
  const dir = await fakeRun();
  try {
    const records = await readMetrics(`${dir}/metrics.jsonl`);
    const steps = records.filter((r) => r.type === "step");
    assert.deepEqual(steps.map((r) => r.reward.mean), [0.25, 0.5]); // typed: no cast
    const fig = rewardFigure(records);
    assert.deepEqual(fig.data.map((t) => [t.name, t.x, t.y]), [
      ["reward (train)", [1, 2], [0.25, 0.5]],
      ["level: format", [1, 2], [0.5, 0.75]],
      ["level: coop", [1, 2], [0, 0.25]],
      ["reward (eval)", [2], [0.625]],
    ]);
    assert.deepEqual(lossFigure(records).data.map((t) => [t.name, t.y]), [
      ["agent 0", [1.5, 1]],
      ["agent 1", [2, 1.25]],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plot: HTML with plotly inlined and a PNG (rsvg-convert) of the run's curves", async () => {
  const dir = await fakeRun();
  try {
    const w = await writeRunFigure(dir);
    assert.equal(w.html, `${dir}/curves.html`);
    assert.equal(w.renderer, "plotly");
    const html = await Deno.readTextFile(w.html);
    assert.match(html, /Plotly\.newPlot/);
    assert.match(html, /"reward \(train\)"/);
    assert.ok(w.png.ok, w.png.ok ? "" : w.png.reason);
    const png = await Deno.readFile(`${dir}/curves.png`);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const ihdr = new DataView(png.buffer, 16, 8); // 800 × 450 SVG at zoom 2
    assert.deepEqual([ihdr.getUint32(0), ihdr.getUint32(4)], [1600, 900]);
    // the command-line tool says what it wrote
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "tools/plot.ts", dir, "--out", `${dir}/fig`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(
      new TextDecoder().decode(out.stdout),
      `${dir}/fig.html (interactive, plotly.js inlined)\n${dir}/fig.png\n`,
    );
    const none = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "tools/plot.ts", `${dir}/nothing`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(none.code, 2);
    assert.match(new TextDecoder().decode(none.stderr), /nothing\/metrics\.jsonl not found/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: one self-contained HTML with config, manifest, curves and escaped completions", async () => {
  const dir = await fakeRun();
  try {
    const r = await writeReport(dir);
    assert.equal(r.path, `${dir}/report.html`);
    const html = await Deno.readTextFile(r.path);
    assert.equal(r.renderer, "plotly");
    const has = (s: string) => assert.ok(html.includes(s), s);
    assert.equal(html.split('Plotly.newPlot("fig').length - 1, 2); // reward and loss figures
    has("&#34;groupSize&#34;: 8");
    has("abc123");
    has("<code>Say a &#60;fruit&#62;</code>");
    has("<pre>apple &#38; pear</pre>");
    has("<td>0.750<br><small>coop 0.500</small></td>");
    // nothing fetched from elsewhere: no external scripts, styles or images
    assert.equal(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src="http/.test(html), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
