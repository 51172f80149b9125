/**
 * Reply framing chosen by the request's opcode: OP_MSG requests get OP_MSG replies, OP_QUERY requests get
 * OP_REPLY. Bodies are already-serialised BSON.
 */
import { OP_QUERY } from "./header.ts";
import { encodeOpMsgReply } from "./op_msg.ts";
import { encodeOpReply } from "./op_reply.ts";

export function encodeReplyFor(
  requestOpCode: number,
  body: Uint8Array,
  requestId: number,
  responseTo: number,
  moreToCome = false,
): Uint8Array {
  return requestOpCode === OP_QUERY
    ? encodeOpReply(body, requestId, responseTo)
    : encodeOpMsgReply(body, requestId, responseTo, moreToCome);
}
