// Shared helpers of the admin app: DOM building, the API client, tables, probes ("not available on
// this server"), and streams that reconnect with backoff.

/** h("div", {class: "x", onclick: fn}, child, "text", [more]) → Element */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export async function api(path, body) {
  const init = { headers: { "x-secantus-admin": "1" } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 401) {
    location.href = "/login";
    throw new Error("signed out");
  }
  return await res.json();
}

/** runCommand through the driver: {ok, result} or {ok: false, error, absent} */
export function cmd(db, command) {
  return api("/api/command", { db, command });
}

export function errorText(error) {
  if (!error) return "unknown error";
  const code = error.codeName
    ? ` (${error.codeName}${error.code !== undefined ? ` ${error.code}` : ""})`
    : "";
  return `${error.message}${code}`;
}

/** What a page shows when the server lacks a feature (or refused for another reason). */
export function failureBox(what, res) {
  if (res.absent) {
    return h(
      "div",
      { class: "absent", "data-absent": what },
      `${what}: not available on this server (`,
      h("code", {}, errorText(res.error)),
      ").",
    );
  }
  return h("p", { class: "error", role: "alert" }, `${what}: ${errorText(res.error)}`);
}

export function fmtBytes(n) {
  n = Number(n);
  if (!Number.isFinite(n)) return "–";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

export function fmtDuration(secs) {
  secs = Math.round(Number(secs));
  if (!Number.isFinite(secs)) return "–";
  const d = Math.floor(secs / 86400), hh = Math.floor(secs % 86400 / 3600);
  const m = Math.floor(secs % 3600 / 60), s = secs % 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

export function fmtDate(v) {
  if (v === null || v === undefined) return "–";
  const d = typeof v === "object" && v.$date !== undefined ? new Date(v.$date) : new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

export function num(v) {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "object") {
    const inner = v.$numberLong ?? v.$numberInt ?? v.$numberDouble ?? v.$numberDecimal;
    return inner === undefined ? undefined : Number(inner);
  }
  return Number(v);
}

export function ejson(v) {
  return JSON.stringify(v, null, 2);
}

/** A document with one line per top-level field (nested values compact): many fit on a screen. */
export function ejsonCompact(doc) {
  const lines = Object.entries(doc).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return lines.length ? `{\n${lines.join(",\n")}\n}` : "{}";
}

/** Parses Extended JSON typed by the user; "" → undefined. Throws a readable error. */
export function parseInput(text, what) {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid (Extended) JSON: ${e.message}`);
  }
}

/**
 * A sortable table. columns: [{key, label, render?(row) → Node|string, value?(row) → sortable}].
 * Header buttons sort (click again: reverse); usable by keyboard.
 */
export function table(columns, rows, opts = {}) {
  let sortKey = opts.sortKey, dir = opts.dir ?? -1;
  const tbody = h("tbody");
  const valueOf = (c, r) => (c.value ? c.value(r) : r[c.key]);
  const heads = [];
  const draw = () => {
    // The sorted column tells assistive technology its order (aria-sort).
    for (const [c, th] of heads) {
      th.setAttribute("aria-sort", c.key !== sortKey ? "none" : dir > 0 ? "ascending" : "descending");
    }
    const sorted = [...rows];
    const col = columns.find((c) => c.key === sortKey);
    if (col) {
      sorted.sort((a, b) => {
        const x = valueOf(col, a), y = valueOf(col, b);
        if (x === y) return 0;
        if (x === undefined || x === null) return 1;
        if (y === undefined || y === null) return -1;
        return (x < y ? -1 : 1) * dir;
      });
    }
    tbody.replaceChildren(...sorted.map((r) =>
      h(
        "tr",
        {},
        columns.map((c) => {
          const v = c.render ? c.render(r) : valueOf(c, r);
          return h("td", {}, v === undefined || v === null ? "" : v);
        }),
      )
    ));
    if (sorted.length === 0) {
      tbody.append(
        h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, opts.empty ?? "nothing here")),
      );
    }
  };
  const head = h(
    "tr",
    {},
    columns.map((c) => {
      const th = h(
        "th",
        { scope: "col" },
        c.sortable === false ? c.label : h("button", {
          type: "button",
          "data-sort": c.key,
          onclick: () => {
            dir = sortKey === c.key ? -dir : -1;
            sortKey = c.key;
            draw();
          },
        }, c.label),
      );
      if (c.sortable !== false) heads.push([c, th]);
      return th;
    }),
  );
  draw();
  return h("div", { class: "scroll" }, h("table", { class: opts.class }, h("thead", {}, head), tbody));
}

/**
 * An EventSource that reconnects with exponential backoff (0.5 s doubling to 15 s) until `signal`
 * aborts. handlers: {eventName: fn(data)}; onState(text) reports "live" / "reconnecting in Ns".
 */
export function stream(url, handlers, signal, onState = () => {}) {
  let delay = 500, es = null, timer = null;
  const open = () => {
    if (signal.aborted) return;
    es = new EventSource(url);
    es.addEventListener("open", () => {
      delay = 500;
      onState("live");
    });
    for (const [name, fn] of Object.entries(handlers)) {
      es.addEventListener(name, (ev) => fn(JSON.parse(ev.data)));
    }
    es.addEventListener("error", () => {
      es.close();
      if (signal.aborted) return;
      onState(`reconnecting in ${(delay / 1000).toFixed(1)} s`);
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 15000);
    });
  };
  signal.addEventListener("abort", () => {
    es?.close();
    clearTimeout(timer);
  });
  open();
}

/** Repeats fn every ms until signal aborts (fn awaited, no overlap). */
export function every(ms, fn, signal) {
  let t = null;
  const tick = async () => {
    if (signal.aborted) return;
    try {
      await fn();
    } catch (e) {
      console.error(e);
    }
    if (!signal.aborted) t = setTimeout(tick, ms);
  };
  signal.addEventListener("abort", () => clearTimeout(t));
  tick();
}

export function field(label, input) {
  return h("label", {}, label, input);
}

export function input(name, value = "", attrs = {}) {
  return h("input", { name, value, "aria-label": attrs.label ?? name, ...attrs });
}

export function resultBox() {
  return h("div", { class: "result", "aria-live": "polite" });
}

export function showResult(box, res) {
  box.replaceChildren(res.ok ? h("pre", { class: "ok" }, ejson(res.result)) : failureBox("command", res));
}

/** Lists databases (names) and a db's collections, for pickers. */
export async function databaseNames() {
  const r = await cmd("admin", { listDatabases: 1, nameOnly: true });
  return r.ok ? r.result.databases.map((d) => d.name).sort() : [];
}
