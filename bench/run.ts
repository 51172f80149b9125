/**
 * `deno task bench`: runs every benchmark script in bench/ one after another (each in its own
 * process so numbers do not interfere) and prints their output.
 */
const dir = new URL(".", import.meta.url).pathname;
const scripts = [...Deno.readDirSync(dir)]
  .filter((e) => e.isFile && e.name.endsWith("_bench.ts"))
  .map((e) => e.name)
  .sort();
const only = Deno.args[0];
for (const name of scripts) {
  if (only && !name.includes(only)) continue;
  console.log(`\n=== ${name}`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${dir}${name}`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (out.code !== 0) console.log(`(${name} exited with ${out.code})`);
}
