/**
 * Native TLS for the listener: every accepted socket completes a TLS handshake before any wire
 * byte is read (a plain client fails the handshake and is closed). Built on `node:tls` because
 * `Deno.listenTls` cannot ask for client certificates (see shared/design/PLATFORM_NOTES.md); the
 * sockets are adapted to the `Deno.Conn` subset the connection loop uses (read/write/close with
 * backpressure both ways).
 *
 * mTLS (`ca_file`): the server asks for a client certificate and verifies it itself — chain to a CA
 * of `ca_file` (signature and issuer), validity dates, and, when the certificate has an extended
 * key usage, that it allows client authentication — before the connection is handed on; a foreign,
 * expired or (with `require_client_cert`) missing certificate closes the socket. The verified
 * subject, in RFC 2253 form, is what MONGODB-X509 authenticates as.
 *
 * Certificates and keys are checked at start-up (`loadTlsMaterial`: files readable, PEM parses, the
 * key matches the certificate) and can be swapped on a running listener (`reload`, SIGHUP): new
 * handshakes use the new material, live connections are untouched.
 */
import * as tls from "node:tls";
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { LogFn } from "./types.ts";

export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string | undefined;
  readonly requireClientCert: boolean;
}

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca: string | undefined;
  readonly caCerts: readonly X509Certificate[];
}

/** A TLS configuration that cannot work (the composition root turns it into exit code 2). */
export class TlsSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TlsSetupError";
  }
}

function readFile(what: string, path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : e instanceof Error
      ? e.message
      : String(e);
    throw new TlsSetupError(`[tls] ${what} "${path}": cannot read it (${why})`);
  }
}

/** The PEM certificates in `text`, in order. */
export function pemCertificates(text: string, what: string, path: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new TlsSetupError(`[tls] ${what} "${path}": no PEM certificate in it`);
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch {
      throw new TlsSetupError(`[tls] ${what} "${path}": a certificate in it does not parse`);
    }
  });
}

/** Reads and checks the configured files (exit 2 material: every message names the file). */
export function loadTlsMaterial(s: TlsSettings): TlsMaterial {
  const cert = readFile("cert_file", s.certFile);
  const key = readFile("key_file", s.keyFile);
  const chain = pemCertificates(cert, "cert_file", s.certFile);
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new TlsSetupError(
      `[tls] key_file "${s.keyFile}": not a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted)`,
    );
  }
  if (!chain[0]!.checkPrivateKey(privateKey)) {
    throw new TlsSetupError(
      `[tls] key_file "${s.keyFile}" does not match the certificate in cert_file "${s.certFile}"`,
    );
  }
  let ca: string | undefined;
  let caCerts: X509Certificate[] = [];
  if (s.caFile !== undefined) {
    ca = readFile("ca_file", s.caFile);
    caCerts = pemCertificates(ca, "ca_file", s.caFile);
  }
  return { cert, key, ca, caCerts };
}

