/**
 * Writes a blob download to the HTTP response: 200 with the whole blob, or 206 with `Content-Range` for a
 * `Range: bytes=N-` request. Once the headers are out an error can only cut the body short, which the
 * receiver sees as a truncated download (and resumes from what it has).
 */
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type { BlobAnswer } from './deliveries.service';

export async function sendBlob(response: Response, blob: BlobAnswer): Promise<void> {
  response.status(blob.partial ? 206 : 200);
  response.setHeader('Content-Type', 'application/octet-stream');
  response.setHeader('Accept-Ranges', 'bytes');
  response.setHeader('Content-Length', String(blob.size - blob.start));
  if (blob.partial) response.setHeader('Content-Range', `bytes ${blob.start}-${blob.size - 1}/${blob.size}`);
  await pipeline(blob.stream, response).catch(() => {
    blob.stream.destroy();
    response.destroy();
  });
}
