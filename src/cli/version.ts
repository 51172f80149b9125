/** `--version` text; the version constants themselves live in the leaf `src/version.ts`. */
import { COMPAT_MONGODB_VERSION, VERSION } from "../version.ts";

export { COMPAT_MONGODB_VERSION, VERSION };

/** What `secantusdb --version` prints. */
export function versionText(): string {
  return [
    `secantusdb ${VERSION}`,
    `MongoDB wire compatibility: ${COMPAT_MONGODB_VERSION}`,
    `deno ${Deno.version.deno}, v8 ${Deno.version.v8}, typescript ${Deno.version.typescript}`,
  ].join("\n");
}
