// Every page but the dashboard and the collection views. Each probes the server for what it shows
// and says "not available on this server" where a command is missing, so pages light up as features
// land (mongod's command and field names throughout).
import { coll } from "./collection.js";
import { databases, db, users } from "./pages_data.js";
import { changes, connections, console_, cursors } from "./pages_live.js";
import { backup, logs, maintenance, oplog, profiler } from "./pages_ops.js";

export const PAGES = {
  databases,
  db,
  coll,
  users,
  changes,
  console: console_,
  connections,
  cursors,
  oplog,
  profiler,
  logs,
  backup,
  maintenance,
};
