/**
 * Node's built-in modules, loaded on first use through `process.getBuiltinModule`, never by a static
 * `import … from "node:…"`: Deno initialises its Node compatibility layer (the `process` polyfill and
 * what it pulls in, ~15–20 ms of CPU) the first time a `node:` module or the `process` global is
 * touched, and the server's start path must not pay for it (issue 18, cold start). A leaf.
 */
import type nodeProcess from "node:process";

type NodeProcess = typeof nodeProcess;

/** `process.getBuiltinModule(name)`, typed as Node declares it; loads the compatibility layer on first call. */
export const nodeBuiltin: NodeProcess["getBuiltinModule"] =
  ((name: string) =>
    (globalThis as unknown as { process: NodeProcess }).process.getBuiltinModule(name)) as NodeProcess[
      "getBuiltinModule"
    ];
