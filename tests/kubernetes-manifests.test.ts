/**
 * The Kubernetes manifests in deploy/, checked against the code: Kustomize renders them (with kubectl, where it
 * is installed), every environment variable they set is one gateway/config.ts reads and together they make a valid
 * production configuration, one agency URL and one egress rule per agency of adapters/registry.ts, probes, the
 * autoscaler, the disruption budget, the network policy and the pod's security as the issue asks.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSeq, parseAllDocuments, parseDocument } from 'yaml';
import { z } from 'zod';
import { agencies } from '../adapters/registry.js';
import { ConfigSchema, loadConfig } from '../gateway/config.js';
import { consoleSettings, consoleSettingsSchema } from '../gateway/console/settings.js';
import { ROOT } from '../scripts/generated.js';

const DEPLOY = join(ROOT, 'deploy');
const names = agencies.map((a) => a.agency);
const urlVariables = names.map((agency) => `${agency.toUpperCase()}_URL`);
const gatewayVariables = new Set([...Object.keys(ConfigSchema.shape), ...Object.keys(consoleSettingsSchema.shape), ...urlVariables]);

const Manifest = z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }) });
type Manifest = z.infer<typeof Manifest>;

const Kustomization = z.object({ resources: z.array(z.string()) });
const kustomization = Kustomization.parse(parseDocument(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8')).toJS());

/** Every document of every file Kustomize is given, parsed: a YAML error fails here, naming the file. */
const manifests: Manifest[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map((document) => {
    expect(document.errors, file).toEqual([]);
    return Manifest.parse(document.toJS());
  }),
);
const only = (kind: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(
    found.map((m) => m.kind),
    kind,
  ).toEqual([kind]);
  return found[0] as Manifest;
};

const EnvVar = z.object({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z.object({ secretKeyRef: z.object({ name: z.string(), key: z.string() }) }).optional(),
});
const Probe = z.object({ httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }) });
const Container = z.object({
  name: z.string(),
  image: z.string(),
  ports: z.array(z.object({ name: z.string(), containerPort: z.number() })),
  envFrom: z.array(z.object({ configMapRef: z.object({ name: z.string() }) })).default([]),
  env: z.array(EnvVar).default([]),
  readinessProbe: Probe,
  livenessProbe: Probe,
  resources: z.object({ requests: z.object({ cpu: z.string(), memory: z.string() }) }),
  securityContext: z.object({
    allowPrivilegeEscalation: z.literal(false),
    readOnlyRootFilesystem: z.literal(true),
    capabilities: z.object({ drop: z.array(z.string()) }),
  }),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })),
});
const Deployment = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
    template: z.object({
      metadata: z.object({ labels: z.record(z.string(), z.string()), annotations: z.record(z.string(), z.string()).optional() }),
      spec: z.object({
        securityContext: z.object({ runAsNonRoot: z.literal(true), runAsUser: z.number(), runAsGroup: z.number() }),
        containers: z.array(Container).length(1),
        volumes: z.array(z.object({ name: z.string(), emptyDir: z.looseObject({}).optional() })),
      }),
    }),
  }),
});

const deployment = Deployment.parse(only('Deployment'));
const pod = deployment.spec.template.spec;
const container = pod.containers[0] as z.infer<typeof Container>;
const podLabels = deployment.spec.template.metadata.labels;
const config = z.object({ data: z.record(z.string(), z.string()) }).parse(only('ConfigMap')).data;
const secret = z.object({ metadata: z.object({ name: z.string() }), stringData: z.record(z.string(), z.string()) }).parse(only('Secret'));
const selects = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => podLabels[key] === value);

