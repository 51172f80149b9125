/**
 * The package's `secantusdb` command: the same CLI as the SecantusDB executable (serve by default,
 * `--help`, `--version`), run by the package's Deno runtime. Signals are passed on to the server
 * and its exit code becomes this command's. Used by the pytest plugin's `--secantus-bin`.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { denoCommand } from "./launcher.ts";

const { command, args, env } = denoCommand("secantusdb.js", process.argv.slice(2));
const child = spawn(command, args, { stdio: "inherit", env });
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    try {
      child.kill(sig);
    } catch { /* gone */ }
  });
}
child.on("error", (e) => {
  process.stderr.write(`secantusdb: could not run ${command}: ${e.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
