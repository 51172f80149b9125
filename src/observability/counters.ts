/**
 * Process-wide operation counters reported by serverStatus (opcounters, network) and, later, the
 * admin dashboard's sparklines. Plain mutable numbers: cheap to bump on hot paths.
 */
export class Counters {
  readonly opcounters = { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 };
  readonly network = { bytesIn: 0, bytesOut: 0, numRequests: 0 };
  totalConnectionsCreated = 0;
}
