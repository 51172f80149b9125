// Every page but the dashboard and the collection views. Each probes the server for what it shows
// and says "not available on this server" where a command is missing, so pages light up as features
// land (mongod's command and field names throughout).
import {
  api,
  cmd,
  databaseNames,
  ejson,
  errorText,
  every,
  failureBox,
  field,
  fmtBytes,
  fmtDate,
  fmtDuration,
  h,
  input,
  num,
  parseInput,
  resultBox,
  showResult,
  stream,
  table,
} from "./util.js";
import { coll } from "./collection.js";

async function databases(main) {
  main.append(h("h1", {}, "Databases"));
  const r = await cmd("admin", { listDatabases: 1 });
  if (!r.ok) {
    main.append(failureBox("listDatabases", r));
    return;
  }
  main.append(
    table(
      [
        {
          key: "name",
          label: "Database",
          render: (d) => h("a", { href: `#/db/${encodeURIComponent(d.name)}` }, d.name),
          value: (d) => d.name,
        },
        {
          key: "sizeOnDisk",
          label: "Size on disk",
          render: (d) => fmtBytes(num(d.sizeOnDisk)),
          value: (d) => num(d.sizeOnDisk),
        },
        { key: "empty", label: "", render: (d) => d.empty ? h("span", { class: "badge" }, "empty") : "" },
      ],
      r.result.databases,
      { sortKey: "name", dir: 1 },
    ),
    h("p", { class: "muted" }, `total ${fmtBytes(num(r.result.totalSize))}`),
  );
}

async function db(main, [name]) {
  main.append(h("h1", {}, h("a", { href: "#/databases" }, "Databases"), " / ", name));
  const r = await cmd(name, { listCollections: 1 });
  if (!r.ok) {
    main.append(failureBox("listCollections", r));
    return;
  }
  const colls = r.result.cursor.firstBatch;
  const rows = await Promise.all(colls.map(async (c) => {
    const row = { name: c.name, type: c.type, options: c.options ?? {} };
    if (c.type === "collection") {
      const s = await cmd(name, { collStats: c.name });
      if (s.ok) {
        Object.assign(row, {
          count: num(s.result.count),
          size: num(s.result.size),
          storage: num(s.result.storageSize),
          nindexes: num(s.result.nindexes),
        });
      } else {
        const n = await cmd(name, { count: c.name });
        if (n.ok) row.count = num(n.result.n);
      }
    }
    return row;
  }));
  const badges = (c) => [
    c.type === "view" ? h("span", { class: "badge" }, `view on ${c.options.viewOn}`) : null,
    c.type === "timeseries" ? h("span", { class: "badge" }, "time series") : null,
    c.options.capped ? h("span", { class: "badge" }, `capped ${fmtBytes(num(c.options.size))}`) : null,
    c.options.validator
      ? h("span", { class: "badge", title: ejson(c.options.validator) }, "validator")
      : null,
    c.options.changeStreamPreAndPostImages?.enabled ? h("span", { class: "badge" }, "pre-images") : null,
    c.options.clusteredIndex ? h("span", { class: "badge" }, "clustered") : null,
  ];
  const msg = h("p", { "aria-live": "polite" });
  const newName = input("collection", "", { label: "new collection name" });
  main.append(
    table(
      [
        {
          key: "name",
          label: "Collection",
          render: (c) =>
            h("a", { href: `#/coll/${encodeURIComponent(name)}/${encodeURIComponent(c.name)}` }, c.name),
          value: (c) => c.name,
        },
        { key: "badges", label: "", sortable: false, render: badges },
        { key: "count", label: "Documents" },
        { key: "size", label: "Data size", render: (c) => c.size === undefined ? "–" : fmtBytes(c.size) },
        {
          key: "storage",
          label: "Storage",
          render: (c) => c.storage === undefined ? "–" : fmtBytes(c.storage),
        },
        { key: "nindexes", label: "Indexes" },
      ],
      rows,
      { sortKey: "name", dir: 1, empty: "no collections" },
    ),
    h(
      "form",
      {
        class: "row",
        onsubmit: async (e) => {
          e.preventDefault();
          const res = await cmd(name, { create: newName.value });
          msg.textContent = res.ok ? `created ${newName.value}` : errorText(res.error);
          if (res.ok) {
            location.hash = `#/coll/${encodeURIComponent(name)}/${encodeURIComponent(newName.value)}`;
          }
        },
      },
      field("New collection", newName),
      h("button", { type: "submit" }, "Create"),
    ),
    msg,
  );
}

