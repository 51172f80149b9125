/**
 * `secantusdb/mongodb-memory-server`: the classes and methods test suites use from
 * mongodb-memory-server, over one SecantusDB server, so switching is a one-line import change.
 *
 * What maps: `create`, `start`, `stop` (boolean or `{doCleanup, force}`), `cleanup`, `getUri(db?, ip?)`,
 * `ensureInstance`, `state` and `stateChange` events, `instanceInfo`, `waitUntilRunning`, `servers`;
 * options `instance.{port, ip, dbName, dbPath, args, launchTimeout}` and, for the replica set,
 * `replSet.{count: 1, dbName, ip, args}` and `instanceOpts[0].{port, dbPath, args}`.
 * What differs: no binary is downloaded (`binary` and `spawn` are ignored); storage is `:memory:`
 * unless `dbPath` is given; `args` are SecantusDB serve flags (a mongod flag is refused by name);
 * the replica set is named "secantus" whatever `replSet.name` says (getUri() carries the real name);
 * `replSet.count` above 1 and `auth` are refused with an error. A plain MongoMemoryServer also runs
 * transactions: SecantusDB always reports a single-node replica set.
 */
import { EventEmitter } from "node:events";
import { SecantusServer } from "./secantus_server.ts";

/** The replica-set name SecantusDB reports. */
export const REPLICA_SET_NAME = "secantus";

export const MongoMemoryServerStates = {
  new: "new",
  starting: "starting",
  running: "running",
  stopped: "stopped",
} as const;
export type MongoMemoryServerStates = (typeof MongoMemoryServerStates)[keyof typeof MongoMemoryServerStates];

export const MongoMemoryReplSetStates = {
  init: "init",
  running: "running",
  stopped: "stopped",
} as const;
export type MongoMemoryReplSetStates =
  (typeof MongoMemoryReplSetStates)[keyof typeof MongoMemoryReplSetStates];

export interface MongoMemoryInstanceOpts {
  port?: number;
  ip?: string;
  dbName?: string;
  dbPath?: string;
  /** Accepted for compatibility; storage is :memory: unless dbPath is set. */
  storageEngine?: string;
  /** SecantusDB serve flags. */
  args?: string[];
  /** Start timeout in ms. */
  launchTimeout?: number;
  /** Refused (authentication is not in this build). */
  auth?: boolean;
  /** Accepted: the server always reports a single-node replica set. */
  replSet?: string;
}

export interface MongoMemoryServerOpts {
  instance?: MongoMemoryInstanceOpts;
  /** Ignored: nothing is downloaded. */
  binary?: unknown;
  /** Ignored. */
  spawn?: unknown;
  /** Refused unless `{ disable: true }` (authentication is not in this build). */
  auth?: { disable?: boolean; [key: string]: unknown };
}

export interface Cleanup {
  doCleanup?: boolean;
  force?: boolean;
}

export interface MongoInstanceData {
  port: number;
  ip: string;
  dbName: string;
  dbPath: string;
  storageEngine: string;
  replSet?: string;
  instance: { pid: number | undefined };
}

function cleanupOptions(opts: boolean | Cleanup | undefined, defaultDo: boolean): Cleanup {
  if (typeof opts === "boolean") return { doCleanup: opts, force: false };
  return { doCleanup: opts?.doCleanup ?? defaultDo, force: opts?.force ?? false };
}

export class MongoMemoryServer extends EventEmitter {
  opts: MongoMemoryServerOpts;
  #state: MongoMemoryServerStates = MongoMemoryServerStates.new;
  #server: SecantusServer | undefined;
  #info: MongoInstanceData | undefined;

  constructor(opts: MongoMemoryServerOpts = {}) {
    super();
    this.opts = { ...opts };
  }

  static async create(opts?: MongoMemoryServerOpts): Promise<MongoMemoryServer> {
    const s = new MongoMemoryServer(opts);
    await s.start();
    return s;
  }

  get state(): MongoMemoryServerStates {
    return this.#state;
  }

  get instanceInfo(): MongoInstanceData | undefined {
    return this.#info;
  }

