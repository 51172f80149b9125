import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { renderMetrics } from "./prometheus.ts";
import { LATENCY_BUCKETS, LatencyHistograms } from "./latency.ts";

Deno.test("prometheus text: HELP/TYPE, labels escaped, histograms cumulative with +Inf, sum, count", () => {
  const h = new LatencyHistograms();
  h.observe("query", 0.002);
  h.observe("query", 20);
  const text = renderMetrics([
    { name: "x_total", help: "a\nb", type: "counter", samples: [{ labels: { t: 'q"\\' }, value: 3 }] },
    { name: "g", help: "gauge", type: "gauge", samples: [{ value: 1.5 }] },
    {
      name: "d_seconds",
      help: "lat",
      type: "histogram",
      histograms: [{ labels: { kind: "query" }, histogram: h.entries().get("query")! }],
    },
  ]);
  const lines = text.trimEnd().split("\n");
  assertEquals(lines.slice(0, 5), [
    "# HELP x_total a\\nb",
    "# TYPE x_total counter",
    'x_total{t="q\\"\\\\"} 3',
    "# HELP g gauge",
    "# TYPE g gauge",
  ]);
  assertEquals(lines[5], "g 1.5");
  const buckets = lines.filter((l) => l.startsWith("d_seconds_bucket"));
  assertEquals(buckets.length, LATENCY_BUCKETS.length + 1);
  assertEquals(buckets[0], 'd_seconds_bucket{kind="query",le="0.0005"} 0');
  assertEquals(buckets[2], 'd_seconds_bucket{kind="query",le="0.0025"} 1');
  assertEquals(buckets.at(-2), 'd_seconds_bucket{kind="query",le="10"} 1');
  assertEquals(buckets.at(-1), 'd_seconds_bucket{kind="query",le="+Inf"} 2');
  assertEquals(lines.at(-2), 'd_seconds_sum{kind="query"} 20.002');
  assertEquals(lines.at(-1), 'd_seconds_count{kind="query"} 2');
});
