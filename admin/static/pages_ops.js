// The operations pages: oplog, profiler, logs, backup and maintenance commands.
// Each probes the server for what it shows and says "not available on this server" where a command is
// missing (mongod's command and field names throughout).
import {
  api,
  cmd,
  databaseNames,
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
  resultBox,
  showResult,
  stream,
  table,
} from "./util.js";

export async function oplog(main) {
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
        h("div", { class: "value", "data-oplog": "count" }, String(num(w.count))),
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
    // What the list shows (op, ns, N), for whoever waits for a filter to apply.
    list.dataset.shown = JSON.stringify([op.value, ns.value, Number(limit.value) || 50]);
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

export async function profiler(main, [dbName]) {
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

export function logs(main, _args, signal) {
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

export async function backup(main, _args, signal) {
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

export function maintenance(main) {
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
