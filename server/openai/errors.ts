/**
 * The catalogue of errors the mock answers with, in OpenAI's shape
 * `{"error": {"message", "type", "param", "code"}}`, one constructor per situation.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const errors = {
  invalidJson: (detail: string) =>
    new ApiError(400, `We could not parse the JSON body of your request. (${detail})`, 'invalid_request_error', 'invalid_json'),
  invalidParameter: (param: string | null, message: string) =>
    new ApiError(400, message, 'invalid_request_error', param ? 'invalid_value' : 'invalid_request', param),
  contextLengthExceeded: (limit: number, promptTokens: number, requestedOutput: number) =>
    new ApiError(
      400,
      `This model's maximum context length is ${limit} tokens. However, you requested ${promptTokens + requestedOutput} tokens ` +
        `(${promptTokens} in the messages, ${requestedOutput} in the completion). Please reduce the length of the messages or completion.`,
      'invalid_request_error',
      'context_length_exceeded',
      'messages',
    ),
  missingApiKey: () =>
    new ApiError(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      'invalid_request_error',
      'missing_api_key',
    ),
  previousResponseNotFound: (id: string) =>
    new ApiError(400, `Previous response with id '${id}' not found.`, 'invalid_request_error', 'previous_response_not_found', 'previous_response_id'),
  responseNotFound: (id: string) => new ApiError(404, `Response with id '${id}' not found.`, 'invalid_request_error', 'response_not_found'),
  invalidApiKey: () =>
    new ApiError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
  modelNotFound: (model: string) =>
    new ApiError(404, `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found', 'model'),
  routeNotFound: (method: string, path: string) =>
    new ApiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', 'unknown_url'),
  methodNotAllowed: (method: string, path: string) =>
    new ApiError(405, `Method ${method} is not allowed for ${path}`, 'invalid_request_error', 'method_not_allowed'),
  payloadTooLarge: (limitBytes: number) =>
    new ApiError(413, `Request body is larger than the limit of ${limitBytes} bytes.`, 'invalid_request_error', 'request_too_large'),
  queueFull: (retryAfter_s: number) =>
    new ApiError(429, 'The server is at capacity. Please retry after a short wait.', 'rate_limit_error', 'queue_full', null, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfter_s))),
    }),
  rateLimited: (retryAfter_s: number, model: string) =>
    new ApiError(
      429,
      `Rate limit reached for ${model} (injected fault). Please try again in ${retryAfter_s}s.`,
      'rate_limit_error',
      'rate_limit_exceeded',
      null,
      {
        'retry-after': String(Math.max(1, Math.ceil(retryAfter_s))),
        'x-ratelimit-limit-requests': '10000',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': `${retryAfter_s}s`,
        'x-ratelimit-limit-tokens': '2000000',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': `${retryAfter_s}s`,
      },
    ),
  internal: (message = 'The server had an error while processing your request (injected fault).') =>
    new ApiError(500, message, 'server_error', 'internal_error'),
  shuttingDown: () => new ApiError(503, 'The server is shutting down; retry the request on another replica.', 'server_error', 'service_unavailable', null, { connection: 'close' }),
  unavailable: (retryAfter_s: number) =>
    new ApiError(503, 'The engine is currently overloaded, please try again later (injected fault).', 'server_error', 'service_unavailable', null, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfter_s))),
    }),
};
