/**
 * The CPU quota this process runs under (a container's `--cpus`, systemd's `CPUQuota=`): cgroup v2's
 * `cpu.max` or v1's `cpu.cfs_quota_us` / `cpu.cfs_period_us`, in CPUs. The shim's I/O thread polls for a
 * while after its own answers (`[server] io_spin_us`) only when two CPUs are there to poll on: the shim
 * checks the CPUs the process may run on, this the time it may use of them.
 */

/** CPUs allowed by a cgroup v2 `cpu.max` text ("max 100000": none, undefined). */
export function quotaFromCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === "max") return undefined;
  return ratio(quota, period ?? "100000");
}

/** CPUs allowed by cgroup v1's `cpu.cfs_quota_us` and `cpu.cfs_period_us` texts (-1: none, undefined). */
export function quotaFromCfs(quotaText: string, periodText: string): number | undefined {
  return quotaText.trim() === "-1" ? undefined : ratio(quotaText.trim(), periodText.trim());
}

function ratio(quota: string, period: string): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : undefined;
}

/** The cgroup paths of this process from a /proc/self/cgroup text: v2's and v1's cpu controller's. */
export function cgroupPaths(text: string): { v2?: string; cpu?: string } {
  const out: { v2?: string; cpu?: string } = {};
  for (const line of text.split("\n")) {
    const [id, controllers, path] = line.split(":");
    if (path === undefined) continue;
    if (id === "0" && controllers === "") out.v2 = path;
    else if (controllers!.split(",").includes("cpu")) out.cpu = path;
  }
  return out;
}

/** This process's CPU quota in CPUs, or undefined when there is none (or it cannot be read). */
export function readCpuQuota(read: (path: string) => string = Deno.readTextFileSync): number | undefined {
  const text = (path: string): string | undefined => {
    try {
      return read(path);
    } catch {
      return undefined;
    }
  };
  const under = (root: string, path: string) => `${root}${path === "/" ? "" : path}`;
  const self = text("/proc/self/cgroup");
  if (self === undefined) return undefined;
  const { v2, cpu } = cgroupPaths(self);
  if (cpu !== undefined) {
    const quota = text(`${under("/sys/fs/cgroup/cpu", cpu)}/cpu.cfs_quota_us`);
    const period = text(`${under("/sys/fs/cgroup/cpu", cpu)}/cpu.cfs_period_us`);
    const cpus = quota === undefined || period === undefined ? undefined : quotaFromCfs(quota, period);
    if (cpus !== undefined) return cpus;
  }
  const max = v2 === undefined ? undefined : text(`${under("/sys/fs/cgroup", v2)}/cpu.max`);
  return max === undefined ? undefined : quotaFromCpuMax(max);
}

/** The polling to ask of the I/O thread: `micros`, or 0 under a quota of less than two CPUs. */
export function spinMicrosUnder(micros: number, quota: number | undefined): number {
  return quota !== undefined && quota < 2 ? 0 : micros;
}
