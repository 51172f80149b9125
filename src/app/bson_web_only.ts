/**
 * Loading npm:bson for a server process: `importBsonWebOnly`, shared by main.ts (the CLI) and the npm
 * package's server entry (packages/node/server/embedded.ts), both of which own their whole process.
 */

/**
 * npm:bson, imported with the `process` and `Buffer` globals hidden. Its ObjectId class probes
 * `process.getBuiltinModule("v8")` when it loads (for Node's startup snapshots, which we never build), and
 * it picks Node's `Buffer` byte utilities when `typeof Buffer === "function"`: touching either global loads
 * Deno's Node compatibility layer (`process` ~15 ms of CPU, the Buffer polyfill with what it pulls another
 * ~12 ms, issue 18) before the server can serve. With both hidden bson takes its web byte utilities
 * (`Uint8Array`, `TextEncoder`/`TextDecoder`, `crypto.getRandomValues`), which is all the server relies on:
 * no module of ours uses a `Buffer` method. Nothing else runs meanwhile; both are restored before anything
 * reads them. An embedder importing mod.ts gets bson as its process loaded it (Node's utilities under a
 * Node-compatible driver); the server works with either.
 */
export async function importBsonWebOnly(): Promise<void> {
  const hidden: [string, PropertyDescriptor][] = [];
  for (const name of ["process", "Buffer"]) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    if (descriptor === undefined || !descriptor.configurable) continue;
    hidden.push([name, descriptor]);
    Object.defineProperty(globalThis, name, { value: undefined, configurable: true, writable: true });
  }
  try {
    await import("bson");
  } finally {
    for (const [name, descriptor] of hidden) Object.defineProperty(globalThis, name, descriptor);
  }
}
