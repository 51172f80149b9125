// The live pages: change streams, the shell console, connections and open cursors.
// Each probes the server for what it shows and says "not available on this server" where a command is
// missing (mongod's command and field names throughout).
import {
  api,
  cmd,
  ejson,
  errorText,
  every,
  failureBox,
  field,
  fmtDate,
  h,
  input,
  num,
  parseInput,
  resultBox,
  showResult,
  stream,
  table,
} from "./util.js";

export function changes(main, [dbName = "", collName = ""], signal) {
  main.append(h("h1", {}, "Change stream"));
  const dbIn = input("db", dbName, { label: "database (empty: whole cluster)" });
  const collIn = input("coll", collName, { label: "collection (empty: whole database)" });
  const state = h("p", { class: "muted", id: "change-state", "aria-live": "polite" }, "not watching");
  const events = h("div", { class: "events", id: "events" });
  let ctl = null;
  const watch = (e) => {
    e?.preventDefault();
    ctl?.abort();
    ctl = new AbortController();
    signal.addEventListener("abort", () => ctl.abort());
    events.replaceChildren();
    const q = new URLSearchParams({ db: dbIn.value, coll: collIn.value });
    state.textContent = "opening…";
    stream(
      `/api/stream/changes?${q}`,
      {
        open: () => {
          state.textContent = `watching ${dbIn.value || "the cluster"}${
            collIn.value ? "." + collIn.value : ""
          }`;
          state.dataset.open = "1";
        },
        change: (ev) => {
          const ns = ev.ns ? `${ev.ns.db}${ev.ns.coll ? "." + ev.ns.coll : ""}` : "";
          events.prepend(
            h(
              "div",
              { class: "doc", "data-op": ev.operationType },
              h("strong", {}, ev.operationType),
              " ",
              h("span", { class: "muted" }, ns, " ", fmtDate(ev.wallTime)),
              h("pre", {}, ejson(ev.fullDocument ?? ev.updateDescription ?? ev.documentKey ?? {})),
            ),
          );
          while (events.childElementCount > 200) events.lastElementChild.remove();
        },
        failure: (f) => {
          state.replaceChildren(
            failureBox("change streams", {
              ok: false,
              error: f,
              absent: f.absent ||
                /only supported on replica sets|Unrecognized pipeline stage/i.test(f.message),
            }),
          );
          ctl.abort();
        },
      },
      ctl.signal,
      (t) => {
        if (t !== "live") state.textContent = t;
      },
    );
  };
  main.append(
    h(
      "form",
      { class: "row", onsubmit: watch },
      field("Database", dbIn),
      field("Collection", collIn),
      h("button", { type: "submit", class: "primary" }, "Watch"),
    ),
    state,
    events,
  );
  if (dbName) watch();
}

const HISTORY_KEY = "secantus-admin-console-history";

