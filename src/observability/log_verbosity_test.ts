import assert from "node:assert/strict";
import { LogVerbosity, verbosityChanges } from "./log_verbosity.ts";
import { createLogger } from "./log.ts";
import { thrownCommandError } from "../errors/assert_command_error.ts";

const quiet = () => createLogger("INFO", { sink: () => {} });

Deno.test("log verbosity: the global one is the logger's level; components are kept and reported as set", () => {
  const log = quiet();
  const v = new LogVerbosity(log);
  const d0 = v.toDocument();
  assert.equal(d0["verbosity"], 0);
  assert.deepEqual(d0["storage"], { verbosity: -1, recovery: { verbosity: -1 }, journal: { verbosity: -1 } });
  v.set({ verbosity: 2 }); // db.setLogLevel(2)
  assert.equal(log.level, "DEBUG");
  assert.equal(v.global, 2);
  v.set({ storage: { journal: { verbosity: 3 } }, query: 1 }); // db.setLogLevel(3, "storage.journal")
  const d = v.toDocument();
  assert.deepEqual(d["storage"], { verbosity: -1, recovery: { verbosity: -1 }, journal: { verbosity: 3 } });
  assert.deepEqual(d["query"], { verbosity: 1 });
  assert.equal(d["verbosity"], 2, "a component leaves the global verbosity alone");
  v.set({ query: { verbosity: -1 } });
  assert.deepEqual(v.toDocument()["query"], { verbosity: -1 });
  v.setGlobal(0);
  assert.equal(log.level, "INFO");
  assert.equal(v.global, 0);
  // the logger changed elsewhere (a SIGHUP re-read of log_level): reported as it is
  log.setLevel("DEBUG");
  assert.equal(v.global, 1);
});

Deno.test("log verbosity: unknown components and bad values are refused whole; a negative global verbosity clears it to 0", () => {
  assert.equal(thrownCommandError(() => verbosityChanges({ nosuch: 1 })).code, 2);
  assert.equal(thrownCommandError(() => verbosityChanges({ storage: { wiredTiger: 1 } })).code, 2);
  assert.equal(thrownCommandError(() => verbosityChanges({ network: { asio: { x: 1 } } })).code, 2);
  assert.equal(thrownCommandError(() => verbosityChanges({ verbosity: "2" })).code, 14);
  assert.equal(thrownCommandError(() => verbosityChanges({ verbosity: 1.5 })).code, 14);
  assert.equal(thrownCommandError(() => verbosityChanges(3)).code, 14);
  const log = quiet();
  const v = new LogVerbosity(log);
  assert.throws(() => v.set({ verbosity: 1, nosuch: 1 }));
  assert.equal(log.level, "INFO", "nothing applied");
  // jstests set_param1.js: {verbosity: -1} clears the default verbosity (0), as a component's -1 clears it
  v.set({ verbosity: 2 });
  assert.equal(v.global, 2);
  v.set({ verbosity: -1 });
  assert.equal(v.global, 0);
  assert.deepEqual(verbosityChanges({ network: { asio: 2, verbosity: 1 } }), [["network.asio", 2], [
    "network",
    1,
  ]]);
});
