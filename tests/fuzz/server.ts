/**
 * The server under fuzz: `deno run -A main.ts --port P --storage-path :memory: --enable-test-commands`
 * as a child process, stdout and stderr appended to a log file the oracle reads from an offset. Start
 * waits (bounded) for the "listening on" line; stop sends SIGTERM, then SIGKILL after a bounded wait.
 */
const ROOT = new URL("../../", import.meta.url).pathname;

export class FuzzServer {
  #child: Deno.ChildProcess | undefined;
  #status: Deno.CommandStatus | undefined;
  #file: Deno.FsFile | undefined;
  #pumps: Promise<void>[] = [];
  #offset = 0;
  readonly logPath: string;

  constructor(readonly port: number, logPath: string) {
    this.logPath = logPath;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The exit status, once the process has ended on its own (or after stop). */
  get exited(): Deno.CommandStatus | undefined {
    return this.#status;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    this.#file = await Deno.open(this.logPath, { append: true, create: true });
    this.#offset = (await Deno.stat(this.logPath)).size;
    this.#status = undefined;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--node-modules-dir=manual",
        `${ROOT}main.ts`,
        "--port",
        String(this.port),
        "--storage-path",
        ":memory:",
        "--enable-test-commands",
      ],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    child.status.then((s) => this.#status = s);
    const file = this.#file;
    this.#pumps = [child.stdout, child.stderr].map(async (s) => {
      for await (const chunk of s) {
        try {
          await file.write(chunk);
        } catch { /* closed */ }
      }
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#status) throw new Error(`server exited at start: ${JSON.stringify(this.#status)}`);
      if (/listening on \S+:\d+/.test(await this.readNew(false))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.stop();
    throw new Error(`server did not start within ${timeoutMs} ms`);
  }

  /** Log text written since the last call (`advance` false: peek without moving the offset). */
  async readNew(advance = true): Promise<string> {
    const f = await Deno.open(this.logPath, { read: true });
    try {
      await f.seek(this.#offset, Deno.SeekMode.Start);
      const chunks: Uint8Array[] = [];
      const buf = new Uint8Array(1 << 16);
      let total = 0;
      for (;;) {
        const n = await f.read(buf);
        if (n === null) break;
        chunks.push(buf.slice(0, n));
        total += n;
      }
      if (advance) this.#offset += total;
      const all = new Uint8Array(total);
      let o = 0;
      for (const c of chunks) {
        all.set(c, o);
        o += c.length;
      }
      return new TextDecoder().decode(all);
    } finally {
      f.close();
    }
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (!this.#status) {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      const t = new Promise((r) => setTimeout(r, 5000));
      await Promise.race([child.status, t]);
      if (!this.#status) {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
        await child.status;
      }
    }
    await Promise.race([Promise.all(this.#pumps), new Promise((r) => setTimeout(r, 2000))]);
    this.#file?.close();
    this.#file = undefined;
  }
}
