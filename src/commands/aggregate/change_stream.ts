/**
 * `$changeStream`: its spec (mongod's DocumentSourceChangeStreamSpec, strict), the rules on where it
 * may run (first stage; replica set only (40573); collection, database or — on admin with
 * `allChangesForCluster` — cluster scope; not in a transaction) and which stages may follow it
 * (40324 otherwise, as mongod's whitelist). The cursor is `change_stream_source.ts`.
 */
import type { Timestamp } from "bson";
import { Timestamp as TimestampClass } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isDocument } from "../../bson/values.ts";
import type { Scope } from "../../changestreams/mod.ts";
import { any, bool, optional, type Parsed, parseShape, type Reader, str } from "../params/schema.ts";
import type { Doc } from "../reply.ts";
import { checkStageNames } from "../../engine/mod.ts";

const FULL_DOCUMENT = ["default", "updateLookup", "whenAvailable", "required"] as const;
const BEFORE_CHANGE = ["off", "whenAvailable", "required"] as const;

function oneOf<T extends string>(values: readonly T[]): Reader<T> {
  return (v, path) => {
    const s = str(v, path);
    if (!(values as readonly string[]).includes(s)) {
      throw new CommandError(
        "BadValue",
        `Enumeration value '${s}' for field '${path}' is not a valid value.`,
      );
    }
    return s as T;
  };
}

const timestamp: Reader<Timestamp> = (v, path) => {
  if (!(v instanceof TimestampClass)) {
    throw new CommandError(
      "TypeMismatch",
      `BSON field '${path}' is the wrong type, expected type 'timestamp'`,
    );
  }
  return v;
};

const SPEC_FIELDS = {
  resumeAfter: optional(any),
  startAfter: optional(any),
  startAtOperationTime: optional(timestamp),
  fullDocument: optional(oneOf(FULL_DOCUMENT)),
  fullDocumentBeforeChange: optional(oneOf(BEFORE_CHANGE)),
  allChangesForCluster: optional(bool),
  showMigrationEvents: optional(bool),
  showSystemEvents: optional(bool),
  allowToRunOnConfigDB: optional(bool),
  allowToRunOnSystemNS: optional(bool),
  showExpandedEvents: optional(bool),
  showRawUpdateDescription: optional(bool),
} as const;

export type ChangeStreamSpec = Parsed<typeof SPEC_FIELDS>;

/** Stages that may follow `$changeStream` (mongod's list). */
const ALLOWED_AFTER = new Set([
  "$match",
  "$project",
  "$addFields",
  "$set",
  "$unset",
  "$replaceRoot",
  "$replaceWith",
  "$redact",
  "$changeStreamSplitLargeEvent",
]);

function stageName(s: unknown): string | undefined {
  return isDocument(s) && Object.keys(s).length === 1 ? Object.keys(s)[0] : undefined;
}

/**
 * Splits a leading `$changeStream` off `pipeline`; refuses one elsewhere (40602) and any stage after
 * it that is not allowed in a change stream (40324).
 */
export function splitChangeStream(pipeline: unknown[]): { stages: unknown[]; spec?: ChangeStreamSpec } {
  pipeline.forEach((s, i) => {
    if (i > 0 && stageName(s) === "$changeStream") {
      throw new CommandError(
        Location.StageMustBeFirst,
        "$changeStream is only valid as the first stage in a pipeline",
      );
    }
  });
  if (stageName(pipeline[0]) !== "$changeStream") return { stages: pipeline };
  const raw = (pipeline[0] as Doc)["$changeStream"];
  if (!isDocument(raw)) {
    throw new CommandError(
      Location.ChangeStreamSpecNotObject,
      "$changeStream stage expects a document as argument",
    );
  }
  const spec = parseShape("$changeStream", raw, SPEC_FIELDS);
  const rest = pipeline.slice(1);
  // as mongod: a stage it does not know is 40324 before any is checked against the change stream's list
  checkStageNames(rest.filter((st) => stageName(st) !== "$changeStreamSplitLargeEvent"));
  for (const s of rest) {
    const name = stageName(s);
    if (name !== undefined && !ALLOWED_AFTER.has(name) && name.startsWith("$")) {
      throw new CommandError("IllegalOperation", `${name} is not permitted in a $changeStream pipeline`);
    }
  }
  const resumeOptions = [spec.resumeAfter, spec.startAfter, spec.startAtOperationTime].filter((v) =>
    v !== undefined
  );
  if (spec.resumeAfter !== undefined && spec.startAfter !== undefined) {
    throw new CommandError(
      Location.ChangeStreamResumeAfterAndStartAfter,
      "Do not specify both 'resumeAfter' and 'startAfter' in a $changeStream stage",
    );
  }
  if (resumeOptions.length > 1) {
    throw new CommandError(
      Location.ChangeStreamMultipleResumeOptions,
      "Only one type of resume option is allowed, but multiple were found.",
    );
  }
  return { stages: rest, spec };
}

const INTERNAL_DBS = new Set(["admin", "config", "local"]);

/** Which namespace the stream watches, or mongod's refusal for where it was opened. */
export function changeStreamScope(db: string, collection: string | undefined, spec: ChangeStreamSpec): Scope {
  if (spec.allChangesForCluster === true) {
    if (db !== "admin" || collection !== undefined) {
      throw new CommandError(
        "InvalidNamespace",
        "A $changeStream with 'allChangesForCluster:true' may only be opened on the 'admin' database, and with no collection name",
      );
    }
    return { kind: "cluster" };
  }
  if (db === "admin" && collection === undefined) {
    throw new CommandError(
      "InvalidNamespace",
      "$changeStream on the admin database must specify 'allChangesForCluster: true'",
    );
  }
  if (INTERNAL_DBS.has(db) && !(db === "config" && spec.allowToRunOnConfigDB === true)) {
    throw new CommandError(
      "InvalidNamespace",
      `$changeStream may not be opened on the internal ${db} database`,
    );
  }
  if (collection !== undefined && collection.startsWith("system.") && spec.allowToRunOnSystemNS !== true) {
    throw new CommandError(
      "InvalidNamespace",
      `$changeStream may not be opened on the internal ${db}.${collection} collection`,
    );
  }
  return collection === undefined ? { kind: "database", db } : { kind: "collection", db, coll: collection };
}
