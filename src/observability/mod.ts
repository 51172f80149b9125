/**
 * observability/ — leveled logging with a ring buffer for getLog (log.ts) and the process-wide
 * counters serverStatus reports (counters.ts). A leaf: any layer may import it.
 */
export { createLogger, type Logger } from "./log.ts";
export { Counters } from "./counters.ts";
