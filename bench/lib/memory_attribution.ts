/**
 * Where a server process's resident memory is (issue 15, the 2 GB sort bound): one line from
 * - `/proc/PID/smaps`: resident anonymous memory by mapping kind — glibc's main arena (`[heap]`),
 *   glibc thread arenas (mappings inside 64 MiB-aligned heaps: a rw part and its PROT_NONE rest),
 *   other anonymous mappings (V8's heap pages and code, glibc's own mmapped chunks, thread stacks)
 *   by size, and file-backed pages (the binary, shared libraries);
 * - serverStatus `secantus.memory`: V8's heap (committed / used / external), and the opt-in `malloc`
 *   section: glibc's mallinfo2 (arena bytes, separately mmapped chunks, in use, free);
 * - serverStatus `wiredTiger.cache`: bytes in the cache, dirty, and beyond page images.
 * Used by bench/spill_bench.ts at each phase.
 */
import type { Db } from "mongodb";

const MiB = 1024 * 1024;
const mib = (n: unknown) => (Number(n ?? 0) / MiB).toFixed(0);

interface Region {
  start: bigint;
  end: bigint;
  perms: string;
  name: string;
  rssKb: number;
  anonKb: number;
}

function regions(pid: number): Region[] {
  const out: Region[] = [];
  let cur: Region | undefined;
  for (const line of Deno.readTextFileSync(`/proc/${pid}/smaps`).split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = {
        start: BigInt(`0x${head[1]}`),
        end: BigInt(`0x${head[2]}`),
        perms: head[3]!,
        name: head[4] ?? "",
        rssKb: 0,
        anonKb: 0,
      };
      out.push(cur);
      continue;
    }
    const kv = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (kv && cur) {
      if (kv[1] === "Rss") cur.rssKb = Number(kv[2]);
      else cur.anonKb = Number(kv[2]);
    }
  }
  // smaps is read in pieces: when the process maps or unmaps meanwhile, a region can come twice
  // (a [heap] counted twice read ~2x its size); keep one entry per start address
  const byStart = new Map<bigint, Region>();
  for (const r of out) byStart.set(r.start, r);
  return [...byStart.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** Resident MiB of the process by mapping kind (see the module comment). */
export function smapsSummary(pid: number): Record<string, number> {
  const HEAP_MAX = 64n * BigInt(MiB);
  const sum: Record<string, number> = { heap: 0, arenas: 0, anonBig: 0, anonMid: 0, anonSmall: 0, file: 0 };
  const rs = regions(pid);
  // glibc thread-arena heaps: a 64 MiB-aligned start, the rw part followed by a ---p rest up to 64 MiB
  const arenaStarts = new Set<bigint>();
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!;
    const next = rs[i + 1];
    if (
      r.name === "" && r.start % HEAP_MAX === 0n && r.perms.startsWith("rw") &&
      (r.end - r.start === HEAP_MAX ||
        (next && next.start === r.end && next.perms.startsWith("---") && next.end - r.start === HEAP_MAX))
    ) arenaStarts.add(r.start);
  }
  for (const r of rs) {
    const kb = r.rssKb;
    if (r.name === "[heap]") sum.heap! += kb;
    else if (arenaStarts.has(r.start)) sum.arenas! += kb;
    else if (r.name === "" || r.name.startsWith("[anon")) {
      const size = Number(r.end - r.start);
      if (size >= 64 * MiB) sum.anonBig! += kb;
      else if (size >= MiB) sum.anonMid! += kb;
      else sum.anonSmall! += kb;
    } else if (!r.name.startsWith("[")) sum.file! += kb;
    else sum.anonSmall! += kb; // [stack], [vdso] …
  }
  for (const k of Object.keys(sum)) sum[k] = Math.round(sum[k]! / 1024);
  return sum;
}

/** One line: smaps kinds, V8, glibc and the WiredTiger cache, all in MiB. */
export async function attribution(pid: number, admin: Db): Promise<string> {
  const s = smapsSummary(pid);
  const st = await admin.command({ serverStatus: 1, malloc: 1 });
  const m = st.secantus?.memory ?? {};
  const v8 = m.v8 ?? {};
  const ml = st.malloc ?? {};
  const cache = st.wiredTiger?.cache ?? {};
  return [
    `rss ${mib(m.rss)}`,
    `smaps: [heap] ${s.heap} thread-arenas ${s.arenas} anon>=64M ${s.anonBig} anon1-64M ${s.anonMid} ` +
    `anon<1M ${s.anonSmall} file ${s.file}`,
    `v8: committed ${mib(v8.heapTotal)} used ${mib(v8.heapUsed)} external ${mib(v8.external)}`,
    `malloc: arenas ${mib(ml.arenaBytes)} mmapped ${mib(ml.mmapBytes)} in use ${mib(ml.inUseBytes)} ` +
    `free ${mib(ml.freeBytes)}`,
    `WT cache ${mib(cache["bytes currently in the cache"])} dirty ${
      mib(cache["tracked dirty bytes in the cache"])
    } ` +
    `not-page-images ${mib(cache["bytes not belonging to page images in the cache"])} ` +
    `updates ${mib(cache["bytes allocated for updates"])}`,
  ].join(" | ");
}
