/**
 * SCRAM (RFC 5802, RFC 7677) server side, over WebCrypto: credential derivation for storage (only
 * salt, iteration count, StoredKey and ServerKey are kept — never the password) and the two-step
 * server conversation (client-first → server-first, client-final → server-final). SCRAM-SHA-1 uses
 * MongoDB's password digest (hex MD5 of `user:mongo:password`) as the password, as mongod does;
 * SCRAM-SHA-256 uses the SASLprep'd password. The proof check is constant-time
 * (`node:crypto` timingSafeEqual). Pure apart from the randomness (`crypto.getRandomValues`).
 */
import { nodeBuiltin } from "../node_builtin.ts";
import { saslprep } from "./saslprep.ts";

/** node:crypto, loaded on first use (not on the server's start path: ~15–30 ms of CPU). */
const nodeCrypto = () => nodeBuiltin("node:crypto");

export type ScramMechanism = "SCRAM-SHA-1" | "SCRAM-SHA-256";
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ["SCRAM-SHA-1", "SCRAM-SHA-256"];

/** What is stored for one mechanism (mongod's `credentials.<mechanism>` sub-document). */
export interface ScramCredential {
  readonly iterationCount: number;
  /** base64 */
  readonly salt: string;
  /** base64 */
  readonly storedKey: string;
  /** base64 */
  readonly serverKey: string;
}

interface MechFacts {
  readonly hash: "SHA-1" | "SHA-256";
  readonly bytes: number;
  readonly saltBytes: number;
}

const FACTS: Record<ScramMechanism, MechFacts> = {
  "SCRAM-SHA-1": { hash: "SHA-1", bytes: 20, saltBytes: 16 },
  "SCRAM-SHA-256": { hash: "SHA-256", bytes: 32, saltBytes: 28 },
};

const enc = new TextEncoder();

export function toBase64(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function hmac(hash: MechFacts["hash"], key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key as BufferSource, { name: "HMAC", hash }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data as BufferSource));
}

async function digest(hash: MechFacts["hash"], data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(hash, data as BufferSource));
}

async function pbkdf2(f: MechFacts, password: Uint8Array, salt: Uint8Array, iterations: number) {
  const k = await crypto.subtle.importKey("raw", password as BufferSource, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: f.hash, salt: salt as BufferSource, iterations },
    k,
    f.bytes * 8,
  );
  return new Uint8Array(bits);
}

/** MongoDB's legacy password digest, the SCRAM-SHA-1 "password": hex MD5 of `user:mongo:pwd`. */
export function mongoPasswordDigest(user: string, password: string): string {
  return nodeCrypto().createHash("md5").update(`${user}:mongo:${password}`, "utf8").digest("hex");
}

/**
 * The password bytes a mechanism hashes (SHA-1: the MongoDB digest; SHA-256: SASLprep). With
 * `predigested` (createUser `digestPassword: false`, SCRAM-SHA-1 only) the client already sent the
 * digest as the password.
 */
export async function scramPassword(
  mech: ScramMechanism,
  user: string,
  password: string,
  predigested = false,
): Promise<Uint8Array> {
  if (mech === "SCRAM-SHA-1") return enc.encode(predigested ? password : mongoPasswordDigest(user, password));
  return enc.encode(await saslprep(password));
}

/** Derives the stored credential for a new password (random salt). */
export async function deriveCredential(
  mech: ScramMechanism,
  user: string,
  password: string,
  iterationCount: number,
  salt: Uint8Array = crypto.getRandomValues(new Uint8Array(FACTS[mech].saltBytes)),
  predigested = false,
): Promise<ScramCredential> {
  const f = FACTS[mech];
  const salted = await pbkdf2(
    f,
    await scramPassword(mech, user, password, predigested),
    salt,
    iterationCount,
  );
  const clientKey = await hmac(f.hash, salted, enc.encode("Client Key"));
  const storedKey = await digest(f.hash, clientKey);
  const serverKey = await hmac(f.hash, salted, enc.encode("Server Key"));
  return {
    iterationCount,
    salt: toBase64(salt),
    storedKey: toBase64(storedKey),
    serverKey: toBase64(serverKey),
  };
}

/** A SCRAM protocol violation (mongod answers these with BadValue / ProtocolError-like errors). */
export class ScramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScramError";
  }
}

/** The parsed client-first message. */
export interface ClientFirst {
  readonly gs2Header: string;
  readonly bare: string;
  readonly user: string;
  readonly nonce: string;
}

