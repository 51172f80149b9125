// The collection pages (#/coll/db/name/tab): documents (paged, Extended JSON filter/sort/projection,
// edit with validation, delete with a typed confirmation, insert), indexes (badges, $indexStats usage,
// create/drop), explain (the winning plan as a tree, COLLSCAN flagged) and schema (sampled field types).
import {
  api,
  cmd,
  ejson,
  ejsonCompact,
  errorText,
  failureBox,
  field,
  h,
  input,
  num,
  parseInput,
  table,
} from "./util.js";

const TABS = ["documents", "indexes", "explain", "schema"];

export async function coll(main, [db, name, tab = "documents"], signal) {
  const base = `#/coll/${encodeURIComponent(db)}/${encodeURIComponent(name)}`;
  main.append(
    h("h1", {}, h("a", { href: `#/db/${encodeURIComponent(db)}` }, db), ".", name),
    h(
      "nav",
      { class: "tabs", "aria-label": "Collection views" },
      TABS.map((t) => h("a", { href: `${base}/${t}`, "aria-current": t === tab ? "page" : null }, t)),
    ),
  );
  const body = h("div");
  main.append(body);
  await ({ documents, indexes, explain, schema }[tab] ?? documents)(body, db, name, signal);
}

async function documents(root, db, name) {
  const filter = h("textarea", { name: "filter", rows: 2, "aria-label": "filter" });
  const sort = input("sort", "", { placeholder: '{"_id": -1}' });
  const projection = input("projection", "", { placeholder: '{"name": 1}' });
  const limit = input("limit", "20", { type: "number", min: 1, max: 1000, style: "width:5rem" });
  const status = h("p", { class: "muted", "aria-live": "polite", id: "doc-status" });
  const list = h("div", { id: "docs" });
  let skip = 0;
  filter.placeholder = '{"status": "active"}';

  const load = async () => {
    let req;
    try {
      req = {
        db,
        coll: name,
        skip,
        limit: Number(limit.value) || 20,
        filter: parseInput(filter.value, "filter"),
        sort: parseInput(sort.value, "sort"),
        projection: parseInput(projection.value, "projection"),
      };
    } catch (e) {
      status.replaceChildren(h("span", { class: "error", role: "alert" }, e.message));
      return;
    }
    const r = await api("/api/find", req);
    if (!r.ok) {
      status.replaceChildren(failureBox("find", r));
      list.replaceChildren();
      return;
    }
    const { docs, count } = r.result;
    const n = num(count) ?? 0;
    status.textContent = n === 0 ? "no documents match" : `${skip + 1}–${skip + docs.length} of ${n}`;
    prev.disabled = skip === 0;
    next.disabled = skip + docs.length >= n;
    list.replaceChildren(...docs.map((d) => docView(d)));
  };

  const docView = (doc) => {
    const box = h("div", { class: "doc", "data-id": JSON.stringify(doc._id) });
    const show = () => {
      box.replaceChildren(
        h("pre", {}, ejsonCompact(doc)),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", onclick: edit }, "Edit"),
          h("button", { type: "button", class: "danger", onclick: confirmDelete }, "Delete"),
        ),
      );
    };
    const edit = () => {
      const text = h("textarea", {
        "aria-label": "document JSON",
        rows: Math.min(ejson(doc).split("\n").length + 1, 30),
      });
      text.value = ejson(doc);
      const msg = h("p", { class: "error", role: "alert" });
      const save = async () => {
        let updated;
        try {
          updated = JSON.parse(text.value);
        } catch (e) {
          msg.textContent = `not valid JSON: ${e.message}`;
          return;
        }
        if (typeof updated !== "object" || updated === null || Array.isArray(updated)) {
          msg.textContent = "a document must be an object";
          return;
        }
        if (JSON.stringify(updated._id) !== JSON.stringify(doc._id)) {
          msg.textContent = "_id cannot change";
          return;
        }
        const r = await cmd(db, { update: name, updates: [{ q: { _id: doc._id }, u: updated }] });
        if (!r.ok) {
          msg.textContent = errorText(r.error);
          return;
        }
        const we = r.result.writeErrors?.[0];
        if (we) {
          msg.textContent = `${we.errmsg} (${we.codeName ?? we.code})`;
          return;
        }
        doc = updated;
        show();
        status.textContent = "saved";
      };
      box.replaceChildren(
        text,
        msg,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "primary", onclick: save }, "Save"),
          h("button", { type: "button", onclick: show }, "Cancel"),
        ),
      );
      text.focus();
    };
    const confirmDelete = () => {
      const typed = input("confirm", "", {
        label: "type delete to confirm",
        placeholder: "delete",
        autocomplete: "off",
      });
      const msg = h("p", { class: "error", role: "alert" });
      const go = async () => {
        if (typed.value !== "delete") {
          msg.textContent = 'type "delete" to confirm';
          return;
        }
        const r = await cmd(db, { delete: name, deletes: [{ q: { _id: doc._id }, limit: 1 }] });
        if (!r.ok) {
          msg.textContent = errorText(r.error);
          return;
        }
        await load();
      };
      box.append(
        h(
          "div",
          { class: "row" },
          field('Type "delete" to remove this document', typed),
          h("button", { type: "button", class: "danger", onclick: go }, "Confirm delete"),
          h("button", { type: "button", onclick: show }, "Cancel"),
        ),
        msg,
      );
      typed.focus();
    };
    show();
    return box;
  };

  const prev = h("button", {
    type: "button",
    onclick: () => {
      skip = Math.max(skip - (Number(limit.value) || 20), 0);
      load();
    },
  }, "‹ Previous");
  const next = h("button", {
    type: "button",
    onclick: () => {
      skip += Number(limit.value) || 20;
      load();
    },
  }, "Next ›");
  const insertBox = h("textarea", { "aria-label": "new document", rows: 3, placeholder: '{"name": "new"}' });
  const insertMsg = h("p", { "aria-live": "polite" });
  const insert = async () => {
    let d;
    try {
      d = parseInput(insertBox.value, "document");
    } catch (e) {
      insertMsg.textContent = e.message;
      return;
    }
    if (!d) return;
    const r = await cmd(db, { insert: name, documents: [d] });
    const we = r.ok ? r.result.writeErrors?.[0] : null;
    insertMsg.textContent = !r.ok ? errorText(r.error) : we ? `${we.errmsg}` : "inserted";
    if (r.ok && !we) {
      insertBox.value = "";
      load();
    }
  };
  root.append(
    h(
      "form",
      {
        class: "row",
        id: "find-form",
        onsubmit: (e) => {
          e.preventDefault();
          skip = 0;
          load();
        },
      },
      field("Filter (Extended JSON)", filter),
      field("Sort", sort),
      field("Projection", projection),
      field("Limit", limit),
      h("button", { type: "submit", class: "primary" }, "Find"),
    ),
    h("div", { class: "row" }, prev, next, status),
    list,
    h(
      "details",
      {},
      h("summary", {}, "Insert a document"),
      insertBox,
      insertMsg,
      h("button", { type: "button", onclick: insert }, "Insert"),
    ),
  );
  filter.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      skip = 0;
      load();
    }
  });
  await load();
}

