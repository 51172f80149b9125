import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  BUNDLE_DIR,
  CHECK_FILE,
  checkList,
  checkNatively,
  type Manifest,
  MANIFEST_FILE,
  newerThanShim,
  openStartCheck,
  signature,
  staleReason,
  type StartCheck,
} from "./start.ts";

/** The manifest and its native check file, as scripts/build_start.ts writes them. */
function writeManifest(bundle: string, manifest: Manifest): void {
  Deno.writeTextFileSync(`${bundle}/${MANIFEST_FILE}`, JSON.stringify(manifest));
  Deno.writeFileSync(`${bundle}/${CHECK_FILE}`, checkList(manifest));
}

/**
 * Both launcher checks of `root` in TypeScript, after asserting that the checkout's shim library
 * (ffi/wiredtiger/shim/start_check.c) answers the same: the answers every test below expects of either.
 */
async function checks(root: string, bundle: string): Promise<StartCheck> {
  const lib = openStartCheck(new URL("../ffi/wiredtiger/shim/libsecantus_wt.so", import.meta.url).pathname);
  ok(lib, "the shim library has sct_start_check (deno task shim builds it)");
  try {
    const shimSource = newerThanShim(root, undefined);
    // a stale shim refuses the start: the bundle is not checked then
    const typescript = { shimSource, stale: shimSource ? undefined : staleReason(root, bundle) };
    assertEquals(await checkNatively(lib, root, bundle), typescript);
    return typescript;
  } finally {
    lib.handle.close();
  }
}