export function console_(main) {
  main.append(h("h1", {}, "Query console"));
  const mode = h(
    "select",
    { name: "mode", "aria-label": "mode" },
    ["find", "aggregate", "command"].map((m) => h("option", { value: m }, m)),
  );
  const dbIn = input("db", "test", { label: "database" });
  const collIn = input("coll", "", { label: "collection" });
  const text = h("textarea", {
    name: "query",
    "aria-label": "query",
    rows: 5,
    placeholder: 'find: {"filter"}   aggregate: [stages]   command: {"ping": 1}',
  });
  const out = resultBox();
  const hist = h("ol", { id: "history" });
  const history = () => JSON.parse(localStorage.getItem(HISTORY_KEY) ?? "[]");
  const drawHistory = () =>
    hist.replaceChildren(
      ...history().map((e) =>
        h(
          "li",
          {},
          h("button", {
            type: "button",
            onclick: () => {
              mode.value = e.mode;
              dbIn.value = e.db;
              collIn.value = e.coll;
              text.value = e.text;
            },
          }, `${e.mode} ${e.db}${e.coll ? "." + e.coll : ""}: ${e.text.slice(0, 80)}`),
        )
      ),
    );
  const run = async (ev) => {
    ev?.preventDefault();
    let q;
    try {
      q = parseInput(text.value, "query");
    } catch (e) {
      out.replaceChildren(h("p", { class: "error" }, e.message));
      return;
    }
    const entry = { mode: mode.value, db: dbIn.value, coll: collIn.value, text: text.value };
    localStorage.setItem(
      HISTORY_KEY,
      JSON.stringify(
        [entry, ...history().filter((e) => JSON.stringify(e) !== JSON.stringify(entry))].slice(0, 30),
      ),
    );
    drawHistory();
    let r;
    if (mode.value === "find") {
      r = await api("/api/find", { db: dbIn.value, coll: collIn.value, filter: q ?? {}, limit: 100 });
    } else if (mode.value === "aggregate") {
      r = await api("/api/aggregate", { db: dbIn.value, coll: collIn.value, pipeline: q ?? [] });
    } else r = await cmd(dbIn.value, q ?? {});
    showResult(out, r);
  };
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(e);
  });
  main.append(
    h(
      "form",
      { onsubmit: run },
      h("div", { class: "row" }, field("Mode", mode), field("Database", dbIn), field("Collection", collIn)),
      field("Query (Extended JSON; Ctrl+Enter runs)", text),
      h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Run")),
    ),
    out,
    h("h2", {}, "History"),
    hist,
  );
  drawHistory();
}

export function connections(main, _args, signal) {
  main.append(h("h1", {}, "Connections and operations"));
  const all = h("input", { type: "checkbox", id: "idle", checked: true });
  const box = h("div", { id: "ops" });
  const msg = h("p", { "aria-live": "polite", id: "kill-msg" });
  main.append(
    h(
      "div",
      { class: "row" },
      h("label", { style: "flex-direction:row;gap:.4rem" }, all, "include idle connections"),
      h("span", { class: "muted" }, "refreshes every 2 s"),
    ),
    msg,
    box,
  );
  const kill = async (op) => {
    const r = await cmd("admin", { killOp: 1, op: op.opid });
    msg.textContent = r.ok ? `killOp sent to op ${op.opid}` : errorText(r.error);
  };
  every(2000, async () => {
    const r = await cmd("admin", { currentOp: 1, $all: all.checked });
    if (!r.ok) {
      box.replaceChildren(failureBox("currentOp", r));
      return;
    }
    const rows = r.result.inprog.filter((o) =>
      o.appName !== "secantusdb-admin" || o.active === false ? true : !(o.command && o.command.currentOp)
    );
    box.replaceChildren(table(
      [
        { key: "opid", label: "Op", value: (o) => num(o.opid) },
        {
          key: "kill",
          label: "",
          sortable: false,
          render: (o) =>
            o.active && o.opid !== undefined
              ? h("button", {
                type: "button",
                class: "danger",
                "data-kill": String(num(o.opid)),
                onclick: () => kill(o),
              }, "Kill")
              : "",
        },
        { key: "connectionId", label: "Conn", value: (o) => num(o.connectionId) },
        { key: "client", label: "Client" },
        { key: "appName", label: "App" },
        {
          key: "active",
          label: "State",
          render: (o) =>
            o.active ? h("span", { class: "badge" }, "active") : h("span", { class: "muted" }, "idle"),
        },
        { key: "op", label: "Op type" },
        { key: "ns", label: "Namespace" },
        {
          key: "secs",
          label: "Running",
          value: (o) => num(o.microsecs_running) ?? (num(o.secs_running) ?? 0) * 1e6,
          render: (o) => o.active ? `${((num(o.microsecs_running) ?? 0) / 1000).toFixed(0)} ms` : "",
        },
        {
          key: "command",
          label: "Command",
          sortable: false,
          render: (o) => o.command ? h("code", {}, JSON.stringify(o.command).slice(0, 90)) : "",
        },
      ],
      rows,
      { sortKey: "secs", dir: -1 },
    ));
  }, signal);
}

