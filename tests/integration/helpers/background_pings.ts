/**
 * A second client that pings the server in a loop while a test's long operation runs: the fairness
 * tests assert the server kept answering others (`pings`) and can report their latencies.
 */
import { MongoClient } from "mongodb";

export interface BackgroundPings {
  /**
   * Stops the loop and closes its client; resolves to the ping count and latencies (ms, sorted).
   * Safe to call again (a `finally` after an early stop).
   */
  stop(): Promise<{ pings: number; latencies: number[] }>;
}

export function startBackgroundPings(uri: string): BackgroundPings {
  const client = new MongoClient(uri);
  const latencies: number[] = [];
  let done = false;
  let stopped: Promise<{ pings: number; latencies: number[] }> | undefined;
  const loop = (async () => {
    while (!done) {
      const t = performance.now();
      await client.db("admin").command({ ping: 1 });
      latencies.push(performance.now() - t);
    }
  })();
  return {
    stop() {
      return stopped ??= (async () => {
        done = true;
        try {
          await loop;
        } finally {
          await client.close();
        }
        latencies.sort((a, b) => a - b);
        return { pings: latencies.length, latencies };
      })();
    },
  };
}