/** A throw-away "repository": `files` written under it, and a manifest of them in its bundle folder. */
function fakeRoot(files: Record<string, string>): { root: string; bundle: string } {
  const root = Deno.makeTempDirSync({ prefix: "secantus-start-" });
  for (const [path, text] of Object.entries(files)) {
    Deno.mkdirSync(`${root}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    Deno.writeTextFileSync(`${root}/${path}`, text);
  }
  const bundle = `${root}/${BUNDLE_DIR}`;
  Deno.mkdirSync(bundle, { recursive: true });
  writeManifest(bundle, {
    deno: Deno.version.deno,
    files: Object.keys(files).map((p) => [p, signature(Deno.statSync(`${root}/${p}`))]),
  });
  return { root, bundle };
}

Deno.test("a bundle built from the files as they are runs", async () => {
  const { root, bundle } = fakeRoot({ "main.ts": "x", "src/a.ts": "y", "deno.json": "{}" });
  try {
    assertEquals((await checks(root, bundle)).stale, undefined);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a source touched, rewritten with the same size, or removed makes the bundle stale", async () => {
  const { root, bundle } = fakeRoot({ "main.ts": "x", "src/a.ts": "abc", "deno.lock": "{}" });
  try {
    // touched only (same bytes): mtime and ctime move
    const later = new Date(Date.now() + 5_000);
    Deno.utimeSync(`${root}/src/a.ts`, later, later);
    assertEquals((await checks(root, bundle)).stale, "src/a.ts changed since the start bundle was built");
    const fresh = fakeRoot({ "main.ts": "x", "src/a.ts": "abc" });
    try {
      // same size, mtime put back as it was: the ctime still moves
      const before = Deno.statSync(`${fresh.root}/src/a.ts`);
      Deno.writeTextFileSync(`${fresh.root}/src/a.ts`, "abd");
      Deno.utimeSync(`${fresh.root}/src/a.ts`, before.atime!, before.mtime!);
      const after = Deno.statSync(`${fresh.root}/src/a.ts`);
      if (after.ctime!.getTime() !== before.ctime!.getTime()) {
        ok((await checks(fresh.root, fresh.bundle)).stale?.includes("src/a.ts changed"));
      }
      Deno.removeSync(`${fresh.root}/main.ts`);
      assertEquals(
        (await checks(fresh.root, fresh.bundle)).stale,
        "main.ts is gone since the start bundle was built",
      );
    } finally {
      Deno.removeSync(fresh.root, { recursive: true });
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("no manifest, an unreadable one, or another Deno's: the bundle does not run", async () => {
  const { root, bundle } = fakeRoot({ "main.ts": "x" });
  try {
    const manifest = JSON.parse(Deno.readTextFileSync(`${bundle}/${MANIFEST_FILE}`)) as Manifest;
    writeManifest(bundle, { ...manifest, deno: "0.0.1" });
    assertEquals((await checks(root, bundle)).stale, "the start bundle was built by Deno 0.0.1");
    Deno.writeTextFileSync(`${bundle}/${MANIFEST_FILE}`, "{");
    Deno.removeSync(`${bundle}/${CHECK_FILE}`);
    assertEquals((await checks(root, bundle)).stale, "no start bundle");
    Deno.removeSync(`${bundle}/${MANIFEST_FILE}`);
    assertEquals((await checks(root, bundle)).stale, "no start bundle");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a WiredTiger shim older than one of its sources is named, unless SECANTUS_WT_SHIM is set", async () => {
  const { root } = fakeRoot({
    "scripts/build_shim.sh": "",
    "ffi/wiredtiger/shim/wt_shim.c": "",
    "ffi/wiredtiger/shim/wt_shim.h": "",
    "ffi/wiredtiger/shim/README": "",
  });
  try {
    const so = `${root}/ffi/wiredtiger/shim/libsecantus_wt.so`;
    const bundle = `${root}/${BUNDLE_DIR}`;
    // no library: opening it says how to build it
    assertEquals((await checks(root, bundle)).shimSource, undefined);
    Deno.writeTextFileSync(so, "");
    const t = Date.now() / 1000;
    Deno.utimeSync(so, t + 10, t + 10);
    assertEquals((await checks(root, bundle)).shimSource, undefined);
    Deno.utimeSync(`${root}/ffi/wiredtiger/shim/wt_shim.h`, t + 20, t + 20);
    assertEquals((await checks(root, bundle)).shimSource, "ffi/wiredtiger/shim/wt_shim.h");
    Deno.utimeSync(`${root}/ffi/wiredtiger/shim/README`, t + 30, t + 30); // not a source
    assertEquals((await checks(root, bundle)).shimSource, "ffi/wiredtiger/shim/wt_shim.h");
    Deno.utimeSync(`${root}/scripts/build_shim.sh`, t + 40, t + 40);
    assertEquals((await checks(root, bundle)).shimSource, "scripts/build_shim.sh");
    assertEquals(newerThanShim(root, "/elsewhere/libsecantus_wt.so"), undefined);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("the native check leaves a bundle without its check file, or with a damaged one, to TypeScript", async () => {
  const { root, bundle } = fakeRoot({ "main.ts": "x", "src/a.ts": "y" });
  const lib = openStartCheck(new URL("../ffi/wiredtiger/shim/libsecantus_wt.so", import.meta.url).pathname);
  ok(lib);
  try {
    assertEquals(await checkNatively(lib, root, bundle), { shimSource: undefined, stale: undefined });
    Deno.writeTextFileSync(`${bundle}/${CHECK_FILE}`, "no separators");
    assertEquals(await checkNatively(lib, root, bundle), undefined);
    Deno.writeTextFileSync(`${bundle}/${CHECK_FILE}`, `${Deno.version.deno}\0many\0`);
    assertEquals(await checkNatively(lib, root, bundle), undefined);
    // more files than the list holds (a truncated file): not read past its end
    const sig = signature(Deno.statSync(`${root}/main.ts`));
    Deno.writeTextFileSync(`${bundle}/${CHECK_FILE}`, `${Deno.version.deno}\x002\0main.ts\0${sig}\0src/a.ts`);
    assertEquals(await checkNatively(lib, root, bundle), undefined);
    Deno.removeSync(`${bundle}/${CHECK_FILE}`);
    assertEquals(await checkNatively(lib, root, bundle), undefined);
    assertEquals(staleReason(root, bundle), undefined);
  } finally {
    lib.handle.close();
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a signature computed natively is Deno's (whole-ms mtime, whole-second ctime)", async () => {
  const { root, bundle } = fakeRoot({ "a.ts": "x" });
  try {
    // an mtime with sub-millisecond digits: Deno floors it to the ms
    Deno.utimeSync(`${root}/a.ts`, 1_700_000_000.1234567, 1_700_000_000.9876543);
    writeManifest(bundle, {
      deno: Deno.version.deno,
      files: [["a.ts", signature(Deno.statSync(`${root}/a.ts`))]],
    });
    assertEquals((await checks(root, bundle)).stale, undefined);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
