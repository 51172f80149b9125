/** Typed params of the handshake and info commands: what each accepts and refuses, before any work. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Binary } from "bson";
import { parseHello } from "./hello.ts";
import { parseGetParameter, serverParameters } from "./get_parameter.ts";
import { parseEndSessions } from "../sessions/end_sessions.ts";
import { parseGetLog } from "./get_log.ts";
import { parseConnectionStatus } from "./connection_status.ts";
import { parsePing } from "./ping.ts";
import { versionArray } from "./build_info.ts";
import { thrownCommandError } from "../../errors/assert_command_error.ts";

Deno.test("hello reads the handshake fields drivers send", () => {
  const p = parseHello({
    hello: 1,
    helloOk: true,
    client: { application: { name: "app" } },
    compression: [],
    loadBalanced: false,
    topologyVersion: { counter: 0 },
    maxAwaitTimeMS: 10000,
    $db: "admin",
  });
  assertEquals(p.helloOk, true);
  assertEquals(p.maxAwaitTimeMS, 10000);
  assertEquals(p.client, { application: { name: "app" } });
});

Deno.test("hello accepts fields newer drivers add and type-checks the ones it reads", () => {
  assertEquals(parseHello({ isMaster: 1, backpressure: true }), {});
  const e = thrownCommandError(() => parseHello({ hello: 1, helloOk: "yes" }));
  assertEquals([e.code, e.message], [
    14,
    "BSON field 'hello.helloOk' is the wrong type 'string', expected type 'bool'",
  ]);
});

Deno.test("hello refuses a negative maxAwaitTimeMS with 51024", () => {
  assertEquals(thrownCommandError(() => parseHello({ hello: 1, maxAwaitTimeMS: -1 })).code, 51024);
});

Deno.test("getParameter: '*' asks for all; other fields name parameters, generic ones do not", () => {
  assertEquals(parseGetParameter({ getParameter: "*" }), { all: true, names: [] });
  assertEquals(parseGetParameter({ getParameter: 1, enableTestCommands: 1, lsid: {}, $db: "admin" }), {
    all: false,
    names: ["enableTestCommands"],
  });
  assertEquals(parseGetParameter({ getParameter: { allParameters: true } }).all, true);
});

Deno.test("getParameter reports enableTestCommands as the boolean switch", () => {
  assertEquals(serverParameters({ testCommandsEnabled: true })["enableTestCommands"], true);
  assertEquals(serverParameters({ testCommandsEnabled: false })["enableTestCommands"], false);
});

Deno.test("endSessions takes an array of {id: UUID} and refuses anything else", () => {
  const id = new Binary(new Uint8Array(16), 4);
  assertEquals(parseEndSessions({ endSessions: [{ id }] }).sessions.length, 1);
  assertEquals(thrownCommandError(() => parseEndSessions({ endSessions: 1 })).code, 14);
  assertEquals(thrownCommandError(() => parseEndSessions({ endSessions: [{ id: "x" }] })).code, 14);
  assertEquals(thrownCommandError(() => parseEndSessions({ endSessions: [{ id, other: 1 }] })).code, 40415);
});

Deno.test("getLog wants a string", () => {
  assertEquals(parseGetLog({ getLog: "global" }), { log: "global" });
  assertEquals(thrownCommandError(() => parseGetLog({ getLog: 1 })).code, 14);
});

Deno.test("connectionStatus reads showPrivileges as a safeBool", () => {
  assertEquals(parseConnectionStatus({ connectionStatus: 1 }), { showPrivileges: false });
  assertEquals(parseConnectionStatus({ connectionStatus: 1, showPrivileges: 1 }), { showPrivileges: true });
});

Deno.test("ping accepts any field", () => {
  assertEquals(parsePing({ ping: 1, whatever: true }), {});
});

Deno.test("buildInfo's versionArray has four numbers", () => {
  assertEquals(versionArray("8.0"), [8, 0, 0, 0]);
});
