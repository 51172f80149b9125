/**
 * {@link Transport} over a `Deno.Conn` (plain TCP, TLS, or any `Deno.Listener`'s sockets): reads through
 * a {@link FrameReader} (framing, size limits, the shared byte budget), writes with `conn.write`.
 */
import { FrameReader } from "./frame_reader.ts";
import type { ByteBudget } from "./byte_budget.ts";
import type { Transport } from "./transport.ts";

export function formatAddress(addr: Deno.Addr): string {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return addr.hostname.includes(":") ? `[${addr.hostname}]:${addr.port}` : `${addr.hostname}:${addr.port}`;
  }
  return "path" in addr ? `${addr.transport}:${addr.path}` : String(addr.transport);
}

export class DenoTransport implements Transport {
  readonly remoteAddress: string;
  readonly localAddress: string | undefined;
  readonly peerSubject: string | undefined;
  readonly #reader: FrameReader;

  constructor(private readonly conn: Deno.Conn, messageBudget?: ByteBudget) {
    this.#reader = new FrameReader(conn, undefined, messageBudget);
    let remote = "unknown";
    let local: string | undefined;
    try {
      remote = formatAddress(conn.remoteAddr);
      local = formatAddress(conn.localAddr);
    } catch { /* address unavailable */ }
    this.remoteAddress = remote;
    this.localAddress = local;
    // A TLS connection (tls.ts) carries the verified client certificate's subject.
    this.peerSubject = (conn as { peerSubject?: string }).peerSubject;
  }

  next(): Promise<Uint8Array | null> {
    return this.#reader.next();
  }

  release(): void {
    this.#reader.release();
  }

  write(bytes: Uint8Array): Promise<number> {
    return this.conn.write(bytes);
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  peerGone(): boolean {
    return this.#reader.peerGone();
  }

  get pending(): number {
    return this.#reader.pending;
  }

  get midMessage(): boolean {
    return this.#reader.midMessage;
  }

  get waitingForBudget(): boolean {
    return this.#reader.waitingForBudget;
  }

  hoggingBudget(now: number): boolean {
    return this.#reader.hoggingBudget(now);
  }
}
