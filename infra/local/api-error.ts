/**
 * An answer from the FlexDR API that was not a success, with its status and the server's message.
 * Shared by the local clients of the API: the BMS simulator and the web console (browser-safe).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