async function users(main) {
  main.append(h("h1", {}, "Users and roles"));
  const u = await cmd("admin", { usersInfo: { forAllDBs: true } });
  main.append(h("h2", {}, "Users"));
  if (!u.ok) main.append(failureBox("usersInfo", u));
  else {
    main.append(table(
      [
        { key: "user", label: "User" },
        { key: "db", label: "Database" },
        {
          key: "roles",
          label: "Roles",
          sortable: false,
          render: (x) => (x.roles ?? []).map((r) => h("span", { class: "badge" }, `${r.role}@${r.db}`)),
        },
        {
          key: "mechanisms",
          label: "Mechanisms",
          sortable: false,
          render: (x) => (x.mechanisms ?? []).join(", "),
        },
      ],
      u.result.users ?? [],
      { sortKey: "user", dir: 1, empty: "no users (authentication off or none created)" },
    ));
  }
  main.append(h("h2", {}, "Roles (admin database, built-in included)"));
  const r = await cmd("admin", { rolesInfo: 1, showBuiltinRoles: true });
  if (!r.ok) {
    main.append(failureBox("rolesInfo", r));
    return;
  }
  main.append(table(
    [
      { key: "role", label: "Role" },
      { key: "db", label: "Database" },
      {
        key: "isBuiltin",
        label: "",
        render: (x) =>
          x.isBuiltin ? h("span", { class: "badge" }, "built-in") : h("span", { class: "badge" }, "custom"),
      },
      {
        key: "roles",
        label: "Inherits",
        sortable: false,
        render: (x) => (x.roles ?? []).map((r) => h("span", { class: "badge" }, `${r.role}@${r.db}`)),
      },
    ],
    r.result.roles ?? [],
    { sortKey: "role", dir: 1 },
  ));
}

