/**
 * npm:tar-stream, loaded on first use (it and the Node stream polyfills it pulls in stay off the server's
 * start path). A CommonJS package: Deno's npm interop gives its exports both as named exports and as
 * `default`, while the start bundle (`deno task build`, esbuild) gives a dynamically imported CommonJS
 * module only a `default` — so `default` is what both read (named exports were undefined from the bundle:
 * `deno task start` could neither take nor restore a native backup). scripts/check_npm_imports.ts (in
 * `deno task ok`) holds every dynamic import of a CommonJS package to this.
 */
import type * as TarStream from "tar-stream";

/** tar-stream's `pack` and `extract`. */
export type TarStreamModule = Pick<typeof TarStream, "pack" | "extract">;

/** The package's exports, however the module system handed them over. */
export async function loadTarStream(): Promise<TarStreamModule> {
  const mod = await import("tar-stream") as TarStreamModule & { default?: TarStreamModule };
  return mod.default ?? mod;
}
