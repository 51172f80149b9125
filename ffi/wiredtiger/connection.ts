/**
 * `Connection`: a WiredTiger connection (wiredtiger_open) and the sessions opened on it.
 * Closing the connection closes its sessions (and their cursors) first; close() is idempotent.
 */

import { cstr } from "./cstr.ts";
import { check } from "./errors.ts";
import { shim } from "./load.ts";
import { Session } from "./session.ts";

export class Connection {
  #ptr: Deno.PointerObject | null;
  readonly #sessions = new Set<Session>();
  readonly home: string;

  private constructor(ptr: Deno.PointerObject, home: string) {
    this.#ptr = ptr;
    this.home = home;
  }

  /** wiredtiger_open(home, config). The directory must exist. */
  static open(home: string, config: string): Connection {
    const meta = new BigInt64Array(1);
    check(shim().sct_conn_open(cstr(home), cstr(config), meta), `wiredtiger_open(${home})`);
    const ptr = Deno.UnsafePointer.create(meta[0]!);
    if (ptr === null) throw new Error("wiredtiger_open returned a null connection");
    return new Connection(ptr, home);
  }

  get closed(): boolean {
    return this.#ptr === null;
  }

  /** The raw WT_CONNECTION pointer (for diagnostics only). */
  get unsafePointer(): Deno.PointerObject {
    if (this.#ptr === null) throw new Error("connection is closed");
    return this.#ptr;
  }

  openSession(config?: string): Session {
    const ptr = this.unsafePointer;
    const meta = new BigInt64Array(1);
    check(shim().sct_session_open(ptr, cstr(config), meta), "open_session");
    const sp = Deno.UnsafePointer.create(meta[0]!);
    if (sp === null) throw new Error("open_session returned a null session");
    const s = new Session(sp, () => this.#sessions.delete(s));
    this.#sessions.add(s);
    return s;
  }

  /** WT_CONNECTION::set_timestamp, e.g. `oldest_timestamp=<hex>` (history older than it may go). */
  setTimestamp(config: string): void {
    check(shim().sct_conn_set_timestamp(this.unsafePointer, cstr(config)), "set_timestamp");
  }

  /** Close every session, then the connection (WT checkpoints on a clean close). Idempotent. */
  close(config?: string): void {
    const ptr = this.#ptr;
    if (ptr === null) return;
    for (const s of [...this.#sessions]) {
      try {
        s.close();
      } catch { /* the connection close below releases it anyway */ }
    }
    this.#ptr = null;
    check(shim().sct_conn_close(ptr, cstr(config)), "connection close");
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
