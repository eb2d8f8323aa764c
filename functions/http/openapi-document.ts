import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { buildOpenApi } from '../openapi.ts';

const body = JSON.stringify(buildOpenApi());

/** GET /openapi.json: this API's description; no token needed. */
export const handler = async (): Promise<APIGatewayProxyResultV2> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body,
});

/** Needs no dependencies: the same handler whatever it is given. */
export const makeHandler = () => handler;
