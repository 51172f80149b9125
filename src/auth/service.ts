/**
 * The authentication service: SASL conversations (SCRAM-SHA-256, SCRAM-SHA-1), MONGODB-X509,
 * logout, and the abuse limits around them. One instance per server, built by the composition
 * root; commands (saslStart, saslContinue, authenticate, logout, hello's speculativeAuthenticate)
 * call it with the connection's state.
 *
 * - A conversation lives on the connection (`AuthConnection.sasl`); a new saslStart replaces it.
 * - Wrong password and unknown user are indistinguishable: an unknown user gets a decoy credential
 *   (stable salt per name, same iteration count) and fails at the proof with the same 18
 *   "Authentication failed." as a wrong password.
 * - Every failure is logged with user, database, mechanism and peer — never the payload — and
 *   answered after a per-connection delay that grows with that connection's failures.
 * - Attempts are rate-limited per peer address (token bucket); past it saslStart/authenticate fail
 *   with 18 at once (no work done), logged at most once per interval per address. Loopback peers
 *   are not limited.
 */
import { CommandError } from "../errors/command_error.ts";
import type { AuthenticatedUser } from "./authorizer.ts";
import {
  decoyCredential,
  parseClientFirst,
  SCRAM_MECHANISMS,
  ScramError,
  type ScramMechanism,
  ScramServer,
} from "./scram.ts";
import { type AuthStore, userMechanisms } from "./store.ts";
import { AttemptLimiter } from "./attempt_limiter.ts";
import { isLoopback, peerHost } from "./peer.ts";
import { delay } from "../timers.ts";

export interface AuthOptions {
  /** `auth = true`: authorization enforced. Authentication commands work either way, as on mongod. */
  readonly enabled: boolean;
  /** mongod's scramSHA256IterationCount (default 15,000; at least 5,000). */
  readonly scramSHA256IterationCount: number;
  /** mongod's scramIterationCount for SCRAM-SHA-1 (default 10,000; at least 5,000). */
  readonly scramIterationCount: number;
  /** Base delay before answering a failed attempt; doubles per failure on the connection (cap 5 s). */
  readonly failedDelayMs: number;
  /** Authentication attempts allowed per peer address per second (burst = 10×). 0 = unlimited. */
  readonly attemptsPerSecond: number;
}

export const DEFAULT_AUTH_OPTIONS: AuthOptions = {
  enabled: false,
  scramSHA256IterationCount: 15_000,
  scramIterationCount: 10_000,
  failedDelayMs: 100,
  attemptsPerSecond: 20,
};

/** What the service keeps on a connection. */
export interface AuthConnection {
  readonly connectionId: number;
  readonly remoteAddress: string;
  /** The server address the connection reached (`host:port`), for restrictions' serverAddress. */
  readonly localAddress?: string | undefined;
  authenticatedUsers: AuthenticatedUser[];
  sasl?: SaslState | undefined;
  /** Failed attempts on this connection (drives the delay). */
  authFailures?: number;
  /** The verified client certificate's subject (RFC 2253), when the connection is mTLS. */
  readonly peerSubject?: string | undefined;
}

interface SaslState {
  readonly id: number;
  readonly db: string;
  readonly user: string;
  readonly mech: ScramMechanism;
  readonly server: ScramServer;
  readonly skipEmptyExchange: boolean;
  /** Whether the credential is real (false: decoy for an unknown user). */
  readonly real: boolean;
  step: "final" | "empty" | "done";
}

export interface SaslReply {
  readonly conversationId: number;
  readonly done: boolean;
  readonly payload: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

export class AuthService {
  readonly store: AuthStore;
  readonly options: AuthOptions;
  readonly #log: (level: "INFO" | "WARNING", msg: string) => void;
  readonly #secret = crypto.getRandomValues(new Uint8Array(32));
  readonly #limiter: AttemptLimiter;
  #nextConversation = 1;
  /** Who is logged in on each connection (for cursor ownership); oldest entries dropped past a cap. */
  readonly #connUsers = new Map<number, string>();

  constructor(store: AuthStore, options: AuthOptions, log: (level: "INFO" | "WARNING", msg: string) => void) {
    this.store = store;
    this.options = options;
    this.#log = log;
    this.#limiter = new AttemptLimiter(
      options.attemptsPerSecond,
      (addr, n) => log("WARNING", `authentication attempts from ${addr} rate-limited (${n} refused)`),
    );
  }

  iterationCount(mech: ScramMechanism): number {
    return mech === "SCRAM-SHA-1" ? this.options.scramIterationCount : this.options.scramSHA256IterationCount;
  }

