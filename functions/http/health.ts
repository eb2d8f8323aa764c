import type { APIGatewayProxyResultV2 } from 'aws-lambda';

/** GET /health: no token needed; says the API answers, nothing more. */
export const handler = async (): Promise<APIGatewayProxyResultV2> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ status: 'ok' }),
});

/** Needs no dependencies: the same handler whatever it is given. */
export const makeHandler = () => handler;
