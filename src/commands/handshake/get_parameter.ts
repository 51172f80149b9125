/**
 * getParameter: reads server parameters. Known parameters are listed in one table; `*` returns all;
 * asking only for unknown ones is mongod's 72 InvalidOptions "no option found to get".
 */
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { COMPAT_MONGODB_VERSION } from "../../version.ts";

function parameters(): Doc {
  const fcv = COMPAT_MONGODB_VERSION.split(".").slice(0, 2).join(".");
  return {
    featureCompatibilityVersion: { version: fcv },
    logLevel: 0,
    authenticationMechanisms: ["SCRAM-SHA-256"],
    maxBSONDepth: 100,
    cursorTimeoutMillis: 600000,
    internalQueryMaxBlockingSortMemoryUsageBytes: 104857600,
    transactionLifetimeLimitSeconds: 60,
  };
}

export const getParameter: LegacyCommandSpec = {
  name: "getParameter",
  help: "reads server parameters: {getParameter: 1, <name>: 1} or {getParameter: '*'}",
  auth: "getParameter",
  run: (_ctx, body) => {
    const all = parameters();
    if (body["getParameter"] === "*") return { ...all, ok: 1 };
    const out: Doc = {};
    for (const key of Object.keys(body).slice(1)) {
      if (key.startsWith("$") || key === "lsid" || key === "comment") continue;
      if (key in all) out[key] = all[key];
    }
    if (Object.keys(out).length === 0) throw new CommandError("InvalidOptions", "no option found to get");
    return { ...out, ok: 1 };
  },
};
