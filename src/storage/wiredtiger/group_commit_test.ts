/** Group commit: sync commits return at once and share one log flush per event-loop turn. */

import { assertEquals, doc, idKeys, open, withTempDirAsync } from "./test_util.ts";

Deno.test("group commit: concurrent sync commits share one flush; whenDurable waits for it", async () => {
  await withTempDirAsync(async (dir) => {
    const engine = open(dir);
    try {
      const coll = engine.catalog.createCollection("g", "c");
      assertEquals(engine.syncTicket, 0);
      await engine.whenDurable(); // nothing pending: resolves at once
      const flushes = engine.groupFlushes;
      for (let i = 0; i < 10; i++) engine.write((t) => t.insert(coll, doc(i), idKeys(i)), { sync: true });
      engine.write((t) => t.insert(coll, doc(99), idKeys(99))); // not synced: no ticket
      assertEquals(engine.syncTicket, 10);
      await Promise.all([engine.whenDurable(3), engine.whenDurable(), engine.whenDurable(10)]);
      assertEquals(engine.groupFlushes, flushes + 1);
      engine.write((t) => t.insert(coll, doc(11), idKeys(11)), { syncNow: true }); // its own fsync
      assertEquals(engine.syncTicket, 10);
      engine.write((t) => t.insert(coll, doc(12), idKeys(12)), { sync: true });
      const waiting = engine.whenDurable();
      engine.close(); // a clean close checkpoints: waiters are released
      await waiting;
    } finally {
      engine.close();
    }
  });
});
