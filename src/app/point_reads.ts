/**
 * Wires the point reads the shim's I/O thread answers itself (src/commands/point_reads.ts,
 * ffi/wiredtiger/shim/io_fast.c): its own session of the storage engine's WiredTiger connection, the
 * command layer's hooks on the server context, the registrations dropped before each catalog change,
 * and a once-a-second drain and publish (sessions stay alive and switches follow memory pressure while
 * every request is answered there); updates and deletes by `_id` and inserts of one document there too
 * (the oplog's table, the cluster clock shared, the registrations dropped whenever the write hooks
 * change — a hook such as a capped copy's must see every write — the switch turned off while anyone
 * waits for the oplog). `SECANTUS_FAST_READS=0` keeps every request on the JS path,
 * `SECANTUS_FAST_WRITES=0` every write (A/B switches for benchmarks and tests).
 */
import type { ClientState, ServerContext } from "../commands/context.ts";
import { PointReads } from "../commands/point_reads.ts";
import type { RunningServer } from "../server/listener.ts";
import type { StorageEngine } from "../storage/api.ts";
import { unrefInterval } from "../timers.ts";

const TICK_MS = 1000;

function disabledByEnv(name: string): boolean {
  try {
    return Deno.env.get(name) === "0";
  } catch {
    return false; // no env permission
  }
}

/** Starts answering point reads on the I/O thread; undefined when the listener or engine cannot. */
export function attachPointReads(
  server: ServerContext,
  listener: RunningServer,
  storage: StorageEngine,
): { stop(): void; served(): number } | undefined {
  const native = storage.nativeReads;
  if (native === undefined || disabledByEnv("SECANTUS_FAST_READS")) return undefined;
  const fast = listener.attachFastReads(native.handle, native.logged);
  if (fast === undefined) return undefined;
  const reads = new PointReads(server, fast, native);
  const forgetChanges = native.onCatalogChange(() => reads.catalogChanging());
  // (a settle's exclusive hold of a table: the I/O thread closes its cursors on it meanwhile)
  const forgetHolds = native.onTableHold((uri, held) => fast.hold(uri, held));
  // with authentication on: a connection's grants go with a login or logout on it, everyone's with a
  // change of users or roles (point_reads.ts)
  const forgetUsers = server.auth.onUsersChanged((conn) => reads.usersChanged(conn as ClientState));
  const forgetRoles = server.auth.store.onInvalidate(() => reads.rolesChanged());
  let forgetWrites = () => {};
  const oplog = server.oplog;
  const oplogUri = oplog && native.internalTable(oplog.tables.entries);
  if (oplog && oplogUri && !disabledByEnv("SECANTUS_FAST_WRITES")) {
    const hooks = native.writeHooks();
    const retryTable = server.retryableWrites.table;
    const retryUri = retryTable && native.internalTable(retryTable);
    if (reads.enableWrites(oplogUri, () => native.writeHooks() === hooks, retryUri)) {
      server.clusterClock.share(fast);
      oplog.onWait(() => reads.publish());
      const forgetHooks = native.onWriteHooksChange(() => reads.writeHooksChanged());
      forgetWrites = () => {
        forgetHooks();
        oplog.onWait(undefined);
        server.clusterClock.share(undefined);
      };
    }
  }
  const forget = () => {
    forgetChanges();
    forgetHolds();
    forgetUsers();
    forgetRoles();
    forgetWrites();
  };
  server.pointReads = reads;
  const tick = unrefInterval(() => {
    reads.drain();
    reads.publish();
  }, TICK_MS);
  let stopped = false;
  return {
    served: () => reads.served(),
    stop() {
      if (stopped) return;
      stopped = true;
      tick.cancel();
      reads.stop(); // (before the clock stops being shared: no update is in flight after it)
      forget();
      server.pointReads = undefined;
    },
  };
}
