/**
 * Validates OpenADR 3.1 VTN responses and webhook notification bodies against the official
 * OpenADR 3.1.0 OpenAPI document (`openadr3/3.1.0/openadr3.yaml` beside this file).
 *
 * Library: openapi-backend 5.21.2 (npm, released 2026-09-29, MIT, openapistack). Chosen because
 * it is actively maintained (several releases in 2026), supports OpenAPI 3.0, matches a method and
 * path to an operation (`router.matchOperation`, templated paths, query strings ignored), validates
 * a response body by operation and status code (`validator.validateResponse(body, op, status)`),
 * validates the document itself against the OpenAPI 3.0 meta-schema (`validateDefinition`), and
 * builds on Ajv 8, which the project already uses (ajv-formats plugs in through `customizeAjv`).
 * It is CommonJS with typings and loads from ESM on Node 20. Passed over: openapi-response-validator
 * (no release since 2024, no path matching), express-openapi-validator (Express middleware),
 * @apidevtools/swagger-parser (parses and dereferences only; needs Node 22).
 *
 * What this module does itself is bookkeeping, not schema checking: it refuses a status the
 * operation does not document (openapi-backend silently passes those) and a content type it does
 * not declare, and it formats Ajv's errors. Every schema check is the library's Ajv run on the
 * document's own schemas.
 *
 * The document is patched in memory, minimally, where as written it cannot be used (each patch
 * below says why); the file itself is never changed. `test/unit/openadr/schemas.test.ts` pins the
 * unpatched defects, so a corrected document shows up there.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { OpenAPIBackend, ValidationContext } from 'openapi-backend';
import { parse } from 'yaml';

const YAML_PATH = fileURLToPath(new URL('./openadr3/3.1.0/openadr3.yaml', import.meta.url));

type Schema = Record<string, unknown> & {
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
};
interface MediaType {
  schema?: Schema;
}
interface Response {
  content?: Record<string, MediaType>;
}
interface OpenAdrDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
}

const document = parse(readFileSync(YAML_PATH, 'utf8')) as OpenAdrDocument;
const schemas = document.components.schemas;

function schema(name: string): Schema {
  const found = schemas[name];
  if (!found) throw new Error(`openadr3.yaml has no schema '${name}'`);
  return found;
}

/*
 * Patch 1, `problem.status`: `minimum: 100, maximum: 600, exclusiveMaximum: true` is the draft-04
 * boolean form. Ajv's draft-07 dialect (the one openapi-backend uses) and the library's own OpenAPI
 * meta-schema check both refuse a boolean there. The property is `type: integer`, so the bound
 * `< 600` is exactly `<= 599`: same set of valid values, written so both accept it.
 */
const status = schema('problem').properties?.status;
if (status?.exclusiveMaximum !== true || status.maximum !== 600) {
  throw new Error('openadr3.yaml: problem.status is no longer maximum 600 exclusive; revisit patch 1');
}
delete status.exclusiveMaximum;
status.maximum = 599;

/*
 * Patch 2, `ven` and `resource`: each is allOf(objectMetadata, Bl…Request). objectMetadata gives
 * objectType one of PROGRAM…RESOURCE and Bl…Request gives it BL_VEN_REQUEST (BL_RESOURCE_REQUEST),
 * so no ven or resource can validate. The server representation takes objectType from the metadata
 * (VEN, RESOURCE): the request part is replaced by a copy of the request schema without its
 * objectType property and requirement. Every other property and requirement is kept as written.
 */
for (const [name, request] of [
  ['ven', 'BlVenRequest'],
  ['resource', 'BlResourceRequest'],
] as const) {
  const allOf = schema(name).allOf;
  if (allOf?.length !== 2 || allOf[1]?.$ref !== `#/components/schemas/${request}`) {
    throw new Error(`openadr3.yaml: ${name} is no longer allOf(objectMetadata, ${request}); revisit patch 2`);
  }
  const { objectType: _, ...properties } = schema(request).properties ?? {};
  allOf[1] = {
    ...structuredClone(schema(request)),
    properties: structuredClone(properties),
    required: (schema(request).required ?? []).filter((p) => p !== 'objectType'),
  };
}

/*
 * Patch 3, `notification.object`: oneOf(program, report, event, subscription, ven, resource) with a
 * `discriminator` on objectType. Ajv ignores the discriminator (and its own support refuses these
 * branches, whose objectType sits inside allOf), so plain oneOf applies, and it fails in practice: a
 * subscription scoped to a program carries `programID`, which is all `event` requires beyond the
 * metadata, so such a subscription matches two branches and is refused. It also lets an object
 * whose objectType names one type pass as another. Each branch is therefore tagged with the
 * objectType the discriminator selects it by (PROGRAM → program, …, the schema name upper-cased,
 * as the document has no explicit mapping), so exactly the discriminated branch can match.
 */
const notificationObject = schema('notification').properties?.object;
const branches = notificationObject?.oneOf;
if (branches?.length !== 6 || !notificationObject) {
  throw new Error('openadr3.yaml: notification.object is no longer a oneOf of six; revisit patch 3');
}
const discriminated: string[] = [];
notificationObject.oneOf = branches.map((branch) => {
  const name = branch.$ref?.replace('#/components/schemas/', '') ?? '';
  const tag = name.toUpperCase();
  if (!(schema('objectTypes').enum as string[]).includes(tag)) {
    throw new Error(
      `openadr3.yaml: notification branch ${branch.$ref} is not an objectType; revisit patch 3`,
    );
  }
  discriminated.push(tag);
  return {
    required: ['objectType'],
    properties: { objectType: { type: 'string', enum: [tag] } },
    allOf: [branch],
  };
});