/** mongod's RFC 2253 subject: the RDNs most-specific first, comma-separated, specials escaped. */
export function rfc2253(subject: string): string {
  return subject.split("\n").filter((l) => l !== "").reverse().map((rdn) => {
    const eq = rdn.indexOf("=");
    if (eq < 0) return rdn;
    const value = rdn.slice(eq + 1).replace(/[,+"\\<>;]/g, (c) => `\\${c}`);
    return `${rdn.slice(0, eq)}=${value}`;
  }).join(",");
}

const EKU_OID = new Uint8Array([0x06, 0x03, 0x55, 0x1d, 0x25]);
const CLIENT_AUTH_OID = new Uint8Array([0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02]);
const ANY_EKU_OID = new Uint8Array([0x06, 0x04, 0x55, 0x1d, 0x25, 0x00]);

function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Whether an extended-key-usage extension, if present, allows TLS client authentication. The
 * platform exposes no parsed EKU, so this looks for the extension's OID in the DER and then for
 * clientAuth or anyExtendedKeyUsage after it.
 */
export function allowsClientAuth(der: Uint8Array): boolean {
  const at = indexOfBytes(der, EKU_OID);
  if (at < 0) return true;
  return indexOfBytes(der, CLIENT_AUTH_OID, at) >= 0 || indexOfBytes(der, ANY_EKU_OID) >= 0;
}

export type PeerVerdict = { ok: true; subject: string } | { ok: false; reason: string };

/** Verifies a client certificate chain (leaf first) against the configured CAs at `now`. */
export function verifyClientCertificate(
  chain: readonly X509Certificate[],
  cas: readonly X509Certificate[],
  now: Date,
): PeerVerdict {
  const leaf = chain[0];
  if (!leaf) return { ok: false, reason: "no client certificate" };
  for (const c of chain) {
    if (now < new Date(c.validFrom)) return { ok: false, reason: "certificate not yet valid" };
    if (now > new Date(c.validTo)) return { ok: false, reason: "certificate expired" };
  }
  if (!allowsClientAuth(new Uint8Array(leaf.raw))) {
    return { ok: false, reason: "certificate's extended key usage does not allow client authentication" };
  }
  // Walk up: each link must be issued and signed by the next; the last must be issued by a CA.
  let cur = leaf;
  for (let depth = 0; depth < 10; depth++) {
    const ca = cas.find((a) => cur.checkIssued(a) && cur.verify(a.publicKey));
    if (ca) return { ok: true, subject: rfc2253(leaf.subject) };
    const next = chain.find((c) => c !== cur && c.ca && cur.checkIssued(c) && cur.verify(c.publicKey));
    if (!next) break;
    cur = next;
  }
  return { ok: false, reason: "certificate not signed by a CA of ca_file" };
}

/** The chain a peer presented, leaf first (node's issuerCertificate links; self-loop ends it). */
function peerChain(sock: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let c = sock.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(new X509Certificate(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

const HIGH_WATER = 256 * 1024;

/** A node TLS socket as the `Deno.Conn` subset the connection loop uses. */
export class TlsSocketConn {
  readonly remoteAddr: Deno.NetAddr;
  readonly localAddr: Deno.NetAddr;
  /** The verified client certificate's subject (RFC 2253), when one was presented. */
  readonly peerSubject: string | undefined;
  readonly #sock: tls.TLSSocket;
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(sock: tls.TLSSocket, peerSubject: string | undefined) {
    this.#sock = sock;
    this.peerSubject = peerSubject;
    this.remoteAddr = {
      transport: "tcp",
      hostname: sock.remoteAddress ?? "unknown",
      port: sock.remotePort ?? 0,
    };
    this.localAddr = {
      transport: "tcp",
      hostname: sock.localAddress ?? "unknown",
      port: sock.localPort ?? 0,
    };
    sock.on("data", (d: Uint8Array) => {
      this.#chunks.push(d);
      this.#buffered += d.length;
      if (this.#buffered > HIGH_WATER) sock.pause();
      this.#notify();
    });
    sock.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    sock.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
    sock.on("error", (e: Error) => {
      this.#error = e;
      this.#notify();
    });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async read(p: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error) throw new Deno.errors.ConnectionReset(this.#error.message);
      if (this.#ended) return null;
      await new Promise<void>((r) => this.#wake = r);
    }
    let n = 0;
    while (n < p.length && this.#chunks.length > 0) {
      const c = this.#chunks[0]!;
      const take = Math.min(c.length, p.length - n);
      p.set(c.subarray(0, take), n);
      n += take;
      if (take === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(take);
    }
    this.#buffered -= n;
    if (this.#buffered <= HIGH_WATER / 2 && this.#sock.isPaused()) this.#sock.resume();
    return n;
  }

  write(p: Uint8Array): Promise<number> {
    if (this.#error || this.#sock.destroyed) {
      return Promise.reject(new Deno.errors.BrokenPipe(this.#error?.message ?? "socket closed"));
    }
    return new Promise((resolve, reject) => {
      const copy = p.slice();
      const flushed = this.#sock.write(copy, (err) => {
        if (err) reject(new Deno.errors.BrokenPipe(err.message));
      });
      if (flushed) resolve(p.length);
      else this.#sock.once("drain", () => resolve(p.length));
    });
  }

  close(): void {
    this.#sock.destroy();
  }

  setNoDelay(on = true): void {
    this.#sock.setNoDelay(on);
  }

  setKeepAlive(on = true): void {
    this.#sock.setKeepAlive(on);
  }
}

export interface TlsListenOptions {
  readonly hostname: string;
  readonly port: number;
  readonly material: TlsMaterial;
  /** Ask for client certificates (ca_file set). */
  readonly verifyClients: boolean;
  /** Refuse clients without a certificate. */
  readonly requireClientCert: boolean;
  readonly log: LogFn;
  /** Bound on the TLS handshake (slow or silent clients). Default 10 s. */
  readonly handshakeTimeoutMs?: number;
}

/** A TLS listener with the `Deno.Listener` surface the accept loop uses, plus `reload`. */
export class TlsListener {
  readonly addr: Deno.NetAddr;
  readonly #server: tls.Server;
  readonly #opts: TlsListenOptions;
  #cas: readonly X509Certificate[];
  readonly #queue: TlsSocketConn[] = [];
  #waiter: { resolve: (c: TlsSocketConn) => void; reject: (e: Error) => void } | undefined;
  #closed = false;
  #lastHandshakeLog = -Infinity;
  #handshakeFailures = 0;

  private constructor(server: tls.Server, addr: Deno.NetAddr, opts: TlsListenOptions) {
    this.#server = server;
    this.addr = addr;
    this.#opts = opts;
    this.#cas = opts.material.caCerts;
  }

  static listen(opts: TlsListenOptions): Promise<TlsListener> {
    const server = tls.createServer({
      ...contextOptions(opts.material),
      requestCert: opts.verifyClients,
      // Verification is ours (verifyClientCertificate); see the module comment.
      rejectUnauthorized: false,
      handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port, opts.hostname, () => {
        server.off("error", reject);
        const a = server.address();
        const port = typeof a === "object" && a ? a.port : opts.port;
        const l = new TlsListener(server, { transport: "tcp", hostname: opts.hostname, port }, opts);
        server.on("secureConnection", (sock: tls.TLSSocket) => l.#onSecure(sock));
        server.on("tlsClientError", (e: Error, sock: tls.TLSSocket) => l.#onHandshakeError(e, sock));
        resolve(l);
      });
    });
  }

  #onSecure(sock: tls.TLSSocket): void {
    let subject: string | undefined;
    if (this.#opts.verifyClients) {
      const chain = peerChain(sock);
      if (chain.length === 0) {
        if (this.#opts.requireClientCert) return this.#refuse(sock, "no client certificate");
      } else {
        const v = verifyClientCertificate(chain, this.#cas, new Date());
        if (!v.ok) return this.#refuse(sock, v.reason);
        subject = v.subject;
      }
    }
    const conn = new TlsSocketConn(sock, subject);
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.resolve(conn);
    } else this.#queue.push(conn);
  }

  #refuse(sock: tls.TLSSocket, reason: string): void {
    this.#opts.log("WARNING", `TLS client ${sock.remoteAddress}:${sock.remotePort} refused: ${reason}`);
    sock.destroy();
  }

  #onHandshakeError(e: Error, sock: tls.TLSSocket): void {
    this.#handshakeFailures++;
    const now = performance.now();
    if (now - this.#lastHandshakeLog >= 10_000) {
      const more = this.#handshakeFailures > 1
        ? ` (${this.#handshakeFailures} since the last such message)`
        : "";
      this.#opts.log(
        "INFO",
        `TLS handshake failed from ${sock.remoteAddress ?? "?"}:${
          sock.remotePort ?? "?"
        }: ${e.message}${more}`,
      );
      this.#lastHandshakeLog = now;
      this.#handshakeFailures = 0;
    }
    sock.destroy();
  }

  accept(): Promise<TlsSocketConn> {
    const next = this.#queue.shift();
    if (next) return Promise.resolve(next);
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("listener closed"));
    return new Promise((resolve, reject) => this.#waiter = { resolve, reject });
  }

  /** New certificate/key/CA for new handshakes; live connections keep theirs. */
  reload(material: TlsMaterial): void {
    this.#server.setSecureContext(contextOptions(material));
    this.#cas = material.caCerts;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const c of this.#queue.splice(0)) c.close();
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.reject(new Deno.errors.BadResource("listener closed"));
  }
}

function contextOptions(m: TlsMaterial): tls.SecureContextOptions {
  return { cert: m.cert, key: m.key, ...(m.ca ? { ca: m.ca } : {}), minVersion: "TLSv1.2" };
}
