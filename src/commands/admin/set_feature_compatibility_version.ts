/**
 * setFeatureCompatibilityVersion: `{setFeatureCompatibilityVersion: "8.0", confirm: true}` on admin.
 * As on mongod 8.0: the version must be its lastLTS, lastContinuous or latest ("7.0", "7.3", "8.0";
 * anything else is 4926900), `confirm: true` is required for every request (7369100, with mongod's
 * upgrade or downgrade wording), and asking for the current version is a no-op. SecantusDB runs FCV
 * 8.0 only: a downgrade to 7.0 / 7.3 is refused with 238 NotImplemented (mongod would downgrade).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { ignored, optional, parseShape, str, strictBool } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { DOWNGRADE_FCVS, FCV } from "../shared/fcv.ts";

export interface SetFcvParams {
  readonly version: string;
  readonly confirm: boolean;
}

const NAME = "setFeatureCompatibilityVersion";
const FIELDS = { confirm: optional(strictBool), fromConfigServer: ignored } as const;

export function parseSetFcv(body: Doc): SetFcvParams {
  const p = parseShape(NAME, body, FIELDS, { skip: NAME, alsoAccept: GENERIC_FIELDS });
  const version = str(body[NAME], `${NAME}.${NAME}`);
  if (version !== FCV && !DOWNGRADE_FCVS.includes(version)) {
    throw new CommandError(
      Location.FcvInvalidVersion,
      `Invalid feature compatibility version value, expected '${DOWNGRADE_FCVS[0]}' or '${
        DOWNGRADE_FCVS[1]
      }' or '${FCV}. See https://docs.mongodb.com/master/release-notes/${FCV}-compatibility/#feature-compatibility.`,
    );
  }
  return { version, confirm: p.confirm ?? false };
}

function run(ctx: RequestContext<SetFcvParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", `${NAME} may only be run against the admin database.`);
  }
  const { version, confirm } = ctx.params;
  if (!confirm) {
    throw new CommandError(
      Location.FcvConfirmRequired,
      version > FCV
        ? `Once you have upgraded to ${version}, you will not be able to downgrade FCV and binary version without support assistance. Please re-run this command with 'confirm: true' to acknowledge this and continue with the FCV upgrade.`
        : "Once you have downgraded the FCV, if you choose to downgrade the binary version, it will require support assistance. Please re-run this command with 'confirm: true' to acknowledge this and continue with the FCV downgrade.",
    );
  }
  if (version !== FCV) {
    throw new CommandError(
      "NotImplemented",
      `setFeatureCompatibilityVersion to ${version} is not supported: SecantusDB runs featureCompatibilityVersion ${FCV} only`,
    );
  }
  return { ok: 1 };
}

export const setFeatureCompatibilityVersion = defineCommand<SetFcvParams>({
  name: NAME,
  help: `confirms the featureCompatibilityVersion: {${NAME}: "${FCV}", confirm: true} (admin only)`,
  auth: "setFeatureCompatibilityVersion",
  parse: parseSetFcv,
  run,
});
