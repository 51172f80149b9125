import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { BUNDLE_DIR, type Manifest, MANIFEST_FILE, newerThanShim, signature, staleReason } from "./start.ts";

/** A throw-away "repository": `files` written under it, and a manifest of them in its bundle folder. */
function fakeRoot(files: Record<string, string>): { root: string; bundle: string } {
  const root = Deno.makeTempDirSync({ prefix: "secantus-start-" });
  for (const [path, text] of Object.entries(files)) {
    Deno.mkdirSync(`${root}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    Deno.writeTextFileSync(`${root}/${path}`, text);
  }
  const bundle = `${root}/${BUNDLE_DIR}`;
  Deno.mkdirSync(bundle, { recursive: true });
  const manifest: Manifest = {
    deno: Deno.version.deno,
    files: Object.keys(files).map((p) => [p, signature(Deno.statSync(`${root}/${p}`))]),
  };
  Deno.writeTextFileSync(`${bundle}/${MANIFEST_FILE}`, JSON.stringify(manifest));
  return { root, bundle };
}

Deno.test("a bundle built from the files as they are runs", () => {
  const { root, bundle } = fakeRoot({ "main.ts": "x", "src/a.ts": "y", "deno.json": "{}" });
  try {
    assertEquals(staleReason(root, bundle), undefined);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a source touched, rewritten with the same size, or removed makes the bundle stale", () => {
  const { root, bundle } = fakeRoot({ "main.ts": "x", "src/a.ts": "abc", "deno.lock": "{}" });
  try {
    // touched only (same bytes): mtime and ctime move
    const later = new Date(Date.now() + 5_000);
    Deno.utimeSync(`${root}/src/a.ts`, later, later);
    assertEquals(staleReason(root, bundle), "src/a.ts changed since the start bundle was built");
    const fresh = fakeRoot({ "main.ts": "x", "src/a.ts": "abc" });
    try {
      // same size, mtime put back as it was: the ctime still moves
      const before = Deno.statSync(`${fresh.root}/src/a.ts`);
      Deno.writeTextFileSync(`${fresh.root}/src/a.ts`, "abd");
      Deno.utimeSync(`${fresh.root}/src/a.ts`, before.atime!, before.mtime!);
      const after = Deno.statSync(`${fresh.root}/src/a.ts`);
      if (after.ctime!.getTime() !== before.ctime!.getTime()) {
        ok(staleReason(fresh.root, fresh.bundle)?.includes("src/a.ts changed"));
      }
      Deno.removeSync(`${fresh.root}/main.ts`);
      assertEquals(staleReason(fresh.root, fresh.bundle), "main.ts is gone since the start bundle was built");
    } finally {
      Deno.removeSync(fresh.root, { recursive: true });
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("no manifest, an unreadable one, or another Deno's: the bundle does not run", () => {
  const { root, bundle } = fakeRoot({ "main.ts": "x" });
  try {
    const manifest = JSON.parse(Deno.readTextFileSync(`${bundle}/${MANIFEST_FILE}`)) as Manifest;
    Deno.writeTextFileSync(`${bundle}/${MANIFEST_FILE}`, JSON.stringify({ ...manifest, deno: "0.0.1" }));
    assertEquals(staleReason(root, bundle), "the start bundle was built by Deno 0.0.1");
    Deno.writeTextFileSync(`${bundle}/${MANIFEST_FILE}`, "{");
    assertEquals(staleReason(root, bundle), "no start bundle");
    Deno.removeSync(`${bundle}/${MANIFEST_FILE}`);
    assertEquals(staleReason(root, bundle), "no start bundle");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a WiredTiger shim older than one of its sources is named, unless SECANTUS_WT_SHIM is set", () => {
  const { root } = fakeRoot({
    "scripts/build_shim.sh": "",
    "ffi/wiredtiger/shim/wt_shim.c": "",
    "ffi/wiredtiger/shim/wt_shim.h": "",
    "ffi/wiredtiger/shim/README": "",
  });
  try {
    const so = `${root}/ffi/wiredtiger/shim/libsecantus_wt.so`;
    assertEquals(newerThanShim(root, undefined), undefined); // no library: opening it says how to build it
    Deno.writeTextFileSync(so, "");
    const t = Date.now() / 1000;
    Deno.utimeSync(so, t + 10, t + 10);
    assertEquals(newerThanShim(root, undefined), undefined);
    Deno.utimeSync(`${root}/ffi/wiredtiger/shim/wt_shim.h`, t + 20, t + 20);
    assertEquals(newerThanShim(root, undefined), "ffi/wiredtiger/shim/wt_shim.h");
    Deno.utimeSync(`${root}/ffi/wiredtiger/shim/README`, t + 30, t + 30); // not a source
    assertEquals(newerThanShim(root, undefined), "ffi/wiredtiger/shim/wt_shim.h");
    assertEquals(newerThanShim(root, "/elsewhere/libsecantus_wt.so"), undefined);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
