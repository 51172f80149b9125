/**
 * systemd's readiness protocol (sd_notify(3)) without libsystemd or any compiled code: when systemd
 * starts the server with `Type=notify`, it sets `NOTIFY_SOCKET` to a Unix datagram socket (a path, or
 * `@name` in the abstract namespace); one datagram such as `READY=1\nSTATUS=…` tells it the service is
 * up. Deno has no stable Unix datagram sockets, so the three libc calls (socket, sendto, close) go
 * through Deno FFI on Linux (symbols.ts, the C library's one table). Without `NOTIFY_SOCKET` (not under systemd, or `Type=simple`) nothing is
 * sent; a failure is reported, never thrown (readiness must not stop the server).
 *
 * The watchdog (sd_watchdog_enabled(3)): with `WatchdogSec=` in the unit, systemd sets `WATCHDOG_USEC`
 * (and `WATCHDOG_PID`, the process meant); the service must send `WATCHDOG=1` more often than that or
 * systemd restarts it. `startWatchdog` pings at half the interval, as systemd recommends, from a timer
 * on the event loop — so a loop stalled past `WatchdogSec` (a wedged server) stops the pings.
 */

import { type Libc, libc } from "./symbols.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
/** sizeof(sockaddr_un.sun_path) on Linux. */
const SUN_PATH_MAX = 108;

/** The `sockaddr_un` for a NOTIFY_SOCKET value and its length, or undefined when it cannot be one. */
export function notifyAddress(socket: string): { addr: Uint8Array; len: number } | undefined {
  const abstract = socket.startsWith("@");
  if (!abstract && !socket.startsWith("/")) return undefined;
  const name = new TextEncoder().encode(abstract ? socket.slice(1) : socket);
  // An abstract name starts with a NUL byte; a path ends with one.
  if (name.length + 1 > SUN_PATH_MAX) return undefined;
  const addr = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(name, abstract ? 3 : 2);
  return { addr, len: 2 + name.length + 1 };
}

/**
 * Sends `state` (e.g. "READY=1\nSTATUS=listening on …") to systemd. Returns "sent", "off" (no
 * NOTIFY_SOCKET) or the reason it could not be sent.
 */
export function sdNotify(state: string, socket = Deno.env.get("NOTIFY_SOCKET")): string {
  if (!socket) return "off";
  if (Deno.build.os !== "linux") return `NOTIFY_SOCKET is set but ${Deno.build.os} is not supported`;
  const target = notifyAddress(socket);
  if (!target) return `NOTIFY_SOCKET ${socket} is not a usable socket address`;
  let lib: Libc;
  try {
    lib = libc();
  } catch (e) {
    return `libc.so.6 could not be loaded (${e instanceof Error ? e.message : String(e)})`;
  }
  const msg = new TextEncoder().encode(state);
  const fd = lib.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "socket(AF_UNIX, SOCK_DGRAM) failed";
  try {
    const n = lib.symbols.sendto(fd, msg, BigInt(msg.length), MSG_NOSIGNAL, target.addr, target.len);
    return Number(n) === msg.length ? "sent" : `sendto ${socket} failed`;
  } finally {
    lib.symbols.close(fd);
  }
}

/**
 * The watchdog ping interval in milliseconds (half of `WATCHDOG_USEC`), or undefined when the
 * watchdog is off: no or an unusable `WATCHDOG_USEC`, or a `WATCHDOG_PID` naming another process.
 */
export function watchdogIntervalMs(
  usec = Deno.env.get("WATCHDOG_USEC"),
  pid = Deno.env.get("WATCHDOG_PID"),
  self = Deno.pid,
): number | undefined {
  if (usec === undefined || !/^\d+$/.test(usec)) return undefined;
  if (pid !== undefined && pid !== "" && pid !== String(self)) return undefined;
  const micros = Number(usec);
  if (!Number.isSafeInteger(micros) || micros <= 0) return undefined;
  return Math.max(1, Math.floor(micros / 2000));
}

/**
 * Sends `WATCHDOG=1` every `intervalMs` (the first at once) until the returned function is called.
 * `onError` hears a failed send once per run of failures (not every ping).
 */
export function startWatchdog(
  intervalMs: number,
  opts: { socket?: string | undefined; onError?: (why: string) => void } = {},
): () => void {
  let failing = false;
  const ping = () => {
    const r = sdNotify("WATCHDOG=1", opts.socket ?? Deno.env.get("NOTIFY_SOCKET"));
    if (r === "sent" || r === "off") {
      failing = false;
    } else if (!failing) {
      failing = true;
      opts.onError?.(r);
    }
  };
  ping();
  const timer = setInterval(ping, intervalMs);
  return () => clearInterval(timer);
}
