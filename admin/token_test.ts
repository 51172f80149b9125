import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import {
  generateToken,
  parseCookies,
  readTokenFile,
  Sessions,
  TokenFileError,
  tokensEqual,
} from "./token.ts";

Deno.test("generated tokens are 64 hex characters and differ", () => {
  const a = generateToken();
  ok(/^[0-9a-f]{64}$/.test(a));
  ok(a !== generateToken());
});

Deno.test("tokensEqual compares whole strings", () => {
  ok(tokensEqual("abcdef", "abcdef"));
  ok(!tokensEqual("abcdeg", "abcdef"));
  ok(!tokensEqual("abcde", "abcdef"));
  ok(!tokensEqual("abcdefg", "abcdef"));
  ok(!tokensEqual("", "abcdef"));
});

Deno.test("token files: 0600 read and trimmed; group/other access, empty or short refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "token");
    await Deno.writeTextFile(path, "  0123456789abcdef0123\n", { mode: 0o600 });
    await Deno.chmod(path, 0o600);
    assertEquals(await readTokenFile(path), "0123456789abcdef0123");
    await Deno.chmod(path, 0o644);
    await rejects(readTokenFile(path), (e) => e instanceof TokenFileError && /chmod 600/.test(e.message));
    await Deno.chmod(path, 0o600);
    await Deno.writeTextFile(path, "short");
    await rejects(readTokenFile(path), TokenFileError);
    await rejects(readTokenFile(join(dir, "missing")), TokenFileError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cookies parse; sessions open, match and close; the cookie is HttpOnly SameSite=Strict", () => {
  assertEquals([...parseCookies("a=1; secantus_admin=xyz;b")], [["a", "1"], ["secantus_admin", "xyz"]]);
  assertEquals(parseCookies(null).size, 0);
  const s = new Sessions();
  const id = s.open();
  ok(s.has(id));
  ok(!s.has("other"));
  ok(!s.has(undefined));
  s.close(id);
  ok(!s.has(id));
  assertEquals(Sessions.cookie("abc"), "secantus_admin=abc; Path=/; HttpOnly; SameSite=Strict");
  ok(Sessions.cookie("").includes("Max-Age=0"));
});