type Definition = Exclude<ConstructorParameters<typeof OpenAPIBackend>[0]['definition'], string>;

const api = new OpenAPIBackend({
  definition: document as unknown as Definition,
  strict: true,
  // Quick mode compiles each operation's validators on first use instead of all (~4 s) up front;
  // the document check that quick mode skips is run explicitly below.
  quick: true,
  ajvOpts: { allErrors: true },
  // openapi-backend adds the OpenAPI formats (int32, float, …); date-time and uri come from ajv-formats.
  customizeAjv: (ajv) => {
    ajvFormats.default(ajv);
    return ajv;
  },
});
await api.loadDocument();
// Throws if the (patched) document is not valid OpenAPI 3.0.
api.validateDefinition();
await api.init();

const definition = api.definition as unknown as OpenAdrDocument & {
  paths: Record<
    string,
    Record<string, { callbacks?: Record<string, Record<string, Record<string, unknown>>> }>
  >;
};
const problemSchema = definition.components.schemas.problem;

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const allowed = e.keyword === 'enum' ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : '';
      return `  ${e.instancePath || '(root)'} ${e.message}${allowed}`;
    })
    .join('\n');
}

/** The operation `method` and `path` (as the spec writes it, query string allowed) match; throws if none. */
function match(method: string, path: string) {
  const operation = api.router.matchOperation({ method, path, headers: {} });
  if (!operation?.operationId) {
    throw new Error(`openadr3.yaml: no operation matches ${method.toUpperCase()} ${path}`);
  }
  return operation as typeof operation & { operationId: string; responses: Record<string, Response> };
}

/** The operationId of `method` `path`, e.g. `operationOf('GET', '/events?skip=0')` is `searchAllEvents`. */
export function operationOf(method: string, path: string): string {
  return match(method, path).operationId;
}

/** Every operationId in openadr3.yaml, in document order. */
export function allOperations(): string[] {
  return api.router.getOperations().flatMap((o) => (o.operationId ? [o.operationId] : []));
}

/**
 * Throws unless `body` is what openadr3.yaml documents for `status` of the operation matching
 * `method` and `path` (no `/openadr3` prefix; a query string is ignored). `contentType` (parameters
 * ignored) must be one the response declares, except that `application/problem+json` (RFC 7807)
 * is accepted where the document declares `application/json` with the `problem` schema.
 */
export function validateResponse(r: {
  method: string;
  path: string;
  status: number;
  body: unknown;
  contentType?: string;
}): void {
  const operation = match(r.method, r.path);
  const where = `${operation.operationId} (${r.method.toUpperCase()} ${r.path}) ${r.status}`;
  const responses = operation.responses;
  const response = responses[r.status] ?? responses[`${Math.floor(r.status / 100)}XX`] ?? responses.default;
  if (!response) {
    throw new Error(`${where}: status not documented (documented: ${Object.keys(responses).join(', ')})`);
  }
  const content = response.content ?? {};
  if (Object.keys(content).length === 0) {
    if (r.body !== undefined && r.body !== null && r.body !== '') {
      throw new Error(`${where}: documented without content, but the body is ${JSON.stringify(r.body)}`);
    }
    return;
  }
  const json = content['application/json'];
  if (!json?.schema) {
    throw new Error(`${where}: no application/json schema (declared: ${Object.keys(content).join(', ')})`);
  }
  if (r.contentType !== undefined) {
    const type = r.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    const problem = type === 'application/problem+json' && json.schema === problemSchema;
    if (!(type in content) && !problem) {
      throw new Error(
        `${where}: content type '${type}' not declared (declared: ${Object.keys(content).join(', ')})`,
      );
    }
  }
  const result = api.validator.validateResponse(r.body, operation, r.status);
  if (!result.valid) {
    throw new Error(`${where}: body does not match openadr3.yaml:\n${describe(result.errors)}`);
  }
}

// The schema the document gives for webhook bodies: createSubscription's `notifyEvent` callback.
const callback = definition.paths['/subscriptions']?.post?.callbacks?.notifyEvent?.[
  '{$request.body#/callbackUrl}'
] as { post: { requestBody: { content: Record<string, MediaType> } } } | undefined;
const callbackSchema = callback?.post.requestBody.content['application/json']?.schema;
if (!callbackSchema || callbackSchema !== definition.components.schemas.notification) {
  throw new Error(
    'openadr3.yaml: the notifyEvent callback body is no longer components.schemas.notification',
  );
}
const notificationSchema: Schema = callbackSchema;
let validateNotificationBody: ValidateFunction | undefined;

/**
 * Throws unless `body` is a `notification` as openadr3.yaml defines it (the body of the
 * `notifyEvent` callback), with the object validated by its objectType (patch 3).
 */
export function validateNotification(body: unknown): void {
  validateNotificationBody ??= api.validator
    .getAjv(ValidationContext.RequestBody)
    .compile(notificationSchema);
  if (validateNotificationBody(body)) return;
  // Report the errors of the branch the discriminator selects; those of the other branches only
  // say that their objectType differs. With an unknown objectType, every branch's errors are kept.
  const objectType = (body as { object?: { objectType?: unknown } } | null)?.object?.objectType;
  const selected = discriminated.indexOf(String(objectType));
  const prefix = '#/properties/object/oneOf/';
  const errors = validateNotificationBody.errors?.filter(
    (e) =>
      selected < 0 || !e.schemaPath.startsWith(prefix) || e.schemaPath.startsWith(`${prefix}${selected}/`),
  );
  throw new Error(`notification does not match openadr3.yaml:\n${describe(errors)}`);
}
