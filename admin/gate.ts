/**
 * Who may use a request (pure functions of the Request): the token gate, the CSRF rule for writes and
 * the Host check that keeps a loopback dashboard from being reached through DNS rebinding.
 *
 * - A request is authenticated by the token in `Authorization: Bearer T` or `X-Admin-Token: T`, or by
 *   the session cookie the token was exchanged for.
 * - A write (any method but GET/HEAD) authenticated by cookie must also carry `X-Secantus-Admin: 1`
 *   (a custom header no cross-site form can send and no cross-origin fetch may send without a CORS
 *   preflight we never answer) and, when the browser sends an Origin, our own origin. A write with the
 *   token in a header is safe as it is (a browser never adds that header on its own).
 */
import { parseCookies, SESSION_COOKIE, type Sessions, tokensEqual } from "./token.ts";

export type AuthVia = "header" | "cookie";

export const CSRF_HEADER = "x-secantus-admin";

/** The token from a header, if any. */
export function headerToken(req: Request): string | undefined {
  const auth = req.headers.get("authorization");
  if (auth !== null && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, "").trim();
  return req.headers.get("x-admin-token") ?? undefined;
}

/** How the request proves it knows the token, or null. */
export function authenticate(req: Request, token: string, sessions: Sessions): AuthVia | null {
  const given = headerToken(req);
  if (given !== undefined && tokensEqual(given, token)) return "header";
  const cookie = parseCookies(req.headers.get("cookie")).get(SESSION_COOKIE);
  if (sessions.has(cookie)) return "cookie";
  return null;
}

export function isWrite(method: string): boolean {
  return method !== "GET" && method !== "HEAD";
}

/** The CSRF rule (see the module comment): true when this write may go ahead. */
export function csrfSafe(req: Request, via: AuthVia): boolean {
  if (!isWrite(req.method) || via === "header") return true;
  if (req.headers.get(CSRF_HEADER) !== "1") return false;
  return originMatches(req);
}

/** No Origin header, or one equal to the request's own origin. */
export function originMatches(req: Request): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  const host = req.headers.get("host");
  return host !== null && (origin === `http://${host}` || origin === `https://${host}`);
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith("127.");
}

/**
 * When the dashboard listens on loopback, the Host header must name loopback too (a page on evil.example
 * that rebinds its DNS name to 127.0.0.1 sends `Host: evil.example`).
 */
export function hostAllowed(req: Request, listenHost: string): boolean {
  if (!isLoopback(listenHost)) return true;
  const host = req.headers.get("host");
  if (host === null) return false;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!;
  return isLoopback(name);
}
