/**
 * The Prometheus text exposition format (version 0.0.4): metric families with HELP and TYPE lines,
 * label values escaped, histograms as `_bucket{le=…}`, `_sum`, `_count`. Pure: the caller gathers the
 * numbers (src/app/metrics.ts).
 */
import { type Histogram, LATENCY_BUCKETS } from "./latency.ts";

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels?: Labels;
  readonly value: number;
}

export type MetricFamily =
  | {
    readonly name: string;
    readonly help: string;
    readonly type: "counter" | "gauge";
    readonly samples: readonly Sample[];
  }
  | {
    readonly name: string;
    readonly help: string;
    readonly type: "histogram";
    readonly histograms: readonly { readonly labels: Labels; readonly histogram: Histogram }[];
  };

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const parts = Object.entries(labels ?? {}).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function num(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

export function renderMetrics(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type === "histogram") {
      for (const { labels, histogram: h } of f.histograms) {
        LATENCY_BUCKETS.forEach((le, i) => {
          out.push(`${f.name}_bucket${labelText(labels, ["le", String(le)])} ${h.counts[i]}`);
        });
        out.push(`${f.name}_bucket${labelText(labels, ["le", "+Inf"])} ${h.count}`);
        out.push(`${f.name}_sum${labelText(labels)} ${num(h.sum)}`);
        out.push(`${f.name}_count${labelText(labels)} ${h.count}`);
      }
    } else {
      for (const s of f.samples) out.push(`${f.name}${labelText(s.labels)} ${num(s.value)}`);
    }
  }
  return out.join("\n") + "\n";
}
