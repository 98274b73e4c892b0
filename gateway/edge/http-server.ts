/**
 * The Node HTTP server the gateway listens with. Node answers a request whose head is too large, or that
 * is not HTTP at all, before express sees it, with a bare status; here it gets the gateway's error shape too.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

export interface HttpServerOptions {
  /** The largest request line plus headers accepted, in bytes. */
  maxHeaderBytes: number;
}

function rawRefusal(status: string, code: string, message: string): string {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  return `HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

export function createHttpServer(app: RequestListener, options: HttpServerOptions): Server {
  const server = createServer({ maxHeaderSize: options.maxHeaderBytes }, app);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return void socket.destroy();
    const reply =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? rawRefusal(
            '431 Request Header Fields Too Large',
            'HEADERS_TOO_LARGE',
            `The request's headers are larger than ${options.maxHeaderBytes} bytes, the most the gateway accepts; send a shorter token or fewer headers.`,
          )
        : rawRefusal('400 Bad Request', 'BAD_REQUEST', 'The request is not well-formed HTTP/1.1.');
    socket.end(reply);
  });
  return server;
}
