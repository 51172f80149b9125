/**
 * Schema validation of stored documents (mongod's document validator): a collection's `validator`
 * (query operators and `$jsonSchema`), `validationLevel` (`strict` default, `moderate`: updates of
 * documents that already fail are allowed, `off`) and `validationAction` (`error` default: 121
 * DocumentValidationFailure with `errInfo: {failingDocumentId, details}`; `warn`: the write goes on
 * and the server log says why). `bypassDocumentValidation: true` on a write skips the check.
 * Validators are compiled once per catalog options object.
 */
import { CommandError } from "../../errors/command_error.ts";
import { compileFilter, type Matcher, validationDetails } from "../../engine/mod.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { Reader } from "../params/schema.ts";
import { wrongType } from "../params/errors.ts";
import type { Doc } from "../reply.ts";

export type ValidationLevel = "off" | "strict" | "moderate";
export type ValidationAction = "error" | "warn";

function enumReader<T extends string>(values: readonly T[]): Reader<T> {
  return (v, path) => {
    if (typeof v !== "string") throw wrongType(path, v, "string");
    if (!(values as readonly string[]).includes(v)) {
      throw new CommandError(
        "BadValue",
        `Enumeration value '${v}' for field '${path}' is not a valid value.`,
      );
    }
    return v as T;
  };
}

export const validationLevel: Reader<ValidationLevel> = enumReader(["off", "strict", "moderate"]);
export const validationAction: Reader<ValidationAction> = enumReader(["error", "warn"]);

/** Operators a validator may not use (mongod: QueryFeatureNotAllowed). */
const FORBIDDEN = new Set(["$near", "$nearSphere", "$geoNear", "$text", "$where"]);

function scanForbidden(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) scanForbidden(x);
    return;
  }
  if (v === null || typeof v !== "object" || (v as { _bsontype?: string })._bsontype !== undefined) return;
  for (const [k, x] of Object.entries(v as Doc)) {
    if (FORBIDDEN.has(k)) {
      throw new CommandError(
        "QueryFeatureNotAllowed",
        `${k} is not allowed in the context of a document validator`,
      );
    }
    if (k !== "$jsonSchema") scanForbidden(x);
  }
}

/** Refuses a validator that does not compile as a filter or uses an operator validators may not. */
export function checkValidatorOptions(validator: Doc | undefined): void {
  if (validator === undefined) return;
  scanForbidden(validator);
  compileFilter(validator);
}

const compiled = new WeakMap<object, Matcher | null>();

function matcherOf(options: Record<string, unknown>): Matcher | null {
  let m = compiled.get(options);
  if (m === undefined) {
    const v = options["validator"] as Doc | undefined;
    m = v && Object.keys(v).length > 0 ? compileFilter(v) : null;
    compiled.set(options, m);
  }
  return m;
}

export interface ValidationOptions {
  /** bypassDocumentValidation on the write. */
  readonly bypass?: boolean | undefined;
  /** Where `warn` reports a failing document. */
  readonly warn?: (message: string) => void;
}

/**
 * Checks `doc` (about to be stored in `coll`; `before` is the stored version for an update) against
 * the collection's validator; throws 121 when it fails and the action is `error`.
 */
/** True when `validateDocument` checks documents of `coll` (a validator that is on and not bypassed). */
export function validates(coll: CollectionEntry, opts: ValidationOptions = {}): boolean {
  if (opts.bypass) return false;
  if (matcherOf(coll.options) === null) return false;
  return coll.options["validationLevel"] !== "off";
}

export function validateDocument(
  coll: CollectionEntry,
  doc: Doc,
  /** The document before an update (or a function giving it, called only when needed); none for an insert. */
  before: Doc | (() => Doc) | undefined,
  opts: ValidationOptions = {},
): void {
  if (opts.bypass) return;
  const m = matcherOf(coll.options);
  if (m === null) return;
  const level = (coll.options["validationLevel"] as ValidationLevel | undefined) ?? "strict";
  if (level === "off") return;
  if (m.matches(doc)) return;
  if (
    level === "moderate" && before !== undefined &&
    !m.matches(typeof before === "function" ? before() : before)
  ) {
    return;
  }
  const validator = coll.options["validator"] as Doc;
  const errInfo = { failingDocumentId: doc["_id"], details: validationDetails(validator, doc) };
  if (coll.options["validationAction"] === "warn") {
    opts.warn?.(
      `Document would fail validation: collection ${coll.db}.${coll.name} ${JSON.stringify(errInfo)}`,
    );
    return;
  }
  throw new CommandError("DocumentValidationFailure", "Document failed validation", { errInfo });
}
