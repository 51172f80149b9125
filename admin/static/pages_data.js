// The data pages: the databases list, one database (collections, stats) and users with their roles.
// Each probes the server for what it shows and says "not available on this server" where a command is
// missing (mongod's command and field names throughout).
import { cmd, ejson, errorText, failureBox, field, fmtBytes, h, input, num, table } from "./util.js";

export async function databases(main) {
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

export async function db(main, [name]) {
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

export async function users(main) {
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
