/** The product version, the MongoDB version whose wire behaviour we match, and `--version` text. */

export const VERSION = "0.1.0";
/** Reported by buildInfo/hello as the MongoDB compatibility version. */
export const COMPAT_MONGODB_VERSION = "7.0.0";

/** What `secantusdb --version` prints. */
export function versionText(): string {
  return [
    `secantusdb ${VERSION}`,
    `MongoDB wire compatibility: ${COMPAT_MONGODB_VERSION}`,
    `deno ${Deno.version.deno}, v8 ${Deno.version.v8}, typescript ${Deno.version.typescript}`,
  ].join("\n");
}
