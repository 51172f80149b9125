/**
 * Change streams, pure: oplog entry → change events (`events.ts`), update descriptions from the
 * oplog's diffs (`update_description.ts`) and resume tokens (`token.ts`). The `$changeStream` stage
 * and its cursor live in `commands/aggregate/change_stream*.ts`. May import: bson, errors, oplog types.
 */
export { endsTransactionChain, type EventOptions, eventsOf, type Scope, type StreamEvent } from "./events.ts";
export { comparePoints, decodeToken, encodeToken, type ResumePoint } from "./token.ts";
export { describeUpdate } from "./update_description.ts";
export { eventSize, MAX_CHANGE_EVENT_SIZE, splitEvent } from "./split_event.ts";