function indexBadges(ix) {
  const b = [];
  const values = Object.values(ix.key ?? {});
  if (Object.keys(ix.key ?? {}).length > 1) b.push("compound");
  for (const v of values) if (typeof v === "string") b.push(v);
  if (Object.keys(ix.key ?? {}).some((k) => k.includes("$**"))) b.push("wildcard");
  if (ix.unique) b.push("unique");
  if (ix.sparse) b.push("sparse");
  if (ix.partialFilterExpression) b.push("partial");
  if (ix.expireAfterSeconds !== undefined) b.push(`TTL ${num(ix.expireAfterSeconds)}s`);
  if (ix.hidden) b.push("hidden");
  if (ix.collation) b.push("collation");
  return [...new Set(b)].map((t) => h("span", { class: "badge" }, t));
}

async function indexes(root, db, name, note = "") {
  const list = await cmd(db, { listIndexes: name });
  if (!list.ok) {
    root.append(failureBox("listIndexes", list));
    return;
  }
  const stats = await api("/api/aggregate", { db, coll: name, pipeline: [{ $indexStats: {} }] });
  const usage = new Map();
  if (stats.ok) { for (const s of stats.result) usage.set(s.name, s.accesses); }
  const rows = list.result.cursor.firstBatch.map((ix) => ({ ...ix, ops: num(usage.get(ix.name)?.ops) }));
  const msg = h("p", { "aria-live": "polite", id: "index-msg" }, note);
  const drop = async (ix) => {
    if (!confirm(`Drop index ${ix.name}?`)) return;
    const r = await cmd(db, { dropIndexes: name, index: ix.name });
    msg.textContent = r.ok ? `dropped ${ix.name}` : errorText(r.error);
    if (r.ok) refresh(msg.textContent);
  };
  const refresh = (text) => {
    root.replaceChildren();
    indexes(root, db, name, text);
  };
  root.append(
    table(
      [
        { key: "name", label: "Name" },
        {
          key: "key",
          label: "Keys",
          render: (r) => h("code", {}, JSON.stringify(r.key)),
          value: (r) => JSON.stringify(r.key),
        },
        { key: "badges", label: "Kind", render: indexBadges, sortable: false },
        { key: "ops", label: stats.ok ? "Uses ($indexStats)" : "Uses (n/a)", render: (r) => r.ops ?? "–" },
        {
          key: "drop",
          label: "",
          sortable: false,
          render: (r) =>
            r.name === "_id_" ? "" : h("button", {
              type: "button",
              class: "danger",
              "data-drop": r.name,
              onclick: () => drop(r),
            }, "Drop"),
        },
      ],
      rows,
      { sortKey: "name", dir: 1 },
    ),
    ...(stats.ok ? [] : [failureBox("$indexStats", stats)]),
  );
  const keys = input("keys", "", { placeholder: '{"field": 1}', label: "index keys" });
  const options = input("options", "", { placeholder: '{"unique": true}', label: "index options" });
  const create = async (e) => {
    e.preventDefault();
    let k, o;
    try {
      k = parseInput(keys.value, "keys");
      o = parseInput(options.value, "options") ?? {};
    } catch (err) {
      msg.textContent = err.message;
      return;
    }
    if (!k) {
      msg.textContent = "keys are required";
      return;
    }
    const ixName = o.name ?? Object.entries(k).map(([f, v]) => `${f}_${v}`).join("_");
    const r = await cmd(db, { createIndexes: name, indexes: [{ key: k, name: ixName, ...o }] });
    msg.textContent = r.ok ? `created ${ixName}` : errorText(r.error);
    if (r.ok) refresh(msg.textContent);
  };
  root.append(
    h("h2", {}, "Create an index"),
    h(
      "form",
      { class: "row", onsubmit: create },
      field("Keys", keys),
      field("Options", options),
      h("button", { type: "submit", class: "primary" }, "Create"),
    ),
    msg,
  );
}