  /** `saslSupportedMechs` for hello: the user's mechanisms, or undefined when there is no such user. */
  supportedMechs(userSpec: string): ScramMechanism[] | undefined {
    const dot = userSpec.indexOf(".");
    if (dot <= 0) return undefined;
    const u = this.store.getUser(userSpec.slice(0, dot), userSpec.slice(dot + 1));
    return u ? userMechanisms(u) : undefined;
  }

  /** saslStart: the client-first message → server-first. */
  async saslStart(
    conn: AuthConnection,
    db: string,
    mechanism: string,
    payload: Uint8Array,
    skipEmptyExchange: boolean,
  ): Promise<SaslReply> {
    if (!(SCRAM_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new CommandError(
        "MechanismUnavailable",
        `Received authentication for mechanism ${mechanism} which is not enabled`,
      );
    }
    const mech = mechanism as ScramMechanism;
    this.#limit(conn);
    let first;
    try {
      first = parseClientFirst(dec.decode(payload));
    } catch (e) {
      throw this.#protocolError(e);
    }
    const user = this.store.getUser(db, first.user);
    const stored = user?.credentials[mech];
    // mongod: a user without this mechanism's credentials is told so at once (a driver's speculative
    // SCRAM-SHA-256 for a SCRAM-SHA-1-only user then fails quietly and it negotiates SCRAM-SHA-1); an
    // unknown user runs on a decoy credential, indistinguishable from a wrong password
    if (user && !stored) {
      throw new CommandError(
        "MechanismUnavailable",
        `Unable to use ${mech} based authentication for user without any ${mech} credentials registered`,
      );
    }
    const cred = stored ??
      await decoyCredential(mech, this.#secret, `${db}.${first.user}`, this.iterationCount(mech));
    const server = new ScramServer(mech, first, cred);
    const id = this.#nextConversation++;
    conn.sasl = { id, db, user: first.user, mech, server, skipEmptyExchange, real: !!stored, step: "final" };
    return { conversationId: id, done: false, payload: enc.encode(server.serverFirst()) };
  }

  /** saslContinue: client-final → server-final (or the empty closing step). */
  async saslContinue(conn: AuthConnection, conversationId: number, payload: Uint8Array): Promise<SaslReply> {
    const s = conn.sasl;
    if (!s) throw new CommandError("ProtocolError", "No SASL session state found");
    if (s.id !== conversationId) throw new CommandError("ProtocolError", "sasl: Mismatched conversation id");
    if (s.step === "empty") {
      s.step = "done";
      conn.sasl = undefined;
      return { conversationId, done: true, payload: new Uint8Array() };
    }
    if (s.step === "done") throw new CommandError("ProtocolError", "No SASL session state found");
    let final: string | null;
    try {
      final = await s.server.clientFinal(dec.decode(payload));
    } catch (e) {
      conn.sasl = undefined;
      throw this.#protocolError(e);
    }
    if (final === null || !s.real) {
      conn.sasl = undefined;
      await this.fail(conn, s.user, s.db, s.mech);
    }
    if (!(await this.#restrictionsMet(conn, s.db, s.user))) {
      conn.sasl = undefined;
      await this.fail(conn, s.user, s.db, s.mech, "authentication restrictions not met");
    }
    this.#succeed(conn, { user: s.user, db: s.db }, s.mech);
    if (s.skipEmptyExchange) {
      s.step = "done";
      conn.sasl = undefined;
      return { conversationId, done: true, payload: enc.encode(final!) };
    }
    s.step = "empty";
    return { conversationId, done: false, payload: enc.encode(final!) };
  }

  /** MONGODB-X509: the verified client certificate's subject as an `$external` user. */
  async authenticateX509(conn: AuthConnection, user: string | undefined): Promise<AuthenticatedUser> {
    this.#limit(conn);
    const subject = conn.peerSubject;
    if (subject === undefined) {
      await this.fail(conn, user ?? "", "$external", "MONGODB-X509", "no verified client certificate");
    }
    if (user !== undefined && user !== subject) {
      throw new CommandError(
        "AuthenticationFailed",
        "There is no x.509 client certificate matching the user.",
      );
    }
    const u = this.store.getUser("$external", subject!);
    if (!u) await this.fail(conn, subject!, "$external", "MONGODB-X509");
    if (!(await this.#restrictionsMet(conn, "$external", subject!))) {
      await this.fail(conn, subject!, "$external", "MONGODB-X509", "authentication restrictions not met");
    }
    const who = { user: subject!, db: "$external" };
    this.#succeed(conn, who, "MONGODB-X509");
    return who;
  }

  logout(conn: AuthConnection, db: string): void {
    conn.authenticatedUsers = conn.authenticatedUsers.filter((u) => u.db !== db);
    conn.sasl = undefined;
    this.#noteUsers(conn);
  }

  /** Told whenever a connection's users change (a login, a logout), before the command answers. */
  readonly #usersChanged = new Set<(conn: AuthConnection) => void>();

  /** `fn` whenever a connection's users change; returns a function that unregisters it. */
  onUsersChanged(fn: (conn: AuthConnection) => void): () => void {
    this.#usersChanged.add(fn);
    return () => this.#usersChanged.delete(fn);
  }

  #noteUsers(conn: AuthConnection): void {
    for (const fn of this.#usersChanged) fn(conn);
    this.#connUsers.delete(conn.connectionId);
    this.#connUsers.set(conn.connectionId, usersKey(conn.authenticatedUsers));
    if (this.#connUsers.size > 100_000) {
      const oldest = this.#connUsers.keys().next().value;
      if (oldest !== undefined) this.#connUsers.delete(oldest);
    }
  }

  /**
   * Whether `conn` may use (getMore, killCursors) a cursor opened on connection `ownerConnection`:
   * always with auth off; with auth on, when the users logged in there and here are the same
   * (mongod: "cursor … was not created by the authenticated user").
   */
  ownsCursor(conn: AuthConnection, ownerConnection: number): boolean {
    if (!this.options.enabled) return true;
    const owner = ownerConnection === conn.connectionId
      ? usersKey(conn.authenticatedUsers)
      : this.#connUsers.get(ownerConnection) ?? "";
    return owner === usersKey(conn.authenticatedUsers);
  }

  /**
   * The user's and all its roles' (inherited too) authenticationRestrictions (restrictions.ts, loaded
   * only when there are some: it pulls in npm:ipaddr.js, which a server's start should not load).
   */
  async #restrictionsMet(conn: AuthConnection, db: string, user: string): Promise<boolean> {
    const u = this.store.getUser(db, user);
    if (!u) return true;
    // roles.ts (and the built-in roles' table) loads here, not at start: with auth on rbac.ts has it
    const { allRoles } = await import("./roles.ts");
    const lists = [
      u.authenticationRestrictions,
      ...allRoles(this.store, u.roles).map((r) =>
        this.store.getRole(r.db, r.role)?.authenticationRestrictions
      ),
    ];
    if (lists.every((l) => l === undefined || l.length === 0)) return true;
    const { addressOf, meetsRestrictions } = await import("./restrictions.ts");
    const client = addressOf(conn.remoteAddress);
    const server = addressOf(conn.localAddress);
    return lists.every((l) => meetsRestrictions(l, client, server));
  }

  #succeed(conn: AuthConnection, who: AuthenticatedUser, mech: string): void {
    conn.authenticatedUsers = [who];
    conn.authFailures = 0;
    this.#noteUsers(conn);
    this.#log(
      "INFO",
      `Successfully authenticated as "${who.user}" on "${who.db}" from ${conn.remoteAddress} (conn #${conn.connectionId}, ${mech})`,
    );
  }

  /** Logs the failure (without any secret), waits the connection's delay, throws 18. */
  async fail(conn: AuthConnection, user: string, db: string, mech: string, why?: string): Promise<never> {
    const n = (conn.authFailures ?? 0) + 1;
    conn.authFailures = n;
    this.#log(
      "WARNING",
      `Authentication failed for "${user}" on "${db}" from ${conn.remoteAddress} (conn #${conn.connectionId}, ${mech}${
        why ? `: ${why}` : ""
      })`,
    );
    const pause = this.options.failedDelayMs > 0
      ? Math.min(5000, this.options.failedDelayMs * 2 ** (n - 1))
      : 0;
    if (pause > 0) await delay(pause);
    throw new CommandError("AuthenticationFailed", "Authentication failed.");
  }

  #limit(conn: AuthConnection): void {
    // Loopback peers already run on this machine; limiting them would only slow local tools.
    if (isLoopback(conn.remoteAddress)) return;
    const host = peerHost(conn.remoteAddress);
    if (!this.#limiter.take(host)) {
      throw new CommandError("AuthenticationFailed", "Authentication failed.");
    }
  }

  #protocolError(e: unknown): CommandError {
    if (e instanceof ScramError) return new CommandError("BadValue", e.message);
    if (e instanceof TypeError) return new CommandError("BadValue", "SCRAM message is not valid UTF-8");
    return new CommandError("BadValue", "Invalid SCRAM message");
  }
}

function usersKey(users: readonly AuthenticatedUser[]): string {
  return users.map((u) => `${u.db}.${u.user}`).sort().join("\0");
}
