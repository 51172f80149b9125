/**
 * gc_hint.ts — asks V8 for a major GC, as its own task, when an operation has just dropped a large part
 * of the JS heap (issue 15 item 6). V8 sets its next full collection at up to ~4x the heap it found live:
 * a spilling `$group` that let go of its 100 MiB of groups went on growing the heap with the next
 * partition's groups (V8 used 64 → 242 MiB, one mark-compact in 15 s, 300 MB bench). A leaf.
 */
import { nodeBuiltin } from "../node_builtin.ts";

let gc: (() => void) | undefined;

/**
 * Schedules one asynchronous major GC (the synchronous one broke in-flight node:net connects of an
 * npm:mongodb client in the same process: heap_watchdog.ts); a no-op where `gc` cannot be exposed.
 */
export function requestMajorGc(): void {
  if (gc === undefined) {
    gc = () => {};
    try {
      nodeBuiltin("node:v8").setFlagsFromString("--expose-gc");
      const g = nodeBuiltin("node:vm").runInNewContext("gc");
      if (typeof g === "function") gc = () => g({ type: "major", execution: "async" });
    } catch { /* not available */ }
  }
  gc();
}
