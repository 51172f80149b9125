/**
 * The admin HTTP server's routes without a database: the gate, the login exchange, logout, static
 * assets and the CSRF rule (the database-backed pages are covered by tests/integration/admin_browser_test.ts).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { startAdmin } from "./server.ts";

const TOKEN = "0123456789abcdef0123";

Deno.test({
  name: "admin server: /healthz open, 401 without the token, login exchange, cookie session, CSRF, logout",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Nothing listens on port 1: no route here reaches the database.
    const admin = await startAdmin({ uri: "mongodb://127.0.0.1:1/", port: 0, token: TOKEN });
    const base = admin.url;
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${base}${path}`, { redirect: "manual", ...init });
      const text = await res.text();
      return { status: res.status, text, headers: res.headers };
    };
    try {
      assertEquals((await call("healthz")).text, "ok\n");
      for (const path of ["", "index.html", "static/app.js", "vendor/uplot.js", "api/info", "nowhere"]) {
        assertEquals((await call(path)).status, 401, path);
      }
      const loginPage = await call("login");
      assertEquals(loginPage.status, 401);
      ok(loginPage.text.includes('name="token"'));
      assertEquals((await call("login?token=wrong")).status, 401);
      const badForm = await call("login", { method: "POST", body: new URLSearchParams({ token: "wrong" }) });
      assertEquals(badForm.status, 401);

      const viaHeader = await call("api/info", { headers: { authorization: `Bearer ${TOKEN}` } });
      assertEquals(viaHeader.status, 200);
      assertEquals(JSON.parse(viaHeader.text).uri, "mongodb://127.0.0.1:1/");

      const login = await call("login", { method: "POST", body: new URLSearchParams({ token: TOKEN }) });
      assertEquals(login.status, 303);
      assertEquals(login.headers.get("location"), "/");
      const setCookie = login.headers.get("set-cookie") ?? "";
      ok(/HttpOnly/.test(setCookie) && /SameSite=Strict/.test(setCookie));
      ok(!setCookie.includes(TOKEN), "the cookie holds a session id, not the token");
      const cookie = setCookie.split(";")[0]!;

      const index = await call("", { headers: { cookie } });
      assertEquals(index.status, 200);
      ok(index.text.includes("/static/app.js"));
      const uplot = await call("vendor/uplot.js", { headers: { cookie } });
      assertEquals(uplot.status, 200);
      ok(uplot.text.includes("uPlot"));
      assertEquals((await call("static/app.js", { headers: { cookie } })).status, 200);
      assertEquals((await call("static/../server.ts", { headers: { cookie } })).status, 404);
      assertEquals((await call("api/nothing", { headers: { cookie } })).status, 404);

      const body = JSON.stringify({ db: "test", command: { ping: 1 } });
      assertEquals((await call("api/command", { method: "POST", headers: { cookie }, body })).status, 403);
      const badBody = await call("api/command", {
        method: "POST",
        headers: { cookie, "x-secantus-admin": "1" },
        body: "[1]",
      });
      assertEquals(badBody.status, 400);

      const exchange = await call(`login?token=${TOKEN}`);
      assertEquals(exchange.status, 303);

      const out = await call("logout", { method: "POST", headers: { cookie, "x-secantus-admin": "1" } });
      assertEquals(out.status, 303);
      assertEquals((await call("", { headers: { cookie } })).status, 401, "the session is gone");
    } finally {
      await admin.stop();
    }
  },
});
