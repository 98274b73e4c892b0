/**
 * Raw HTTP for hostile-request suites: requests sent exactly as written (duplicate headers, broken bodies, any
 * method) to a listening gateway, and the checks every answer must pass whatever was sent: no
 * INTERNAL_SERVER_ERROR, every error coded with a sentence, no stack trace, no long echo of caller input.
 */
import { type Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileRequest {
  method: string;
  /** Path and query string. */
  path: string;
  /** Raw header lines; a name given twice is sent twice. */
  headers: [string, string][];
  body?: string | Buffer;
  /** An event stream: read the first events for a moment, then hang up. */
  stream?: boolean;
  /** Caller text to look for in messages (periodic text may be given by one period's worth). */
  sent: string[];
  /** What the request is, for a failure report. */
  label: string;
}

export interface HostileResponse {
  status: number;
  contentType: string;
  text: string;
  /** From sending to the whole answer (for a stream: to its first events, or the reading window's end). */
  ms: number;
}

export interface Listening {
  url: string;
  close(): Promise<void>;
}

export async function listen(server: Server): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** How long a stream is read before the client hangs up. */
const STREAM_WINDOW_MS = 300;
/** A request not answered by then is reported as a hang (the suites assert a much shorter time). */
const GIVE_UP_MS = 10_000;

export function send(base: string, hostile: HostileRequest, agent: Agent): Promise<HostileResponse> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of hostile.headers) {
    const key = name.toLowerCase();
    const before = headers[key];
    headers[key] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${base}${hostile.path}`, { method: hostile.method, headers, agent, setHost: true }, (res) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(window);
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - started,
        });
        if (!res.complete) req.destroy();
      };
      const streaming = /text\/event-stream/.test(String(res.headers['content-type'] ?? ''));
      const window = setTimeout(finish, streaming ? STREAM_WINDOW_MS : GIVE_UP_MS);
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        // The first whole event that is not a keep-alive comment is enough.
        if (streaming && /(^|\n)event: \w+\n/.test(Buffer.concat(chunks).toString('utf8'))) finish();
      });
      res.on('end', finish);
      res.on('error', finish);
      res.on('close', finish);
    });
    req.setTimeout(GIVE_UP_MS, () => req.destroy(new Error(`no answer within ${GIVE_UP_MS} ms`)));
    req.on('error', (error) => reject(error));
    req.end(hostile.body);
  });
}

interface WireError {
  message?: unknown;
  extensions?: { code?: unknown; [key: string]: unknown };
}

/** The GraphQL results a response carries: one JSON body, a batch, or the events of a stream. */
function resultsOf(response: HostileResponse): { results: unknown[]; fault: string | null } {
  const { contentType, text } = response;
  if (/text\/event-stream/.test(contentType)) {
    const results = [...text.matchAll(/^data: ?(.*)$/gm)].map((match) => match[1] ?? '').filter((data) => data !== '');
    try {
      return { results: results.map((data) => JSON.parse(data) as unknown), fault: null };
    } catch {
      return { results: [], fault: 'an event is not JSON' };
    }
  }
  if (/multipart\/mixed/.test(contentType)) {
    const parts = text.split(/\r?\n\r?\n/).filter((part) => part.trimStart().startsWith('{'));
    try {
      return { results: parts.map((part) => JSON.parse(part.split(/\r?\n---/)[0] ?? '') as unknown), fault: null };
    } catch {
      return { results: [], fault: 'a multipart part is not JSON' };
    }
  }
  if (/json/.test(contentType)) {
    try {
      const body = JSON.parse(text) as unknown;
      return { results: Array.isArray(body) ? body : [body], fault: null };
    } catch {
      return { results: [], fault: 'the body is not JSON' };
    }
  }
  return { results: [], fault: null };
}

/** Code-frame and file-path shapes of a stack trace or other internals. */
const INTERNALS = [/^\s*at .+:\d+:\d+\)?$/m, /\bat (?:async )?[\w.<>]+ \(/, /node_modules\//, /file:\/\/\//, /\/work\//, /\.[cm]?[jt]s:\d+:\d+/];

/** Text as an error message may show it: raw, JSON-escaped, or with control characters replaced. */
function echoForms(sent: readonly string[]): string[] {
  return sent.flatMap((text) => (text.length <= 100 ? [] : [text, JSON.stringify(text).slice(1, -1), text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')]));
}

/**
 * The first run of more than 100 characters of `text` found in caller input, or null. Any such run holds one of
 * the 51-character probes taken every 50 characters, so only a probe found in the input is looked at closely:
 * megabyte inputs stay cheap to search.
 */
function longEcho(text: string, forms: readonly string[]): string | null {
  for (let anchor = 0; anchor + 51 <= text.length; anchor += 50) {
    const probe = text.slice(anchor, anchor + 51);
    const holders = forms.filter((form) => form.includes(probe));
    if (holders.length === 0) continue;
    for (let start = Math.max(0, anchor - 50); start <= anchor && start + 101 <= text.length; start += 1) {
      const window = text.slice(start, start + 101);
      if (holders.some((form) => form.includes(window))) return window;
    }
  }
  return null;
}

/** Every way the response breaks the error discipline; empty when it is sound. */
export function faultsOf(hostile: HostileRequest, response: HostileResponse, maxMs: number): string[] {
  const faults: string[] = [];
  if (response.ms > maxMs) faults.push(`took ${Math.round(response.ms)} ms`);
  if (response.status === 500) faults.push('status 500');
  if (response.text.includes('INTERNAL_SERVER_ERROR')) faults.push('INTERNAL_SERVER_ERROR in the body');
  if (hostile.method === 'HEAD' || response.status === 204) return faults;
  // GraphiQL's page is a bundled application whose own code mentions module paths; it is no answer to the caller's input.
  const isGraphiQL = hostile.method === 'GET' && response.status === 200 && /text\/html/.test(response.contentType);
  if (!isGraphiQL) for (const pattern of INTERNALS) if (pattern.test(response.text)) faults.push(`internals in the body (${pattern})`);

  const { results, fault } = resultsOf(response);
  if (fault) faults.push(fault);
  const errors = results.flatMap((result) => {
    const found = (result as { errors?: unknown }).errors;
    return Array.isArray(found) ? (found as WireError[]) : [];
  });
  if (response.status >= 400 && errors.length === 0 && !isGraphiQL)
    faults.push(`status ${response.status} without a coded error (${response.contentType || 'no content type'})`);
  const forms = echoForms(hostile.sent);
  for (const error of errors) {
    const code = error.extensions?.code;
    if (typeof code !== 'string' || code === '') faults.push(`an error without a code: ${JSON.stringify(error).slice(0, 200)}`);
    else if (code === 'INTERNAL_SERVER_ERROR') faults.push(`INTERNAL_SERVER_ERROR: ${String(error.message).slice(0, 200)}`);
    if (typeof error.message !== 'string' || error.message.trim() === '') faults.push(`an error without a message (${String(code)})`);
    const shown = [error.message, ...Object.values(error.extensions ?? {})].filter((value): value is string => typeof value === 'string');
    for (const text of shown) {
      const echoed = longEcho(text, forms);
      if (echoed) faults.push(`echoes more than 100 characters of caller input (${String(code)}): ${JSON.stringify(echoed.slice(0, 40))}...`);
    }
  }
  return faults;
}

/** Runs `work` over `items` with at most `width` in flight, in order of the items. */
export async function inPool<T, R>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}