/** Decodes a SCRAM saslname (`=2C` → `,`, `=3D` → `=`); other `=` escapes are refused. */
function decodeSaslName(s: string): string {
  if (/=(?!2C|3D)/.test(s)) throw new ScramError("Invalid SCRAM username encoding");
  return s.replaceAll("=2C", ",").replaceAll("=3D", "=");
}

function attributes(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(",")) {
    const eq = part.indexOf("=");
    if (eq !== 1) throw new ScramError(`Incorrect SCRAM attribute: ${part.slice(0, 8)}`);
    out.set(part[0]!, part.slice(2));
  }
  return out;
}

export function parseClientFirst(msg: string): ClientFirst {
  const m = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/s.exec(msg);
  if (!m) throw new ScramError("Incorrect number of arguments for first SCRAM client message");
  if (m[1]!.startsWith("p")) throw new ScramError("Server does not support channel binding");
  if (m[2]) throw new ScramError("Authorization identity is not supported");
  const bare = m[3]!;
  const attrs = attributes(bare);
  const user = attrs.get("n");
  const nonce = attrs.get("r");
  if (user === undefined || nonce === undefined || nonce.length === 0) {
    throw new ScramError("Invalid SCRAM client first message");
  }
  return { gs2Header: `${m[1]},${m[2] ?? ""},`, bare, user: decodeSaslName(user), nonce };
}

/** One server-side SCRAM conversation (one per saslStart). */
export class ScramServer {
  readonly mech: ScramMechanism;
  readonly first: ClientFirst;
  readonly #cred: ScramCredential;
  readonly #nonce: string;
  #serverFirst = "";
  #done = false;

  /** `serverNonce` is for tests (the RFC vectors); by default 24 random bytes. */
  constructor(mech: ScramMechanism, first: ClientFirst, cred: ScramCredential, serverNonce?: string) {
    this.mech = mech;
    this.first = first;
    this.#cred = cred;
    this.#nonce = first.nonce + (serverNonce ?? toBase64(crypto.getRandomValues(new Uint8Array(24))));
  }

  serverFirst(): string {
    this.#serverFirst = `r=${this.#nonce},s=${this.#cred.salt},i=${this.#cred.iterationCount}`;
    return this.#serverFirst;
  }

  /** Checks the client-final message; returns the server-final message, or null for a bad proof. */
  async clientFinal(msg: string): Promise<string | null> {
    if (this.#done) throw new ScramError("SCRAM conversation already finished");
    this.#done = true;
    const f = FACTS[this.mech];
    const attrs = attributes(msg);
    const proofAt = msg.lastIndexOf(",p=");
    const channel = attrs.get("c");
    const nonce = attrs.get("r");
    const proofB64 = attrs.get("p");
    if (channel === undefined || nonce === undefined || proofB64 === undefined || proofAt < 0) {
      throw new ScramError("Incorrect number of arguments for final SCRAM client message");
    }
    if (channel !== toBase64(enc.encode(this.first.gs2Header))) {
      throw new ScramError("Unmatched SCRAM channel binding");
    }
    if (nonce !== this.#nonce) throw new ScramError("Unmatched SCRAM nonce received from client");
    const withoutProof = msg.slice(0, proofAt);
    const authMessage = enc.encode(`${this.first.bare},${this.#serverFirst},${withoutProof}`);
    const storedKey = fromBase64(this.#cred.storedKey);
    const proof = fromBase64(proofB64);
    const clientSignature = await hmac(f.hash, storedKey, authMessage);
    if (proof.length !== clientSignature.length) return null;
    const clientKey = proof.map((b, i) => b ^ clientSignature[i]!);
    const candidate = await digest(f.hash, clientKey);
    if (candidate.length !== storedKey.length || !nodeCrypto().timingSafeEqual(candidate, storedKey)) {
      return null;
    }
    const serverSignature = await hmac(f.hash, fromBase64(this.#cred.serverKey), authMessage);
    return `v=${toBase64(serverSignature)}`;
  }
}

/**
 * A stand-in credential for a user that does not exist: the salt is stable per name (derived from a
 * per-process secret), so two attempts for the same unknown name look like one real user, and the
 * keys are random, so no proof matches. The conversation does the same work as for a real user.
 */
export async function decoyCredential(
  mech: ScramMechanism,
  secret: Uint8Array,
  name: string,
  iterationCount: number,
): Promise<ScramCredential> {
  const f = FACTS[mech];
  const salt = (await hmac("SHA-256", secret, enc.encode(`${mech}\0${name}`))).slice(0, f.saltBytes);
  return {
    iterationCount,
    salt: toBase64(salt),
    storedKey: toBase64(crypto.getRandomValues(new Uint8Array(f.bytes))),
    serverKey: toBase64(crypto.getRandomValues(new Uint8Array(f.bytes))),
  };
}
