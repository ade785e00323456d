#!/usr/bin/env bash
# Writes the small parquet files the loader tests read (tests/reference/*.parquet), in the layout
# the Hugging Face hub distributes trl-lib/tldr and OpenMLRL/arXiv_abstract (string columns,
# snappy pages, an extra column the loaders ignore). The writer, hyparquet-writer, is installed
# with npm (no install scripts) into a temporary folder; the test reads with hyparquet.
# Usage: bash tools/make_parquet_fixtures.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm install --ignore-scripts --no-audit --no-fund --silent hyparquet-writer@0.17.0)
cat > "$tmp/write.mjs" <<'JS'
import { parquetWriteBuffer } from "hyparquet-writer";
import { writeFileSync } from "node:fs";
const out = process.argv[2];
const tldr = [
  ["SUBREDDIT: r/cats\n\nTITLE: My cat sleeps all day\n\nPOST: She sleeps from nine to five.\n\nTL;DR:", " cat sleeps a lot"],
  ["SUBREDDIT: r/bikes\n\nTITLE: Flat tyre twice\n\nPOST: Two flats in one week — any tips?\n\nTL;DR:", " repeated flats, need tips"],
  ["SUBREDDIT: r/cooking\n\nTITLE: Bread ünïcode\n\nPOST: My loaf is dense. 🍞\n\nTL;DR:", " dense bread"],
];
writeFileSync(`${out}/tldr_fixture.parquet`, new Uint8Array(parquetWriteBuffer({
  columnData: [
    { name: "prompt", data: tldr.map((r) => r[0]), type: "STRING" },
    { name: "completion", data: tldr.map((r) => r[1]), type: "STRING" },
    { name: "id", data: [1n, 2n, 3n], type: "INT64" },
  ],
})));
const arxiv = ["We study small graphs.", "We propose a new optimizer; moreover, it is fast."];
writeFileSync(`${out}/arxiv_fixture.parquet`, new Uint8Array(parquetWriteBuffer({
  columnData: [
    { name: "title", data: ["Graphs", "Optimizers"], type: "STRING" },
    { name: "abstract_text", data: arxiv, type: "STRING" },
  ],
})));
console.log(`wrote ${out}/tldr_fixture.parquet (3 rows) and ${out}/arxiv_fixture.parquet (2 rows)`);
JS
(cd "$tmp" && node write.mjs "$root/tests/reference")
