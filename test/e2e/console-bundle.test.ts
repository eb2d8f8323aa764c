import { describe, expect, it } from 'vitest';
import { buildConsole, consoleBundleBytes } from '../../infra/local/console/build.ts';

describe('console bundle', () => {
  it('serves index.html, one script and one stylesheet under /console/, small enough', async () => {
    // Act
    const assets = await buildConsole();
    const size = consoleBundleBytes(assets);

    // Assess
    expect([...assets.keys()].sort()).toEqual(['/console/', '/console/app.css', '/console/app.js']);
    const html = new TextDecoder().decode(assets.get('/console/')?.body);
    expect(html).toContain('src="/console/app.js"');
    expect(html).toContain('href="/console/app.css"');
    const css = new TextDecoder().decode(assets.get('/console/app.css')?.body);
    expect(css).toContain('.uplot');
    expect(assets.get('/console/app.js')?.contentType).toMatch(/^text\/javascript/);
    // Preact and uPlot are ~62 KB of it; the console itself should stay near 30 KB.
    expect(size.bytes).toBeLessThan(120_000);
    expect(size.gzipBytes).toBeLessThan(45_000);
  });

  it('builds unminified for debugging', async () => {
    const minified = consoleBundleBytes(await buildConsole());
    const plain = consoleBundleBytes(await buildConsole({ minify: false }));
    expect(plain.bytes).toBeGreaterThan(minified.bytes);
  });
});
