/**
 * Every reason the spec runner skips a test lives here: (a) rule-based reasons (server requirements we do
 * not meet, entity types / operations / event kinds the runner does not implement or that lie outside the
 * product), and (b) an explicit list of test descriptions with a reason.
 *
 * Policy: a test is never skipped merely because it fails today. Failures are information.
 */
import { COMPAT_MONGODB_VERSION } from "../../src/version.ts";

/**
 * The server under test, as it describes itself (version from src/version.ts, the one place it is set); the
 * runner's standalone pass (tests/spec/run.ts) runs the tests that need topology "single" against a
 * `--standalone` server.
 */
export const SERVER = {
  version: COMPAT_MONGODB_VERSION.split(".").map((p) => Number.parseInt(p, 10) || 0),
  topology: "replicaset",
  serverless: false,
  auth: false,
  csfle: false,
} as const;

/** Highest unified-test-format schema version the runner interprets (major 1). */
export const SUPPORTED_SCHEMA = [1, 23] as const;

export const REASONS = {
  schemaVersion: (v: string) => `schemaVersion ${v} not supported by the runner (supports 1.0–1.23)`,
  minServerVersion: (v: string) => `requires server >= ${v} (we claim ${COMPAT_MONGODB_VERSION})`,
  maxServerVersion: (v: string) => `requires server <= ${v} (we claim ${COMPAT_MONGODB_VERSION})`,
  topology: (t: readonly string[], ours: string = SERVER.topology) =>
    `requires topology ${t.join("|")} (we are ${ours})`,
  serverless: "requires serverless",
  auth: "requires auth (run again in the auth pass)",
  noAuth: "requires a server without auth",
  authMechanism: "requires a specific auth mechanism (no auth in SecantusDB)",
  csfle: "requires client-side field level encryption (csfle)",
  serverParameters: (p: string) => `requires server parameters ${p} (getParameter not confirmed)`,
  entity: (t: string) => `entity type '${t}' not supported by the runner`,
  clientEncryption: "clientEncryption entities (CSFLE/QE) outside the product",
  autoEncrypt: "auto encryption (CSFLE/QE) outside the product",
  operation: (n: string) => `operation '${n}' not implemented by the runner`,
  failPoint: "requires server fail points (configureFailPoint not supported by the server)",
  thread: "test runner threads not implemented by the runner",
  logMessages:
    "log message expectations (observeLogMessages/expectLogMessages) not implemented by the runner",
  eventType: (t: string) => `expectEvents eventType '${t}' not implemented by the runner`,
  storeEvents: "storeEventsAsEntities not implemented by the runner",
  explicit: (r: string) => r,
} as const;

/** Operations the runner knows are outside its reach (rule-based skip). */
export const UNSUPPORTED_OPERATIONS: Readonly<Record<string, string>> = {
  assertNumberConnectionsCheckedOut: REASONS.operation("assertNumberConnectionsCheckedOut"),
  waitForEvent: REASONS.operation("waitForEvent"),
  waitForPrimaryChange: REASONS.operation("waitForPrimaryChange"),
  runOnThread: REASONS.thread,
  waitForThread: REASONS.thread,
  loop: REASONS.operation("loop"),
  recordTopologyDescription: REASONS.operation("recordTopologyDescription"),
  assertTopologyType: REASONS.operation("assertTopologyType"),
  assertEventCount: REASONS.operation("assertEventCount"),
};

/**
 * (b) Explicit skips by test description ("file description :: test description" or just the test
 * description). Keep each entry with a reason a reader can act on.
 */
