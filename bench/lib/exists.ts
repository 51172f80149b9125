/** Whether a path exists (benches skip themselves when a shared harness file is missing). */
export function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}