  #setState(state: MongoMemoryServerStates): void {
    this.#state = state;
    this.emit("stateChange", state);
  }

  /** Starts the server; `forceSamePort` reuses the previous port after a stop. */
  async start(forceSamePort = false): Promise<void> {
    if (this.#state === "running" || this.#state === "starting") {
      throw new Error(`MongoMemoryServer.start: state is "${this.#state}", expected "new" or "stopped"`);
    }
    const inst = this.opts.instance ?? {};
    if (inst.auth || (this.opts.auth && !this.opts.auth.disable)) {
      throw new Error("secantusdb: authentication is not available in this build (auth option refused)");
    }
    const previousPort = this.#info?.port;
    this.#setState(MongoMemoryServerStates.starting);
    try {
      this.#server = await SecantusServer.create({
        port: forceSamePort && previousPort !== undefined ? previousPort : inst.port ?? 0,
        host: inst.ip ?? "127.0.0.1",
        ...(inst.dbPath !== undefined ? { storagePath: inst.dbPath } : {}),
        ...(inst.args !== undefined ? { args: inst.args } : {}),
        ...(inst.launchTimeout !== undefined ? { startTimeoutMs: inst.launchTimeout } : {}),
      });
    } catch (e) {
      this.#setState(MongoMemoryServerStates.stopped);
      throw e;
    }
    this.#info = {
      port: this.#server.port,
      ip: inst.ip ?? "127.0.0.1",
      dbName: inst.dbName ?? "",
      dbPath: this.#server.storagePath,
      storageEngine: inst.storageEngine ?? "wiredTiger",
      ...(inst.replSet !== undefined ? { replSet: inst.replSet } : {}),
      instance: { pid: this.#server.pid },
    };
    this.#setState(MongoMemoryServerStates.running);
  }

  /** Starts the server unless it runs; resolves with its instance info. */
  async ensureInstance(): Promise<MongoInstanceData> {
    if (this.#state === "starting") {
      await new Promise<void>((resolve, reject) =>
        this.once("stateChange", (s) => s === "running" ? resolve() : reject(new Error(`state became ${s}`)))
      );
    } else if (this.#state !== "running") {
      await this.start();
    }
    if (!this.#info) throw new Error("MongoMemoryServer.ensureInstance: no instance");
    return this.#info;
  }

  /** `mongodb://IP:PORT/DB` — the same shape mongodb-memory-server returns. */
  getUri(otherDb?: string, otherIp?: string): string {
    if (this.#state !== "running" || !this.#info) {
      throw new Error(`MongoMemoryServer.getUri: state is "${this.#state}", expected "running"`);
    }
    return `mongodb://${otherIp ?? this.#info.ip}:${this.#info.port}/${otherDb ?? this.#info.dbName}`;
  }

  /** Stops the server; with `doCleanup` (the default) also forgets the instance. */
  async stop(cleanup?: boolean | Cleanup): Promise<boolean> {
    const opts = cleanupOptions(cleanup, true);
    if (!this.#server || this.#state === "stopped") return false;
    const server = this.#server;
    try {
      await server.stop();
    } finally {
      this.#setState(MongoMemoryServerStates.stopped);
    }
    if (opts.doCleanup) await this.cleanup(opts);
    return true;
  }

  /** Forgets a stopped instance; with `force` removes a `dbPath` you gave. */
  async cleanup(options?: boolean | Cleanup): Promise<void> {
    const opts = cleanupOptions(options, true);
    if (this.#state === "running" || this.#state === "starting") {
      throw new Error(`MongoMemoryServer.cleanup: state is "${this.#state}", expected "stopped"`);
    }
    if (this.#server && opts.force) {
      await this.#server.stop({ doCleanup: true, force: true });
    }
    this.#server = undefined;
    this.#info = undefined;
    if (this.#state !== "new") this.#setState(MongoMemoryServerStates.new);
  }
}

export interface ReplSetOpts {
  /** Must be 1 (SecantusDB is one node). */
  count?: number;
  /** Ignored: the set is named "secantus" (getUri() says so). */
  name?: string;
  dbName?: string;
  ip?: string;
  args?: string[];
  storageEngine?: string;
  auth?: unknown;
}

export interface MongoMemoryReplSetOpts {
  replSet?: ReplSetOpts;
  instanceOpts?: MongoMemoryInstanceOpts[];
  binary?: unknown;
}

export class MongoMemoryReplSet extends EventEmitter {
  opts: MongoMemoryReplSetOpts;
  servers: MongoMemoryServer[] = [];
  #state: MongoMemoryReplSetStates = MongoMemoryReplSetStates.stopped;

  constructor(opts: MongoMemoryReplSetOpts = {}) {
    super();
    this.opts = { ...opts };
  }

  static async create(opts?: MongoMemoryReplSetOpts): Promise<MongoMemoryReplSet> {
    const rs = new MongoMemoryReplSet(opts);
    await rs.start();
    return rs;
  }

  get state(): MongoMemoryReplSetStates {
    return this.#state;
  }

  #setState(state: MongoMemoryReplSetStates): void {
    this.#state = state;
    this.emit("stateChange", state);
  }

  async start(): Promise<void> {
    if (this.#state !== "stopped") {
      throw new Error(`MongoMemoryReplSet.start: state is "${this.#state}", expected "stopped"`);
    }
    const rs = this.opts.replSet ?? {};
    const count = rs.count ?? this.opts.instanceOpts?.length ?? 1;
    if (count > 1 || (this.opts.instanceOpts?.length ?? 0) > 1) {
      throw new Error(
        `secantusdb: a replica set has one node here (SecantusDB is single-node); got count ${count}`,
      );
    }
    if (rs.auth) {
      throw new Error("secantusdb: authentication is not available in this build (auth option refused)");
    }
    const inst = this.opts.instanceOpts?.[0] ?? {};
    const args = [...(rs.args ?? []), ...(inst.args ?? [])];
    const server = new MongoMemoryServer({
      instance: {
        ...inst,
        ...(rs.ip !== undefined && inst.ip === undefined ? { ip: rs.ip } : {}),
        ...(rs.dbName !== undefined ? { dbName: rs.dbName } : {}),
        args,
        replSet: REPLICA_SET_NAME,
      },
    });
    this.#setState(MongoMemoryReplSetStates.init);
    try {
      await server.start();
    } catch (e) {
      this.#setState(MongoMemoryReplSetStates.stopped);
      throw e;
    }
    this.servers = [server];
    this.#setState(MongoMemoryReplSetStates.running);
  }

  /** Resolves once the set is running (it is as soon as start() resolves). */
  async waitUntilRunning(): Promise<void> {
    if (this.#state === "running") return;
    await new Promise<void>((resolve, reject) =>
      this.once("stateChange", (s) => s === "running" ? resolve() : reject(new Error(`state became ${s}`)))
    );
  }

  /** `mongodb://IP:PORT/DB?replicaSet=secantus`. */
  getUri(otherDb?: string, otherIp?: string): string {
    const server = this.servers[0];
    if (this.#state !== "running" || !server?.instanceInfo) {
      throw new Error(`MongoMemoryReplSet.getUri: state is "${this.#state}", expected "running"`);
    }
    const info = server.instanceInfo;
    return `mongodb://${otherIp ?? info.ip}:${info.port}/${
      otherDb ?? info.dbName
    }?replicaSet=${REPLICA_SET_NAME}`;
  }

  async stop(cleanup?: boolean | Cleanup): Promise<boolean> {
    if (this.#state === "stopped") return false;
    const opts = cleanupOptions(cleanup, true);
    try {
      for (const s of this.servers) await s.stop({ doCleanup: false });
    } finally {
      this.#setState(MongoMemoryReplSetStates.stopped);
    }
    if (opts.doCleanup) await this.cleanup(opts);
    return true;
  }

  async cleanup(options?: boolean | Cleanup): Promise<void> {
    const opts = cleanupOptions(options, true);
    if (this.#state === "running" || this.#state === "init") {
      throw new Error(`MongoMemoryReplSet.cleanup: state is "${this.#state}", expected "stopped"`);
    }
    for (const s of this.servers) await s.cleanup(opts);
    this.servers = [];
  }
}

export default MongoMemoryServer;
