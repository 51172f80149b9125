/**
 * random_sample.ts — a leading `$sample` answered by the storage engine's random picks
 * (`ReadTxn.randomRecords`) instead of a collection scan and a shuffle: mongod's
 * `$sampleFromRandomCursor` over a MULTI_ITERATOR plan (pipeline_d.cpp `createRandomCursorExecutor`).
 *
 * - When (`randomSampleFits`): the engine picks at random, the collection holds more than
 *   RANDOM_MIN_RECORDS documents and the sample is at most RANDOM_MAX_RATIO of them (mongod's cut-offs).
 *   Otherwise the pipeline's `$sample` reads every document and keeps a random `size` of them.
 * - Distinct documents: a pick of a record already sampled is dropped (mongod de-duplicates by `_id`;
 *   a record id names one document of a snapshot just as well, and across the snapshots of several
 *   getMores), and SAMPLE_MAX_ATTEMPTS such picks in a row fail the command with 28799, as mongod.
 * - Snapshots: each `next` is one storage read, so inside a transaction (or a snapshot read) the picks
 *   come from its snapshot and its own writes, like any other read of it; outside, each getMore reads
 *   the latest data, as a collection scan that yields would.
 */
import { CommandError } from "../errors/command_error.ts";
import { Location } from "../errors/locations.ts";
import type { CollectionEntry, StorageEngine } from "../storage/api.ts";
import type { Document as Doc } from "../bson/document.ts";
import type { ExecStats } from "./compiled_query.ts";
import { sameUuid } from "./same_uuid.ts";
import { Row } from "./rows.ts";

/** mongod's kMaxSampleRatioForRandCursor: a larger sample is drawn from a scan. */
export const RANDOM_MAX_RATIO = 0.05;
/** A collection of at most this many documents is sampled from a scan (mongod's cut-off). */
export const RANDOM_MIN_RECORDS = 100;
/** Picks of already sampled documents in a row before the sample gives up (mongod's kMaxAttempts). */
export const SAMPLE_MAX_ATTEMPTS = 100;

/**
 * Would mongod sample `size` documents of `coll` through a random cursor, and can this storage pick
 * records at random? (Counted in the reader's snapshot: a transaction's own writes count.)
 */
export function randomSampleFits(storage: StorageEngine, coll: CollectionEntry, size: number): boolean {
  return storage.read((txn) => {
    if (txn.randomRecords === undefined) return false;
    const n = txn.count(coll);
    return n > RANDOM_MIN_RECORDS && size <= n * RANDOM_MAX_RATIO;
  });
}

/** `size` distinct documents of a collection picked at random, a chunk per storage read. */
export class RandomSample {
  readonly stats: ExecStats = { docsExamined: 0, keysExamined: 0, nReturned: 0 };
  readonly #seen = new Set<bigint>();
  /** Picks of already sampled records since the last new one. */
  #repeats = 0;
  #done = false;
  /** The average stored size of the picks so far (sizes the engine's buffers). */
  #sizeHint: number | undefined;

  constructor(
    private readonly storage: StorageEngine,
    private readonly coll: CollectionEntry,
    readonly size: number,
    private readonly random?: () => number,
  ) {
    if (size <= 0) this.#done = true;
  }

  get done(): boolean {
    return this.#done;
  }

  /** The picks' average stored size so far (0 before the first). */
  get averageSize(): number {
    return this.#sizeHint ?? 0;
  }

  /** Up to `max` more sampled documents' stored bytes ([] once done). */
  next(max: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.#done) return out;
    this.#checkCollection();
    const want = Math.min(max, this.size - this.#seen.size);
    const coll = this.coll;
    const opts = {
      ...(this.#sizeHint !== undefined ? { sizeHint: this.#sizeHint } : {}),
      ...(this.random ? { random: this.random } : {}),
    };
    const picks = this.storage.read((txn) => txn.randomRecords!(coll, want, opts));
    if (picks.length === 0) {
      this.#done = true; // an empty collection
      return out;
    }
    let bytes = 0;
    for (const p of picks) {
      this.stats.docsExamined++;
      bytes += p.bytes.length;
      if (this.#seen.has(p.rid)) {
        if (++this.#repeats >= SAMPLE_MAX_ATTEMPTS) {
          throw new CommandError(
            Location.SampleTooManyDuplicates,
            `$sample stage could not find a non-duplicate document after ${SAMPLE_MAX_ATTEMPTS} while using a random cursor. This is likely a sporadic failure, please try again.`,
          );
        }
        continue;
      }
      this.#repeats = 0;
      this.#seen.add(p.rid);
      out.push(p.bytes);
    }
    this.#sizeHint = Math.ceil(bytes / picks.length);
    this.stats.nReturned += out.length;
    if (this.#seen.size >= this.size) this.#done = true;
    return out;
  }

  /** `next`'s documents decoded (only `fields` when given: the consumer reads no other). */
  nextDocs(max: number, fields?: ReadonlySet<string> | null): Doc[] {
    return this.next(max).map((b) => new Row(0n, b).view(fields));
  }

  #checkCollection(): void {
    const now = this.storage.catalog.getCollection(this.coll.db, this.coll.name);
    if (!now || !sameUuid(now.uuid, this.coll.uuid)) {
      this.#done = true;
      throw new CommandError(
        "QueryPlanKilled",
        `collection dropped during query: ${this.coll.db}.${this.coll.name}`,
      );
    }
  }

  close(): void {
    this.#done = true;
  }
}
