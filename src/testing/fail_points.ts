/**
 * Fail points for testing (mongod's `configureFailPoint`, as drivers' test suites use it).
 * `onPrimaryTransactionalWrite` hits retryable writes: by default the write commits and the
 * connection is then dropped before the reply (so the driver retries a committed write); with
 * `failBeforeCommitExceptionCode` the write is not applied. `failCommand`: for the commands it names it can answer with an error code and
 * labels, add a writeConcernError after running the command, close the connection, or block for a
 * while first — always, a number of times, after skipping some, or with a probability; optionally
 * only for clients whose appName matches. State is per server process (ServerContext.failPoints).
 */
import { CommandError } from "../errors/command_error.ts";
import { isNumeric, toNumber, typeName } from "../bson/type_name.ts";
import type { Document as Doc } from "../bson/document.ts";

export interface FailCommandData {
  readonly failCommands: readonly string[];
  readonly errorCode?: number;
  readonly errorLabels?: readonly string[];
  readonly closeConnection: boolean;
  readonly blockConnection: boolean;
  readonly blockTimeMS: number;
  readonly writeConcernError?: Doc;
  readonly appName?: string;
}

type Mode =
  | { readonly kind: "alwaysOn" }
  | { readonly kind: "times"; left: number }
  | { readonly kind: "skip"; left: number }
  | { readonly kind: "probability"; readonly p: number };

interface Active {
  mode: Mode;
  readonly data: FailCommandData;
}

/** What a triggered fail point asks dispatch to do. */
export interface FailAction {
  readonly data: FailCommandData;
}

/** What onPrimaryTransactionalWrite asks for, when it fires. */
export interface TxnWriteAction {
  readonly closeConnection: boolean;
  readonly failBeforeCommitExceptionCode?: number;
}

export class FailPoints {
  #failCommand: Active | undefined;
  #txnWrite: { mode: Mode; action: TxnWriteAction } | undefined;
  /** Times the fail point was entered (configureFailPoint's reply `count`). */
  #count = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** Applies `{configureFailPoint, mode, data}`; returns the previous activation count. */
  configure(body: Doc): number {
    const name = body["configureFailPoint"];
    if (name === "onPrimaryTransactionalWrite") {
      const mode = parseMode(body["mode"]);
      const data = (body["data"] ?? {}) as Doc;
      const action: { -readonly [K in keyof TxnWriteAction]: TxnWriteAction[K] } = {
        closeConnection: data["closeConnection"] !== false,
      };
      if (isNumeric(data["failBeforeCommitExceptionCode"])) {
        action.failBeforeCommitExceptionCode = toNumber(data["failBeforeCommitExceptionCode"]);
      }
      this.#txnWrite = mode === "off" ? undefined : { mode, action };
      return 0;
    }
    if (name !== "failCommand") {
      throw new CommandError("BadValue", `Cannot find fail point named ${String(name)}`);
    }
    const previous = this.#count;
    const mode = parseMode(body["mode"]);
    if (mode === "off") {
      this.#failCommand = undefined;
    } else {
      this.#failCommand = { mode, data: parseData(body["data"]) };
    }
    this.#count = 0;
    return previous;
  }

  /** onPrimaryTransactionalWrite for one retryable write, if it fires (consuming one activation). */
  checkTxnWrite(): TxnWriteAction | undefined {
    const fp = this.#txnWrite;
    if (!fp) return undefined;
    if (!fires(fp.mode, this.random)) return undefined;
    if (fp.mode.kind === "times" && fp.mode.left === 0) this.#txnWrite = undefined;
    return fp.action;
  }

  /** The action for this command, if the fail point fires for it (consuming one activation). */
  check(command: string, appName: string | undefined): FailAction | undefined {
    const fp = this.#failCommand;
    if (!fp || !fp.data.failCommands.includes(command)) return undefined;
    if (fp.data.appName !== undefined && fp.data.appName !== appName) return undefined;
    const m = fp.mode;
    switch (m.kind) {
      case "alwaysOn":
        break;
      case "times":
        if (m.left <= 0) return undefined;
        m.left--;
        if (m.left === 0) this.#failCommand = undefined;
        break;
      case "skip":
        if (m.left > 0) {
          m.left--;
          return undefined;
        }
        break;
      case "probability":
        if (this.random() >= m.p) return undefined;
        break;
    }
    this.#count++;
    return { data: fp.data };
  }
}

/** Whether a fail point in `mode` fires now (and consumes one activation). */
function fires(m: Mode, random: () => number): boolean {
  switch (m.kind) {
    case "alwaysOn":
      return true;
    case "times":
      if (m.left <= 0) return false;
      m.left--;
      return true;
    case "skip":
      if (m.left > 0) {
        m.left--;
        return false;
      }
      return true;
    case "probability":
      return random() < m.p;
  }
}

function parseMode(mode: unknown): Mode | "off" {
  if (mode === "alwaysOn") return { kind: "alwaysOn" };
  if (mode === "off") return "off";
  if (mode !== null && typeof mode === "object" && !Array.isArray(mode)) {
    const m = mode as Doc;
    if (isNumeric(m["times"])) return { kind: "times", left: toNumber(m["times"]) };
    if (isNumeric(m["skip"])) return { kind: "skip", left: toNumber(m["skip"]) };
    if (isNumeric(m["activationProbability"])) {
      return { kind: "probability", p: toNumber(m["activationProbability"]) };
    }
  }
  throw new CommandError("BadValue", `invalid fail point mode: ${typeName(mode)}`);
}

function parseData(data: unknown): FailCommandData {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new CommandError("BadValue", "failCommand fail point requires a 'data' document");
  }
  const d = data as Doc;
  const cmds = d["failCommands"];
  if (!Array.isArray(cmds) || !cmds.every((c) => typeof c === "string")) {
    throw new CommandError("BadValue", "'failCommands' must be an array of command names");
  }
  const out: { -readonly [K in keyof FailCommandData]: FailCommandData[K] } = {
    failCommands: cmds as string[],
    closeConnection: d["closeConnection"] === true,
    blockConnection: d["blockConnection"] === true,
    blockTimeMS: isNumeric(d["blockTimeMS"]) ? toNumber(d["blockTimeMS"]) : 0,
  };
  if (isNumeric(d["errorCode"])) out.errorCode = toNumber(d["errorCode"]);
  if (Array.isArray(d["errorLabels"])) out.errorLabels = d["errorLabels"] as string[];
  if (d["writeConcernError"] && typeof d["writeConcernError"] === "object") {
    out.writeConcernError = d["writeConcernError"] as Doc;
  }
  if (typeof d["appName"] === "string") out.appName = d["appName"];
  return out;
}
