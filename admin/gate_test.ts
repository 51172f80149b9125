import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { authenticate, csrfSafe, hostAllowed } from "./gate.ts";
import { Sessions } from "./token.ts";

const TOKEN = "0123456789abcdef0123";
const req = (method: string, headers: Record<string, string> = {}) =>
  new Request("http://127.0.0.1:8081/api/x", { method, headers });

Deno.test("authenticate: bearer or X-Admin-Token header, or a known session cookie", () => {
  const s = new Sessions();
  const id = s.open();
  assertEquals(authenticate(req("GET", { authorization: `Bearer ${TOKEN}` }), TOKEN, s), "header");
  assertEquals(authenticate(req("GET", { "x-admin-token": TOKEN }), TOKEN, s), "header");
  assertEquals(authenticate(req("GET", { cookie: `secantus_admin=${id}` }), TOKEN, s), "cookie");
  assertEquals(authenticate(req("GET", { authorization: "Bearer nope" }), TOKEN, s), null);
  assertEquals(authenticate(req("GET", { cookie: "secantus_admin=forged" }), TOKEN, s), null);
  assertEquals(authenticate(req("GET", { cookie: `other=${id}` }), TOKEN, s), null);
  assertEquals(authenticate(req("GET"), TOKEN, s), null);
});

Deno.test("csrfSafe: reads pass; cookie writes need the custom header and a matching Origin", () => {
  assertEquals(csrfSafe(req("GET"), "cookie"), true);
  assertEquals(csrfSafe(req("POST"), "header"), true);
  assertEquals(csrfSafe(req("POST"), "cookie"), false);
  assertEquals(csrfSafe(req("POST", { "x-secantus-admin": "1" }), "cookie"), true);
  assertEquals(
    csrfSafe(
      req("POST", { "x-secantus-admin": "1", origin: "http://127.0.0.1:8081", host: "127.0.0.1:8081" }),
      "cookie",
    ),
    true,
  );
  assertEquals(
    csrfSafe(
      req("POST", { "x-secantus-admin": "1", origin: "http://evil.example", host: "127.0.0.1:8081" }),
      "cookie",
    ),
    false,
  );
});

Deno.test("hostAllowed: a loopback dashboard answers only loopback Host names (DNS rebinding)", () => {
  const withHost = (host: string) => req("GET", { host });
  assertEquals(hostAllowed(withHost("127.0.0.1:8081"), "127.0.0.1"), true);
  assertEquals(hostAllowed(withHost("localhost:8081"), "127.0.0.1"), true);
  assertEquals(hostAllowed(withHost("[::1]:8081"), "127.0.0.1"), true);
  assertEquals(hostAllowed(withHost("evil.example:8081"), "127.0.0.1"), false);
  assertEquals(hostAllowed(withHost("evil.example"), "0.0.0.0"), true);
});
