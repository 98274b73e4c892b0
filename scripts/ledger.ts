/**
 * `npm run ledger -- verify [--witness FILE] | checkpoint | public-key | export --format ndjson|csv|fhir [--person ID]
 *   | witness --from URL --out FILE [--key JWK_FILE]`
 * See gateway/ledger/cli.ts for the commands and the environment they read.
 */
import { runLedgerCli } from '../gateway/ledger/cli.js';

process.exitCode = await runLedgerCli(process.argv.slice(2), process.env, {
  out: (text) => new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve()))),
  err: (text) => process.stderr.write(text),
});
