/**
 * Runs one unified-test-format file against a server URI: requirement checks, initialData, entities,
 * operations with expectResult / expectError / saveResultAsEntity, expectEvents and outcome.
 * Every driver call is bounded by a per-operation timeout.
 */
import { type Document, MongoClient } from "mongodb";
import { EntityMap, SkipTest } from "./entities.ts";
import { checkError, checkEvents, checkOutcome, errorText, matchContext } from "./expect.ts";
import { match } from "./match.ts";
import { MalformedOperation } from "./arguments.ts";
import { knowsEntityOperation, type Operation, runEntityOperation } from "./operations.ts";
import { disableFailPoints, type RunnerContext, runTestRunnerOperation } from "./runner_ops.ts";
import { parseSpecJson } from "./ejson.ts";
import {
  explicitSkip,
  REASONS,
  requirementsUnmet,
  type RunOnRequirement,
  schemaUnsupported,
  SERVER,
  UNSUPPORTED_OPERATIONS,
} from "./skips.ts";

export type Status = "passed" | "failed" | "skipped";
export interface TestResult {
  description: string;
  status: Status;
  /** Failure message or skip reason. */
  reason?: string;
}

export interface RunOptions {
  readonly filter?: string;
  readonly opTimeoutMs: number;
  /**
   * The auth pass: the server runs with auth and `uri` carries a root user's credentials; only the
   * tests whose requirements need auth run (the others were reported by the first pass).
   */
  readonly auth?: boolean;
  /**
   * The standalone pass: the server runs with `--standalone` (topology "single"); only the tests whose
   * requirements need that topology run (the others were reported by the first pass).
   */
  readonly single?: boolean;
}

type Rec = Record<string, unknown>;
interface SpecTest {
  description: string;
  runOnRequirements?: RunOnRequirement[];
  skipReason?: string;
  operations: Operation[];
  expectEvents?: Rec[];
  outcome?: Rec[];
}
interface SpecFile {
  description: string;
  schemaVersion: string;
  runOnRequirements?: RunOnRequirement[];
  createEntities?: Record<string, Record<string, unknown>>[];
  initialData?: Rec[];
  tests: SpecTest[];
}