function changes(main, [dbName = "", collName = ""], signal) {
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

function console_(main) {
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

function connections(main, _args, signal) {
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

async function cursors(main) {
  main.append(h("h1", {}, "Cursors and sessions"));
  const c = await api("/api/aggregate", {
    db: "admin",
    pipeline: [{ $currentOp: { allUsers: true, idleCursors: true } }, { $match: { type: "idleCursor" } }],
  });
  main.append(h("h2", {}, "Open cursors"));
  if (!c.ok) main.append(failureBox("$currentOp idleCursors", c));
  else {main.append(table(
      [
        {
          key: "id",
          label: "Cursor",
          value: (x) => String(num(x.cursor?.cursorId) ?? ""),
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
          render: (x) => h("code", {}, JSON.stringify(x.cursor?.originatingCommand ?? {}).slice(0, 120)),
        },
      ],
      c.result,
      { empty: "no open cursors" },
    ));}
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
        value: (x) => JSON.stringify(x._id?.id ?? x._id),
        render: (x) => h("code", {}, JSON.stringify(x._id?.id ?? x._id)),
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

async function oplog(main) {
  main.append(h("h1", {}, "Oplog"));
  const o = await api("/api/overview");
  if (!o.oplog.ok) {
    main.append(failureBox("oplog", { ok: false, error: o.oplog.error }));
    return;
  }
  if (!o.oplog.value) {
    main.append(
      h(
        "div",
        { class: "absent", "data-absent": "oplog" },
        "oplog: not available on this server (local.oplog.rs does not exist).",
      ),
    );
    return;
  }
  const w = o.oplog.value;
  const tsText = (e) => e?.ts ? `${fmtDate((e.ts.$timestamp?.t ?? 0) * 1000)}` : "–";
  main.append(
    h(
      "div",
      { class: "tiles" },
      h(
        "div",
        { class: "tile" },
        h("div", { class: "label" }, "Window"),
        h(
          "div",
          { class: "value", id: "oplog-span" },
          w.spanSeconds === null ? "empty" : fmtDuration(w.spanSeconds),
        ),
      ),
      h(
        "div",
        { class: "tile" },
        h("div", { class: "label" }, "Entries"),
        h("div", { class: "value" }, String(num(w.count))),
      ),
      h(
        "div",
        { class: "tile" },
        h("div", { class: "label" }, "First"),
        h("div", { class: "value" }, tsText(w.first)),
      ),
      h(
        "div",
        { class: "tile" },
        h("div", { class: "label" }, "Last"),
        h("div", { class: "value" }, tsText(w.last)),
      ),
    ),
  );
  const op = h(
    "select",
    { name: "op", "aria-label": "operation" },
    ["", "i", "u", "d", "c", "n"].map((v) => h("option", { value: v }, v || "any op")),
  );
  const ns = input("ns", "", { label: "namespace (regex)", placeholder: "test\\.items" });
  const limit = input("limit", "50", { type: "number", min: 1, max: 1000, style: "width:5rem" });
  const list = h("div", { id: "oplog-list" });
  const load = async (e) => {
    e?.preventDefault();
    const filter = {};
    if (op.value) filter.op = op.value;
    if (ns.value) filter.ns = { $regex: ns.value };
    const r = await api("/api/find", {
      db: "local",
      coll: "oplog.rs",
      filter,
      sort: { $natural: -1 },
      limit: Number(limit.value) || 50,
    });
    if (!r.ok) {
      list.replaceChildren(failureBox("local.oplog.rs", r));
      return;
    }
    list.replaceChildren(table(
      [
        {
          key: "ts",
          label: "ts",
          value: (x) => (x.ts?.$timestamp?.t ?? 0) * 1e6 + (x.ts?.$timestamp?.i ?? 0),
          render: (x) => `${fmtDate((x.ts?.$timestamp?.t ?? 0) * 1000)} #${x.ts?.$timestamp?.i ?? ""}`,
        },
        { key: "op", label: "op" },
        { key: "ns", label: "ns" },
        {
          key: "o",
          label: "o",
          sortable: false,
          render: (x) => h("code", {}, JSON.stringify(x.o ?? {}).slice(0, 160)),
        },
      ],
      r.result.docs,
      { sortKey: "ts", empty: "no entries match" },
    ));
  };
  main.append(
    h(
      "form",
      { class: "row", onsubmit: load },
      field("Op", op),
      field("Namespace", ns),
      field("Last N", limit),
      h("button", { type: "submit", class: "primary" }, "Show"),
    ),
    list,
  );
  await load();
}

async function profiler(main, [dbName]) {
  main.append(h("h1", {}, "Profiler"));
  const names = await databaseNames();
  const dbSel = h(
    "select",
    { name: "db", "aria-label": "database" },
    [...new Set([dbName ?? names.find((n) => !["admin", "local", "config"].includes(n)) ?? "test", ...names])]
      .map((n) => h("option", { value: n }, n)),
  );
  const body = h("div");
  main.append(h("div", { class: "row" }, field("Database", dbSel)), body);
  const draw = async () => {
    body.replaceChildren();
    const d = dbSel.value;
    const rows = h("div", { id: "profile-rows" });
    const list = async () => {
      const r = await api("/api/find", { db: d, coll: "system.profile", sort: { ts: -1 }, limit: 200 });
      if (!r.ok) {
        rows.replaceChildren(failureBox(`${d}.system.profile`, r));
        return 0;
      }
      rows.replaceChildren(table(
        [
          { key: "ts", label: "When", value: (x) => fmtDate(x.ts), render: (x) => fmtDate(x.ts) },
          { key: "op", label: "Op" },
          { key: "ns", label: "Namespace" },
          { key: "millis", label: "ms", value: (x) => num(x.millis) },
          {
            key: "planSummary",
            label: "Plan",
            render: (x) =>
              x.planSummary
                ? h(
                  "span",
                  { class: x.planSummary.startsWith("COLLSCAN") ? "badge warn" : "badge" },
                  x.planSummary,
                )
                : "",
          },
          { key: "docsExamined", label: "Docs examined", value: (x) => num(x.docsExamined) },
          { key: "keysExamined", label: "Keys examined", value: (x) => num(x.keysExamined) },
          { key: "nreturned", label: "Returned", value: (x) => num(x.nreturned) },
          {
            key: "command",
            label: "Command",
            sortable: false,
            render: (x) => h("code", {}, JSON.stringify(x.command ?? x.query ?? {}).slice(0, 140)),
          },
        ],
        r.result.docs,
        { sortKey: "ts", empty: "no profiled operations yet" },
      ));
      return r.result.docs.length;
    };
    const st = await cmd(d, { profile: -1 });
    if (!st.ok) {
      // No profile command: still show what system.profile holds, if anything.
      body.append(failureBox("profile", st));
      if (await list() > 0) body.append(h("h2", {}, "Profiled operations"), rows);
      return;
    }
    const level = h(
      "select",
      { name: "level", "aria-label": "level" },
      [0, 1, 2].map((l) =>
        h(
          "option",
          { value: l, selected: num(st.result.was) === l },
          ["0 off", "1 slow operations", "2 everything"][l],
        )
      ),
    );
    const slowms = input("slowms", String(num(st.result.slowms) ?? 100), {
      type: "number",
      min: 0,
      style: "width:6rem",
    });
    const msg = h(
      "p",
      { "aria-live": "polite", id: "profile-msg" },
      `level ${num(st.result.was)}, slowms ${num(st.result.slowms)}${
        st.result.sampleRate !== undefined ? `, sampleRate ${num(st.result.sampleRate)}` : ""
      }`,
    );
    const set = async (e) => {
      e.preventDefault();
      const r = await cmd(d, { profile: Number(level.value), slowms: Number(slowms.value) });
      msg.textContent = r.ok
        ? `profiler set: level ${level.value}, slowms ${slowms.value}`
        : errorText(r.error);
      if (r.ok) await list();
    };
    body.append(
      h(
        "form",
        { class: "row", onsubmit: set },
        field("Level", level),
        field("slowms", slowms),
        h("button", { type: "submit", class: "primary" }, "Set"),
      ),
      msg,
      h("h2", {}, "Slow queries ", h("button", { type: "button", onclick: list }, "Refresh")),
      rows,
    );
    await list();
  };
  dbSel.addEventListener("change", draw);
  await draw();
}

function logs(main, _args, signal) {
  main.append(h("h1", {}, "Logs"));
  const filter = input("filter", "", { label: "filter", placeholder: "text to match" });
  const paused = h("input", { type: "checkbox", id: "pause" });
  const state = h("span", { class: "muted" }, "connecting…");
  const log = h("pre", { class: "log", id: "log" });
  const lines = [];
  const draw = () => {
    if (paused.checked) return;
    const f = filter.value.toLowerCase();
    log.textContent = lines.filter((l) => !f || l.toLowerCase().includes(f)).join("\n");
    log.scrollTop = log.scrollHeight;
  };
  filter.addEventListener("input", draw);
  main.append(
    h(
      "div",
      { class: "row" },
      field("Filter", filter),
      h("label", { style: "flex-direction:row;gap:.4rem" }, paused, "pause"),
      state,
    ),
    log,
  );
  stream(
    "/api/stream/logs",
    {
      lines: (ls) => {
        lines.push(...ls);
        if (lines.length > 2000) lines.splice(0, lines.length - 2000);
        draw();
      },
      failure: (f) => {
        log.replaceWith(failureBox("getLog", { ok: false, error: f, absent: f.absent }));
      },
    },
    signal,
    (t) => {
      state.textContent = t;
    },
  );
}

async function backup(main, _args, signal) {
  main.append(h("h1", {}, "Backup"));
  const list = h("div", { id: "archives" });
  const msg = h("p", { "aria-live": "polite", id: "backup-msg" });
  const name = input("name", "", {
    label: "archive name",
    placeholder: "archive-….tar.gz (default: timestamped)",
  });
  const info = h("p", { class: "muted" });
  const load = async () => {
    const r = await api("/api/backups");
    info.textContent =
      `archives in ${r.dir} (the admin's disk; the server writes there too when both run on one machine)`;
    list.replaceChildren(table(
      [
        { key: "name", label: "Archive" },
        { key: "size", label: "Size", render: (a) => fmtBytes(a.size) },
        { key: "mtime", label: "Date", render: (a) => fmtDate(a.mtime) },
        {
          key: "extract",
          label: "",
          sortable: false,
          render: (a) =>
            h("button", { type: "button", "data-extract": a.name, onclick: () => extract(a) }, "Extract"),
        },
      ],
      r.archives,
      { sortKey: "mtime", empty: "no archives yet" },
    ));
  };
  const extract = (a) => {
    const target = input("target", `restore-${a.name.replace(/\.(tar\.gz|tgz|tar)$/, "")}`, {
      label: "target directory",
    });
    const progress = h("pre", { class: "log", id: "extract-progress", "aria-live": "polite" });
    const go = async (e) => {
      e.preventDefault();
      const r = await api("/api/backups/extract", { name: a.name, targetDir: target.value });
      if (!r.ok) {
        progress.textContent = errorText(r.error);
        return;
      }
      const id = r.result.id;
      every(500, async () => {
        const j = await api(`/api/jobs/${id}`);
        const job = j.result;
        progress.textContent = [
          ...job.output,
          job.done
            ? (job.code === 0 ? `done: extracted into ${job.targetDir}` : `failed (exit ${job.code})`)
            : `running ${((Date.now() - job.started) / 1000).toFixed(0)} s…`,
        ].join("\n");
        progress.dataset.done = job.done ? String(job.code) : "";
        if (job.done) throw new Error("stop");
      }, signal);
    };
    main.append(
      h(
        "div",
        { class: "card" },
        h("h2", {}, `Extract ${a.name}`),
        h(
          "form",
          { class: "row", onsubmit: go },
          field("Target directory (must not exist)", target),
          h("button", { type: "submit", class: "primary" }, "Extract"),
        ),
        progress,
      ),
    );
    target.focus();
  };
  main.append(
    info,
    h(
      "form",
      {
        class: "row",
        onsubmit: async (e) => {
          e.preventDefault();
          msg.textContent = "creating…";
          const r = await api("/api/backups/create", { name: name.value });
          if (r.ok) {
            msg.textContent = `created ${r.result}`;
            name.value = "";
            await load();
          } else msg.replaceChildren(failureBox("secantusAdmin.backupArchive", r));
        },
      },
      field("New archive", name),
      h("button", { type: "submit", class: "primary" }, "Create archive"),
    ),
    msg,
    list,
  );
  await load();
}

function maintenance(main) {
  main.append(h("h1", {}, "Maintenance"));
  const dbIn = input("db", "test", { label: "database" });
  const collIn = input("coll", "", { label: "collection" });
  const out = resultBox();
  const run = (make) => async () => showResult(out, await cmd(make.db?.() ?? dbIn.value, make.cmd()));
  main.append(
    h("div", { class: "row" }, field("Database", dbIn), field("Collection", collIn)),
    h(
      "div",
      { class: "row" },
      h(
        "button",
        { type: "button", onclick: run({ cmd: () => ({ validate: collIn.value, full: true }) }) },
        "Validate",
      ),
      h("button", { type: "button", onclick: run({ cmd: () => ({ compact: collIn.value }) }) }, "Compact"),
      h(
        "button",
        { type: "button", onclick: run({ db: () => "admin", cmd: () => ({ fsync: 1 }) }) },
        "fsync",
      ),
      h("button", {
        type: "button",
        onclick: run({ db: () => "admin", cmd: () => ({ fsync: 1, lock: true }) }),
      }, "fsync lock"),
      h(
        "button",
        { type: "button", onclick: run({ db: () => "admin", cmd: () => ({ fsyncUnlock: 1 }) }) },
        "fsync unlock",
      ),
    ),
    out,
  );
}

export const PAGES = {
  databases,
  db,
  coll,
  users,
  changes,
  console: console_,
  connections,
  cursors,
  oplog,
  profiler,
  logs,
  backup,
  maintenance,
};
