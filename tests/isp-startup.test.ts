/**
 * A broken ISP file stops the real entry point at start-up, naming the file, the place (path inside the
 * document and line) and the fault. Each case is the default ISP with one mistake, run as its own process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ISP_FILE } from './isp-oracle.js';

const folder = mkdtempSync(join(tmpdir(), 'isp-startup-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const original = readFileSync(ISP_FILE, 'utf8');
const lines = original.split('\n');

/** The 1-based line of the first line matching `pattern` after the line matching `after`. */
function lineOf(pattern: RegExp, after: RegExp = /^/): number {
  const start = lines.findIndex((line) => after.test(line));
  const index = lines.findIndex((line, i) => i >= start && pattern.test(line));
  if (start < 0 || index < 0) throw new Error(`${ISP_FILE} no longer has a line matching ${pattern} after ${after}`);
  return index + 1;
}

/** The default ISP with line `line` replaced (or removed, for null). */
function withLine(line: number, replacement: string | null): string {
  return lines.flatMap((text, i) => (i + 1 === line ? (replacement === null ? [] : [replacement]) : [text])).join('\n');
}

/** Clause `id`'s position among the clauses, as the fault's path names it. */
const clauseIndex = (id: string) => [...original.matchAll(/^ {2}- id: (C-\d+)$/gm)].findIndex((match) => match[1] === id);

interface Run {
  code: number | null;
  stderr: string;
  stdout: string;
}

function startGateway(ispFile: string): Promise<Run> {
  const dataDir = mkdtempSync(join(folder, 'data-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ISP_FILE: ispFile, PORT: '0', SIMULATOR_BASE_PORT: '0', DATA_DIR: dataDir, POPULATION_SIZE: '50' };
  for (const name of ['DATABASE_URL', 'AUTH_JWKS_URL', 'AUTH_JWKS_FILE', 'AUTH_ISSUER', 'ENFORCEMENT']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A gateway that starts despite the fault never exits by itself. Generous, as the suites share two cores and a
    // catalogue fault is found only after the simulators and the ledger have started.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface BadIsp {
  fault: string;
  text: string;
  /** The line and the path inside the document the message must name, and the fault in words. */
  line: number;
  path: string;
  message: RegExp;
  /** Found when the file is loaded, before the simulators and the ledger start; a catalogue fault only once the schema is built. */
  beforeAnythingStarts: boolean;
}

const unclosed = lineOf(/^ {4}purposes: \[/, /^roles:/);
const titleOfC03 = lineOf(/^ {4}title: /, /^ {2}- id: C-03$/);
const rolesOfC14 = lineOf(/^ {4}roles: \[drug-worker\]$/, /^ {2}- id: C-14$/);
const itemsOfC09 = lineOf(/^ {4}dataItems: \[prison\.custodyStatus\]$/, /^ {2}- id: C-09$/);

const cases: BadIsp[] = [
  {
    fault: 'a YAML syntax error',
    text: withLine(unclosed, '    purposes: [iom-case-management, risk-management'),
    line: unclosed + 1,
    path: '(document)',
    message: /YAML syntax/,
    beforeAnythingStarts: true,
  },
  {
    fault: 'a missing field',
    text: withLine(titleOfC03, null),
    line: lineOf(/^ {2}- id: C-03$/),
    path: `clauses[${clauseIndex('C-03')}].title`,
    message: /is missing/,
    beforeAnythingStarts: true,
  },
  {
    fault: 'an unknown role in a clause',
    text: withLine(rolesOfC14, '    roles: [drug-wroker]'),
    line: rolesOfC14,
    path: `clauses[${clauseIndex('C-14')}].roles[0]`,
    message: /role drug-wroker is not declared/,
    beforeAnythingStarts: true,
  },
  {
    fault: 'a data item the schema does not have',
    text: withLine(itemsOfC09, '    dataItems: [prison.custodyStatuses]'),
    line: itemsOfC09,
    path: `clauses[${clauseIndex('C-09')}].dataItems[0]`,
    message: /data item prison\.custodyStatuses is not in the schema/,
    beforeAnythingStarts: false,
  },
];

describe('start-up with a broken ISP file', () => {
  it.concurrent.each(cases)(
    'stops with exit code 1 and names the place of $fault',
    async ({ fault, text, line, path, message, beforeAnythingStarts }) => {
      const file = join(folder, `${fault.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, text);
      const { code, stderr, stdout } = await startGateway(file);
      expect(code, `${stdout}\n${stderr}`).toBe(1);
      const faultLine = stderr.split('\n').find((entry) => entry.includes(file));
      expect(faultLine, stderr).toBeDefined();
      expect(faultLine).toContain(`${file}:${line}:`);
      expect(faultLine).toContain(`${path}:`);
      expect(faultLine).toMatch(message);
      expect(stdout).not.toMatch(/Partnership Gateway: http/);
      if (beforeAnythingStarts) expect(stdout).not.toMatch(/simulator|ledger/);
    },
    90_000,
  );
});
