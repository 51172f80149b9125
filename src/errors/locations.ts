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
  // ---- reads: count, distinct, aggregate ($out, $merge, $indexStats, $listLocalSessions) ----
  /** distinct: the distinct values would exceed the 16 MiB BSON document limit. */
  DistinctTooBig: 17217,
  /** $out / $merge anywhere but the last stage of the pipeline. */
  WriteStageNotLast: 40601,
  /** A source stage ($indexStats, $listLocalSessions) anywhere but first. */
  SourceStageNotFirst: 40602,
  /** $indexStats with anything but an empty object. */
  IndexStatsSpecNotEmpty: 28803,
  /** $out's argument is neither a string nor an object. */
  OutSpecWrongType: 16990,
  /** $out into admin/config/local or a system.* collection. */
  OutToInternalNamespace: 31321,
  /** $merge's argument is neither a string nor an object. */
  MergeSpecWrongType: 51182,
  /** $merge into admin/config/local or a system.* collection. */
  MergeToInternalNamespace: 31320,
  /** $merge 'into' is neither a string nor an object. */
  MergeIntoWrongType: 51178,
  /** $merge 'into' is an empty string. */
  MergeIntoEmptyString: 5786800,
  /** $merge 'into' object without a non-empty 'coll'. */
  MergeIntoWithoutColl: 5786801,
  /** $merge 'on' is neither a string nor an array. */
  MergeOnWrongType: 51186,
  /** $merge 'on' array with a non-string element. */
  MergeOnElementNotString: 51134,
  /** $merge 'on' given as an empty array. */
  MergeOnEmpty: 51187,
  /** $merge 'whenMatched' is neither a string nor an array (pipeline). */
  MergeWhenMatchedWrongType: 51191,
  /** $merge 'let' with a whenMatched mode other than a pipeline. */
  MergeLetWithoutPipeline: 51199,
  /** $merge: a result document's 'on' field is missing, null or an array. */
  MergeOnFieldMissing: 51132,
  /** $merge 'on' fields without a unique index covering exactly them. */
  MergeOnFieldsNotUnique: 51183,
  // ---- end reads ----
} as const;

export type LocationName = keyof typeof Location;
