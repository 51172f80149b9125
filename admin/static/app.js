// The admin app's shell: hash routes (#/page/args…), the navigation state, and the dashboard page
// (tiles + 1 Hz operation-rate sparklines drawn with uPlot from the server-sent stats stream).
import { api, every, fmtBytes, fmtDuration, h, num, stream } from "./util.js";
import { PAGES } from "./pages.js";

const RATES = ["insert", "query", "update", "delete", "command"];

function sparkline(box, name) {
  const data = [[], []];
  const accent = getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() || "#1f6f4a";
  const width = Math.max(box.clientWidth, 160);
  const chart = new uPlot(
    {
      width,
      height: 56,
      cursor: { show: false },
      legend: { show: false },
      select: { show: false },
      axes: [{ show: false }, { show: false }],
      scales: { y: { range: (_u, _min, max) => [0, Math.max(max, 1)] } },
      series: [{}, { label: name, stroke: accent, width: 1.5, fill: accent + "33", points: { show: false } }],
    },
    data,
    box,
  );
  new ResizeObserver(() => {
    const w = Math.max(box.clientWidth, 160);
    if (Math.abs(w - chart.width) > 4) chart.setSize({ width: w, height: 56 });
  }).observe(box);
  return {
    push(at, value) {
      data[0].push(at / 1000);
      data[1].push(value);
      if (data[0].length > 60) {
        data[0].shift();
        data[1].shift();
      }
      chart.setData(data);
      box.dataset.points = String(data[1].length);
      box.dataset.max = String(Math.max(...data[1]));
    },
  };
}

function tile(label, value, id) {
  return h(
    "div",
    { class: "tile", "data-tile": id },
    h("div", { class: "label" }, label),
    h("div", { class: "value" }, value),
  );
}

function dashboard(main, _args, signal) {
  const tiles = h("div", { class: "tiles", "aria-live": "polite" });
  const state = h("span", { class: "muted", id: "stream-state" }, "connecting…");
  const sparks = h("div", { class: "sparks" });
  main.append(h("h1", {}, "Dashboard"), tiles, h("h2", {}, "Operations per second ", state), sparks);

  const charts = {};
  for (const name of RATES) {
    const value = h("span", { class: "value", "data-rate": name }, "–");
    const box = h("div", { class: "chart", "data-spark": name });
    sparks.append(
      h(
        "div",
        { class: "card spark" },
        h("div", {}, h("span", { class: "label" }, `${name} `), value, "/s"),
        box,
      ),
    );
    charts[name] = { value, chart: sparkline(box, name) };
  }
  stream(
    "/api/stream/stats",
    {
      sample: (s) => {
        if (!s.rates) return;
        for (const name of RATES) {
          const v = s.rates[name] ?? 0;
          charts[name].value.textContent = String(v);
          charts[name].chart.push(s.at, v);
        }
      },
      failure: (f) => {
        state.textContent = `serverStatus failed: ${f.message}`;
      },
    },
    signal,
    (t) => {
      state.textContent = `(${t})`;
    },
  );

  every(5000, async () => {
    const o = await api("/api/overview");
    const out = [];
    const st = o.serverStatus.ok ? o.serverStatus.value : null;
    const bi = o.buildInfo.ok ? o.buildInfo.value : null;
    if (st) {
      out.push(tile("Uptime", fmtDuration(num(st.uptime)), "uptime"));
      out.push(
        tile(
          "Version",
          `${bi?.version ?? st.version ?? "?"}${
            bi?.secantusVersion ? ` (SecantusDB ${bi.secantusVersion})` : ""
          }`,
          "version",
        ),
      );
      const c = st.connections ?? {};
      out.push(
        tile("Connections", `${num(c.current) ?? "?"} open / ${num(c.available) ?? "?"} free`, "connections"),
      );
      const cache = st.wiredTiger?.cache;
      const used = num(cache?.["bytes currently in the cache"]);
      const max = num(cache?.["maximum bytes configured"]);
      out.push(
        tile(
          "Cache",
          used === undefined ? "not reported" : `${fmtBytes(used)}${max ? ` of ${fmtBytes(max)}` : ""}`,
          "cache",
        ),
      );
      if (st.mem?.resident !== undefined) {
        out.push(tile("Resident memory", `${num(st.mem.resident)} MiB`, "mem"));
      }
    } else {
      out.push(tile("serverStatus", o.serverStatus.error.message, "status"));
    }
    if (o.hello.ok) {
      out.push(
        tile("Role", o.hello.value.setName ? `primary of ${o.hello.value.setName}` : "standalone", "role"),
      );
    }
    if (o.oplog.ok && o.oplog.value) {
      out.push(
        tile(
          "Oplog window",
          o.oplog.value.spanSeconds === null
            ? "empty"
            : `${fmtDuration(o.oplog.value.spanSeconds)} (${num(o.oplog.value.count)} entries)`,
          "oplog",
        ),
      );
    } else {out.push(
        tile("Oplog window", o.oplog.ok ? "no oplog on this server" : o.oplog.error.message, "oplog"),
      );}
    if (o.backup.ok && o.backup.value) {
      const b = o.backup.value;
      out.push(
        tile(
          "Last backup",
          b.newestMtime ? `${fmtDuration((o.now - b.newestMtime) / 1000)} ago` : "none yet",
          "backup",
        ),
      );
    }
    tiles.replaceChildren(...out);
  }, signal);
}

const ROUTES = { dashboard, ...PAGES };

let current = null;
async function route() {
  current?.abort();
  current = new AbortController();
  const [name = "dashboard", ...args] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const page = ROUTES[name] ?? dashboard;
  const navName = name === "db" || name === "coll" ? "databases" : name;
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.getAttribute("href") === `#/${navName}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const main = document.getElementById("main");
  main.replaceChildren();
  main.dataset.page = name;
  try {
    await page(main, args, current.signal);
  } catch (e) {
    main.append(h("p", { class: "error", role: "alert" }, String(e.message ?? e)));
  }
}

addEventListener("hashchange", route);
// The skip link moves focus without touching the hash (the hash is the router's).
document.querySelector(".skip").addEventListener("click", (e) => {
  e.preventDefault();
  document.getElementById("main").focus();
});
document.getElementById("logout-btn").addEventListener("click", async () => {
  await fetch("/logout", { method: "POST", headers: { "x-secantus-admin": "1" }, redirect: "manual" });
  location.href = "/login";
});
api("/api/info").then((i) => {
  document.getElementById("server").textContent = `${i.uri} · admin ${i.version}`;
});
route();
