/**
 * The admin token: generated (printed once), given on the command line, or read from a file that only
 * its owner may read (0600). Compared in constant time. Also the cookie session store the token is
 * exchanged for: the browser keeps an opaque random session id (HttpOnly, SameSite=Strict), never the
 * token itself.
 */

/** 32 random bytes as 64 hex characters. */
export function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time equality of two strings (time depends on the length of `expected` only). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i]!;
  return diff === 0;
}

export class TokenFileError extends Error {}

/**
 * Reads a token file: refuses one that group or others may read or write (as ssh does for keys), an
 * empty one, and one whose token is shorter than 16 characters. Surrounding whitespace is trimmed.
 */
export async function readTokenFile(path: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    throw new TokenFileError(`cannot read token file ${path}: ${e instanceof Error ? e.message : e}`);
  }
  if (info.mode !== null && (info.mode & 0o077) !== 0) {
    throw new TokenFileError(
      `token file ${path} is accessible by group or others (mode ${
        (info.mode & 0o777).toString(8)
      }); chmod 600 it`,
    );
  }
  const token = (await Deno.readTextFile(path)).trim();
  if (token.length < 16) throw new TokenFileError(`token file ${path} holds no token of 16+ characters`);
  return token;
}

/** Cookie header → name → value. */
export function parseCookies(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

export const SESSION_COOKIE = "secantus_admin";

/** Browser sessions opened by exchanging the token (in memory: a restart logs everyone out). */
export class Sessions {
  readonly #ids = new Set<string>();
  open(): string {
    const id = generateToken();
    this.#ids.add(id);
    return id;
  }
  has(id: string | undefined): boolean {
    if (id === undefined) return false;
    for (const known of this.#ids) if (tokensEqual(id, known)) return true;
    return false;
  }
  close(id: string | undefined): void {
    if (id !== undefined) this.#ids.delete(id);
  }
  /** The Set-Cookie value for a session id (empty id: clear the cookie). */
  static cookie(id: string): string {
    const age = id === "" ? "; Max-Age=0" : "";
    return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict${age}`;
  }
}
