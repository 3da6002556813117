// The emitted kubernetes.yaml, validated against the Kubernetes API schemas as packaged by
// kubernetes-models (its validators are generated from Kubernetes' published OpenAPI document),
// and checked to agree with the server: probes on /healthz and /readyz, PORT on the container
// port, the credential from a Secret. A manifest broken on purpose must fail the same validation.
import { readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const TEXT = readFileSync(new URL('../out/instance-images/kubernetes.yaml', import.meta.url), 'utf8');
const docs = () => parseAllDocuments(TEXT).map((d) => d.toJS() as Record<string, unknown>);

interface Container {
  ports: { name: string; containerPort: number }[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string> };
}

describe('kubernetes.yaml', () => {
  it('is a Deployment and a Service that pass the Kubernetes schemas', () => {
    const [deployment, service, ...more] = docs();
    expect(more).toEqual([]);
    expect(() => new Deployment(deployment as never).validate()).not.toThrow();
    expect(() => new Service(service as never).validate()).not.toThrow();
  });

  it('fails the same validation when broken', () => {
    const [deployment, service] = docs();
    const broken = structuredClone(deployment) as { spec: { replicas: unknown } };
    broken.spec.replicas = 'three';
    expect(() => new Deployment(broken as never).validate()).toThrow();
    const noPorts = structuredClone(service) as { spec: { ports: unknown } };
    noPorts.spec.ports = [{ name: 'http' }];
    expect(() => new Service(noPorts as never).validate()).toThrow();
  });

  it('agrees with the server: single-port mode, health probes, credentials from a Secret, requests', () => {
    const [deployment, service] = docs() as [
      { spec: { replicas: number; template: { spec: { containers: Container[] } } } },
      { spec: { ports: { targetPort: string }[] } },
    ];
    expect(deployment.spec.replicas).toBe(3);
    const [container] = deployment.spec.template.spec.containers;
    const port = container!.ports[0]!;
    expect(container!.env.find((e) => e.name === 'PORT')?.value).toBe(String(port.containerPort));
    expect(container!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: port.name });
    expect(container!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: port.name });
    expect(service.spec.ports[0]!.targetPort).toBe(port.name);
    expect(container!.env.find((e) => e.name === 'SCALEWAY_API_KEY')).toEqual({
      name: 'SCALEWAY_API_KEY',
      valueFrom: { secretKeyRef: { name: 'instance-images-server', key: 'SCALEWAY_API_KEY' } },
    });
    expect(Object.keys(container!.resources.requests).sort()).toEqual(['cpu', 'memory']);
  });
});
