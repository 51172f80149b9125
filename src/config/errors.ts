/**
 * ConfigError: the one exception type for a configuration problem — a bad TOML file, an unknown key,
 * a value of the wrong type, an unknown CLI flag, or a feature this build does not have yet. The process
 * exits with `exitCode` (2, the conventional "usage error") after printing `message` to stderr.
 */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
