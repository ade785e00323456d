/**
 * A progress line for long loops (training steps, rollouts, evaluation).
 *
 * On a terminal it redraws one line in place (`\r`); elsewhere (CI logs, notebooks, files) it
 * prints a plain line every 10% of the total or every few seconds, whichever comes first. Each
 * line shows count/total, percentage, rate, ETA and a short info string such as the loss.
 *
 * @example
 * ```ts
 * import { progress } from "./progress.ts";
 * const bar = progress({ total: 100, label: "train" });
 * for (let step = 0; step < 100; step++) bar.tick(1, `loss=${(1 / (step + 1)).toFixed(3)}`);
 * bar.done();
 * // train 100/100 (100%) 2.5k it/s ETA 0s loss=0.010
 * ```
 *
 * @module
 */
import { UserError } from "../util/errors.ts";

/** Where progress lines go; `isTerminal` chooses in-place redraws over plain lines. */
export interface ProgressWriter {
  /** Writes text as is (no newline added). */
  write(text: string): void;
  /** True when the output is an interactive terminal. */
  isTerminal: boolean;
}

/** Options for {@link progress}. */
export interface ProgressOptions {
  /** Number of items the loop will process (a non-negative integer). */
  total: number;
  /** Name printed at the start of each line (default "progress"). */
  label?: string;
  /** Output (default: stderr, terminal detection by `Deno.stderr.isTerminal()`). */
  writer?: ProgressWriter;
  /** Clock in milliseconds (default `performance.now`); tests inject a fake one. */
  now?: () => number;
  /** Non-terminal output: also print when this many ms passed since the last line (default 5000). */
  intervalMs?: number;
  /** Terminal output: at most one redraw per this many ms (default 100). */
  redrawMs?: number;
}

/** A running progress display, returned by {@link progress}. */
export interface Progress {
  /** Records `n` more items done (default 1) and, optionally, a new info string. */
  tick(n?: number, info?: string): void;
  /** Prints the final line (ending with a newline); later calls do nothing. */
  done(info?: string): void;
}

/** Seconds as a short duration: "42s", "3m05s", "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** Items per second as a short rate: "12.3 it/s", "2.5k it/s", "4.0 s/it" below one per second. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return "? it/s";
  if (perSecond < 1) return `${(1 / perSecond).toFixed(1)} s/it`;
  if (perSecond >= 1000) return `${(perSecond / 1000).toFixed(1)}k it/s`;
  return `${perSecond.toFixed(perSecond >= 100 ? 0 : 1)} it/s`;
}

/**
 * One progress line (without `\r` or newline).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProgressLine } from "./progress.ts";
 * assert.deepEqual(formatProgressLine({ label: "train", count: 25, total: 100, elapsedMs: 5000, info: "loss=0.5" }), "train 25/100 (25%) 5.0 it/s ETA 15s loss=0.5");
 * ```
 */
export function formatProgressLine(
  state: {
    label: string;
    count: number;
    total: number;
    elapsedMs: number;
    info?: string;
  },
): string {
  const { label, count, total, elapsedMs, info } = state;
  const pct = total > 0 ? Math.floor((100 * count) / total) : 100;
  const rate = elapsedMs > 0 ? count / (elapsedMs / 1000) : Number.NaN;
  const eta = count >= total ? 0 : rate > 0 ? (total - count) / rate : Number.NaN;
  const parts = [
    `${label} ${count}/${total} (${pct}%)`,
    formatRate(rate),
    `ETA ${formatDuration(eta)}`,
  ];
  if (info) parts.push(info);
  return parts.join(" ");
}

function stderrWriter(): ProgressWriter {
  const encoder = new TextEncoder();
  let isTerminal = false;
  try {
    isTerminal = Deno.stderr.isTerminal();
  } catch {
    isTerminal = false;
  }
  return {
    write: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
    isTerminal,
  };
}

/**
 * Starts a progress display for a loop of `total` items.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progress } from "./progress.ts";
 * const lines: string[] = [];
 * const bar = progress({ total: 4, label: "eval", writer: { write: (t) => lines.push(t), isTerminal: false } });
 * for (let i = 0; i < 4; i++) bar.tick();
 * bar.done(); // lines: one per 10% step reached, e.g. "eval 1/4 (25%) ...\n"
 * assert.ok(lines.length >= 4 && lines[0].startsWith("eval 1/4 (25%)"));
 * ```
 */
export function progress(options: ProgressOptions): Progress {
  const { total } = options;
  if (!Number.isInteger(total) || total < 0) {
    throw new UserError(
      `progress: 'total' must be a non-negative integer, got ${total}`,
    );
  }
  const label = options.label ?? "progress";
  const writer = options.writer ?? stderrWriter();
  const now = options.now ?? (() => performance.now());
  const intervalMs = options.intervalMs ?? 5000;
  const redrawMs = options.redrawMs ?? 100;
  const start = now();
  let count = 0,
    info: string | undefined,
    lastPrint = start,
    lastDecile = 0,
    finished = false,
    width = 0;

  const line = () => formatProgressLine({ label, count, total, elapsedMs: now() - start, info });
  const emit = (final: boolean) => {
    lastPrint = now();
    const text = line();
    if (writer.isTerminal) {
      writer.write(
        `\r${text}${" ".repeat(Math.max(0, width - text.length))}${final ? "\n" : ""}`,
      );
      width = text.length;
    } else {
      writer.write(`${text}\n`);
    }
  };

  return {
    tick(n = 1, newInfo?: string) {
      if (finished) return;
      if (!Number.isFinite(n) || n < 0) {
        throw new UserError(
          `progress.tick: 'n' must be a finite number >= 0, got ${n}`,
        );
      }
      count += n;
      if (newInfo !== undefined) info = newInfo;
      const t = now();
      if (writer.isTerminal) {
        if (t - lastPrint >= redrawMs || count >= total) emit(false);
        return;
      }
      const decile = total > 0 ? Math.floor((10 * Math.min(count, total)) / total) : 10;
      if (decile > lastDecile || t - lastPrint >= intervalMs) {
        lastDecile = Math.max(lastDecile, decile);
        emit(false);
      }
    },
    done(finalInfo?: string) {
      if (finished) return;
      finished = true;
      if (finalInfo !== undefined) info = finalInfo;
      const alreadyShown = !writer.isTerminal && lastDecile === 10 &&
        finalInfo === undefined && count >= total;
      if (!alreadyShown) emit(true);
    },
  };
}
