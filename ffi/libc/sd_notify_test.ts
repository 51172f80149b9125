import assert from "node:assert/strict";
import { notifyAddress, sdNotify, startWatchdog, watchdogIntervalMs } from "./sd_notify.ts";

Deno.test("notifyAddress: a path ends with NUL, an abstract name starts with one, others are refused", () => {
  const p = notifyAddress("/run/systemd/notify")!;
  assert.equal(p.len, 2 + 19 + 1);
  assert.deepEqual([...p.addr.subarray(0, 3)], [1, 0, "/".charCodeAt(0)]);
  const a = notifyAddress("@sd-notify")!;
  assert.equal(a.len, 2 + 9 + 1);
  assert.deepEqual([...a.addr.subarray(0, 4)], [1, 0, 0, "s".charCodeAt(0)]);
  assert.equal(notifyAddress("relative/path"), undefined);
  assert.equal(notifyAddress("/" + "x".repeat(200)), undefined);
});

Deno.test("sdNotify without NOTIFY_SOCKET is off; to a missing socket it reports the failure", () => {
  assert.equal(sdNotify("READY=1", ""), "off");
  if (Deno.build.os === "linux") {
    assert.match(sdNotify("READY=1", "/nonexistent/notify.sock"), /sendto .* failed/);
  }
});

Deno.test("watchdogIntervalMs: half of WATCHDOG_USEC; off when unset, malformed, zero or for another pid", () => {
  assert.equal(watchdogIntervalMs("30000000", undefined, 42), 15_000);
  assert.equal(watchdogIntervalMs("30000000", "42", 42), 15_000);
  assert.equal(watchdogIntervalMs("30000000", "43", 42), undefined);
  assert.equal(watchdogIntervalMs(undefined, undefined, 42), undefined);
  assert.equal(watchdogIntervalMs("", undefined, 42), undefined);
  assert.equal(watchdogIntervalMs("0", undefined, 42), undefined);
  assert.equal(watchdogIntervalMs("-5", undefined, 42), undefined);
  assert.equal(watchdogIntervalMs("1s", undefined, 42), undefined);
  assert.equal(watchdogIntervalMs("1000", undefined, 42), 1);
});

/** systemd's side for a test: a bound Unix datagram socket read without blocking (libc over FFI). */
function fakeNotifySocket(path: string) {
  const lib = Deno.dlopen(
    "libc.so.6",
    {
      socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
      bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
      recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
      close: { parameters: ["i32"], result: "i32" },
    } as const,
  );
  const fd = lib.symbols.socket(1, 2, 0);
  const a = notifyAddress(path)!;
  assert.equal(lib.symbols.bind(fd, a.addr, a.len), 0, "bind");
  const buf = new Uint8Array(4096);
  return {
    /** Every datagram waiting now. */
    drain(): string[] {
      const out: string[] = [];
      for (;;) {
        const n = Number(lib.symbols.recv(fd, buf, BigInt(buf.length), 0x40 /* MSG_DONTWAIT */));
        if (n < 0) return out;
        out.push(new TextDecoder().decode(buf.subarray(0, n)));
      }
    },
    close() {
      lib.symbols.close(fd);
      lib.close();
    },
  };
}

Deno.test({
  name: "startWatchdog sends WATCHDOG=1 to NOTIFY_SOCKET until stopped",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-wd-" });
    const fake = fakeNotifySocket(`${dir}/notify.sock`);
    try {
      const stop = startWatchdog(10, { socket: `${dir}/notify.sock` });
      const got: string[] = [];
      const deadline = Date.now() + 5_000;
      while (got.length < 3 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
        got.push(...fake.drain());
      }
      stop();
      assert.ok(got.length >= 3, `pings received: ${got.length}`);
      assert.ok(got.every((m) => m === "WATCHDOG=1"), got.join(","));
      await new Promise((r) => setTimeout(r, 30));
      fake.drain();
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(fake.drain(), [], "no ping after stop");
    } finally {
      fake.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("startWatchdog reports a failing socket once, not at every ping", async () => {
  if (Deno.build.os !== "linux") return;
  const errors: string[] = [];
  const stop = startWatchdog(5, { socket: "/nonexistent/notify.sock", onError: (w) => errors.push(w) });
  await new Promise((r) => setTimeout(r, 40));
  stop();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /sendto .* failed/);
});
