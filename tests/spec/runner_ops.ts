/**
 * Special test-runner operations (`object: "testRunner"`): fail points, collection / index assertions,
 * session-state assertions, lsid comparisons and nested createEntities.
 */
import assert from "node:assert/strict";
import type { Document, MongoClient } from "mongodb";
import { type EntityMap, SkipTest } from "./entities.ts";
import { REASONS, UNSUPPORTED_OPERATIONS } from "./skips.ts";
import { match } from "./match.ts";

export interface RunnerContext {
  readonly internal: MongoClient;
  /** Whether the server accepted a harmless configureFailPoint probe. */
  readonly failPointsSupported: boolean;
  /** Fail points to switch off after the test: [client, name]. */
  readonly activeFailPoints: [MongoClient, string][];
}

async function collectionNames(client: MongoClient, db: string): Promise<string[]> {
  const list = await client.db(db).listCollections({}, { nameOnly: true }).toArray();
  return list.map((c) => c.name);
}

async function indexNames(client: MongoClient, db: string, coll: string): Promise<string[]> {
  try {
    return (await client.db(db).collection(coll).listIndexes().toArray()).map((i) => String(i.name));
  } catch (e) {
    if ((e as { code?: number }).code === 26) return [];
    throw e;
  }
}

function lastTwoLsids(entities: EntityMap, clientName: string): [unknown, unknown] {
  const started = entities.client(clientName).events.filter((e) => e.type === "commandStartedEvent");
  const a = started.at(-2)?.data.command as Document | undefined;
  const b = started.at(-1)?.data.command as Document | undefined;
  assert.ok(a && b, "need at least two commandStartedEvents");
  assert.ok(a.lsid && b.lsid, "both commands need an lsid");
  return [a.lsid, b.lsid];
}

const STATE: Record<string, string> = {
  none: "NO_TRANSACTION",
  starting: "STARTING_TRANSACTION",
  in_progress: "TRANSACTION_IN_PROGRESS",
  committed: "TRANSACTION_COMMITTED",
  aborted: "TRANSACTION_ABORTED",
};

export async function runTestRunnerOperation(
  name: string,
  args: Record<string, unknown>,
  entities: EntityMap,
  ctx: RunnerContext,
): Promise<void> {
  const unsupported = UNSUPPORTED_OPERATIONS[name];
  if (unsupported) throw new SkipTest(unsupported);
  const sessionOf = () =>
    entities.session(String(args.session)).session as unknown as Record<string, unknown>;
  switch (name) {
    case "failPoint":
    case "targetedFailPoint": {
      if (!ctx.failPointsSupported) throw new SkipTest(REASONS.failPoint);
      const fp = args.failPoint as Document;
      const client = name === "failPoint" ? entities.client(String(args.client)).client : ctx.internal;
      await client.db("admin").command(fp);
      ctx.activeFailPoints.push([client, String(fp.configureFailPoint)]);
      return;
    }
    case "assertCollectionExists":
      assert.ok(
        (await collectionNames(ctx.internal, String(args.databaseName))).includes(
          String(args.collectionName),
        ),
        `collection ${args.databaseName}.${args.collectionName} should exist`,
      );
      return;
    case "assertCollectionNotExists":
      assert.ok(
        !(await collectionNames(ctx.internal, String(args.databaseName))).includes(
          String(args.collectionName),
        ),
        `collection ${args.databaseName}.${args.collectionName} should not exist`,
      );
      return;
    case "assertIndexExists":
    case "assertIndexNotExists": {
      const names = await indexNames(ctx.internal, String(args.databaseName), String(args.collectionName));
      const has = names.includes(String(args.indexName));
      assert.equal(has, name === "assertIndexExists", `index ${args.indexName} existence; have [${names}]`);
      return;
    }
    case "assertSessionTransactionState": {
      const tx = sessionOf().transaction as { state: string };
      assert.equal(tx.state, STATE[String(args.state)], "session transaction state");
      return;
    }
    case "assertSessionPinned":
    case "assertSessionUnpinned":
      assert.equal(Boolean(sessionOf().isPinned), name === "assertSessionPinned", "session pinned state");
      return;
    case "assertSessionDirty":
    case "assertSessionNotDirty": {
      const ss = sessionOf().serverSession as { isDirty?: boolean } | undefined;
      assert.equal(Boolean(ss?.isDirty), name === "assertSessionDirty", "server session dirty state");
      return;
    }
    case "assertSameLsidOnLastTwoCommands":
    case "assertDifferentLsidOnLastTwoCommands": {
      const [a, b] = lastTwoLsids(entities, String(args.client));
      const same = match(a, b, { root: false }) === null;
      assert.equal(
        same,
        name === "assertSameLsidOnLastTwoCommands",
        "lsid equality of the last two commands",
      );
      return;
    }
    case "createEntities":
      await entities.create(args.entities as Record<string, Record<string, unknown>>[]);
      return;
    default:
      throw new Error(`unknown test runner operation '${name}'`);
  }
}

/** Turns off every fail point a test enabled (best effort). */
export async function disableFailPoints(ctx: RunnerContext): Promise<void> {
  for (const [client, fp] of ctx.activeFailPoints.splice(0)) {
    try {
      await client.db("admin").command({ configureFailPoint: fp, mode: "off" });
    } catch { /* best effort */ }
  }
}
