/**
 * Trusted documents: the GraphQL documents each partner client application (the token's `azp` or `client_id`)
 * has registered. A client's documents are the `.graphql` files under `documents/<client>/`; `npm run documents`
 * writes their manifest, `documents/<client>/persisted-documents.json` (sha256 of the text -> the text), which
 * is what the gateway serves by id. `policies/clients.yaml`, beside the ISP, marks the clients that may run
 * nothing else.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GraphQLSchema, parse, validate } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const DOCUMENTS_DIR = 'documents';
export const MANIFEST_FILE = 'persisted-documents.json';

export const documentHash = (text: string) => createHash('sha256').update(text).digest('hex');

const ClientId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'a client id as tokens carry it in azp or client_id');

const ClientsFile = z.strictObject({
  clients: z
    .array(
      z.strictObject({
        id: ClientId,
        /** In production this client may run only the documents registered for it, by id. */
        trustedDocumentsOnly: z.boolean().default(false),
      }),
    )
    .max(1_000),
});

const Manifest = z.record(z.string().regex(/^[0-9a-f]{64}$/), z.string().min(1).max(100_000));

export interface ClientDocuments {
  id: string;
  trustedDocumentsOnly: boolean;
  /** sha256 (hex) of each registered document. */
  documents: ReadonlySet<string>;
}

export class TrustedDocuments {
  private constructor(
    private readonly texts: ReadonlyMap<string, string>,
    private readonly clients: ReadonlyMap<string, ClientDocuments>,
  ) {}

  /** Reads the clients file and every client's manifest; a manifest that does not match its own hashes stops start-up. */
  static load(clientsFile: string, documentsDir: string = DOCUMENTS_DIR): TrustedDocuments {
    const listed = existsSync(clientsFile) ? parseClients(clientsFile) : [];
    const texts = new Map<string, string>();
    const clients = new Map<string, ClientDocuments>();
    const manifests = existsSync(documentsDir) ? readdirSync(documentsDir).filter((name) => existsSync(join(documentsDir, name, MANIFEST_FILE))) : [];
    for (const client of manifests) {
      const file = join(documentsDir, client, MANIFEST_FILE);
      const parsed = Manifest.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}; run npm run documents`);
      for (const [hash, text] of Object.entries(parsed.data)) {
        if (documentHash(text) !== hash) throw new Error(`${file}: the document registered as ${hash} does not hash to it; run npm run documents`);
        texts.set(hash, text);
      }
      clients.set(client, { id: client, trustedDocumentsOnly: false, documents: new Set(Object.keys(parsed.data)) });
    }
    for (const { id, trustedDocumentsOnly } of listed) {
      const documents = clients.get(id)?.documents;
      if (trustedDocumentsOnly && documents === undefined) {
        throw new Error(
          `${clientsFile}: ${id} may run only trusted documents, but ${join(documentsDir, id, MANIFEST_FILE)} does not exist; run npm run documents`,
        );
      }
      clients.set(id, { id, trustedDocumentsOnly, documents: documents ?? new Set() });
    }
    return new TrustedDocuments(texts, clients);
  }

  static none(): TrustedDocuments {
    return new TrustedDocuments(new Map(), new Map());
  }

  text(hash: string): string | undefined {
    return this.texts.get(hash);
  }

  client(id: string): ClientDocuments | undefined {
    return this.clients.get(id);
  }

  /** Operation names of every registered document: kept as metric labels whatever other clients send. */
  operationNames(): string[] {
    return [...this.texts.values()].flatMap((text) =>
      parse(text).definitions.flatMap((definition) => (definition.kind === 'OperationDefinition' && definition.name ? [definition.name.value] : [])),
    );
  }

  /** Every registered document must still be valid against the schema: a stale one stops start-up, not a client. */
  check(schema: GraphQLSchema): void {
    for (const [hash, text] of this.texts) {
      const document = parse(text);
      const errors = validate(schema, document);
      if (errors.length > 0) throw new Error(`trusted document ${hash} no longer matches the schema: ${errors[0]?.message}`);
      if (!document.definitions.some((definition) => definition.kind === 'OperationDefinition')) {
        throw new Error(`trusted document ${hash} has no operation`);
      }
    }
  }
}

function parseClients(file: string) {
  const parsed = ClientsFile.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data.clients;
}
