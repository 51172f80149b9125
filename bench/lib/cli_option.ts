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
