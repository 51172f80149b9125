/**
 * Server-sent events: a Response whose body a producer writes `event`/`data` frames into until the
 * browser goes away (the abort signal fires) or the producer returns. A comment line every 15 s keeps
 * proxies from closing an idle stream.
 */
export type Send = (event: string, data: unknown) => void;

export function sseResponse(produce: (send: Send, signal: AbortSignal) => Promise<void>): Response {
  const abort = new AbortController();
  const enc = new TextEncoder();
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send: Send = (event, data) => {
        if (abort.signal.aborted) return;
        try {
          controller.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          abort.abort();
        }
      };
      keepAlive = setInterval(() => {
        try {
          controller.enqueue(enc.encode(": keep-alive\n\n"));
        } catch {
          abort.abort();
        }
      }, 15_000);
      produce(send, abort.signal)
        .catch((e) => send("error", { message: e instanceof Error ? e.message : String(e) }))
        .finally(() => {
          clearInterval(keepAlive);
          if (!abort.signal.aborted) {
            abort.abort();
            try {
              controller.close();
            } catch { /* already closed */ }
          }
        });
    },
    cancel() {
      clearInterval(keepAlive);
      abort.abort();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}

/** Resolves after `ms` or as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
