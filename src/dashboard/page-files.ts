// The dashboard's files as the gateway serves them. Everything else in this folder runs in the
// browser; this module runs in the gateway. The files are found beside this module (and uPlot in
// its own package), never from the working directory, and are read once, on the first request.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PageAsset {
  body: Buffer;
  contentType: string;
}

export interface PageFiles {
  /** A hash of every asset: part of their URLs, so a browser may keep them for good. */
  version: string;
  /** The page itself, with its asset URLs filled in. */
  page: Buffer;
  /** By file name, as it appears in `/dashboard/assets/<version>/<name>`. */
  assets: ReadonlyMap<string, PageAsset>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Where the page's HTML asks for its assets; replaced by `/dashboard/assets/<version>`. */
const ASSET_BASE = '__ASSETS__';

const here = import.meta.dirname;

/** The charting library, served from its installed package under these names. */
function vendorFiles(): [string, string][] {
  const dist = (file: string) => fileURLToPath(import.meta.resolve(`uplot/dist/${file}`));
  return [
    ['uplot.js', dist('uPlot.esm.js')],
    ['uplot.css', dist('uPlot.min.css')],
  ];
}

async function readPageFiles(): Promise<PageFiles> {
  // Every browser script and style sheet in this folder is served; a new view is a new file here.
  const own = (await readdir(here))
    .filter((name) => CONTENT_TYPES[extname(name)] !== undefined)
    .sort()
    .map((name): [string, string] => [name, join(here, name)]);
  const assets = new Map<string, PageAsset>();
  const hash = createHash('sha256');
  for (const [name, path] of [...own, ...vendorFiles()]) {
    const body = await readFile(path);
    hash.update(name).update('\0').update(body);
    assets.set(name, { body, contentType: CONTENT_TYPES[extname(name)]! });
  }
  const version = hash.digest('hex').slice(0, 16);
  const html = await readFile(join(here, 'index.html'), 'utf8');
  const page = Buffer.from(html.replaceAll(ASSET_BASE, `/dashboard/assets/${version}`));
  return { version, page, assets };
}

let loading: Promise<PageFiles> | undefined;

/** The files, read on first use and kept (they are small and change only with the package). */
export function pageFiles(): Promise<PageFiles> {
  loading ??= readPageFiles().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
