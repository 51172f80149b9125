/**
 * Wire-layer error classes and the few error codes the wire layer itself emits.
 *
 * Two failure classes, deliberately different in consequence:
 * - {@link FrameError}: the byte stream can no longer be trusted (bad length, unknown opcode, truncated or
 *   inconsistent sections, checksum mismatch). The connection layer logs it and closes THAT connection.
 * - {@link RequestError}: the frame is well-formed but its content is refused (malformed BSON, an object
 *   over the size limit, unknown required flag bits, missing body …). The connection layer sends
 *   `{ok: 0, errmsg, code, codeName}` and keeps the connection open.
 *
 * Codes are local constants on purpose: the shared generated table (`src/errors/codes.ts`) is still
 * provisional and does not yet carry every name used here (e.g. InvalidBSON, IllegalOpMsgFlag). Values are
 * mongod's (error_codes.yml and the uassert ids in mongod's OP_MSG parser).
 */

export const WireErrorCode = {
  InternalError: 1,
  BadValue: 2,
  InvalidBSON: 22,
  IllegalOpMsgFlag: 223,
  BSONObjectTooLarge: 10334,
  /** "Multiple body sections in message" */
  Location40430: 40430,
  /** "Duplicate document sequence" */
  Location40431: 40431,
  /** "Unknown section kind" */
  Location40432: 40432,
  /** "OP_MSG requests require a body section" */
  Location40587: 40587,
  /** "OP_QUERY is no longer supported" (legacy find on a non-$cmd namespace) */
  Location5739101: 5739101,
} as const;
export type WireErrorCodeName = keyof typeof WireErrorCode;

/** The frame is malformed: close the connection. */
export class FrameError extends Error {
  override readonly name = "FrameError";
}

/** The frame is fine but the request is refused: reply `{ok: 0, …}` and keep the connection. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  readonly code: number;
  constructor(readonly codeName: WireErrorCodeName, message: string) {
    super(message);
    this.code = WireErrorCode[codeName];
  }

  /** The reply document mongod would send for this error. */
  toReply(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName };
  }
}
