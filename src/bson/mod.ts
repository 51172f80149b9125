/**
 * bson/ — PURE leaf helpers around npm:bson (no second codec): the canonical cross-type order
 * (compare.ts), value kinds (values.ts), THE decoder every layer uses so values keep their BSON types
 * (decode.ts), partial decoding of only the top-level fields a query reads (partial_decode.ts), and a
 * byte-level cursor-reply assembler that embeds stored documents without re-encoding (raw_reply.ts),
 * and the one `Document` type of the codebase (document.ts), and the BSONColumn decoder for mongod's
 * compressed time-series buckets (column/).
 * Imports only npm:bson and src/errors.
 */
export { decodeBsonColumn } from "./column/decode_column.ts";
export { compareValues, valuesEqual } from "./compare.ts";
export { decodeDocument } from "./decode.ts";
export type { Document } from "./document.ts";
export { decodeFields } from "./partial_decode.ts";
export { encodeCursorReply } from "./raw_reply.ts";
