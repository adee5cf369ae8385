import type { RequestListener, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError, errors } from '../openai/errors';
import { chatFormat } from '../openai/chat';
import { completionsFormat } from '../openai/completions';
import { responsesFormat } from '../openai/responses';
import { embeddingsResponse } from '../openai/embeddings';
import { chatCompletionRequestSchema, completionRequestSchema, detokenizeRequestSchema, embeddingsRequestSchema, messagesRequestSchema, responsesRequestSchema, tokenizeRequestSchema } from '../openai/schemas';
import { detokenizeResponse, tokenizeResponse } from '../openai/tokenize';
import { apiKeyCheck, requireApiKey } from './auth';
import type { ServerContext } from './context';
import { generationRoute, type JsonRoute } from './generation-route';
import { BODY_LIMIT_BYTES, readJsonBody, sendJson } from './node-io';
import { parseBody } from './validation';
import { monotonicNow_ns, RECEIVED_HEADER } from '../../common/write-stamps';
import { sseData, sseEvent, SSE_DONE } from '../openai/sse';
import { messagesFormat } from '../openai/messages';

/**
 * The mock's request listener. The JSON POST routes (generation and embeddings) are dispatched
 * straight from node:http: express's router and body parser cost more than a whole generated
 * response (measured by `npm run bench:server`). Express serves the control plane (health,
 * metrics, models) and answers every unknown route.
 */
export function createRequestListener(context: ServerContext): RequestListener {
  const controlPlane = createControlApp(context);
  const postRoutes = new Map<string, JsonRoute>([
    ['/v1/chat/completions', generationRoute(chatCompletionRequestSchema, chatFormat, context)],
    ['/v1/completions', generationRoute(completionRequestSchema, completionsFormat, context)],
    ['/v1/responses', generationRoute(responsesRequestSchema, responsesFormat, context)],
    ['/v1/embeddings', embeddingsRoute(context)],
    ['/v1/messages', generationRoute(messagesRequestSchema, messagesFormat, context)],
    // vLLM serves these at the root, beside /v1.
    ['/tokenize', tokenizeRoute(context)],
    ['/detokenize', detokenizeRoute(context)],
  ]);
  const checkKey = context.apiKey ? apiKeyCheck(context.apiKey) : undefined;
  return (req, res) => {
    const route = req.method === 'POST' ? postRoutes.get(routePath(req.url)) : undefined;
    if (!route) return void controlPlane(req, res);
    if (context.stampWrites) res.setHeader(RECEIVED_HEADER, String(monotonicNow_ns()));
    const path = routePath(req.url);
    // Anthropic's SDK sends its key as x-api-key.
    const apiKeyHeader = req.headers['x-api-key'];
    const keyError = context.draining ? errors.shuttingDown() : checkKey?.(req.headers.authorization ?? (typeof apiKeyHeader === 'string' ? `Bearer ${apiKeyHeader}` : undefined));
    const answer = keyError ? Promise.reject(keyError) : readJsonBody(req, BODY_LIMIT_BYTES).then((body) => route(body, req, res));
    answer.catch((error) => sendError(res, error, context, ANTHROPIC_PATHS.has(path) ? anthropicErrorBody : openaiErrorBody));
  };
}

/** A request's path as express would match it: no query, no trailing slash, any case. */
function routePath(url = '/'): string {
  const query = url.indexOf('?');
  let path = query >= 0 ? url.slice(0, query) : url;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path.toLowerCase();
}

function embeddingsRoute(context: ServerContext): JsonRoute {
  return async (body, _req, res) => {
    const request = parseBody(embeddingsRequestSchema, body);
    const model = context.models.get(request.model);
    if (!model) throw errors.modelNotFound(request.model);
    sendJson(res, 200, embeddingsResponse(request, model.tokenizer));
  };
}

/** The model a vLLM utility request names, or the first served one when it names none (as vLLM does). */
function modelFor(context: ServerContext, id: string | null | undefined) {
  const model = id ? context.models.get(id) : context.models.values().next().value;
  if (!model) throw errors.modelNotFound(id ?? '');
  return model;
}

function tokenizeRoute(context: ServerContext): JsonRoute {
  return async (body, _req, res) => {
    const request = parseBody(tokenizeRequestSchema, body);
    const model = modelFor(context, request.model);
    sendJson(res, 200, tokenizeResponse(request, model.tokenizer, model.profile.context_length));
  };
}

