/**
 * `secantusdb` / `secantusdb serve`: resolves configuration (defaults < TOML file < flags), starts the
 * server, prints one startup line (where it listens, which data directory), and stops cleanly on
 * SIGINT/SIGTERM. Configuration errors exit with code 2 and a message naming the key or flag. Under
 * systemd with `Type=notify` it reports readiness (READY=1 once listening), reloads and stopping
 * through NOTIFY_SOCKET (ffi/libc/sd_notify.ts), and with `WatchdogSec=` (WATCHDOG_USEC) pings
 * WATCHDOG=1 at half that interval; elsewhere that is a no-op.
 */
import { resolveServeConfig } from "./args.ts";
import { serveHelp } from "./help.ts";
import { versionText } from "./version.ts";
import { startServer } from "../app/start_server.ts";
import { createLogger } from "../observability/log.ts";
import { stderrLines } from "../observability/stderr_queue.ts";
import { ConfigError } from "../config/mod.ts";
import { sdNotify, startWatchdog, watchdogIntervalMs } from "../../ffi/libc/sd_notify.ts";

export async function serve(argv: string[]): Promise<number> {
  let resolved;
  try {
    resolved = resolveServeConfig(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`secantusdb: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
  if (resolved.help) {
    console.log(serveHelp());
    return 0;
  }
  if (resolved.version) {
    console.log(versionText());
    return 0;
  }
  const { config, configPath } = resolved;
  const log = createLogger(config.server.logLevel, { format: config.server.logFormat });
  log.info(
    configPath
      ? `configuration file: ${configPath}`
      : "no configuration file found; using defaults and flags",
  );
  let server;
  try {
    server = await startServer({ config, argv, logger: log });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    console.error(`secantusdb: could not start: ${msg}`);
    return e instanceof ConfigError ? e.exitCode : 1;
  }
  log.info(
    `SecantusDB listening on ${config.server.host}:${server.port} (${server.uri}); data directory ${
      config.server.storagePath === ":memory:" ? ":memory: (ephemeral)" : config.server.storagePath
    }`,
  );
  const notify = (state: string) => {
    const r = sdNotify(state);
    if (r !== "sent" && r !== "off") log.warning(`systemd notify: ${r}`);
  };
  notify(`READY=1\nSTATUS=listening on ${config.server.host}:${server.port}\nMAINPID=${Deno.pid}`);
  // WatchdogSec= in the unit: ping at half its interval from the event loop (a stalled loop stops them).
  const watchdogMs = watchdogIntervalMs();
  const stopWatchdog = watchdogMs === undefined
    ? undefined
    : startWatchdog(watchdogMs, { onError: (why) => log.warning(`systemd watchdog: ${why}`) });
  if (watchdogMs !== undefined) log.info(`systemd watchdog: WATCHDOG=1 every ${watchdogMs} ms`);
  const done = Promise.withResolvers<void>();
  const onSignal = (sig: string) => () => {
    log.info(`received ${sig}; shutting down`);
    done.resolve();
  };
  const handlers: [Deno.Signal, () => void][] = [["SIGINT", onSignal("SIGINT")], [
    "SIGTERM",
    onSignal("SIGTERM"),
  ]];
  // SIGHUP (systemctl reload): re-read the configuration and apply what can change at run time, and
  // reload the TLS certificate, key and CA files (live connections keep theirs).
  const onHup = (): void => {
    notify("RELOADING=1");
    Promise.resolve().then(() => resolveServeConfig(argv)).then(
      (next) => {
        const r = server.reload(next.config);
        log.info(
          `SIGHUP: configuration re-read; applied: ${r.applied.join(", ") || "nothing"}` +
            (r.needRestart.length > 0 ? `; changed but need a restart: ${r.needRestart.join(", ")}` : ""),
        );
      },
      (e) => log.warning(`SIGHUP: configuration not reloaded: ${e instanceof Error ? e.message : String(e)}`),
    ).finally(() => notify("READY=1")); // after the TLS reload below, which is synchronous
    if (!server.tlsEnabled) return;
    try {
      server.reloadTls();
    } catch (e) {
      log.error(
        `SIGHUP: TLS files not reloaded, the previous ones stay in use: ${
          e instanceof Error ? e.message : e
        }`,
      );
    }
  };
  handlers.push(["SIGHUP", onHup]);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  await Promise.race([done.promise, server.stopped]); // a signal, or a client's shutdown command
  for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  stopWatchdog?.();
  notify("STOPPING=1");
  await server.stop();
  await stderrLines().whenWritten(2000); // the last log lines reach stderr before the process exits
  return 0;
}