function planTree(plan) {
  if (!plan || typeof plan !== "object") return null;
  const children = [];
  if (plan.inputStage) children.push(plan.inputStage);
  for (const s of plan.inputStages ?? []) children.push(s);
  if (plan.queryPlan) children.push(plan.queryPlan);
  const details = [];
  for (
    const k of [
      "indexName",
      "keyPattern",
      "direction",
      "filter",
      "nReturned",
      "docsExamined",
      "keysExamined",
      "executionTimeMillisEstimate",
      "sortPattern",
      "limitAmount",
    ]
  ) {
    if (plan[k] !== undefined) details.push(`${k}: ${JSON.stringify(plan[k])}`);
  }
  const stage = plan.stage ?? "?";
  const flagged = stage === "COLLSCAN";
  return h(
    "li",
    { "data-stage": stage },
    h("span", { class: `stage${flagged ? " flag" : ""}` }, stage),
    flagged
      ? h("span", { class: "badge warn", title: "reads every document" }, "full collection scan")
      : null,
    details.length ? h("div", { class: "mono muted" }, details.join(" · ")) : null,
    children.length ? h("ul", {}, children.map(planTree)) : null,
  );
}

function explain(root, db, name) {
  const filter = h("textarea", { "aria-label": "filter", rows: 2, placeholder: '{"field": "value"}' });
  const sort = input("sort", "", { placeholder: '{"field": 1}' });
  const out = h("div", { id: "explain-out" });
  const run = async (e) => {
    e?.preventDefault();
    let f, s;
    try {
      f = parseInput(filter.value, "filter") ?? {};
      s = parseInput(sort.value, "sort");
    } catch (err) {
      out.replaceChildren(h("p", { class: "error" }, err.message));
      return;
    }
    const find = { find: name, filter: f };
    if (s) find.sort = s;
    const r = await cmd(db, { explain: find, verbosity: "executionStats" });
    if (!r.ok) {
      out.replaceChildren(failureBox("explain", r));
      return;
    }
    const qp = r.result.queryPlanner ?? {};
    const es = r.result.executionStats;
    out.replaceChildren(
      h(
        "div",
        {},
        h("h2", {}, "Winning plan"),
        h("ul", { class: "tree", id: "plan-tree" }, planTree(qp.winningPlan)),
        es
          ? h(
            "p",
            { class: "mono" },
            `returned ${num(es.nReturned)} · docs examined ${num(es.totalDocsExamined)} · keys examined ${
              num(es.totalKeysExamined)
            } · ${num(es.executionTimeMillis)} ms`,
          )
          : null,
        (qp.rejectedPlans ?? []).length
          ? h(
            "details",
            {},
            h("summary", {}, `${qp.rejectedPlans.length} rejected plan(s)`),
            h("ul", { class: "tree" }, qp.rejectedPlans.map(planTree)),
          )
          : null,
        h("details", {}, h("summary", {}, "Raw explain output"), h("pre", {}, ejson(r.result))),
      ),
    );
  };
  root.append(
    h(
      "form",
      { class: "row", onsubmit: run },
      field("Filter", filter),
      field("Sort", sort),
      h("button", { type: "submit", class: "primary" }, "Explain"),
    ),
    out,
  );
}

