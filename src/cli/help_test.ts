import { ok } from "node:assert/strict";
import { serveHelp, topHelp } from "./help.ts";
import { COMPAT_MONGODB_VERSION, VERSION, versionText } from "./version.ts";
import { CONFIG_TABLES, KEY_SPECS } from "../config/mod.ts";

Deno.test("serveHelp lists every table, key, flag and default", () => {
  const h = serveHelp();
  for (const t of CONFIG_TABLES) ok(h.includes(`[${t}]`), t);
  for (const s of KEY_SPECS) {
    ok(h.includes(`${s.key} = `), s.key);
    if (s.flag) ok(h.includes(`--${s.flag}`), s.flag);
    if (s.negFlag) ok(h.includes(`--${s.negFlag}`), s.negFlag);
  }
  for (
    const d of ["port = 27017", 'host = "127.0.0.1"', 'cache_size = "1G"', "cert_file = unset", "--dbpath"]
  ) {
    ok(h.includes(d), d);
  }
  for (const f of ["--config", "--help", "--version"]) ok(h.includes(f), f);
});

Deno.test("topHelp lists the subcommands", () => {
  const h = topHelp();
  for (const c of ["serve", "restore-archive", "backup", "admin"]) ok(h.includes(`  ${c} `), c);
});

Deno.test("versionText names both versions", () => {
  ok(/^\d+\.\d+\.\d+$/.test(VERSION) && /^\d+\.\d+\.\d+$/.test(COMPAT_MONGODB_VERSION));
  ok(versionText().includes(`secantusdb ${VERSION}`));
  ok(versionText().includes(COMPAT_MONGODB_VERSION));
});
