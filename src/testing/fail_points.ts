/**
 * Fail points for testing (mongod's `configureFailPoint`, as drivers' test suites use them), behind
 * the enableTestCommands switch. Each has a mode (alwaysOn, {times}, {skip}, {activationProbability},
 * off), a data document and a times-entered count (configureFailPoint's reply `count`):
 *
 * - `failCommand`: for the commands it names (`failCommands`, matched through aliases, or every
 *   command with `failAllCommands`) and optionally only for one client `appName` or `namespace`:
 *   block for `blockTimeMS`, close the connection, answer with `errorCode` (and labels), or run the
 *   command and attach `writeConcernError`. mongod activates it only when it has an effect
 *   (closeConnection, blockConnection or errorCode; writeConcernError for write commands).
 *   `configureFailPoint` itself is never failed.
 * - `onPrimaryTransactionalWrite`: hits retryable writes, evaluated once per write unit (each
 *   document inserted, each update or delete statement, as mongod's op observer: `{skip: 3}` lets a
 *   command of three inserts through and fires on the fourth document). By default the write commits and the
 *   connection is then dropped before the reply (so the driver retries a committed write); with
 *   `failBeforeCommitExceptionCode` the write is refused with that code and nothing is applied.
 * - `maxTimeAlwaysTimeOut`: an operation with a deadline (maxTimeMS) fails its first interrupt check
 *   with 50 MaxTimeMSExpired.
 * - `maxTimeNeverTimeOut`: an operation's maxTimeMS sets no deadline (it runs to its end; drivers'
 *   client-side timeout tests use it to see their own timeout fire first).
 * - `failGetMoreAfterCursorCheckout`: a getMore fails with `errorCode` (default 1 InternalError)
 *   after checking out its cursor, which mongod then deletes. Filters as failCommand (appName,
 *   namespace).
 *
 * State is per server process (ServerContext.failPoints). Randomness is injected.
 */
import { CommandError } from "../errors/command_error.ts";
import { ErrorCode } from "../errors/codes.ts";
import { isNumeric, isPlainDoc, toNumber, typeName } from "../bson/type_name.ts";
import type { Document as Doc } from "../bson/document.ts";

/** The fail points this server has (configureFailPoint on any other name is 266 FailPointSetFailed). */
export const FAIL_POINT_NAMES = [
  "failCommand",
  "failGetMoreAfterCursorCheckout",
  "maxTimeAlwaysTimeOut",
  "maxTimeNeverTimeOut",
  "onPrimaryTransactionalWrite",
] as const;
export type FailPointName = typeof FAIL_POINT_NAMES[number];

export interface FailCommandData {
  /** Command names (any alias of a command matches it); absent = none unless failAllCommands. */
  readonly failCommands: readonly string[];
  readonly failAllCommands: boolean;
  readonly errorCode?: number;
  readonly errorLabels?: readonly string[];
  readonly closeConnection: boolean;
  readonly blockConnection: boolean;
  readonly blockTimeMS?: number;
  readonly writeConcernError?: Doc;
  readonly appName?: string;
  readonly namespace?: string;
}

export type FailPointMode =
  | { readonly kind: "off" }
  | { readonly kind: "alwaysOn" }
  | { readonly kind: "times"; readonly n: number }
  | { readonly kind: "skip"; readonly n: number }
  | { readonly kind: "probability"; readonly p: number };

/** What a triggered failCommand asks dispatch to do. */
export interface FailAction {
  readonly data: FailCommandData;
}

/** What onPrimaryTransactionalWrite asks for, when it fires. */
export interface TxnWriteAction {
  readonly closeConnection: boolean;
  readonly failBeforeCommitExceptionCode?: number;
}

/** Facts of the command a fail point looks at. */
export interface CommandFacts {
  /** The command's canonical name and its aliases (failCommands matches any of them). */
  readonly names: readonly string[];
  /** The client's appName (client metadata of the connection, or of the hello being run). */
  readonly appName: string | undefined;
  /** `db.collection` the command targets, when it names one. */
  readonly namespace: string | undefined;
}

