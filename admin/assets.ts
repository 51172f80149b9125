/**
 * Static assets: the app (admin/static/) and the chart library vendored from its npm package (uPlot's
 * IIFE build and stylesheet from node_modules). Read once and kept in memory; nothing is fetched from a
 * CDN at run time. `scripts/compile.sh` includes both folders in the single executable.
 */
import { createRequire } from "node:module";

export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
};

/** URL path → where the file comes from. */
const APP_FILES = ["index.html", "app.js", "app.css", "util.js", "pages.js", "collection.js", "favicon.svg"];
const VENDOR: Record<string, string> = {
  "uplot.js": "uplot/dist/uPlot.iife.min.js",
  "uplot.css": "uplot/dist/uPlot.min.css",
};

function typeOf(name: string): string {
  return TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";
}

const cache = new Map<string, Asset>();

/** The asset for a URL path (`/static/app.js`, `/vendor/uplot.js`), or null. */
export async function asset(path: string): Promise<Asset | null> {
  const hit = cache.get(path);
  if (hit) return hit;
  let file: string | URL | undefined;
  if (path.startsWith("/static/")) {
    const name = path.slice("/static/".length);
    if (APP_FILES.includes(name)) file = new URL(`./static/${name}`, import.meta.url);
  } else if (path.startsWith("/vendor/")) {
    const spec = VENDOR[path.slice("/vendor/".length)];
    if (spec !== undefined) file = createRequire(import.meta.url).resolve(spec);
  }
  if (file === undefined) return null;
  const found = { body: await Deno.readFile(file), type: typeOf(path) };
  cache.set(path, found);
  return found;
}
