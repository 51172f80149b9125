/**
 * rotateCertificates: re-reads the TLS certificate, key and CA files of the configuration (the same
 * re-read as SIGHUP): new handshakes use them, established connections keep theirs. Files that cannot be
 * loaded fail the command and the previous ones stay in use. `message` is logged. Admin database only;
 * a server without TLS answers 20 IllegalOperation.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { optional, parseShape, str } from "../params/schema.ts";

export interface RotateCertificatesParams {
  readonly message: string | undefined;
}

function parse(body: Doc): RotateCertificatesParams {
  const p = parseShape("rotateCertificates", body, { message: optional(str) }, {
    skip: "rotateCertificates",
    alsoAccept: GENERIC_FIELDS,
  });
  return { message: p.message };
}

function run(ctx: RequestContext<RotateCertificatesParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "rotateCertificates may only be run against the admin database.");
  }
  const reload = ctx.reloadTls;
  if (!reload) throw new CommandError("IllegalOperation", "rotateCertificates: this server does not use TLS");
  if (ctx.params.message !== undefined) ctx.log.info(`rotateCertificates: ${ctx.params.message}`);
  try {
    reload();
  } catch (e) {
    throw new CommandError(
      "InvalidSSLConfiguration",
      `rotateCertificates: the TLS files could not be loaded, the previous ones stay in use: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
  return { ok: 1 };
}

export const rotateCertificates = defineCommand<RotateCertificatesParams>({
  name: "rotateCertificates",
  help: "re-reads the TLS certificate, key and CA files: {rotateCertificates: 1, message}",
  auth: "rotateCertificates",
  parse,
  run,
});
