import assert from "node:assert/strict";
import {
  decoyCredential,
  deriveCredential,
  fromBase64,
  mongoPasswordDigest,
  parseClientFirst,
  ScramError,
  ScramServer,
} from "./scram.ts";

Deno.test("SCRAM-SHA-256 matches the RFC 7677 example exchange", async () => {
  const cred = await deriveCredential(
    "SCRAM-SHA-256",
    "user",
    "pencil",
    4096,
    fromBase64("W22ZaJ0SNY7soEsUEjb6gQ=="),
  );
  const first = parseClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  const server = new ScramServer("SCRAM-SHA-256", first, cred, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
  assert.equal(
    server.serverFirst(),
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  );
  const final = await server.clientFinal(
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
  );
  assert.equal(final, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
});

Deno.test("SCRAM: a wrong proof is refused; a replayed final message is an error", async () => {
  const cred = await deriveCredential(
    "SCRAM-SHA-256",
    "user",
    "pencil",
    4096,
    fromBase64("W22ZaJ0SNY7soEsUEjb6gQ=="),
  );
  const server = new ScramServer("SCRAM-SHA-256", parseClientFirst("n,,n=user,r=abc"), cred, "xyz");
  server.serverFirst();
  const bad = await server.clientFinal("c=biws,r=abcxyz,p=" + btoa("x".repeat(32)));
  assert.equal(bad, null);
  await assert.rejects(() => server.clientFinal("c=biws,r=abcxyz,p=AAAA"), ScramError);
});

Deno.test("SCRAM client-first parsing: escapes, channel binding and authzid", () => {
  assert.equal(parseClientFirst("n,,n=a=2Cb=3Dc,r=n1").user, "a,b=c");
  assert.throws(() => parseClientFirst("p=tls-unique,,n=a,r=x"), ScramError);
  assert.throws(() => parseClientFirst("n,a=other,n=a,r=x"), ScramError);
  assert.throws(() => parseClientFirst("garbage"), ScramError);
  assert.throws(() => parseClientFirst("n,,n=a=41,r=x"), ScramError);
});

Deno.test("MongoDB's SCRAM-SHA-1 password digest is hex MD5 of user:mongo:password", () => {
  // md5("user:mongo:pencil"), as the drivers compute it.
  assert.match(mongoPasswordDigest("user", "pencil"), /^[0-9a-f]{32}$/);
  assert.equal(mongoPasswordDigest("user", "pencil"), "1c33006ec1ffd90f9cadcbcc0e118200");
});

Deno.test("decoy credentials are stable per name and never accept a proof", async () => {
  const secret = new Uint8Array(32);
  const a = await decoyCredential("SCRAM-SHA-256", secret, "ghost", 15000);
  const b = await decoyCredential("SCRAM-SHA-256", secret, "ghost", 15000);
  assert.equal(a.salt, b.salt);
  assert.equal(fromBase64(a.salt).length, 28);
  assert.notEqual(a.storedKey, b.storedKey);
});

Deno.test("a predigested SCRAM-SHA-1 password (digestPassword: false) gives the same credential", async () => {
  const salt = fromBase64("W22ZaJ0SNY7soEsUEjb6gQ==");
  const plain = await deriveCredential("SCRAM-SHA-1", "user", "pencil", 4096, salt);
  const digested = await deriveCredential(
    "SCRAM-SHA-1",
    "user",
    mongoPasswordDigest("user", "pencil"),
    4096,
    salt,
    true,
  );
  assert.deepEqual(digested, plain);
});
