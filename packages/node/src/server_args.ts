/** The typed `SecantusServer` options → `secantusdb serve` flags (pure). */
import type { SecantusServerOptions } from "./secantus_server.ts";

/**
 * The flags for the options that were given, after the caller's own `args` so typed options win
 * (the last repeated flag wins); the server's embedding defaults do the rest.
 */
export function serverArgs(opts: SecantusServerOptions, storagePath: string): string[] {
  const out = [...(opts.args ?? [])];
  if (opts.port !== undefined) out.push("--port", String(opts.port));
  if (opts.host !== undefined) out.push("--host", opts.host);
  out.push("--storage-path", storagePath);
  if (opts.replSet === false) out.push("--standalone");
  else if (opts.replSet === true) out.push("--no-standalone");
  if (opts.auth === true) out.push("--auth");
  if (opts.logLevel !== undefined) out.push("--log-level", opts.logLevel);
  return out;
}