export class Timeout extends Error {}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`timeout after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export async function loadSpecFile(path: string): Promise<SpecFile> {
  return parseSpecJson(await Deno.readTextFile(path)) as SpecFile;
}

/** Rule-based skip decided before running anything (avoids half-run tests). */
function staticSkip(test: SpecTest, file: SpecFile, ctx: RunnerContext): string | null {
  const ops = [...test.operations];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const nested = op.arguments?.callback;
    if (Array.isArray(nested)) ops.push(...(nested as Operation[]));
    if (UNSUPPORTED_OPERATIONS[op.name]) return UNSUPPORTED_OPERATIONS[op.name]!;
    if ((op.name === "failPoint" || op.name === "targetedFailPoint") && !ctx.failPointsSupported) {
      return REASONS.failPoint;
    }
  }
  for (const e of test.expectEvents ?? []) {
    const t = String(e.eventType ?? "command");
    if (t !== "command" && t !== "cmap") return REASONS.eventType(t);
  }
  if ((test as unknown as Rec).expectLogMessages) return REASONS.logMessages;
  for (const e of file.createEntities ?? []) {
    const [type] = Object.keys(e);
    if (type === "clientEncryption") return REASONS.clientEncryption;
  }
  return null;
}

async function loadInitialData(data: Rec[], internal: MongoClient): Promise<void> {
  for (const d of data) {
    const db = internal.db(String(d.databaseName));
    const name = String(d.collectionName);
    await db.collection(name).drop({ writeConcern: { w: "majority" } }).catch((e) => {
      if ((e as { code?: number }).code !== 26 && !/ns not found/i.test(String(e))) throw e;
    });
    await db.createCollection(name, {
      ...(d.createOptions as Rec | undefined),
      writeConcern: { w: "majority" },
    });
    const docs = (d.documents ?? []) as Document[];
    if (docs.length) await db.collection(name).insertMany(docs, { writeConcern: { w: "majority" } });
  }
}

async function runOperation(
  op: Operation,
  entities: EntityMap,
  ctx: RunnerContext,
  opts: RunOptions,
  index: string,
  /**
   * Inside a withTransaction callback: an error the operation expects (or ignores) is still thrown
   * on after it is checked, so the driver's withTransaction sees the callback fail and aborts or
   * retries, as the convenient-API tests' expected events (abortTransaction after each) require.
   */
  inCallback = false,
): Promise<void> {
  const label = `operation ${index} ${op.name} on ${op.object}`;
  let result: unknown;
  let error: unknown;
  let failed = false;
  try {
    const run = op.object === "testRunner"
      ? runTestRunnerOperation(op.name, (op.arguments ?? {}) as Rec, entities, ctx).then(() => undefined)
      : runEntityOperation(
        op,
        entities,
        (nested) => runOperation(nested, entities, ctx, opts, `${index}.n`, true),
      );
    result = await withTimeout(run, opts.opTimeoutMs, label);
  } catch (e) {
    if (e instanceof SkipTest || e instanceof Timeout || e instanceof MalformedOperation) throw e;
    if (op.object === "testRunner") throw new Error(`${label}: ${(e as Error).message}`);
    error = e;
    failed = true;
  }
  if (op.ignoreResultAndError) {
    if (failed && inCallback) throw error;
    return;
  }
  if (op.expectError) {
    if (!failed) throw new Error(`${label}: expected an error, got result ${show(result)}`);
    const r = checkError(error, op.expectError, entities);
    if (r) throw new Error(`${label}: ${r}`);
    if (inCallback) throw error;
    return;
  }
  if (failed) throw new Error(`${label}: unexpected error ${errorText(error)}`);
  if (op.expectResult !== undefined) {
    const r = match(op.expectResult, result, { ctx: matchContext(entities) });
    if (r) throw new Error(`${label}: result mismatch ${r}`);
  }
  if (op.saveResultAsEntity) {
    const isCursor = !!result && typeof result === "object" && "tryNext" in result && "close" in result;
    entities.set(
      op.saveResultAsEntity,
      isCursor ? { kind: "cursor", cursor: result as never } : { kind: "value", value: result },
    );
  }
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * The unified test format's step before a test: end any transaction an earlier test left open
 * (`killAllSessions` through the internal client). A test whose abortTransaction fails by fail point
 * leaves one, and the next test's initialData drop would wait for it, as on mongod (its collection lock).
 */
async function terminateOpenTransactions(ctx: RunnerContext): Promise<void> {
  try {
    await ctx.internal.db("admin").command({ killAllSessions: [] });
  } catch { /* mongod's runners may ignore Interrupted (SERVER-38335); nothing else is expected */ }
}

async function runTest(test: SpecTest, file: SpecFile, ctx: RunnerContext, uri: string, opts: RunOptions) {
  await withTimeout(terminateOpenTransactions(ctx), opts.opTimeoutMs, "killAllSessions");
  await withTimeout(loadInitialData(file.initialData ?? [], ctx.internal), opts.opTimeoutMs, "initialData");
  const entities = new EntityMap(uri);
  try {
    await withTimeout(entities.create(file.createEntities ?? []), opts.opTimeoutMs, "createEntities");
    for (const [i, op] of test.operations.entries()) await runOperation(op, entities, ctx, opts, String(i));
    for (const e of test.expectEvents ?? []) {
      const r = checkEvents(e, entities);
      if (r) throw new Error(`expectEvents: ${r}`);
    }
    if (test.outcome) {
      const r = await withTimeout(checkOutcome(test.outcome, ctx.internal), opts.opTimeoutMs, "outcome");
      if (r) throw new Error(r);
    }
  } finally {
    await withTimeout(disableFailPoints(ctx), opts.opTimeoutMs, "disable fail points").catch(() => {});
    await withTimeout(entities.close(), opts.opTimeoutMs, "close entities").catch(() => {});
  }
}

async function probe(internal: MongoClient, cmd: Document): Promise<Document | undefined> {
  try {
    return await internal.db("admin").command(cmd);
  } catch {
    return undefined;
  }
}

/**
 * Runs every test of one file. `invert` (for the format's valid-fail self-tests) counts a failing test as
 * passed and vice versa.
 */
/** Whether a test runs only against a server with auth (what the auth pass runs). */
export function needsAuth(
  file: { runOnRequirements?: RunOnRequirement[] },
  test: { runOnRequirements?: RunOnRequirement[] },
  params?: Readonly<Record<string, unknown>>,
): boolean {
  const authOnly = (reqs?: RunOnRequirement[]) =>
    requirementsUnmet(reqs, params, false) !== null && requirementsUnmet(reqs, params, true) === null;
  const met = (reqs?: RunOnRequirement[]) => requirementsUnmet(reqs, params, true) === null;
  return met(file.runOnRequirements) && met(test.runOnRequirements) &&
    (authOnly(file.runOnRequirements) || authOnly(test.runOnRequirements));
}

/** Whether a test runs only against a standalone server (what the standalone pass runs). */
export function needsSingle(
  file: { runOnRequirements?: RunOnRequirement[] },
  test: { runOnRequirements?: RunOnRequirement[] },
  params?: Readonly<Record<string, unknown>>,
): boolean {
  const met = (reqs: RunOnRequirement[] | undefined, topology: string) =>
    requirementsUnmet(reqs, params, false, topology) === null;
  const both = (topology: string) =>
    met(file.runOnRequirements, topology) && met(test.runOnRequirements, topology);
  return both("single") && !both(SERVER.topology);
}

export async function runFile(
  path: string,
  uri: string,
  opts: RunOptions,
  onTest: (r: TestResult) => void,
  invert = false,
): Promise<void> {
  const report = (r: TestResult) => {
    if (invert && r.status !== "skipped") {
      const expectedFailure = r.status === "failed";
      onTest({
        description: r.description,
        status: expectedFailure ? "passed" : "failed",
        ...(expectedFailure ? {} : { reason: "valid-fail test unexpectedly passed" }),
      });
    } else onTest(r);
  };
  let file: SpecFile;
  try {
    file = await loadSpecFile(path);
  } catch (e) {
    report({ description: "(load file)", status: "failed", reason: `cannot parse: ${(e as Error).message}` });
    return;
  }
  const tests = file.tests.filter((t) =>
    !opts.filter || `${file.description} :: ${t.description}`.includes(opts.filter) ||
    path.includes(opts.filter)
  );
  const schema = schemaUnsupported(String(file.schemaVersion));
  if (schema) {
    for (const t of tests) report({ description: t.description, status: "failed", reason: schema });
    return;
  }
  const internal = new MongoClient(uri, { serverSelectionTimeoutMS: opts.opTimeoutMs });
  try {
    await withTimeout(internal.connect(), opts.opTimeoutMs, "internal client connect");
    const needsFp = tests.some((t) => JSON.stringify(t.operations).includes('FailPoint"'));
    const fp = needsFp
      ? await withTimeout(
        probe(internal, { configureFailPoint: "failCommand", mode: "off" }),
        opts.opTimeoutMs,
        "probe",
      )
      : undefined;
    const params = await withTimeout(
      probe(internal, { getParameter: 1, enableTestCommands: 1, acceptApiVersion2: 1, requireApiVersion: 1 }),
      opts.opTimeoutMs,
      "probe",
    );
    const ctx: RunnerContext = { internal, failPointsSupported: fp?.ok === 1, activeFailPoints: [] };
    const auth = opts.auth === true;
    const topology = opts.single === true ? "single" : SERVER.topology;
    const fileUnmet = requirementsUnmet(file.runOnRequirements, params, auth, topology);
    for (const test of tests) {
      if (auth && !needsAuth(file, test, params)) continue;
      if (opts.single === true && !needsSingle(file, test, params)) continue;
      const why = fileUnmet ??
        (test.skipReason ? `skipReason in spec: ${test.skipReason}` : null) ??
        explicitSkip(file.description, test.description) ??
        requirementsUnmet(test.runOnRequirements, params, auth, topology) ??
        staticSkip(test, file, ctx);
      if (why) {
        report({ description: test.description, status: "skipped", reason: why });
        continue;
      }
      try {
        await runTest(test, file, ctx, uri, opts);
        report({ description: test.description, status: "passed" });
      } catch (e) {
        if (e instanceof SkipTest) {
          report({ description: test.description, status: "skipped", reason: e.reason });
        } else report({ description: test.description, status: "failed", reason: (e as Error).message });
        if (e instanceof Timeout) throw e;
      }
    }
  } finally {
    await withTimeout(internal.close(true), 5_000, "close internal client").catch(() => {});
  }
}

/** Whether the runner can execute an operation name at all (for reporting). */
export function knowsOperation(name: string): boolean {
  return knowsEntityOperation(name);
}
