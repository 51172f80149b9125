/**
 * Test-only server state, behind mongod's `enableTestCommands` switch: fail points set by
 * `configureFailPoint` (failCommand, onPrimaryTransactionalWrite, …). Pure state machines; dispatch
 * applies what they say. May import: bson, errors. Imported by: commands, app.
 */
export { type FailAction, type FailCommandData, FailPoints, type TxnWriteAction } from "./fail_points.ts";
