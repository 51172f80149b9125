/**
 * The benches' one command-line convention: `--name value` pairs. `cliOption(args)` gives a lookup that
 * returns the value after `name`, or `fallback` when the flag is absent.
 */
export function cliOption(args: readonly string[]): (name: string, fallback: string) => string {
  return (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1]! : fallback;
  };
}

/**
 * A bench's own `--name value` options before a lone `--`, and the server flags after it (passed on to the
 * server it starts, e.g. `-- --sync-on-commit`).
 */
export function benchArgs(args: readonly string[]): {
  own: readonly string[];
  serverFlags: string[];
  opt: (name: string, fallback: string) => string;
} {
  const dash = args.indexOf("--");
  const own = dash >= 0 ? args.slice(0, dash) : args;
  return { own, serverFlags: dash >= 0 ? args.slice(dash + 1) : [], opt: cliOption(own) };
}
