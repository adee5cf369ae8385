import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { errors } from '../openai/errors';

export const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

const INFLATERS: Record<string, (body: Buffer, options: { maxOutputLength: number }) => Buffer> = {
  gzip: gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/**
 * Reads a request body as a JSON value straight off node:http (what express.json did, at a third of
 * its cost): the size limit applies before and after inflation, the charset must be UTF-8, an empty
 * body is `{}`. Failures are OpenAI-shaped errors.
 */
export function readJsonBody(req: IncomingMessage, limitBytes = BODY_LIMIT_BYTES): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limitBytes) {
      // Drain what the client sends so the 413 reaches it instead of a reset connection.
      req.resume();
      return reject(errors.payloadTooLarge(limitBytes));
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      received += chunk.length;
      if (received > limitBytes) {
        failed = true;
        chunks.length = 0;
        return reject(errors.payloadTooLarge(limitBytes));
      }
      chunks.push(chunk);
    });
    const cutOff = (reason: string) => {
      if (!failed) reject(errors.invalidParameter(null, `could not read the request body: ${reason}`));
      failed = true;
    };
    req.on('error', (error) => cutOff(error.message));
    // Node reports a body cut short as 'error' (aborted); 'close' before 'complete' covers any path that does not.
    req.on('close', () => {
      if (!req.complete) cutOff('the connection closed before the body ended');
    });
    req.on('end', () => {
      if (failed) return;
      try {
        resolve(parseJson(decode(Buffer.concat(chunks, received), req, limitBytes)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function decode(raw: Buffer, req: IncomingMessage, limitBytes: number): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw errors.invalidParameter(null, `unsupported charset "${charset.toUpperCase()}"`);
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return raw.toString('utf8');
  const inflate = INFLATERS[encoding];
  if (!inflate) throw errors.invalidParameter(null, `unsupported content encoding "${encoding}"`);
  try {
    return inflate(raw, { maxOutputLength: limitBytes }).toString('utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw errors.payloadTooLarge(limitBytes);
    throw errors.invalidParameter(null, `could not inflate the ${encoding} body`);
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw errors.invalidJson((error as Error).message);
  }
}

/** Answers with a JSON body in one write (headers and body leave together). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
