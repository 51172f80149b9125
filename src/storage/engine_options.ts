/**
 * The `storageEngine` options a collection (create, `indexOptionDefaults`) or an index may carry: a
 * document of per-engine documents, as mongod checks it (collection_options.cpp `checkStorageEngineOptions`,
 * `validateStorageOptions`, and WiredTiger's `parseOptionsField`). This server registers one engine,
 * `wiredTiger`, whose only option is `configString` (a string; kept as given, never applied). PURE: throws
 * CommandError only.
 */
import { CommandError } from "../errors/command_error.ts";
import { isDocument } from "../bson/values.ts";

/** Checks a `storageEngine` value; `what` names the field in messages ("storageEngine"). */
export function checkStorageEngineOptions(v: unknown, what = "storageEngine"): void {
  if (!isDocument(v)) throw new CommandError("BadValue", `'${what}' has to be a document.`);
  for (const [engine, options] of Object.entries(v)) {
    if (!isDocument(options)) {
      throw new CommandError("BadValue", `'${what}.${engine}' has to be an embedded document.`);
    }
    if (engine !== "wiredTiger") {
      throw new CommandError(
        "InvalidOptions",
        `${engine} is not a registered storage engine for this server`,
      );
    }
    for (const [field, value] of Object.entries(options)) {
      if (field !== "configString") {
        throw new CommandError("InvalidOptions", `'${field}' is not a supported option.`);
      }
      if (typeof value !== "string") {
        throw new CommandError("TypeMismatch", "'configString' must be a string.");
      }
    }
  }
}
