/**
 * Index builds in progress, per namespace (one server-wide instance, `ServerContext.indexBuilds`).
 * createIndexes registers its builds here, so that another createIndexes on the same collection
 * waits for them (the builds of one collection run one after another), and so that a multi-document
 * transaction waits before writing a collection whose index is being built: a transaction's writes
 * are invisible to the build's reads until it commits, so one that overlapped the build could leave
 * index entries of a document version that no longer exists (mongod's collection locks order the
 * two the same way).
 */
import type { OpControl } from "../observability/op_control.ts";
import { delay } from "../timers.ts";

/** How often a waiter looks again (and checks its deadline / killOp). */
const POLL_MS = 10;

export class IndexBuilds {
  readonly #active = new Map<string, number>();

  /** Registers a build of `ns` (`db.coll`); the returned function ends it (idempotent). */
  begin(ns: string): () => void {
    this.#active.set(ns, (this.#active.get(ns) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const n = (this.#active.get(ns) ?? 1) - 1;
      if (n <= 0) this.#active.delete(ns);
      else this.#active.set(ns, n);
    };
  }

  /** True while an index of `ns` is being built. */
  building(ns: string): boolean {
    return this.#active.has(ns);
  }

  /** Resolves once no index of `ns` is being built; throws 50 / 11601 through `ctl` while waiting. */
  async idle(ns: string, ctl: OpControl): Promise<void> {
    while (this.#active.has(ns)) {
      await delay(POLL_MS);
      ctl.check();
    }
  }

  /** Resolves once `busy()` is false, looking again every POLL_MS (a deadline / killOp ends it). */
  static async until(busy: () => boolean, ctl: OpControl): Promise<void> {
    while (busy()) {
      await delay(POLL_MS);
      ctl.check();
    }
  }
}