function detokenizeRoute(context: ServerContext): JsonRoute {
  return async (body, _req, res) => {
    const request = parseBody(detokenizeRequestSchema, body);
    sendJson(res, 200, detokenizeResponse(request, modelFor(context, request.model).tokenizer));
  };
}

function createControlApp(context: ServerContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/health', (_req, res) => {
    sendJson(res, 200, { status: 'ok', models: [...context.models.keys()] });
  });
  app.get('/metrics', async (_req, res) => {
    const engines = [...context.models.values()].filter((model) => !model.adapter);
    for (const model of engines) context.metrics.updateEngine(model.id, model.engine.stats());
    const adapters = [...context.models.values()].filter((model) => model.adapter).length;
    if (adapters > 0) context.metrics.updateLora(adapters, engines.map((model) => model.engine.stats()));
    res.set('content-type', context.metrics.registry.contentType);
    res.send(await context.metrics.exposition());
  });

  const v1 = express.Router();
  if (context.apiKey) v1.use(requireApiKey(context.apiKey));
  const modelObject = (id: string) => {
    const model = context.models.get(id)!;
    // vLLM lists a LoRA adapter with its base model as parent.
    return { id, object: 'model', created: model.created_s, owned_by: 'tokenbench', root: id, parent: model.adapter ? model.base : null, max_model_len: model.profile.context_length };
  };
  v1.get('/models', (_req, res) => {
    sendJson(res, 200, { object: 'list', data: [...context.models.keys()].map(modelObject) });
  });
  v1.get('/models/:id', (req, res) => {
    const id = String(req.params.id);
    if (!context.models.has(id)) throw errors.modelNotFound(id);
    sendJson(res, 200, modelObject(id));
  });

  v1.get('/responses/:id', (req, res) => {
    const stored = context.responses.get(String(req.params.id));
    if (!stored) throw errors.responseNotFound(String(req.params.id));
    sendJson(res, 200, stored.response);
  });
  v1.delete('/responses/:id', (req, res) => {
    const id = String(req.params.id);
    if (!context.responses.delete(id)) throw errors.responseNotFound(id);
    sendJson(res, 200, { id, object: 'response', deleted: true });
  });

  app.use('/v1', v1);
  app.use((req, _res, next) => next(errors.routeNotFound(req.method, req.path)));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => sendError(res, error, context));
  return app;
}

/** How an API writes an error: its JSON body, and the SSE frames that end a stream with it. */
interface ErrorShape {
  body(error: ApiError): unknown;
  streamEnd(error: ApiError): string;
}

const openaiErrorBody: ErrorShape = { body: (error) => error.toBody(), streamEnd: (error) => sseData(error.toBody()) + SSE_DONE };

// Anthropic's error types by status (docs.anthropic.com, "Errors").
const ANTHROPIC_ERROR_TYPES: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 503: 'overloaded_error', 529: 'overloaded_error' };
const anthropicErrorBody: ErrorShape = {
  body: (error) => ({ type: 'error', error: { type: ANTHROPIC_ERROR_TYPES[error.status] ?? 'api_error', message: error.message } }),
  streamEnd: (error) => sseEvent('error', anthropicErrorBody.body(error)),
};
const ANTHROPIC_PATHS = new Set(['/v1/messages']);

/** Every failure becomes the API's error shape (OpenAI's unless Anthropic's); after SSE headers, an error event ends the stream. */
function sendError(res: ServerResponse, error: unknown, context: ServerContext, shape: ErrorShape = openaiErrorBody): void {
  const apiError = toApiError(error);
  context.metrics.rejected.inc({ status: String(apiError.status) });
  if (res.headersSent) {
    if (!res.writableEnded) res.end(shape.streamEnd(apiError));
    return;
  }
  // A request whose body was refused may still be arriving: close after answering.
  if (apiError.status === 413) res.shouldKeepAlive = false;
  sendJson(res, apiError.status, shape.body(apiError), apiError.headers);
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // Express's own 4xx errors (a malformed URI, say) keep their status.
  const httpError = error as { status?: number; message?: string };
  if (typeof httpError?.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
    return new ApiError(httpError.status, httpError.message ?? 'bad request', 'invalid_request_error', 'bad_request');
  }
  process.emitWarning(`tokenbench: unexpected error: ${(error as Error)?.stack ?? error}`);
  return errors.internal('The server had an error while processing your request.');
}
