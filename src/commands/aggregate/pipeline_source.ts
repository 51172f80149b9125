/**
 * The aggregate command's two ends of a pipeline run, where cooperative yielding happens
 * (docs/concurrency.md):
 *
 * - `scanInput`: the collection scan feeding the pipeline, in slices of at most EXAMINE_PER_PULL
 *   examined documents (one storage read each), with a `PAUSE` marker whenever the running command's
 *   OpControl is due;
 * - `PipelineSource`: the cursor over the pipeline output. It pulls the sync generator chain and,
 *   on a `PAUSE`, awaits `ctl.yieldNow()` (deadline / kill checked, one macrotask for other clients),
 *   then pulls again: blocking stages such as `$group` resume mid-input.
 *
 * The control changes per command (aggregate, then each getMore), so both ends share a `ControlSlot`
 * that `nextBatch` points at the current command's control.
 */
import { BSON } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { PAUSE } from "../../engine/mod.ts";
import { EXAMINE_PER_PULL, QuerySource } from "../../executor/query.ts";
import type { BatchSource } from "../../cursors/registry.ts";
import { OpControl } from "../../observability/op_control.ts";
import { LIMITS } from "../../limits.ts";
import type { Doc } from "../reply.ts";

/** The OpControl of the command currently pulling a pipeline. */
export interface ControlSlot {
  current: OpControl;
}

export function controlSlot(ctl: OpControl): ControlSlot {
  return { current: ctl };
}

/** The scan's documents (only `fields` decoded), with `PAUSE` markers when the slot's control is due. */
export function* scanInput(
  source: QuerySource,
  slot: ControlSlot,
  fields?: ReadonlySet<string> | null,
): Generator<Doc> {
  for (;;) {
    const { docs, done } = source.nextDocs(1000, fields, EXAMINE_PER_PULL);
    for (const d of docs) {
      yield d;
      if (slot.current.due()) yield PAUSE;
    }
    if (done) return;
    if (slot.current.dueNow()) yield PAUSE;
  }
}

/** Serialises pipeline output lazily into cursor batches, yielding at `PAUSE` markers. */
export class PipelineSource implements BatchSource {
  #iter: Iterator<Doc>;
  #done = false;
  constructor(
    output: Iterable<Doc>,
    private readonly onClose: () => void,
    private readonly slot: ControlSlot = controlSlot(new OpControl()),
  ) {
    this.#iter = output[Symbol.iterator]();
  }
  async nextBatch(
    maxDocs: number,
    maxBytes: number,
    ctl: OpControl,
  ): Promise<{ docs: Uint8Array[]; done: boolean }> {
    this.slot.current = ctl;
    const docs: Uint8Array[] = [];
    let bytes = 0;
    while (!this.#done && docs.length < maxDocs && bytes < maxBytes) {
      const r = this.#iter.next();
      if (r.done) {
        this.#done = true;
        break;
      }
      if (r.value === PAUSE) {
        await ctl.yieldNow();
        continue;
      }
      const b = BSON.serialize(r.value);
      if (b.length > LIMITS.maxBsonObjectSize) {
        throw new CommandError(
          "BSONObjectTooLarge",
          `BSONObj size: ${b.length} is invalid. Size must be between 0 and 16793600(16MB)`,
        );
      }
      docs.push(b);
      bytes += b.length;
    }
    return { docs, done: this.#done };
  }
  close(): void {
    this.#done = true;
    this.#iter.return?.();
    this.onClose();
  }
}
