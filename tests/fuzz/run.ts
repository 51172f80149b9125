/**
 * The fuzz loop (the core the CLI and tests/integration/command_fuzz_test.ts share): starts the server,
 * seeds, reads `listCommands`, then round-robins over the commands sending generated bodies, each judged
 * by the oracle — new `unexpected error:` log lines, a dead process (recorded, server restarted), a
 * request over 12 s (see `requestTimeoutMs`) or a second client's ping over 2 s (stall), an error reply without code/codeName.
 * A new bug group's body is shrunk (fields dropped one by one while the same group still reproduces).
 * Every wait is bounded; the server is always stopped at the end.
 */
import { RawClient } from "./client.ts";
import { FuzzServer } from "./server.ts";
import { type Body, emptyHints, generate, type Request } from "./generate.ts";
import { loadKnownParams } from "./known_params.ts";
import { errorKey, type Finding, replyProblem, unexpectedErrors } from "./oracle.ts";
import { Prng } from "./prng.ts";
import { confine, RESTORED_PARAMETERS, SKIPPED, STATEFUL, undo } from "./sandbox.ts";
import { seed } from "./seed.ts";
import { shrink } from "./shrink.ts";

export interface FuzzOptions {
  readonly seed: number;
  readonly iterations: number;
  readonly port: number;
  /** Only these commands (default: every command listCommands names, minus the skipped ones). */
  readonly only?: readonly string[];
  /** Stop sending new bodies after this long (ms), whatever `iterations` says. */
  readonly budgetMs?: number;
  /** Shrink the body of each new group (default true). */
  readonly shrink?: boolean;
  /**
   * Request and ping (2 s) stall limits. The request limit defaults to 12 s, not 10: the server's own
   * budget for one server-side JavaScript invocation is 10 s (a `$where: "while(true){}"` ends at
   * ~10.1 s with MaxTimeMSExpired while pings go on being answered), which is no stall.
   */
  readonly requestTimeoutMs?: number;
  readonly pingTimeoutMs?: number;
  /** Reseed every this many iterations (default 250). */
  readonly reseedEvery?: number;
  readonly log?: (line: string) => void;
}

export interface Group {
  readonly key: string;
  count: number;
  readonly first: Finding;
  /** The shrunk body (or the first one when shrinking did not reproduce). */
  minimal: Request;
}

