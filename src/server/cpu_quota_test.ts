import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { cgroupPaths, quotaFromCfs, quotaFromCpuMax, readCpuQuota, spinMicrosUnder } from "./cpu_quota.ts";

Deno.test("cpu quota: cgroup v2 cpu.max and v1 cfs texts", () => {
  assertEquals(quotaFromCpuMax("max 100000\n"), undefined);
  assertEquals(quotaFromCpuMax("150000 100000\n"), 1.5);
  assertEquals(quotaFromCpuMax("200000"), 2);
  assertEquals(quotaFromCpuMax("garbage 100000"), undefined);
  assertEquals(quotaFromCfs("-1\n", "100000\n"), undefined);
  assertEquals(quotaFromCfs("50000\n", "100000\n"), 0.5);
});

Deno.test("cpu quota: the process's cgroup paths, and the quota read through them", () => {
  assertEquals(cgroupPaths("0::/system.slice/secantusdb.service\n"), {
    v2: "/system.slice/secantusdb.service",
  });
  assertEquals(cgroupPaths("4:memory:/x\n2:cpu,cpuacct:/docker/abc\n0::/\n"), {
    cpu: "/docker/abc",
    v2: "/",
  });
  const files: Record<string, string> = {
    "/proc/self/cgroup": "0::/system.slice/s.service\n",
    "/sys/fs/cgroup/system.slice/s.service/cpu.max": "100000 100000\n",
  };
  const read = (p: string) => {
    const t = files[p];
    if (t === undefined) throw new Deno.errors.NotFound(p);
    return t;
  };
  assertEquals(readCpuQuota(read), 1);
  files["/proc/self/cgroup"] = "1:cpu:/\n0::/\n";
  files["/sys/fs/cgroup/cpu/cpu.cfs_quota_us"] = "-1\n";
  files["/sys/fs/cgroup/cpu/cpu.cfs_period_us"] = "100000\n";
  files["/sys/fs/cgroup/cpu.max"] = "300000 100000\n";
  assertEquals(readCpuQuota(read), 3); // v1 says none: v2's
  files["/sys/fs/cgroup/cpu/cpu.cfs_quota_us"] = "150000\n";
  assertEquals(readCpuQuota(read), 1.5);
  assertEquals(
    readCpuQuota(() => {
      throw new Deno.errors.PermissionDenied("no");
    }),
    undefined,
  );
});

Deno.test("cpu quota: the I/O thread polls only with two CPUs' time", () => {
  assertEquals(spinMicrosUnder(50, undefined), 50);
  assertEquals(spinMicrosUnder(50, 1.5), 0);
  assertEquals(spinMicrosUnder(50, 2), 50);
  assertEquals(spinMicrosUnder(0, undefined), 0);
});
