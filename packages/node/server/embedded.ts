/**
 * The server process behind the npm package's `SecantusServer` (bundled by `deno task pack:node` into
 * `server/embedded.js` and run by the package's own Deno runtime). It is `startServer` from the
 * repository's `mod.ts` with a small parent protocol instead of a human startup line:
 *
 * - argv: `secantusdb serve` flags (the parent passes --port, --storage-path, … and the user's `args`);
 *   embedding defaults apply (port 0, `:memory:`, test commands on, no config-file discovery).
 * - stdout: exactly one line once the server accepts connections:
 *   `{"secantus":"ready","port":N,"host":"…","uri":"mongodb://…","pid":N}`.
 * - stderr: the server log (the parent keeps a tail and shows it only when asked or on a crash).
 * - stops cleanly on SIGTERM/SIGINT, and when its stdin reaches end of file: the parent keeps stdin
 *   open, so a parent that dies without calling stop() never leaves a server behind.
 * - exit code 0 after a clean stop, 2 for a bad flag, 1 when the server cannot start.
 *
 * Start-up follows main.ts: WiredTiger's one-time initialisation starts on a background thread, npm:bson
 * loads with its web byte utilities (no Node compatibility layer before the first request), then the
 * server's modules load (`deno task pack:node` bundles this entry with code splitting, so what the server
 * needs only later loads only then).
 */
import { preloadWiredTiger } from "../../../ffi/wiredtiger/preload.ts";
import { importBsonWebOnly } from "../../../src/app/bson_web_only.ts";

async function main(argv: string[]): Promise<number> {
  preloadWiredTiger();
  await importBsonWebOnly();
  const { ConfigError, startServer } = await import("../../../mod.ts");
  let server;
  try {
    server = await startServer({ args: argv });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`secantusdb: ${e instanceof ConfigError ? "" : "could not start: "}${message}`);
    return e instanceof ConfigError ? 2 : 1;
  }
  const done = Promise.withResolvers<string>();
  const onTerm = () => done.resolve("SIGTERM");
  const onInt = () => done.resolve("SIGINT");
  Deno.addSignalListener("SIGTERM", onTerm);
  Deno.addSignalListener("SIGINT", onInt);
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) { /* the parent writes nothing; EOF means it is gone */ }
    } catch { /* closed */ }
    done.resolve("end of stdin");
  })();
  const ready = { secantus: "ready", port: server.port, host: server.host, uri: server.uri, pid: Deno.pid };
  await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(ready) + "\n"));
  const why = await done.promise;
  console.error(`secantusdb: stopping (${why})`);
  Deno.removeSignalListener("SIGTERM", onTerm);
  Deno.removeSignalListener("SIGINT", onInt);
  await server.stop();
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
