/**
 * getDefaultRWConcern / setDefaultRWConcern: the default read and write concerns for operations that
 * name none (src/sessions/rw_defaults.ts). Admin database only. The default write concern applies to
 * writes outside transactions that send no writeConcern (e.g. `j: true` syncs their commits); the
 * default read concern may be local, available or majority, all of which read the latest committed
 * data on this single node. Defaults survive restarts (stored by RWDefaults, as mongod keeps them
 * in config.settings).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { bool, doc, optional, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { parseWriteConcern } from "../params/write_concern.ts";

const GET_FIELDS = { inMemory: optional(bool) } as const;
const SET_FIELDS = { defaultReadConcern: optional(doc), defaultWriteConcern: optional(doc) } as const;

export interface SetDefaultRWConcernParams {
  readonly defaultReadConcern?: Doc;
  readonly defaultWriteConcern?: Doc;
}

const DEFAULT_READ_LEVELS: readonly unknown[] = ["local", "available", "majority"];

export function parseSetDefaultRWConcern(body: Doc): SetDefaultRWConcernParams {
  const p = parseShape("setDefaultRWConcern", body, SET_FIELDS, {
    skip: "setDefaultRWConcern",
    alsoAccept: GENERIC_FIELDS,
  });
  if (p.defaultReadConcern === undefined && p.defaultWriteConcern === undefined) {
    throw new CommandError(
      "BadValue",
      'At least one of the "defaultReadConcern" or "defaultWriteConcern" fields must be present',
    );
  }
  const rc = p.defaultReadConcern;
  if (rc && Object.keys(rc).length > 0) {
    for (const k of Object.keys(rc)) {
      if (k !== "level") {
        throw new CommandError("BadValue", `'${k}' is not suitable for the default read concern`);
      }
    }
    if (!DEFAULT_READ_LEVELS.includes(rc["level"])) {
      throw new CommandError(
        "BadValue",
        `level: '${String(rc["level"])}' is not suitable for the default read concern`,
      );
    }
  }
  const wc = p.defaultWriteConcern;
  if (wc && Object.keys(wc).length > 0) {
    const parsed = parseWriteConcern({ writeConcern: wc });
    if (parsed.unacknowledged) {
      throw new CommandError("BadValue", "Default write concern mode 'w' cannot be 0");
    }
  }
  return p;
}

function reply(ctx: RequestContext<unknown>): Doc {
  const s = ctx.rwDefaults.get();
  return {
    defaultReadConcern: s.readConcern ?? { level: "local" },
    defaultWriteConcern: s.writeConcern ?? { w: "majority", wtimeout: 0 },
    ...(s.updateOpTime ? { updateOpTime: s.updateOpTime, updateWallClockTime: s.updateWallClockTime } : {}),
    defaultReadConcernSource: s.readConcern ? "global" : "implicit",
    defaultWriteConcernSource: s.writeConcern ? "global" : "implicit",
    localUpdateWallClockTime: s.updateWallClockTime ?? ctx.info.startedAt,
    ok: 1,
  };
}

function adminOnly(ctx: RequestContext<unknown>, name: string): void {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", `${name} may only be run against the admin database.`);
  }
}

export const getDefaultRWConcern = defineCommand<Doc>({
  name: "getDefaultRWConcern",
  help: "the default read and write concerns: {getDefaultRWConcern: 1}",
  auth: "getDefaultRWConcern",
  parse: (body) =>
    parseShape("getDefaultRWConcern", body, GET_FIELDS, {
      skip: "getDefaultRWConcern",
      alsoAccept: GENERIC_FIELDS,
    }),
  run: (ctx) => {
    adminOnly(ctx, "getDefaultRWConcern");
    return reply(ctx);
  },
});

export const setDefaultRWConcern = defineCommand<SetDefaultRWConcernParams>({
  name: "setDefaultRWConcern",
  help:
    "sets the default read/write concerns: {setDefaultRWConcern: 1, defaultReadConcern, defaultWriteConcern}",
  auth: "setDefaultRWConcern",
  parse: parseSetDefaultRWConcern,
  run: (ctx) => {
    adminOnly(ctx, "setDefaultRWConcern");
    const p = ctx.params;
    ctx.rwDefaults.set(p.defaultReadConcern, p.defaultWriteConcern, ctx.clusterClock.tick(), new Date());
    return reply(ctx);
  },
});