export interface FuzzResult {
  readonly iterations: number;
  readonly commands: readonly string[];
  readonly groups: ReadonlyMap<string, Group>;
  readonly restarts: number;
  readonly logPath: string;
  /** How replies went: "ok" or the error's codeName → count. */
  readonly stats: ReadonlyMap<string, number>;
  /** The same per command. */
  readonly byCommand: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One server plus the two clients talking to it; restartable. */
class Target {
  server: FuzzServer;
  main!: RawClient;
  pinger!: RawClient;
  restarts = 0;
  constructor(port: number, logPath: string) {
    this.server = new FuzzServer(port, logPath);
  }
  async up(): Promise<string[]> {
    await this.server.start();
    this.main = await RawClient.connect(this.server.port);
    this.pinger = await RawClient.connect(this.server.port);
    return await seed(this.main);
  }
  async restart(): Promise<string[]> {
    this.restarts++;
    this.main?.close();
    this.pinger?.close();
    await this.server.stop();
    return await this.up();
  }
  async reconnect(): Promise<void> {
    this.main.close();
    this.main = await RawClient.connect(this.server.port);
  }
  async down(): Promise<void> {
    this.main?.close();
    this.pinger?.close();
    await this.server.stop();
  }
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzResult> {
  const say = opts.log ?? (() => {});
  const tmp = await Deno.makeTempDir({ prefix: "secantus-fuzz-" });
  const logPath = `${tmp}/server.log`;
  const reqTimeout = opts.requestTimeoutMs ?? 12_000;
  const pingTimeout = opts.pingTimeoutMs ?? 2_000;
  const known = await loadKnownParams();
  const target = new Target(opts.port, logPath);
  const groups = new Map<string, Group>();
  const stats = new Map<string, number>();
  const byCommand = new Map<string, Map<string, number>>();
  const hints = emptyHints();
  const started = Date.now();
  let done = 0;
  let commands: string[] = [];

  const record = (f: Finding): boolean => {
    const g = groups.get(f.key);
    if (g) {
      g.count++;
      return false;
    }
    groups.set(f.key, { key: f.key, count: 1, first: f, minimal: { db: f.db, body: f.body } });
    say(`NEW ${f.kind} ${f.key} (${f.command})\n  ${f.detail.split("\n").slice(0, 4).join("\n  ")}`);
    return true;
  };

  /** Steers later bodies: command values that worked, commands that want the admin database. */
  const learn = (req: Request, command: string, reply: Record<string, unknown>) => {
    if (reply.ok === 1) {
      const v = req.body[command];
      const list = hints.goodValues.get(command) ?? [];
      if (list.length < 8 && !list.some((x) => x === v)) list.push(v);
      hints.goodValues.set(command, list);
    } else if (reply.codeName === "Unauthorized" && /admin/.test(String(reply.errmsg))) {
      hints.adminOnly.add(command);
    } else if (reply.codeName === "IDLUnknownField") {
      const m = String(reply.errmsg).match(/^BSON field '[^.']+\.([^.']+)' is an unknown field/);
      if (m) {
        const set = hints.unknown.get(command) ?? new Set();
        set.add(m[1]!);
        hints.unknown.set(command, set);
      }
    }
  };

  /** Sends one request and judges it; returns its findings (not recorded). */
  const attempt = async (req: Request): Promise<Finding[]> => {
    const command = Object.keys(req.body)[0] ?? "";
    const found: Finding[] = [];
    const mk = (kind: Finding["kind"], key: string, detail: string): Finding => ({
      kind,
      key,
      command,
      db: req.db,
      body: req.body,
      detail,
    });
    await target.server.readNew(); // lines of earlier work are not this request's
    let finished = false;
    let stalledPing = 0;
    const pings = (async () => {
      while (!finished) {
        await sleep(100);
        if (finished) break;
        const o = await target.pinger.ask("admin", { ping: 1 }, pingTimeout);
        if (o.kind !== "reply") {
          stalledPing = Math.max(stalledPing, o.ms);
          target.pinger.close();
          if (target.server.exited) break;
          try {
            target.pinger = await RawClient.connect(target.server.port);
          } catch {
            break;
          }
        }
      }
    })();
    let out;
    try {
      out = await target.main.ask(req.db, req.body, reqTimeout);
    } catch (e) {
      out = { kind: "closed" as const, ms: 0, error: String(e) };
    }
    finished = true;
    await pings;
    await sleep(5);
    if (out.kind === "reply") {
      const name = out.reply.ok === 1 ? "ok" : String(out.reply.codeName);
      stats.set(name, (stats.get(name) ?? 0) + 1);
      const cs = byCommand.get(command) ?? new Map<string, number>();
      cs.set(name, (cs.get(name) ?? 0) + 1);
      byCommand.set(command, cs);
      learn(req, command, out.reply);
    } else if (out.kind === "unreadable") {
      found.push(mk("shape", `unreadable reply (${command})`, out.error));
    } else if (out.kind === "timeout") {
      found.push(mk("stall", `stall: ${command} request over ${reqTimeout} ms`, `no reply in ${out.ms} ms`));
    }
    if (stalledPing > 0) {
      found.push(mk("stall", `stall: ping over ${pingTimeout} ms during ${command}`, `${stalledPing} ms`));
    }
    // the process: died?
    if (out.kind === "closed") {
      for (let i = 0; i < 20 && !target.server.exited; i++) await sleep(50);
    }
    const text = await target.server.readNew();
    const logged = unexpectedErrors(text);
    for (const e of logged) {
      found.push(mk("unexpected", errorKey(e), [e.message, ...e.stack.slice(0, 8)].join("\n")));
    }
    if (out.kind === "reply") {
      const p = replyProblem(out.reply);
      // (an InternalError the log explains is that log entry's finding)
      if (p && !(p === "InternalError reply" && logged.length > 0)) {
        found.push(mk("shape", `shape: ${p} (${command})`, JSON.stringify(out.reply).slice(0, 500)));
      }
    }
    if (target.server.exited) {
      const tail = text.split("\n").slice(-15).join("\n");
      found.push(mk("crash", `crash: ${command}`, `exit ${JSON.stringify(target.server.exited)}\n${tail}`));
      const bad = await target.restart();
      if (bad.length) say(`seed after restart: ${bad.join("; ")}`);
    } else if (out.kind !== "reply" && out.kind !== "unreadable") {
      if (out.kind === "closed") {
        found.push(mk("shape", `connection closed by ${command}`, "the server closed the connection"));
      }
      await target.reconnect();
    }
    return found;
  };

  /** Undo and health checks after a command; restarts the server when it no longer serves. */
  const settle = async (req: Request, saved: Body) => {
    const command = Object.keys(req.body)[0]!;
    for (const u of undo(command, req, saved)) {
      const o = await target.main.ask(u.db, u.body, reqTimeout);
      if (o.kind !== "reply") await target.reconnect();
      if (o.kind === "reply" && o.reply.ok !== 1 && command === "setParameter") {
        await target.main.ask(u.db, { ...u.body, apiVersion: "1" }, reqTimeout);
      }
    }
    if (STATEFUL.has(command)) {
      const h1 = await target.main.ask("fuzz", { insert: "fuzz_health", documents: [{ ok: 1 }] }, reqTimeout);
      const h2 = await target.main.ask("fuzz", { find: "fuzz_health", limit: 1 }, reqTimeout);
      const healthy = h1.kind === "reply" && h1.reply.ok === 1 && !h1.reply.writeErrors &&
        h2.kind === "reply" && h2.reply.ok === 1;
      if (!healthy) {
        say(`server unhealthy after ${command}; restarting`);
        await target.restart();
      } else if (command === "dropDatabase" || command === "renameCollection" || command === "applyOps") {
        await seed(target.main);
      }
    }
  };

  try {
    const bad = await target.up();
    if (bad.length) say(`seed: ${bad.join("; ")}`);
    const lc = await target.main.ask("admin", { listCommands: 1 }, reqTimeout);
    if (lc.kind !== "reply") throw new Error("listCommands: no reply");
    const listed = Object.keys((lc.reply.commands ?? {}) as Record<string, unknown>).sort();
    commands = listed.filter((c) => !SKIPPED.has(c) && (!opts.only || opts.only.includes(c)));
    if (opts.only) {
      for (const c of opts.only) if (!commands.includes(c) && !SKIPPED.has(c)) commands.push(c);
    }
    const gp = await target.main.ask("admin", {
      getParameter: 1,
      ...Object.fromEntries(RESTORED_PARAMETERS.map((p) => [p, 1])),
    }, reqTimeout);
    const saved: Body = {};
    if (gp.kind === "reply") {
      for (const p of RESTORED_PARAMETERS) if (p in gp.reply) saved[p] = gp.reply[p];
    }
    say(`${commands.length} commands; seed ${opts.seed}; log ${logPath}`);
    const r = new Prng(opts.seed);
    const reseedEvery = opts.reseedEvery ?? 250;
    for (let i = 0; i < opts.iterations; i++) {
      if (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) break;
      const command = commands[i % commands.length]!;
      const req = confine(r, generate(r, command, known, hints), tmp);
      const found = await attempt(req);
      done++;
      const fresh = found.filter(record);
      await settle(req, saved);
      for (const f of fresh) {
        if (opts.shrink === false || (f.kind !== "unexpected" && f.kind !== "shape")) continue;
        const g = groups.get(f.key)!;
        g.minimal = await shrink(req, async (cand) => {
          const again = await attempt(cand);
          await settle(cand, saved);
          return again.some((x) => x.key === f.key);
        });
      }
      if ((i + 1) % reseedEvery === 0) {
        const b = await seed(target.main);
        if (b.length) say(`reseed: ${b.join("; ")}`);
      }
      if ((i + 1) % 500 === 0) {
        say(`${i + 1} iterations, ${groups.size} groups, ${Math.round((Date.now() - started) / 1000)} s`);
      }
    }
  } finally {
    await target.down();
  }
  return { iterations: done, commands, groups, restarts: target.restarts, logPath, stats, byCommand };
}