describe('deploy/ (Kustomize)', () => {
  it('lists every manifest in the folder, and each is one Kubernetes object of a kind the issue asks for', () => {
    const files = readdirSync(DEPLOY).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Secret', 'Service'].sort(),
    );
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!kubectl)('renders with kubectl kustomize into the same objects (skipped where kubectl is not installed)', () => {
    const rendered = spawnSync('kubectl', ['kustomize', DEPLOY], { encoding: 'utf8' });
    expect(rendered.status, rendered.stderr).toBe(0);
    const objects = parseAllDocuments(rendered.stdout).map((document) => Manifest.parse(document.toJS()));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort());
  });

  it('sets only environment variables the gateway reads, secrets from the Secret, and they make a valid production configuration', () => {
    expect(container.envFrom.map((from) => from.configMapRef.name)).toEqual([only('ConfigMap').metadata.name]);
    const fromSecret = container.env.filter((variable) => variable.valueFrom);
    for (const variable of fromSecret) {
      expect(variable.valueFrom?.secretKeyRef.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData), variable.name).toContain(variable.valueFrom?.secretKeyRef.key);
    }
    expect(fromSecret.map((variable) => variable.name).sort()).toEqual(['DATABASE_URL', 'LEDGER_SIGNING_KEY']);
    const set = [...Object.keys(config), ...container.env.map((variable) => variable.name)];
    expect(set.filter((name) => !gatewayVariables.has(name))).toEqual([]);
    expect(Object.keys(config)).not.toContain('DATABASE_URL');

    const environment: Record<string, string> = { ...config };
    for (const variable of container.env) {
      environment[variable.name] = variable.value ?? secret.stringData[variable.valueFrom?.secretKeyRef.key ?? ''] ?? '';
    }
    const loaded = loadConfig(environment, names);
    expect(loaded).toMatchObject({ NODE_ENV: 'production', AGENCIES: 'external', PORT: container.ports[0]?.containerPort });
    expect(loaded.DATABASE_URL).toMatch(/^postgres/);
    expect(loaded.LEDGER_SIGNING_KEY).toBeDefined();
    expect(consoleSettings(environment, loaded.PORT).publicUrl).toMatch(/^https:\/\//);
  });

  it('names one agency URL per agency of adapters/registry.ts, and no other', () => {
    expect(Object.keys(config).filter((name) => /^[A-Z]+_URL$/.test(name) && name !== 'AUTH_JWKS_URL')).toEqual(urlVariables);
  });

  it('probes readiness at /ready and liveness at /health on the gateway port', () => {
    const port = container.ports[0];
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: port?.name });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: port?.name });
    expect(String(port?.containerPort)).toBe(config.PORT);
  });

  it('serves metrics on a port of their own, announced to Prometheus, and not through the Service', () => {
    const metrics = container.ports.find((p) => p.name === 'metrics');
    expect(String(metrics?.containerPort)).toBe(config.METRICS_PORT);
    expect(deployment.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/port': config.METRICS_PORT, 'prometheus.io/path': '/metrics' });
    const service = z.object({ spec: z.object({ ports: z.array(z.object({ targetPort: z.string() })) }) }).parse(only('Service'));
    expect(service.spec.ports.map((p) => p.targetPort)).not.toContain('metrics');
  });

  it('runs as the image’s non-root user on a read-only root filesystem, writing only to emptyDir volumes, DATA_DIR among them', () => {
    const user = /^USER (\d+):(\d+)$/m.exec(readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8'));
    expect([pod.securityContext.runAsUser, pod.securityContext.runAsGroup]).toEqual([Number(user?.[1]), Number(user?.[2])]);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.capabilities.drop).toEqual(['ALL']);
    const emptyDirs = new Set(pod.volumes.filter((volume) => volume.emptyDir).map((volume) => volume.name));
    for (const mount of container.volumeMounts) expect(emptyDirs.has(mount.name), mount.mountPath).toBe(true);
    expect(container.volumeMounts.map((mount) => mount.mountPath)).toContain(config.DATA_DIR);
  });

  it('scales the Deployment on CPU from two replicas, keeps one through disruptions, and serves it', () => {
    const hpa = z
      .object({
        spec: z.object({ scaleTargetRef: z.object({ kind: z.string(), name: z.string() }), minReplicas: z.number(), maxReplicas: z.number() }),
      })
      .parse(only('HorizontalPodAutoscaler'));
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(container.resources.requests.cpu).toBeTruthy();

    const pdb = z
      .object({ spec: z.object({ minAvailable: z.number(), selector: z.object({ matchLabels: z.record(z.string(), z.string()) }) }) })
      .parse(only('PodDisruptionBudget'));
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);

    const service = z
      .object({ spec: z.object({ selector: z.record(z.string(), z.string()), ports: z.array(z.object({ targetPort: z.string() })) }) })
      .parse(only('Service'));
    expect(selects(service.spec.selector)).toBe(true);
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual([container.ports[0]?.name]);
  });

  it('lets in only the gateway and metrics ports, and out only DNS, PostgreSQL, the identity provider and each agency', () => {
    const Rule = z.object({
      to: z.array(z.record(z.string(), z.unknown())).min(1),
      ports: z.array(z.object({ port: z.number(), protocol: z.string() })).min(1),
    });
    const policy = z
      .object({
        spec: z.object({
          podSelector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
          policyTypes: z.array(z.string()),
          ingress: z.array(z.object({ ports: z.array(z.object({ port: z.number() })) })),
          egress: z.array(Rule),
        }),
      })
      .parse(only('NetworkPolicy'));
    expect(selects(policy.spec.podSelector.matchLabels)).toBe(true);
    expect(policy.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(policy.spec.ingress.flatMap((rule) => rule.ports.map((p) => p.port))).toEqual(container.ports.map((p) => p.containerPort));

    const [dns, database, identityProvider, ...perAgency] = policy.spec.egress;
    expect(dns?.ports.map((p) => p.port)).toEqual([53, 53]);
    expect(database?.ports.map((p) => p.port)).toEqual([Number(new URL(secret.stringData['database-url'] ?? '').port || 5432)]);
    expect(identityProvider?.to[0]).toHaveProperty('ipBlock');
    // Each agency's rule is marked with its name, so that an agency added to the registry fails here until it has one.
    const egress = parseDocument(readFileSync(join(DEPLOY, 'networkpolicy.yaml'), 'utf8')).getIn(['spec', 'egress'], true);
    if (!isSeq(egress)) throw new Error('spec.egress is not a list');
    const marked = egress.items.slice(3).map((item) => (item as { commentBefore?: string | null }).commentBefore?.trim());
    expect(marked).toEqual(names);
    expect(perAgency).toHaveLength(names.length);
    for (const rule of perAgency) expect(rule.to.every((peer) => 'ipBlock' in peer)).toBe(true);
  });
});
