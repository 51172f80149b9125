/**
 * Static assets: the app (admin/static/) and the chart library vendored from its npm package (uPlot's
 * IIFE build and stylesheet). All are imported as text modules, so they are part of the module graph:
 * `deno compile` embeds them in the single executable and nothing is fetched from a CDN at run time.
 */
import indexHtml from "./static/index.html" with { type: "text" };
import appJs from "./static/app.js" with { type: "text" };
import appCss from "./static/app.css" with { type: "text" };
import utilJs from "./static/util.js" with { type: "text" };
import pagesJs from "./static/pages.js" with { type: "text" };
import pagesDataJs from "./static/pages_data.js" with { type: "text" };
import pagesLiveJs from "./static/pages_live.js" with { type: "text" };
import pagesOpsJs from "./static/pages_ops.js" with { type: "text" };
import collectionJs from "./static/collection.js" with { type: "text" };
import favicon from "./static/favicon.svg" with { type: "text" };
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };

export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

const SOURCES: Record<string, [string, string]> = {
  "/static/index.html": [indexHtml, HTML],
  "/static/app.js": [appJs, JS],
  "/static/app.css": [appCss, CSS],
  "/static/util.js": [utilJs, JS],
  "/static/pages.js": [pagesJs, JS],
  "/static/pages_data.js": [pagesDataJs, JS],
  "/static/pages_live.js": [pagesLiveJs, JS],
  "/static/pages_ops.js": [pagesOpsJs, JS],
  "/static/collection.js": [collectionJs, JS],
  "/static/favicon.svg": [favicon, "image/svg+xml"],
  "/vendor/uplot.js": [uplotJs, JS],
  "/vendor/uplot.css": [uplotCss, CSS],
};

const cache = new Map<string, Asset>();

/** The asset for a URL path (`/static/app.js`, `/vendor/uplot.js`), or null. */
export function asset(path: string): Asset | null {
  const hit = cache.get(path);
  if (hit) return hit;
  const src = SOURCES[path];
  if (src === undefined) return null;
  const found = { body: new TextEncoder().encode(src[0]), type: src[1] };
  cache.set(path, found);
  return found;
}
