/**
 * `deno task bench`: runs every benchmark script in bench/ one after another (each in its own
 * process so numbers do not interfere) and prints their output. `deno task bench <part>` runs the
 * scripts whose name contains `<part>` (e.g. `head_of_line`).
 *
 * head_of_line.ts (one long `$group` vs point reads from another client) runs last; in the default
 * run it uses 200,000 documents and one round unless HOL_DOCS / HOL_ROUNDS are set.
 */
const dir = new URL(".", import.meta.url).pathname;
const scripts = [...Deno.readDirSync(dir)]
  .filter((e) => e.isFile && e.name.endsWith("_bench.ts"))
  .map((e) => e.name)
  .sort();
scripts.push("head_of_line.ts");
const only = Deno.args[0];
for (const name of scripts) {
  if (only && !name.includes(only)) continue;
  console.log(`\n=== ${name}`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${dir}${name}`],
    env: name === "head_of_line.ts" && !only
      ? { HOL_DOCS: Deno.env.get("HOL_DOCS") ?? "200000", HOL_ROUNDS: Deno.env.get("HOL_ROUNDS") ?? "1" }
      : {},
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (out.code !== 0) console.log(`(${name} exited with ${out.code})`);
}
