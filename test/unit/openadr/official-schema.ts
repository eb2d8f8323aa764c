/**
 * Validators built from the official OpenADR 3.1.0 OpenAPI document. The document says
 * `openapi: 3.0.0` (its schemas use `nullable`, not JSON Schema 2020-12 type arrays), so it is
 * compiled with Ajv's default draft-07 dialect, which implements OpenAPI's `nullable`. The
 * components are added as one schema with an `$id`, so `#/components/schemas/...` refs resolve.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { parse } from 'yaml';

/** The official OpenADR 3.1.0 document, kept in the repository with its licence (Apache-2.0) and notice. */
const YAML_PATH = fileURLToPath(new URL('../../support/openadr3/3.1.0/openadr3.yaml', import.meta.url));
const ID = 'https://openadr.org/openadr3/3.1.0/openadr3.yaml';

const document = parse(readFileSync(YAML_PATH, 'utf8')) as {
  openapi: string;
  components: { schemas: Record<string, unknown> };
};

/**
 * OpenAPI 3.0 writes an exclusive bound as `maximum: 600, exclusiveMaximum: true` (draft-04);
 * draft-07 writes `exclusiveMaximum: 600`. This is the only rewrite the document needs.
 */
function toDraft07(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toDraft07);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = toDraft07(value);
  for (const [flag, bound] of [
    ['exclusiveMaximum', 'maximum'],
    ['exclusiveMinimum', 'minimum'],
  ] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag]) out[flag] = out[bound];
    else delete out[flag];
    if (out[flag] !== undefined) delete out[bound];
  }
  return out;
}

const ajv = new Ajv({
  allErrors: true,
  strict: true,
  // The YAML leaves `type: object` implicit where it lists `required` (programDescriptions items).
  strictTypes: false,
  // OpenAPI words that are not JSON Schema keywords: the `components` container, the `example`
  // annotation, and `discriminator`, a hint here (the YAML pairs it with `anyOf`, which Ajv's
  // discriminator support refuses).
  keywords: ['components', 'example', 'discriminator'],
});
// ajv-formats is CommonJS: its plugin is the module and also its `default` (NodeNext types see the latter).
ajvFormats.default(ajv);
ajv.addFormat('int32', { type: 'number', validate: (n) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
ajv.addFormat('float', { type: 'number', validate: (n) => Number.isFinite(n) });
ajv.addSchema({ $id: ID, components: toDraft07(document.components) });

export const openapiVersion = document.openapi;

const cache = new Map<string, ValidateFunction>();

/** Errors of `value` against `components.schemas[name]` of the official document; `[]` when valid. */
export function officialErrors(name: string, value: unknown): string[] {
  let validate = cache.get(name);
  if (!validate) {
    if (!(name in document.components.schemas)) throw new Error(`no schema '${name}' in openadr3.yaml`);
    validate = ajv.getSchema(`${ID}#/components/schemas/${name}`);
    if (!validate) throw new Error(`cannot compile '${name}'`);
    cache.set(name, validate);
  }
  validate(value);
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
}
