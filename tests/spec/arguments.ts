/**
 * Checks an entity operation's arguments against the unified test format before it runs: the
 * arguments each operation requires, and the enums the format defines. A malformed operation is a
 * broken test file, so it fails the test even under `ignoreResultAndError` (the format's valid-fail
 * tests check exactly that).
 */

/** A test file's operation is malformed; never absorbed by ignoreResultAndError or expectError. */
export class MalformedOperation extends Error {}

const REQUIRED: Record<string, readonly string[]> = {
  aggregate: ["pipeline"],
  bulkWrite: ["requests"],
  countDocuments: ["filter"],
  createFindCursor: ["filter"],
  deleteMany: ["filter"],
  deleteOne: ["filter"],
  distinct: ["fieldName", "filter"],
  find: ["filter"],
  findOne: ["filter"],
  findOneAndDelete: ["filter"],
  findOneAndReplace: ["filter", "replacement"],
  findOneAndUpdate: ["filter", "update"],
  insertMany: ["documents"],
  insertOne: ["document"],
  replaceOne: ["filter", "replacement"],
  updateMany: ["filter", "update"],
  updateOne: ["filter", "update"],
};

const RETURN_DOCUMENT = new Set(["Before", "After"]);

/** Throws MalformedOperation naming what is wrong with `args` for operation `name` on a collection. */
export function checkArguments(name: string, args: Record<string, unknown>): void {
  const missing = (REQUIRED[name] ?? []).filter((k) => !(k in args));
  if (missing.length > 0) {
    throw new MalformedOperation(`${name}: required argument(s) ${missing.join(", ")} missing`);
  }
  const rd = args["returnDocument"];
  if (rd !== undefined && !(typeof rd === "string" && RETURN_DOCUMENT.has(rd))) {
    throw new MalformedOperation(
      `${name}: returnDocument must be "Before" or "After", got ${JSON.stringify(rd)}`,
    );
  }
}