/** A session id: a UUID ($binary subtype 4) as 8-4-4-4-12 hex, anything else as its JSON. */
function uuidText(v) {
  const b = v?.$binary;
  if (b?.subType === "04" && typeof b.base64 === "string") {
    const hex = [...atob(b.base64)].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
    if (hex.length === 32) {
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
        hex.slice(20)
      }`;
    }
  }
  return v?.$uuid ?? JSON.stringify(v);
}

/** A cursor id as exact text (ids past 2^53 arrive as {$numberLong}). */
const idText = (v) => (v && typeof v === "object" ? v.$numberLong ?? String(num(v)) : String(v ?? ""));

export async function cursors(main) {
  main.append(h("h1", {}, "Cursors and sessions"));
  const box = h("div", { id: "cursor-list" });
  const msg = h("p", { "aria-live": "polite", id: "cursor-msg" });
  const load = async () => {
    const c = await api("/api/aggregate", {
      db: "admin",
      pipeline: [{ $currentOp: { allUsers: true, idleCursors: true } }, { $match: { type: "idleCursor" } }],
    });
    if (!c.ok) {
      box.replaceChildren(failureBox("$currentOp idleCursors", c));
      return;
    }
    box.replaceChildren(table(
      [
        { key: "id", label: "Cursor", value: (x) => idText(x.cursor?.cursorId) },
        {
          key: "kill",
          label: "",
          sortable: false,
          render: (x) =>
            h("button", {
              type: "button",
              class: "danger",
              "data-kill-cursor": idText(x.cursor?.cursorId),
              onclick: () => kill(x),
            }, "Kill"),
        },
        { key: "ns", label: "Namespace" },
        { key: "n", label: "Returned", value: (x) => num(x.cursor?.nDocsReturned) },
        {
          key: "tailable",
          label: "",
          render: (x) => x.cursor?.tailable ? h("span", { class: "badge" }, "tailable") : "",
        },
        { key: "last", label: "Last access", render: (x) => fmtDate(x.cursor?.lastAccessDate) },
        {
          key: "cmd",
          label: "Command",
          sortable: false,
          render: (x) =>
            x.cursor?.originatingCommand
              ? h("code", {}, JSON.stringify(x.cursor.originatingCommand).slice(0, 120))
              : "",
        },
      ],
      c.result,
      { empty: "no open cursors" },
    ));
  };
  const kill = async (x) => {
    const dot = (x.ns ?? "").indexOf(".");
    const id = idText(x.cursor?.cursorId);
    const r = await cmd(x.ns.slice(0, dot), {
      killCursors: x.ns.slice(dot + 1),
      cursors: [{ $numberLong: id }],
    });
    const killed = r.ok ? (r.result.cursorsKilled ?? []).map(idText) : [];
    msg.textContent = !r.ok
      ? errorText(r.error)
      : killed.includes(id)
      ? `cursor ${id} killed`
      : `cursor ${id} not killed (${JSON.stringify(r.result)})`;
    await load();
  };
  main.append(
    h("h2", {}, "Open cursors ", h("button", { type: "button", onclick: load }, "Refresh")),
    msg,
    box,
  );
  await load();
  const s = await api("/api/aggregate", {
    db: "admin",
    pipeline: [{ $listLocalSessions: { allUsers: true } }],
  });
  main.append(h("h2", {}, "Logical sessions"));
  if (!s.ok) {
    main.append(failureBox("$listLocalSessions", s));
    return;
  }
  main.append(table(
    [
      {
        key: "id",
        label: "Session id",
        value: (x) => uuidText(x._id?.id ?? x._id),
        render: (x) => h("code", {}, uuidText(x._id?.id ?? x._id)),
      },
      { key: "user", label: "User", value: (x) => x.user?.name ?? "" },
      {
        key: "lastUse",
        label: "Last use",
        value: (x) => fmtDate(x.lastUse),
        render: (x) => fmtDate(x.lastUse),
      },
    ],
    s.result,
    { empty: "no sessions" },
  ));
}
