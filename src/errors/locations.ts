/**
 * mongod's numbered "location" codes (assertion sites without an entry in the error-code table) that
 * SecantusDB raises, by name. With `codes.ts` (generated), this is the only file where error numbers
 * are written: every other module refers to `Location.<Name>` or an `ErrorCodeName`. The reply's
 * codeName for these is `Location<code>`, as mongod sends it.
 */
export const Location = {
  /** IDL: a command body field the command does not know. */
  IDLUnknownField: 40415,
  /** IDL: a required command body field is absent. */
  IDLFieldMissing: 40414,
  /** IDL: a count-like field (skip, limit, batchSize) below zero. */
  IDLNegativeValue: 51024,
  /** OP_MSG without `$db`. */
  OpMsgMissingDb: 40571,
} as const;

export type LocationName = keyof typeof Location;
