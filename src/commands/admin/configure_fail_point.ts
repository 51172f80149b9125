/**
 * configureFailPoint: turns the `failCommand` fail point on or off (testing; see
 * shared/fail_points.ts). Admin database only, as on mongod.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { LegacyCommandSpec } from "../spec.ts";

export const configureFailPoint: LegacyCommandSpec = {
  name: "configureFailPoint",
  help: "testing: {configureFailPoint: 'failCommand', mode: 'alwaysOn'|'off'|{times}|{skip}, data: {...}}",
  auth: "serverStatus",
  fields: { mode: "required", data: "optional" },
  run: (ctx, body) => {
    if (ctx.db !== "admin") {
      throw new CommandError(
        "Unauthorized",
        "configureFailPoint may only be run against the admin database.",
      );
    }
    return { count: ctx.failPoints.configure(body), ok: 1 };
  },
};