interface Active {
  mode: Exclude<FailPointMode, { kind: "off" }>;
  /** Activations left (times) or to skip (skip). */
  left: number;
  readonly data: Doc;
}

export class FailPoints {
  readonly #active = new Map<FailPointName, Active>();
  readonly #entered = new Map<FailPointName, number>();
  /** Parsed failCommand data of the active failCommand point. */
  #failCommand: FailCommandData | undefined;

  constructor(private readonly random: () => number = Math.random) {}

  /** Sets fail point `name` (validated `mode`, raw `data`); returns its times-entered count so far. */
  configure(name: string, mode: FailPointMode, data: Doc = {}): number {
    if (!(FAIL_POINT_NAMES as readonly string[]).includes(name)) {
      throw new CommandError("FailPointSetFailed", `${name} not found`);
    }
    const fp = name as FailPointName;
    if (mode.kind === "off") {
      this.#active.delete(fp);
      if (fp === "failCommand") this.#failCommand = undefined;
    } else {
      if (fp === "failCommand") this.#failCommand = parseFailCommandData(data);
      const left = mode.kind === "times" || mode.kind === "skip" ? mode.n : 0;
      this.#active.set(fp, { mode, left, data });
    }
    return this.#entered.get(fp) ?? 0;
  }

  /** Times fail point `name` fired since the process started. */
  timesEntered(name: FailPointName): number {
    return this.#entered.get(name) ?? 0;
  }

  /** True while any fail point is on (requests answered outside the command layer would miss it). */
  get anyOn(): boolean {
    return this.#active.size > 0;
  }

  /** True while failCommand is on (`check` can fire): dispatch gathers the command's facts only then. */
  get failCommandOn(): boolean {
    return this.#failCommand !== undefined && this.#active.has("failCommand");
  }

