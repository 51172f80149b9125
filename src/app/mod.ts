/**
 * app/ — the composition root: wires storage, cursors, counters, logging and the command layer to
 * the listener, and stops them in order. The top of the data path: it may import every layer below;
 * nothing imports it but `src/cli/` and the root `mod.ts` (embedding API).
 */
export { type RunningServer, type StartOptions, startServer } from "./start_server.ts";
