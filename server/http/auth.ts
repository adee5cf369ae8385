import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { errors } from '../openai/errors';

/** Requires `Authorization: Bearer KEY`, compared in constant time (hashes make lengths equal). */
export function requireApiKey(apiKey: string) {
  const expected = createHash('sha256').update(apiKey).digest();
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (!header) return next(errors.missingApiKey());
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = createHash('sha256').update(match ? match[1].trim() : '').digest();
    if (!match || !timingSafeEqual(given, expected)) return next(errors.invalidApiKey());
    next();
  };
}
