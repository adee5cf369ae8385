import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError, errors } from '../openai/errors';
import { chatFormat } from '../openai/chat';
import { completionsFormat } from '../openai/completions';
import { responsesFormat } from '../openai/responses';
import { embeddingsResponse } from '../openai/embeddings';
import { chatCompletionRequestSchema, completionRequestSchema, embeddingsRequestSchema, responsesRequestSchema } from '../openai/schemas';
import { requireApiKey } from './auth';
import type { ServerContext } from './context';
import { generationRoute } from './generation-route';
import { parseBody } from './validation';
import { sseData, SSE_DONE } from '../openai/sse';

export const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/** The express app, built from its dependencies (tests listen on port 0; `serve` on a real port). */
export function createApp(context: ServerContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', models: [...context.models.keys()] });
  });
  app.get('/metrics', async (_req, res) => {
    for (const model of context.models.values()) context.metrics.updateEngine(model.id, model.engine.stats());
    res.set('content-type', context.metrics.registry.contentType);
    res.send(await context.metrics.registry.metrics());
  });

  const v1 = express.Router();
  if (context.apiKey) v1.use(requireApiKey(context.apiKey));
  v1.use(express.json({ limit: BODY_LIMIT_BYTES, type: () => true }));

  const modelObject = (id: string) => {
    const model = context.models.get(id)!;
    return { id, object: 'model', created: model.created_s, owned_by: 'tokenbench', root: id, parent: null, max_model_len: model.profile.context_length };
  };
  v1.get('/models', (_req, res) => {
    res.json({ object: 'list', data: [...context.models.keys()].map(modelObject) });
  });
  v1.get('/models/:id', (req, res) => {
    const id = String(req.params.id);
    if (!context.models.has(id)) throw errors.modelNotFound(id);
    res.json(modelObject(id));
  });

  v1.post('/chat/completions', generationRoute(chatCompletionRequestSchema, chatFormat, context));
  v1.post('/completions', generationRoute(completionRequestSchema, completionsFormat, context));
  v1.post('/responses', generationRoute(responsesRequestSchema, responsesFormat, context));
  v1.post('/embeddings', (req, res) => {
    const request = parseBody(embeddingsRequestSchema, req.body);
    const model = context.models.get(request.model);
    if (!model) throw errors.modelNotFound(request.model);
    res.json(embeddingsResponse(request, model.tokenizer));
  });

  app.use('/v1', v1);
  app.use((req, _res, next) => next(errors.routeNotFound(req.method, req.path)));
  app.use(errorHandler(context));
  return app;
}

/** Every failure becomes OpenAI's error shape; after SSE headers, an error event ends the stream. */
function errorHandler(context: ServerContext) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const apiError = toApiError(error);
    context.metrics.rejected.inc({ status: String(apiError.status) });
    if (res.headersSent) {
      if (!res.writableEnded) res.end(sseData(apiError.toBody()) + SSE_DONE);
      return;
    }
    res.status(apiError.status).set(apiError.headers).json(apiError.toBody());
  };
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const httpError = error as { type?: string; status?: number; message?: string; limit?: number };
  if (httpError?.type === 'entity.parse.failed') return errors.invalidJson(httpError.message ?? 'malformed JSON');
  if (httpError?.type === 'entity.too.large') return errors.payloadTooLarge(httpError.limit ?? BODY_LIMIT_BYTES);
  if (httpError?.type === 'encoding.unsupported' || httpError?.type === 'charset.unsupported') {
    return errors.invalidParameter(null, httpError.message ?? 'unsupported encoding');
  }
  if (typeof httpError?.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
    return new ApiError(httpError.status, httpError.message ?? 'bad request', 'invalid_request_error', 'bad_request');
  }
  process.emitWarning(`tokenbench: unexpected error: ${(error as Error)?.stack ?? error}`);
  return errors.internal('The server had an error while processing your request.');
}
