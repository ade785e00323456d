import assert from "node:assert/strict";

const nb = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    {
      cell_type: "markdown",
      metadata: {},
      source: ["# Title & more\n", "\n", "Some `code` and **bold**.\n", "- one\n", "- two"],
    },
    {
      cell_type: "code",
      metadata: {},
      execution_count: 1,
      source: ["const x = 1 < 2;"],
      outputs: [
        { output_type: "stream", name: "stdout", text: ["a <b>\n"] },
        {
          output_type: "display_data",
          metadata: {},
          data: {
            "application/vnd.plotly.v1+json": { data: [{ y: [1, 2] }], layout: { title: "t" } },
            "text/html": "<svg id='fallback'></svg>",
            "text/plain": "Figure",
          },
        },
        {
          output_type: "execute_result",
          metadata: {},
          execution_count: 1,
          data: { "image/png": "iVBORw0KGgo=" },
        },
      ],
    },
  ],
};

Deno.test("notebook → one self-contained HTML (tools/notebook_html.py, standard library only)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nbhtml-" });
  try {
    await Deno.writeTextFile(`${dir}/demo.ipynb`, JSON.stringify(nb));
    const out = await new Deno.Command("python3", {
      args: ["tools/notebook_html.py", `${dir}/demo.ipynb`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout), `${dir}/demo.html\n`);
    const html = await Deno.readTextFile(`${dir}/demo.html`);
    const has = (s: string) => assert.ok(html.includes(s), s);
    has("<h1>Title &amp; more</h1>");
    has("<p>Some <code>code</code> and <b>bold</b>.</p>");
    has("<ul><li>one</li><li>two</li></ul>");
    has("<pre><code>const x = 1 &lt; 2;</code></pre>");
    has("<pre>a &lt;b&gt;\n</pre>");
    has('<img alt="figure" src="data:image/png;base64,iVBORw0KGgo=">');
    // the plotly figure is interactive with the bundle inlined (node_modules), not the fallback
    has('Plotly.newPlot("fig0", [{"y": [1, 2]}], {"title": "t"}, {responsive: true});');
    assert.equal(html.includes("<svg id='fallback'>"), false);
    assert.equal(/<script[^>]+src=|<link[^>]+href=/.test(html), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