export const EXPLICIT_SKIPS: Readonly<Record<string, string>> = {
  // Driver behaviour (npm:mongodb 7.9): only `bypassDocumentValidation: true` is sent for aggregate,
  // findAndModify and bulk writes (insertMany goes through the bulk path). Not a server property.
  ...Object.fromEntries(
    ["Aggregate with $out", "BulkWrite", "FindOneAndReplace", "FindOneAndUpdate", "InsertMany"].map((op) => [
      `bypassDocumentValidation :: ${op} passes bypassDocumentValidation: false`,
      "Node driver omits bypassDocumentValidation:false for this operation (driver behaviour, not server)",
    ]),
  ),
  // Driver behaviour (npm:mongodb 7.9, lib/utils.js maybeAddIdToDocuments: `document._id == null`):
  // a null _id is replaced by a fresh ObjectId before the insert is sent. The server keeps a null
  // _id when one arrives (tests/integration/crud_test.ts sends it with a raw command).
  // clientBulkWrite the same way (lib/operations/client_bulk_write/command_builder.js:
  // `model.document._id ?? pkFactory.createPk()`); the server keeps a null _id sent in a raw bulkWrite
  // (tests/integration/crud_test.ts).
  ...Object.fromEntries(
    ["insertOne", "insertMany", "bulkWrite", "clientBulkWrite"].map((op) => [
      `create-null-ids :: inserting _id with type null via ${op}`,
      "Node driver replaces a null _id with an ObjectId client-side (driver behaviour, not server)",
    ]),
  ),
  // Driver behaviour (npm:mongodb 7.9, lib/operations/client_bulk_write/results_merger.js and executor.js):
  // a MongoClientBulkWriteError always carries `partialResult` (the merger's running result, zero counts
  // included), where the spec wants it unset when no write succeeded. A mongod answers the same here.
  ...Object.fromEntries(
    [
      "partialResult is unset when all operations fail during an unordered bulk write",
      "partialResult is unset when first operation fails during an ordered bulk write (summary)",
      "partialResult is unset when first operation fails during an ordered bulk write (verbose)",
    ].map((t) => [
      `client bulkWrite partial results :: ${t}`,
      "Node driver always sets MongoClientBulkWriteError.partialResult (driver behaviour, not server)",
    ]),
  ),
  // Driver behaviour (npm:mongodb 7.9, lib/bulk/common.js getSuccessfullyInsertedIds): insertedIds drops
  // only the ids of documents with a write error, so after a top-level error (here the retried commit
  // fails twice) it still lists every attempted insert. The outcome (nothing written) is checked by the
  // test and holds; pymongo skips the same test (PYTHON-4597).
  "bulkWrite :: First insertOne is never committed":
    "Node driver reports attempted insertedIds after a top-level bulk error (driver behaviour, not server)",
  // Topology, not server: npm:mongodb's connect() selects a server by the client's read preference
  // (here `secondary`), and a one-member replica set — ours, or a one-node mongod — has no secondary,
  // so every operation times out in server selection before anything is sent.
  "transaction-options :: readPreference inherited from client":
    "client readPreference=secondary cannot connect to a one-member replica set (driver server selection)",
};

/** Version string "a.b.c" → numbers, missing parts = 0. */
export function parseVersion(v: string): number[] {
  return v.split(".").map((p) => Number.parseInt(p, 10) || 0);
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length, 3); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export interface RunOnRequirement {
  minServerVersion?: string;
  maxServerVersion?: string;
  topologies?: string[];
  serverless?: "require" | "forbid" | "allow";
  auth?: boolean;
  authMechanism?: string;
  csfle?: boolean | Record<string, unknown>;
  serverParameters?: Record<string, unknown>;
}

/** Why a single requirement is unmet, or null when it is met. */
export function requirementUnmet(
  r: RunOnRequirement,
  serverParameters?: Readonly<Record<string, unknown>>,
  auth = false,
  topology: string = SERVER.topology,
): string | null {
  if (r.minServerVersion && compareVersions(SERVER.version, parseVersion(r.minServerVersion)) < 0) {
    return REASONS.minServerVersion(r.minServerVersion);
  }
  if (r.maxServerVersion && compareVersions(SERVER.version, parseVersion(r.maxServerVersion)) > 0) {
    return REASONS.maxServerVersion(r.maxServerVersion);
  }
  if (r.topologies && !r.topologies.includes(topology)) return REASONS.topology(r.topologies, topology);
  if (r.serverless === "require") return REASONS.serverless;
  if (r.auth === true && !auth) return REASONS.auth;
  if (r.auth === false && auth) return REASONS.noAuth;
  if (r.authMechanism) return REASONS.authMechanism;
  if (r.csfle !== undefined && r.csfle !== false) return REASONS.csfle;
  if (r.serverParameters) {
    for (const [k, v] of Object.entries(r.serverParameters)) {
      if (!serverParameters || JSON.stringify(serverParameters[k]) !== JSON.stringify(v)) {
        return REASONS.serverParameters(JSON.stringify(r.serverParameters));
      }
    }
  }
  return null;
}

/** runOnRequirements is met when ANY entry is met (an absent or empty list is met). */
export function requirementsUnmet(
  reqs: readonly RunOnRequirement[] | undefined,
  serverParameters?: Readonly<Record<string, unknown>>,
  auth = false,
  topology: string = SERVER.topology,
): string | null {
  if (!reqs || reqs.length === 0) return null;
  let first: string | null = null;
  for (const r of reqs) {
    const why = requirementUnmet(r, serverParameters, auth, topology);
    if (why === null) return null;
    first ??= why;
  }
  return first;
}

/** Whether a file's schemaVersion is interpreted by the runner. */
export function schemaUnsupported(v: string): string | null {
  const [major, minor] = parseVersion(v);
  if (major !== SUPPORTED_SCHEMA[0] || (minor ?? 0) > SUPPORTED_SCHEMA[1]) return REASONS.schemaVersion(v);
  return null;
}

export function explicitSkip(fileDescription: string, testDescription: string): string | null {
  return EXPLICIT_SKIPS[`${fileDescription} :: ${testDescription}`] ?? EXPLICIT_SKIPS[testDescription] ??
    null;
}
