import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { type ApiError, errors } from '../openai/errors';

/**
 * Checks `Authorization: Bearer KEY` in constant time (hashes make the lengths equal): the error to
 * answer with, or undefined when the key is right.
 */
export function apiKeyCheck(apiKey: string): (authorization: string | undefined) => ApiError | undefined {
  const expected = createHash('sha256').update(apiKey).digest();
  return (authorization) => {
    if (!authorization) return errors.missingApiKey();
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    const given = createHash('sha256').update(match ? match[1].trim() : '').digest();
    if (!match || !timingSafeEqual(given, expected)) return errors.invalidApiKey();
    return undefined;
  };
}

/** The same check as express middleware, for the routes express serves. */
export function requireApiKey(apiKey: string) {
  const check = apiKeyCheck(apiKey);
  return (req: Request, _res: Response, next: NextFunction) => next(check(req.headers.authorization));
}
