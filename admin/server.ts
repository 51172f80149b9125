/**
 * The dashboard's HTTP server (Deno.serve): the token gate (gate.ts), the login exchange, static assets
 * and the JSON/SSE API the pages call. Every route but `/healthz` and the login exchange answers 401
 * without the token (header) or the session cookie it was exchanged for; writes also pass the CSRF rule.
 */
import { csrfSafe, hostAllowed, isWrite } from "./gate.ts";
import { authenticate } from "./gate.ts";
import { asset } from "./assets.ts";
import { failureOf, fromEjson, isAbsent, Mongo, redactUri, toEjson } from "./mongo.ts";
import { parseCookies, SESSION_COOKIE, Sessions, tokensEqual } from "./token.ts";
import { sseResponse } from "./sse.ts";
import { overview } from "./api/overview.ts";
import { changeStream, logStream, statsStream } from "./api/streams.ts";
import { createArchive, defaultArchiveName, Jobs, listArchives, safeName } from "./api/backup.ts";
import { VERSION } from "../src/version.ts";
import { isAbsolute, resolve } from "node:path";

export interface AdminOptions {
  /** MongoDB URI of the server to administer. */
  uri: string;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Listen port (0 = any free port). */
  port?: number;
  /** The access token. */
  token: string;
  /** Directory of backup archives (listing, create, extract); default ./backups. */
  backupDir?: string;
  /** argv prefix that runs `secantusdb restore-archive` (for Extract). */
  restoreCommand?: readonly string[];
}

export interface RunningAdmin {
  /** http://host:port/ */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: JSON_HEADERS });
}

