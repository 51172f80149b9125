/**
 * Whether a WiredTiger.lock file is locked by a running process. WiredTiger takes a POSIX (fcntl)
 * lock on it; Linux lists every such lock in /proc/locks as `… <major>:<minor>:<inode> …`, so a
 * match on the file's inode and device says a server holds the directory. Where /proc/locks cannot
 * be read the answer is false (the restore then relies on WiredTiger refusing to open it later).
 */

export function lockedByProcess(lockFile: string): boolean {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(lockFile);
  } catch {
    return false;
  }
  let locks: string;
  try {
    locks = Deno.readTextFileSync("/proc/locks");
  } catch {
    return false;
  }
  const ino = info.ino;
  const dev = info.dev;
  if (ino === null) return false;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00);
  for (const line of locks.split("\n")) {
    const m = /\s([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (m && m[3] === String(ino) && parseInt(m[1]!, 16) === major && parseInt(m[2]!, 16) === minor) {
      return true;
    }
  }
  return false;
}
