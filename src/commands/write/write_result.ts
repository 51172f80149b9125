/**
 * Collects per-statement write errors the way mongod reports them (`writeErrors: [{index, code,
 * codeName?, errmsg, …}]`), and the ordered/unordered stop rule.
 */
import { CommandError } from "../../errors/command_error.ts";
import { errorToReply } from "../../errors/to_reply.ts";
import type { Doc } from "../reply.ts";

export class WriteErrors {
  readonly list: Doc[] = [];

  /** Records the error of statement `index`; rethrows anything that is not a CommandError. */
  add(index: number, e: unknown, log: (m: string) => void): void {
    if (!(e instanceof CommandError)) {
      const r = errorToReply(e, log);
      this.list.push({ index, code: r["code"], errmsg: r["errmsg"] });
      return;
    }
    const entry: Doc = { index, code: e.code, errmsg: e.message };
    for (const [k, v] of Object.entries(e.extra)) {
      if (k !== "errorLabels") entry[k] = v;
    }
    this.list.push(entry);
  }

  get size(): number {
    return this.list.length;
  }

  /** Adds `writeErrors` to a reply when there are any. */
  into(reply: Doc): Doc {
    if (this.list.length > 0) reply["writeErrors"] = this.list;
    return reply;
  }
}
