/**
 * split_event.ts — `$changeStreamSplitLargeEvent` (pure): an event larger than mongod's limit for
 * change events (16 MiB + 16 KiB less 8 KiB) is cut into fragments, as mongod 7.0+ does: the event's
 * fields but `_id`, ordered by size then name, are packed greedily (each fragment takes at least one
 * field, and more while it stays within the limit less the size of the resume token); every fragment
 * starts with its own `_id` (the resume token of that fragment) and `splitEvent: {fragment, of}`
 * (1-based). A field larger than a fragment may be is mongod's 7182500.
 */
import { BSON, Int32 } from "bson";
import type { Document as Doc } from "../bson/document.ts";
import { CommandError } from "../errors/command_error.ts";
import { Location } from "../errors/locations.ts";
import { MAX_COMMAND_BODY_SIZE } from "../limits.ts";

/** mongod's kBSONObjMaxChangeEventSize: an event up to this size is returned whole. */
export const MAX_CHANGE_EVENT_SIZE = MAX_COMMAND_BODY_SIZE - 8 * 1024;

/** BSON size of one field as an element of a document. */
function elementSize(key: string, value: unknown): number {
  return BSON.calculateObjectSize({ [key]: value }) - 5;
}

/** The event's BSON size, without building its bytes (an event may be past what one buffer holds). */
export function eventSize(event: Doc): number {
  return BSON.calculateObjectSize(event);
}

/**
 * The fragments of `event` (whose size is past MAX_CHANGE_EVENT_SIZE), first `skip` left out.
 * `tokenOf(i)` is the resume token of fragment i (0-based).
 */
export function splitEvent(event: Doc, tokenOf: (fragment: number) => Doc, skip = 0): Doc[] {
  const fields = Object.entries(event)
    .filter(([k]) => k !== "_id")
    .map(([k, v]) => ({ k, v, size: elementSize(k, v) }))
    .sort((a, b) => a.size - b.size || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  if (fields.length === 0) {
    throw new CommandError(
      Location.ChangeStreamSplitEmptyEvent,
      "Cannot split an empty event or an event containing solely '_id' field",
    );
  }
  const max = MAX_CHANGE_EVENT_SIZE - BSON.calculateObjectSize(event["_id"] as Doc);
  const fragments: Doc[] = [];
  let n = 0;
  while (n < fields.length) {
    const fragment: Doc = {
      _id: tokenOf(fragments.length),
      splitEvent: { fragment: new Int32(fragments.length + 1), of: new Int32(0) },
    };
    let size = BSON.calculateObjectSize(fragment);
    do {
      const f = fields[n++]!;
      fragment[f.k] = f.v;
      size += f.size;
    } while (n < fields.length && size + fields[n]!.size <= max);
    if (size > max) {
      throw new CommandError(
        Location.ChangeStreamSplitFragmentTooLarge,
        `Splitting change event failed: fragment size ${size} is greater than maximum allowed fragment size ${max}`,
      );
    }
    fragments.push(fragment);
  }
  const of = new Int32(fragments.length);
  for (const f of fragments) (f["splitEvent"] as Doc)["of"] = of;
  return fragments.slice(skip);
}
