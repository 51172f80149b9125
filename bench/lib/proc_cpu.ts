/**
 * CPU time of another process from /proc (Linux): its main thread (the server's JS thread) and the sum
 * of its other threads (WiredTiger's eviction and checkpoint threads, Deno's thread pool), in
 * nanoseconds from each task's `schedstat` (no 10 ms tick granularity as in `stat`).
 */
export interface ProcCpu {
  /** CPU ns of the main thread. */
  readonly main: number;
  /** CPU ns of every other thread (live ones; a thread that exited since is not counted). */
  readonly others: number;
  /** ns the main thread waited on a run queue (runnable, no core free: the machine's load). */
  readonly mainWait: number;
}

/** `schedstat`'s first two fields: ns on a core, ns runnable waiting for one. */
function taskNs(path: string): [number, number] {
  try {
    const f = Deno.readTextFileSync(path).split(" ");
    return [Number(f[0]), Number(f[1])];
  } catch {
    return [0, 0]; // the thread exited between the listing and the read
  }
}

/** Reads `pid`'s CPU time by thread class. */
export function procCpu(pid: number): ProcCpu {
  let main = 0;
  let mainWait = 0;
  let others = 0;
  for (const e of Deno.readDirSync(`/proc/${pid}/task`)) {
    const [run, wait] = taskNs(`/proc/${pid}/task/${e.name}/schedstat`);
    if (Number(e.name) === pid) [main, mainWait] = [run, wait];
    else others += run;
  }
  return { main, others, mainWait };
}
