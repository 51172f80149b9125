import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CommandError } from "../errors/command_error.ts";
import { type CommandFacts, FailPoints, parseFailPointMode } from "./fail_points.ts";

function assertThrows(fn: () => unknown, _t: typeof CommandError): CommandError {
  try {
    fn();
  } catch (e) {
    ok(e instanceof CommandError, String(e));
    return e;
  }
  throw new Error("expected a CommandError");
}

const facts = (names: string[], appName?: string, namespace?: string): CommandFacts => ({
  names,
  appName,
  namespace,
});

Deno.test("failCommand matches a command through any of its aliases", () => {
  const fp = new FailPoints();
  fp.configure("failCommand", { kind: "alwaysOn" }, { failCommands: ["isMaster"], errorCode: 91 });
  assertEquals(fp.check(facts(["hello", "isMaster", "ismaster"]))?.data.errorCode, 91);
  assertEquals(fp.check(facts(["find"])), undefined);
});

Deno.test("failCommand without failCommands fails nothing unless failAllCommands is set", () => {
  const fp = new FailPoints();
  fp.configure("failCommand", { kind: "alwaysOn" }, { errorCode: 2 });
  assertEquals(fp.check(facts(["find"])), undefined);
  fp.configure("failCommand", { kind: "alwaysOn" }, { errorCode: 2, failAllCommands: true });
  assertEquals(fp.check(facts(["find"]))?.data.errorCode, 2);
});

Deno.test("failCommand never fails configureFailPoint itself", () => {
  const fp = new FailPoints();
  fp.configure("failCommand", { kind: "alwaysOn" }, { failAllCommands: true, errorCode: 2 });
  assertEquals(fp.check(facts(["configureFailPoint"])), undefined);
});

Deno.test("failCommand honours appName and namespace filters", () => {
  const fp = new FailPoints();
  fp.configure("failCommand", { kind: "alwaysOn" }, {
    failCommands: ["find"],
    errorCode: 2,
    appName: "app",
    namespace: "db.c",
  });
  assertEquals(fp.check(facts(["find"], "other", "db.c")), undefined);
  assertEquals(fp.check(facts(["find"], "app", "db.d")), undefined);
  assertEquals(fp.check(facts(["find"], "app", "db.c"))?.data.errorCode, 2);
});

Deno.test("failCommand with nothing to do is not entered and keeps its activations", () => {
  const fp = new FailPoints();
  fp.configure("failCommand", { kind: "times", n: 1 }, { failCommands: ["find"] });
  assertEquals(fp.check(facts(["find"])), undefined);
  assertEquals(fp.timesEntered("failCommand"), 0);
});

Deno.test("times mode fires n times and configure reports the times entered", () => {
  const fp = new FailPoints();
  fp.configure("failCommand", { kind: "times", n: 2 }, { failCommands: ["ping"], errorCode: 8 });
  assertEquals(fp.check(facts(["ping"])) !== undefined, true);
  assertEquals(fp.check(facts(["ping"])) !== undefined, true);
  assertEquals(fp.check(facts(["ping"])), undefined);
  assertEquals(fp.configure("failCommand", { kind: "off" }), 2);
});

Deno.test("skip mode lets the first n through", () => {
  const fp = new FailPoints();
  fp.configure("failCommand", { kind: "skip", n: 1 }, { failCommands: ["ping"], errorCode: 8 });
  assertEquals(fp.check(facts(["ping"])), undefined);
  assertEquals(fp.check(facts(["ping"]))?.data.errorCode, 8);
});

Deno.test("an unknown fail point name is 266 FailPointSetFailed, as on mongod", () => {
  const e = assertThrows(() => new FailPoints().configure("nope", { kind: "alwaysOn" }), CommandError);
  assertEquals([e.code, e.message], [266, "nope not found"]);
});

Deno.test("maxTimeAlwaysTimeOut fires per its mode", () => {
  const fp = new FailPoints();
  assertEquals(fp.maxTimeAlwaysTimeOut(), false);
  fp.configure("maxTimeAlwaysTimeOut", { kind: "times", n: 1 });
  assertEquals(fp.maxTimeAlwaysTimeOut(), true);
  assertEquals(fp.maxTimeAlwaysTimeOut(), false);
});

Deno.test("failGetMoreAfterCursorCheckout gives its errorCode, InternalError by default, and filters", () => {
  const fp = new FailPoints();
  fp.configure("failGetMoreAfterCursorCheckout", { kind: "alwaysOn" }, { errorCode: 280 });
  assertEquals(fp.getMoreAfterCursorCheckout(undefined, "db.c"), 280);
  fp.configure("failGetMoreAfterCursorCheckout", { kind: "alwaysOn" }, { namespace: "db.d" });
  assertEquals(fp.getMoreAfterCursorCheckout(undefined, "db.c"), undefined);
  assertEquals(fp.getMoreAfterCursorCheckout(undefined, "db.d"), 1);
});

Deno.test("onPrimaryTransactionalWrite closes the connection by default and carries failBeforeCommit", () => {
  const fp = new FailPoints();
  assertEquals(fp.checkTxnWrite(), undefined);
  fp.configure("onPrimaryTransactionalWrite", { kind: "times", n: 1 }, {});
  assertEquals(fp.checkTxnWrite(), { closeConnection: true });
  assertEquals(fp.checkTxnWrite(), undefined);
  fp.configure("onPrimaryTransactionalWrite", { kind: "alwaysOn" }, {
    closeConnection: false,
    failBeforeCommitExceptionCode: 1,
  });
  assertEquals(fp.checkTxnWrite(), { closeConnection: false, failBeforeCommitExceptionCode: 1 });
});

Deno.test("onPrimaryTransactionalWrite counts write units: skip 3 lets three documents through", () => {
  const fp = new FailPoints();
  fp.configure("onPrimaryTransactionalWrite", { kind: "skip", n: 3 }, { failBeforeCommitExceptionCode: 1 });
  assertEquals(fp.checkTxnWrite(3), undefined);
  assertEquals(fp.checkTxnWrite(1), { closeConnection: true, failBeforeCommitExceptionCode: 1 });
  fp.configure("onPrimaryTransactionalWrite", { kind: "times", n: 1 }, {});
  assertEquals(fp.checkTxnWrite(5), { closeConnection: true });
  assertEquals(fp.checkTxnWrite(5), undefined);
});

Deno.test("parseFailPointMode reads mongod's modes and refuses others", () => {
  assertEquals(parseFailPointMode("off"), { kind: "off" });
  assertEquals(parseFailPointMode({ times: 3 }), { kind: "times", n: 3 });
  assertEquals(parseFailPointMode({ skip: 1 }), { kind: "skip", n: 1 });
  assertEquals(parseFailPointMode({ activationProbability: 0.5 }), { kind: "probability", p: 0.5 });
  assertThrows(() => parseFailPointMode("sometimes"), CommandError);
  assertThrows(() => parseFailPointMode({ activationProbability: 2 }), CommandError);
});
