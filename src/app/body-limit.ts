import { Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones (docs: "Webhook events and payloads"). */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;

type RequestListener = (request: IncomingMessage, response: ServerResponse) => unknown;

/**
 * Makes `server` read every request body itself, up to `maxBytes`, before any other listener sees the
 * request. Probot's webhook middleware buffers a body whole and only then checks its signature, so a
 * peer without the secret could make the process hold any number of bytes: here a body announced
 * (Content-Length) or found while reading to be larger is answered 413 and its connection closed, and
 * the bytes read so far are dropped. A body within the bound is handed on as `rawBody`, which the
 * webhook middleware reads instead of the stream (its bytes unchanged, so the signature check is too).
 */
export function limitRequestBodies(server: HttpServer, maxBytes: number = MAX_WEBHOOK_BODY_BYTES): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const pass = () => {
      for (const listener of listeners) listener.call(server, request, response);
    };
    if (request.method === 'GET' || request.method === 'HEAD') return pass();
    const announced = Number(request.headers['content-length']);
    if (Number.isFinite(announced) && announced > maxBytes) return refuse(request, response, maxBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBytes) {
        refused = true;
        chunks.length = 0;
        refuse(request, response, maxBytes);
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => {
      if (refused) return;
      const body = Buffer.concat(chunks);
      chunks.length = 0;
      Object.assign(request, { rawBody: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), body: {} });
      pass();
    });
    request.once('error', () => {
      refused = true;
      chunks.length = 0;
    });
  });
}

function refuse(request: IncomingMessage, response: ServerResponse, maxBytes: number): void {
  if (!response.headersSent) {
    // No `connection: close`: Node would close the socket at once with the body still unread, the kernel
    // would answer the peer's next bytes with a reset, and a reset can discard the 413 before it is read.
    response.writeHead(413, { 'content-type': 'text/plain' });
    response.end(`request body larger than ${maxBytes} bytes (GitHub sends no webhook above 25 MB)\n`);
  }
  // Nothing more is read (the peer's writes stall on TCP backpressure): the rest of the body is not this
  // server's to buffer. The connection closes a moment after the answer, so the peer can read the 413.
  request.pause();
  response.once('finish', () => setTimeout(() => request.destroy(), 1_000).unref());
}

/**
 * Runs `start` (Probot's `run`) and applies {@link limitRequestBodies} to the HTTP server it listens
 * with, before that server accepts its first connection. Probot does not expose the server it makes,
 * so `listen` is intercepted for the duration of the call.
 */
export async function withBodyLimit<T>(start: () => Promise<T>, maxBytes: number = MAX_WEBHOOK_BODY_BYTES): Promise<T> {
  const listen = HttpServer.prototype.listen;
  HttpServer.prototype.listen = function (this: HttpServer, ...args: unknown[]) {
    limitRequestBodies(this, maxBytes);
    HttpServer.prototype.listen = listen;
    return (listen as (...a: unknown[]) => HttpServer).apply(this, args);
  } as typeof listen;
  try {
    return await start();
  } finally {
    HttpServer.prototype.listen = listen;
  }
}