  /** failCommand for this command, if it applies and fires (consuming one activation). */
  check(cmd: CommandFacts): FailAction | undefined {
    const d = this.#failCommand;
    if (!d || !this.#active.has("failCommand")) return undefined;
    if (!commandMatches(d, cmd)) return undefined;
    if (!d.closeConnection && !d.blockConnection && d.errorCode === undefined && !d.writeConcernError) {
      return undefined; // mongod: no effect, not entered
    }
    return this.#fire("failCommand") ? { data: d } : undefined;
  }

  /**
   * onPrimaryTransactionalWrite for one retryable write of `units` write units (documents or
   * statements), if it fires on one of them (evaluated per unit up to the first that fires).
   */
  checkTxnWrite(units = 1): TxnWriteAction | undefined {
    const fp = this.#active.get("onPrimaryTransactionalWrite");
    if (!fp) return undefined;
    let fired = false;
    for (let i = 0; i < Math.max(1, units) && !fired; i++) fired = this.#fire("onPrimaryTransactionalWrite");
    if (!fired) return undefined;
    const action: { -readonly [K in keyof TxnWriteAction]: TxnWriteAction[K] } = {
      closeConnection: fp.data["closeConnection"] !== false,
    };
    if (isNumeric(fp.data["failBeforeCommitExceptionCode"])) {
      action.failBeforeCommitExceptionCode = toNumber(fp.data["failBeforeCommitExceptionCode"]);
    }
    return action;
  }

  /** True when an operation with a deadline must time out now (maxTimeAlwaysTimeOut fired). */
  maxTimeAlwaysTimeOut(): boolean {
    return this.#active.has("maxTimeAlwaysTimeOut") && this.#fire("maxTimeAlwaysTimeOut");
  }

  /** True when an operation's maxTimeMS must set no deadline (maxTimeNeverTimeOut fired). */
  maxTimeNeverTimeOut(): boolean {
    return this.#active.has("maxTimeNeverTimeOut") && this.#fire("maxTimeNeverTimeOut");
  }

  /**
   * failGetMoreAfterCursorCheckout for a getMore on `namespace`: the error code to fail with, if it
   * fires (mongod evaluates it with failCommand's filters and `failCommands: ["getMore"]`).
   */
  getMoreAfterCursorCheckout(appName: string | undefined, namespace: string): number | undefined {
    const fp = this.#active.get("failGetMoreAfterCursorCheckout");
    if (!fp) return undefined;
    const d = fp.data;
    if (typeof d["appName"] === "string" && d["appName"] !== appName) return undefined;
    if (typeof d["namespace"] === "string" && d["namespace"] !== namespace) return undefined;
    if (!this.#fire("failGetMoreAfterCursorCheckout")) return undefined;
    return isNumeric(d["errorCode"]) ? toNumber(d["errorCode"]) : ErrorCode.InternalError;
  }

  /** Whether active fail point `name` fires now; consumes one activation and counts the entry. */
  #fire(name: FailPointName): boolean {
    const fp = this.#active.get(name);
    if (!fp) return false;
    switch (fp.mode.kind) {
      case "alwaysOn":
        break;
      case "times":
        if (fp.left <= 0) return false;
        fp.left--;
        if (fp.left === 0) this.#active.delete(name);
        break;
      case "skip":
        if (fp.left > 0) {
          fp.left--;
          return false;
        }
        break;
      case "probability":
        if (this.random() >= fp.mode.p) return false;
        break;
    }
    this.#entered.set(name, (this.#entered.get(name) ?? 0) + 1);
    return true;
  }
}

function commandMatches(d: FailCommandData, cmd: CommandFacts): boolean {
  if (cmd.names[0] === "configureFailPoint") return false; // banned even if listed
  if (d.appName !== undefined && d.appName !== cmd.appName) return false;
  if (d.namespace !== undefined && d.namespace !== cmd.namespace) return false;
  if (d.failAllCommands) return true;
  return d.failCommands.some((c) => cmd.names.includes(c));
}

/**
 * configureFailPoint's `mode`: "off", "alwaysOn", `{times: n}`, `{skip: n}` or
 * `{activationProbability: p}` (mongod's FailPoint::parseBSON).
 */
export function parseFailPointMode(mode: unknown): FailPointMode {
  if (mode === "alwaysOn") return { kind: "alwaysOn" };
  if (mode === "off") return { kind: "off" };
  if (isPlainDoc(mode)) {
    const times = mode["times"];
    const skip = mode["skip"];
    const p = mode["activationProbability"];
    if (isNumeric(times)) {
      const n = toNumber(times);
      if (n < 0) throw new CommandError("BadValue", "'times' option to 'mode' must be positive");
      return n === 0 ? { kind: "off" } : { kind: "times", n };
    }
    if (isNumeric(skip)) {
      const n = toNumber(skip);
      if (n < 0) throw new CommandError("BadValue", "'skip' option to 'mode' must be positive");
      return { kind: "skip", n };
    }
    if (isNumeric(p)) {
      const n = toNumber(p);
      if (!(n >= 0 && n <= 1)) {
        throw new CommandError(
          "BadValue",
          "'activationProbability' option to 'mode' must be between 0 and 1",
        );
      }
      return { kind: "probability", p: n };
    }
  }
  throw new CommandError("BadValue", `invalid fail point mode: ${typeName(mode)}`);
}

function parseFailCommandData(d: Doc): FailCommandData {
  const cmds = d["failCommands"];
  if (cmds !== undefined && (!Array.isArray(cmds) || !cmds.every((c) => typeof c === "string"))) {
    throw new CommandError("BadValue", "'failCommands' must be an array of command names");
  }
  const out: { -readonly [K in keyof FailCommandData]: FailCommandData[K] } = {
    failCommands: (cmds ?? []) as string[],
    failAllCommands: d["failAllCommands"] !== undefined,
    closeConnection: d["closeConnection"] === true,
    blockConnection: d["blockConnection"] === true,
  };
  if (isNumeric(d["blockTimeMS"])) out.blockTimeMS = toNumber(d["blockTimeMS"]);
  if (isNumeric(d["errorCode"])) out.errorCode = toNumber(d["errorCode"]);
  if (Array.isArray(d["errorLabels"])) out.errorLabels = d["errorLabels"] as string[];
  if (isPlainDoc(d["writeConcernError"])) out.writeConcernError = d["writeConcernError"];
  if (typeof d["appName"] === "string") out.appName = d["appName"];
  if (typeof d["namespace"] === "string") out.namespace = d["namespace"];
  return out;
}