function loginPage(message: string, status: number): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>SecantusDB admin — sign in</title>
<meta name="color-scheme" content="light dark">
<style>body{font:16px system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;margin:0}
form{display:grid;gap:.75rem;min-width:min(22rem,90vw)}input,button{font:inherit;padding:.5rem}
p.msg{color:#b3261e}</style></head><body>
<form method="post" action="/login"><h1>SecantusDB admin</h1>
<p>This dashboard needs the access token printed when <code>secantusdb admin</code> started.</p>
${message ? `<p class="msg" role="alert">${message}</p>` : ""}
<label>Token <input id="token" name="token" type="password" autocomplete="off" required autofocus></label>
<button type="submit">Sign in</button></form></body></html>`;
  return new Response(html, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}

function redirectWithSession(sessions: Sessions): Response {
  return new Response(null, {
    status: 303,
    headers: { location: "/", "set-cookie": Sessions.cookie(sessions.open()), "cache-control": "no-store" },
  });
}

async function bodyJson(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text === "") return {};
  const v = JSON.parse(text);
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new Error("request body must be an object");
  }
  return v as Record<string, unknown>;
}

function str(v: unknown, what: string): string {
  if (typeof v !== "string" || v === "") throw new Error(`${what} must be a non-empty string`);
  return v;
}

function optDoc(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string") return fromEjson(JSON.parse(v));
  return fromEjson(v);
}

/** A command's outcome as the pages see it: the reply, or the failure and whether it means "absent". */
async function outcome(fn: () => Promise<unknown>): Promise<Response> {
  try {
    return json({ ok: true, result: toEjson(await fn()) });
  } catch (e) {
    const f = failureOf(e);
    return json({ ok: false, error: f, absent: isAbsent(f) });
  }
}

export async function startAdmin(opts: AdminOptions): Promise<RunningAdmin> {
  const host = opts.host ?? "127.0.0.1";
  const mongo = new Mongo(opts.uri);
  const sessions = new Sessions();
  const backupDir = resolve(opts.backupDir ?? "backups");
  const jobs = new Jobs(opts.restoreCommand ?? [Deno.execPath(), "restore-archive"]);
  const abort = new AbortController();

  const api: Record<string, (req: Request, url: URL) => Promise<Response> | Response> = {
    "GET /api/info": () =>
      json({ uri: redactUri(opts.uri), version: VERSION, backupDir, restoreCommand: jobs.restoreCommand }),
    "GET /api/overview": async () => json(await overview(mongo, backupDir)),
    "POST /api/command": async (req) => {
      const b = await bodyJson(req);
      const db = str(b["db"], "db");
      const command = optDoc(b["command"]);
      if (command === undefined || Object.keys(command).length === 0) throw new Error("command is empty");
      return outcome(() => mongo.command(db, command));
    },
    "POST /api/find": async (req) => {
      const b = await bodyJson(req);
      const r = {
        db: str(b["db"], "db"),
        coll: str(b["coll"], "coll"),
        skip: Number(b["skip"] ?? 0),
        limit: Number(b["limit"] ?? 20),
      };
      return outcome(async () => {
        const filter = optDoc(b["filter"]);
        const sort = optDoc(b["sort"]);
        const projection = optDoc(b["projection"]);
        return await mongo.find({
          ...r,
          ...(filter ? { filter } : {}),
          ...(sort ? { sort } : {}),
          ...(projection ? { projection } : {}),
        });
      });
    },
    "POST /api/aggregate": async (req) => {
      const b = await bodyJson(req);
      const db = str(b["db"], "db");
      const coll = typeof b["coll"] === "string" && b["coll"] !== "" ? b["coll"] : undefined;
      return outcome(async () => {
        const raw = typeof b["pipeline"] === "string" ? JSON.parse(b["pipeline"]) : b["pipeline"];
        if (!Array.isArray(raw)) throw new Error("pipeline must be an array");
        const pipeline = raw.map((s) => fromEjson(s));
        return await mongo.aggregate(db, coll, pipeline, Number(b["limit"] ?? 500));
      });
    },
    "GET /api/stream/stats": () => sseResponse((send, signal) => statsStream(mongo, send, signal)),
    "GET /api/stream/logs": () => sseResponse((send, signal) => logStream(mongo, send, signal)),
    "GET /api/stream/changes": (_req, url) => {
      const ns: { db?: string; coll?: string } = {};
      const db = url.searchParams.get("db");
      const coll = url.searchParams.get("coll");
      if (db) ns.db = db;
      if (db && coll) ns.coll = coll;
      return sseResponse((send, signal) => changeStream(mongo, ns, send, signal));
    },
    "GET /api/backups": async () => json({ dir: backupDir, archives: await listArchives(backupDir) }),
    "POST /api/backups/create": async (req) => {
      const b = await bodyJson(req);
      const name = safeName(typeof b["name"] === "string" && b["name"] ? b["name"] : defaultArchiveName());
      if (name === null) {
        return json({ ok: false, error: { message: "archive name must be a plain file name" } });
      }
      return outcome(() => createArchive(mongo, backupDir, name));
    },
    "POST /api/backups/extract": async (req) => {
      const b = await bodyJson(req);
      const name = safeName(str(b["name"], "name"));
      const target = str(b["targetDir"], "targetDir");
      if (name === null) {
        return json({ ok: false, error: { message: "not an archive of the backup directory" } });
      }
      const job = jobs.extract(resolve(backupDir, name), isAbsolute(target) ? target : resolve(target));
      return json({ ok: true, result: job });
    },
  };

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname === "/healthz") {
      return new Response("ok\n", { headers: { "content-type": "text/plain" } });
    }
    if (!hostAllowed(req, host)) return new Response("unexpected Host header\n", { status: 421 });
    if (url.pathname === "/login") {
      let given: string | null = url.searchParams.get("token");
      if (req.method === "POST") {
        const form = await req.formData().catch(() => null);
        given = form?.get("token")?.toString() ?? null;
      } else if (given === null) return loginPage("", 401);
      if (given !== null && tokensEqual(given, opts.token)) return redirectWithSession(sessions);
      return loginPage("That token is not right.", 401);
    }
    const via = authenticate(req, opts.token, sessions);
    if (via === null) {
      if (url.pathname.startsWith("/api/")) {
        return json({ ok: false, error: { message: "token required" } }, 401);
      }
      return loginPage("", 401);
    }
    if (!csrfSafe(req, via)) {
      return json({ ok: false, error: { message: "cross-site write refused (CSRF)" } }, 403);
    }
    if (url.pathname === "/logout" && isWrite(req.method)) {
      sessions.close(parseCookies(req.headers.get("cookie")).get(SESSION_COOKIE));
      return new Response(null, {
        status: 303,
        headers: { location: "/login", "set-cookie": Sessions.cookie("") },
      });
    }
    if (req.method === "GET" && (url.pathname === "/" || url.pathname === "/index.html")) {
      const a = asset("/static/index.html");
      return new Response(a!.body, { headers: { "content-type": a!.type, "cache-control": "no-store" } });
    }
    if (
      req.method === "GET" && (url.pathname.startsWith("/static/") || url.pathname.startsWith("/vendor/"))
    ) {
      const a = asset(url.pathname);
      return a
        ? new Response(a.body, { headers: { "content-type": a.type } })
        : new Response("not found\n", { status: 404 });
    }
    if (req.method === "GET" && url.pathname.startsWith("/api/jobs/")) {
      const job = jobs.get(url.pathname.slice("/api/jobs/".length));
      return job
        ? json({ ok: true, result: job })
        : json({ ok: false, error: { message: "no such job" } }, 404);
    }
    const route = api[`${req.method} ${url.pathname}`];
    if (!route) return json({ ok: false, error: { message: "no such route" } }, 404);
    try {
      return await route(req, url);
    } catch (e) {
      return json({ ok: false, error: { message: e instanceof Error ? e.message : String(e) } }, 400);
    }
  };

  const { promise: listening, resolve: ready } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: host,
    port: opts.port ?? 0,
    signal: abort.signal,
    onListen: (addr) => ready(addr as Deno.NetAddr),
  }, handler);
  const addr = await listening;
  const shownHost = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    url: `http://${shownHost}:${addr.port}/`,
    port: addr.port,
    async stop() {
      abort.abort();
      await jobs.stop();
      await server.finished.catch(() => undefined);
      await mongo.close();
    },
  };
}
