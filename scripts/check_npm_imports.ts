/**
 * CommonJS check for the start bundle: a dynamic `import("<npm package>")` of a CommonJS package must read
 * the module's `default`. Deno's npm interop gives a CommonJS module's exports both as named exports and as
 * `default`, so the sources work either way; the start bundle that `deno task start` runs (esbuild, see
 * scripts/build_start.ts) gives a dynamically imported CommonJS module only a `default` — named exports
 * are `undefined` there, and tests, which run the sources, do not see it (the nineteenth session's
 * tar-stream bug: native backups failed only under `deno task start`).
 *
 * A package is taken as ES modules (no rule) when esbuild would load an ES module for it: its package.json
 * has `"type": "module"`, a `module` field, an `import` condition in `exports`, or an `.mjs` main.
 * Otherwise the import's line or one of the three after it must mention `default`. Comments, tests, type
 * positions (`typeof import("…")`) and `node:` modules are not checked.
 *
 * Usage: deno run -A scripts/check_npm_imports.ts
 */

/** One dynamic import of a CommonJS package whose `default` is not read near it. */
export interface Finding {
  file: string;
  line: number;
  specifier: string;
}

/** The package a bare specifier names: `@scope/name` or `name`, without a subpath. */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Whether esbuild loads an ES module for a package with this package.json. */
export function isEsmPackage(pkg: Record<string, unknown>): boolean {
  if (pkg.type === "module" || typeof pkg.module === "string") return true;
  if (typeof pkg.main === "string" && pkg.main.endsWith(".mjs")) return true;
  return JSON.stringify(pkg.exports ?? null).includes('"import"');
}

const DYNAMIC_IMPORT = /(?<!typeof\s+)\bimport\(\s*"([^"]+)"\s*\)/g;

/** The findings in `files` ([path, text]) given which packages are CommonJS. */
export function findings(files: [string, string][], isCommonJs: (pkg: string) => boolean): Finding[] {
  const out: Finding[] = [];
  for (const [file, text] of files) {
    const lines = text.split("\n");
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "");
      if (/^\s*\*/.test(code)) return; // a doc comment line
      for (const m of code.matchAll(DYNAMIC_IMPORT)) {
        const specifier = m[1]!;
        if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.includes(":")) continue;
        if (!isCommonJs(packageName(specifier))) continue;
        const near = lines.slice(i, i + 4).join("\n");
        if (!/\bdefault\b/.test(near)) out.push({ file, line: i + 1, specifier });
      }
    });
  }
  return out;
}

/** Whether `pkg` (named in deno.json's imports as `npm:pkg@version`) is CommonJS in node_modules. */
function commonJsIn(root: string, imports: Record<string, string>): (pkg: string) => boolean {
  return (pkg) => {
    const target = imports[pkg];
    const version = target?.match(/^npm:(?:@[^/]+\/)?[^@]+@(.+)$/)?.[1];
    if (version === undefined) return true; // not ours to classify: read `default` to be safe
    const dir = `${root}/node_modules/.deno/${pkg.replace("/", "+")}@${version}/node_modules/${pkg}`;
    try {
      return !isEsmPackage(JSON.parse(Deno.readTextFileSync(`${dir}/package.json`)));
    } catch {
      return true;
    }
  };
}

function sourceFiles(root: string, dir: string, out: [string, string][]): void {
  for (const e of Deno.readDirSync(`${root}/${dir}`)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) sourceFiles(root, path, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
      out.push([path, Deno.readTextFileSync(`${root}/${path}`)]);
    }
  }
}

if (import.meta.main) {
  const root = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");
  const imports =
    (JSON.parse(Deno.readTextFileSync(`${root}/deno.json`)) as { imports: Record<string, string> })
      .imports;
  const files: [string, string][] = [["main.ts", Deno.readTextFileSync(`${root}/main.ts`)]];
  for (const dir of ["src", "ffi", "admin"]) sourceFiles(root, dir, files);
  const found = findings(files, commonJsIn(root, imports));
  for (const f of found) {
    console.error(
      `${f.file}:${f.line}: import("${f.specifier}") of a CommonJS package must read its \`default\` ` +
        "(the start bundle gives it no named exports; see src/backup/tar_stream.ts)",
    );
  }
  if (found.length > 0) Deno.exit(1);
  console.log(
    `check_npm_imports: ${files.length} modules, every dynamic import of a CommonJS package reads default`,
  );
}
