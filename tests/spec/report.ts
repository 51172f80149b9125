/** Per-suite / grand-total reporting of spec results and the JSON summary in .tmp/spec-summary.json. */
import type { TestResult } from "./runner.ts";

export interface FileSummary {
  file: string;
  suite: string;
  results: TestResult[];
  error?: string;
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

function count(results: readonly TestResult[]): Totals {
  const t: Totals = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) t[r.status]++;
  return t;
}

/** Prints per-suite counts, skip reasons (verbose) and the final line; returns the grand total. */
export function summarize(summaries: readonly FileSummary[], verbose: boolean): Totals {
  const bySuite = new Map<string, TestResult[]>();
  for (const s of summaries) {
    const list = bySuite.get(s.suite) ?? [];
    list.push(...s.results);
    bySuite.set(s.suite, list);
  }
  console.log("\nsuite                                    passed  failed skipped");
  for (const [suite, results] of [...bySuite].sort(([a], [b]) => a.localeCompare(b))) {
    const t = count(results);
    console.log(
      `${suite.padEnd(40)} ${String(t.passed).padStart(6)} ${String(t.failed).padStart(7)} ${
        String(t.skipped).padStart(7)
      }`,
    );
  }
  const all = summaries.flatMap((s) => s.results);
  const total = count(all);
  if (verbose) {
    const reasons = new Map<string, number>();
    for (const r of all) {
      if (r.status === "skipped") reasons.set(r.reason ?? "?", (reasons.get(r.reason ?? "?") ?? 0) + 1);
    }
    console.log("\nskips by reason:");
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) {
      console.log(`${String(n).padStart(6)}  ${reason}`);
    }
    const errors = summaries.filter((s) => s.error);
    if (errors.length) {
      console.log("\nfile-level errors:");
      for (const s of errors) console.log(`  ${s.file}: ${s.error?.slice(0, 300)}`);
    }
  }
  console.log(
    `${"TOTAL".padEnd(40)} ${String(total.passed).padStart(6)} ${String(total.failed).padStart(7)} ${
      String(total.skipped).padStart(7)
    }`,
  );
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total;
}

export async function writeSummary(path: string, summaries: readonly FileSummary[], totals: Totals) {
  const body = {
    generatedAt: new Date().toISOString(),
    totals,
    files: summaries.map((s) => ({
      file: s.file,
      suite: s.suite,
      ...count(s.results),
      ...(s.error ? { error: s.error } : {}),
      failures: s.results.filter((r) => r.status === "failed").map((r) => ({
        test: r.description,
        message: r.reason,
      })),
      skips: s.results.filter((r) => r.status === "skipped").map((r) => ({
        test: r.description,
        reason: r.reason,
      })),
    })),
  };
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(body, null, 2) + "\n");
  console.log(`summary written to ${path}`);
}
