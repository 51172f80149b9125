/**
 * convert_error.ts — the failure of a value in `$convert` and its shorthands (`$toInt` …): 241
 * ConversionFailure, or the `onError` value where one is given (ops_type.ts decides).
 */
export class ConvertError extends Error {}

/** Throws the value's conversion failure with mongod's message. */
export function fail(msg: string): never {
  throw new ConvertError(msg);
}