function typeName(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") {
    const k = Object.keys(v)[0];
    const wrapped = {
      $oid: "objectId",
      $date: "date",
      $numberLong: "long",
      $numberDecimal: "decimal",
      $numberDouble: "double",
      $binary: "binData",
      $timestamp: "timestamp",
      $regularExpression: "regex",
      $minKey: "minKey",
      $maxKey: "maxKey",
      $uuid: "binData",
    };
    if (k && wrapped[k] && Object.keys(v).length <= 2) return wrapped[k];
    return "object";
  }
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "double";
  return typeof v === "boolean" ? "bool" : typeof v;
}

function walk(doc, prefix, stats, depth) {
  for (const [k, v] of Object.entries(doc)) {
    const path = prefix ? `${prefix}.${k}` : k;
    const s = stats.get(path) ?? { count: 0, types: new Map() };
    s.count++;
    const t = typeName(v);
    s.types.set(t, (s.types.get(t) ?? 0) + 1);
    stats.set(path, s);
    if (t === "object" && depth < 4) walk(v, path, stats, depth + 1);
  }
}

async function schema(root, db, name) {
  const size = 200;
  const r = await api("/api/aggregate", { db, coll: name, pipeline: [{ $sample: { size } }] });
  if (!r.ok) {
    root.append(failureBox("$sample", r));
    return;
  }
  const stats = new Map();
  for (const d of r.result) walk(d, "", stats, 0);
  const n = r.result.length;
  const rows = [...stats].map(([path, s]) => ({
    path,
    pct: n ? Math.round(s.count * 1000 / n) / 10 : 0,
    types: [...s.types].sort((a, b) => b[1] - a[1]),
  }));
  root.append(
    h("p", { class: "muted" }, `${n} sampled document(s) ($sample size ${size})`),
    table(
      [
        { key: "path", label: "Field" },
        {
          key: "pct",
          label: "Present in",
          render: (r) => h("div", {}, `${r.pct}%`, h("div", { class: "bar", style: `width:${r.pct}%` })),
        },
        {
          key: "types",
          label: "Types",
          sortable: false,
          render: (r) =>
            r.types.map(([t, c]) => h("span", { class: "badge" }, `${t} ${Math.round(c * 100 / n)}%`)),
        },
      ],
      rows,
      { sortKey: "path", dir: 1 },
    ),
  );
}
