/**
 * Builds the web console in memory with esbuild: Preact + uPlot bundled into one script, uPlot's
 * stylesheet and ours into one CSS file, and a small index.html. The local gateway serves the
 * entries under `/console/`; nothing is written to disk.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** One file of the console as the gateway serves it. */
export interface ConsoleAsset {
  contentType: string;
  body: Uint8Array;
}

const SRC = fileURLToPath(new URL('./src/', import.meta.url));

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>FlexDR console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/console/app.js"></script>
</body>
</html>
`;

/**
 * Bundles the console.
 * 1. esbuild, two entry points (the app and its stylesheet) to `app.js` and `app.css`, minified
 *    unless asked otherwise, for browsers of 2022 on.
 * 2. Key each output by the URL path it is served at, with index.html at `/console/`.
 */
export async function buildConsole(options: { minify?: boolean } = {}): Promise<Map<string, ConsoleAsset>> {
  const result = await build({
    entryPoints: [
      { in: `${SRC}main.tsx`, out: 'app' },
      { in: `${SRC}styles.css`, out: 'app' },
    ],
    outdir: '/console',
    write: false,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: options.minify ?? true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const assets = new Map<string, ConsoleAsset>([
    ['/console/', { contentType: 'text/html; charset=utf-8', body: new TextEncoder().encode(INDEX_HTML) }],
  ]);
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const contentType = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    assets.set(`/console/${name}`, { contentType, body: file.contents });
  }
  return assets;
}

/** Size of the built console, all files together, as served and gzip-compressed. */
export function consoleBundleBytes(assets: ReadonlyMap<string, ConsoleAsset>): {
  bytes: number;
  gzipBytes: number;
} {
  let bytes = 0;
  let gzipBytes = 0;
  for (const { body } of assets.values()) {
    bytes += body.byteLength;
    gzipBytes += gzipSync(body, { level: 9 }).byteLength;
  }
  return { bytes, gzipBytes };
}
