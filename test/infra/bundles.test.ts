/**
 * What goes into a function's bundle (issue 16, item 5): esbuild with the stacks' options and the
 * function's `bundleDefines`, read through its metafile. A function carries only the SDK clients
 * its grants name, and no bundle carries zod's locales (a `{ z }` import of zod keeps all of them).
 */
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  bundleDefines,
  busFunctions,
  type FunctionDefinition,
  httpFunctions,
} from '../../functions/definitions.ts';

/** Bundles `definition` as `FlexdrFunction` does (ESM, Node 22, minified, its defines). */
async function bundle(definition: FunctionDefinition) {
  const result = await build({
    entryPoints: [definition.entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    define: bundleDefines(definition),
    metafile: true,
    write: false,
    logLevel: 'silent',
    outfile: 'bundle.mjs',
  });
  const output = Object.values((result.metafile as Metafile).outputs)[0];
  if (!output) throw new Error(`no output for ${definition.id}`);
  const inputs = Object.keys(output.inputs).filter((path) => (output.inputs[path]?.bytesInOutput ?? 0) > 0);
  const holds = (fragment: string) => inputs.some((path) => path.includes(fragment));
  return { bytes: output.bytes, inputs, holds };
}

const SCHEDULER = 'node_modules/@aws-sdk/client-scheduler/';
const EVENTBRIDGE = 'node_modules/@aws-sdk/client-eventbridge/';
const IDEMPOTENCY = 'node_modules/@aws-lambda-powertools/idempotency/lib/';

describe('function bundles', () => {
  it('grants decide which clients a bundle carries', async () => {
    const listParks = await bundle(httpFunctions['list-parks']);
    expect(httpFunctions['list-parks'].grants).toEqual(['table:read']);
    expect(listParks.holds('node_modules/@aws-sdk/client-dynamodb/')).toBe(true);
    for (const absent of [SCHEDULER, EVENTBRIDGE, IDEMPOTENCY]) expect(listParks.holds(absent)).toBe(false);

    const dispatch = await bundle(busFunctions['dispatch-event']);
    expect(dispatch.holds(SCHEDULER)).toBe(true);
    expect(dispatch.holds(IDEMPOTENCY)).toBe(true);
    expect(dispatch.holds(EVENTBRIDGE)).toBe(false);
    expect(listParks.bytes).toBeLessThan(dispatch.bytes);
  });

  it('no bundle carries zod locales besides English, so each stays under 850 KB', async () => {
    for (const definition of [httpFunctions['create-event'], busFunctions['plan-event']]) {
      const { bytes, inputs } = await bundle(definition);
      const locales = inputs.filter((path) => path.includes('zod/v4/locales/'));
      expect(locales.map((path) => path.replace(/.*locales\//, ''))).toEqual(['en.js']);
      expect(bytes, definition.id).toBeLessThan(850 * 1024);
    }
  });
});
