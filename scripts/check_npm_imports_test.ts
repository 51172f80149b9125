import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { findings, isEsmPackage, packageName } from "./check_npm_imports.ts";

const commonJs = (pkg: string) => pkg !== "esm-pkg";

Deno.test("a CommonJS package's named export from a dynamic import is a finding; its default is not", () => {
  const files: [string, string][] = [
    ["a.ts", 'const { pack } = await import("tar-stream");'],
    ["b.ts", 'const mod = await import("tar-stream");\nreturn mod.default;'],
    ["c.ts", 'const lib = (await import("@scope/lib/sub")).default;'],
    ["d.ts", 'const { x } = await import("esm-pkg");'],
    ["e.ts", 'type T = typeof import("tar-stream");\nimport("node:zlib"); import("./local.ts");'],
    ["f.ts", '// const { pack } = await import("tar-stream");\n * import("tar-stream") in a doc comment'],
  ];
  assertEquals(findings(files, commonJs), [{ file: "a.ts", line: 1, specifier: "tar-stream" }]);
});

Deno.test("package names and what esbuild loads as ES modules", () => {
  assertEquals(packageName("@scope/lib/sub"), "@scope/lib");
  assertEquals(packageName("tar-stream"), "tar-stream");
  assertEquals(isEsmPackage({ main: "index.js" }), false);
  assertEquals(isEsmPackage({ main: "dist/x.cjs.js", module: "src/x.js" }), true);
  assertEquals(isEsmPackage({ type: "module" }), true);
  assertEquals(isEsmPackage({ exports: { import: { default: "./x.mjs" }, require: "./x.js" } }), true);
  assertEquals(isEsmPackage({ exports: { ".": { default: "./index.js" } } }), false);
});

Deno.test("the repository's sources pass the check (CI runs this test, not `deno task ok`)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./check_npm_imports.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals([out.code, new TextDecoder().decode(out.stderr)], [0, ""]);
});
