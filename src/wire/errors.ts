/**
 * Wire-layer error classes.
 *
 * Two failure classes, deliberately different in consequence:
 * - {@link FrameError}: the byte stream can no longer be trusted (bad length, unknown opcode, truncated or
 *   inconsistent sections, checksum mismatch). The connection layer logs it and closes THAT connection.
 * - {@link RequestError}: the frame is well-formed but its content is refused (malformed BSON, an object
 *   over the size limit, unknown required flag bits, missing body …). The connection layer sends
 *   `{ok: 0, errmsg, code, codeName}` and keeps the connection open.
 *
 * Codes are names from the generated table (`InvalidBSON`, `IllegalOpMsgFlag` …) or mongod's numbered
 * assertion sites from `errors/locations.ts` (`Location.OpMsgMissingBody`, codeName `Location40587`).
 */
import type { ErrorCodeName } from "../errors/codes.ts";
import { resolveCode } from "../errors/resolve_code.ts";
import { errorReply } from "../errors/to_reply.ts";

/** The frame is malformed: close the connection. */
export class FrameError extends Error {
  override readonly name = "FrameError";
}

/** The frame is fine but the request is refused: reply `{ok: 0, …}` and keep the connection. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  readonly code: number;
  readonly codeName: string;
  constructor(code: ErrorCodeName | number, message: string) {
    super(message);
    ({ code: this.code, codeName: this.codeName } = resolveCode(code));
  }

  /** The reply document mongod would send for this error. */
  toReply(): Record<string, unknown> {
    return errorReply(this.code, this.message);
  }
}
