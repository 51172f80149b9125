import { ok, throws } from "node:assert/strict";
import { parseManifest, safeMemberName } from "./manifest.ts";

Deno.test("safeMemberName: only relative names under data/ (and the manifest)", () => {
  for (const n of ["manifest.json", "data/WiredTiger", "data/coll-1.wt", "data/WiredTigerLog.0000000001"]) {
    ok(safeMemberName(n), n);
  }
  for (
    const n of [
      "/etc/passwd",
      "data/../x",
      "../data/x",
      "data/",
      "data//x",
      "data/./x",
      "other/x",
      "data\\x",
      "data/a\\..\\b",
      "data/x\0",
      "manifest.json/x",
    ]
  ) {
    ok(!safeMemberName(n), n);
  }
});

Deno.test("parseManifest: format version and shape checked", () => {
  throws(() => parseManifest("nope"), /not JSON/);
  throws(() => parseManifest("[]"), /not an object/);
  throws(() => parseManifest(`{"formatVersion": 2}`), /formatVersion 2/);
  throws(() => parseManifest(`{"formatVersion": 1, "files": [{"name": 1}]}`), /malformed/);
  throws(() => parseManifest(`{"formatVersion": 1, "files": []}`), /collections/);
  ok(parseManifest(`{"formatVersion": 1, "files": [], "collections": []}`));
});
