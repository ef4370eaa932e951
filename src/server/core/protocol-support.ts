// The protocol support table (like ejabberd's DOAP), rendered from what modules declare.
import type { ModuleDefinition, ModuleSpec } from './module.js';

const CORE: readonly ModuleSpec[] = [
  { rfc: 6120, title: 'XMPP Core: TCP, STARTTLS, SASL, binding, stream errors', status: 'complete' },
  { rfc: 7395, title: 'XMPP over WebSocket', status: 'complete' },
  {
    rfc: 7622,
    title: 'JID format (PRECIS subset)',
    status: 'partial',
    note: 'NFKC/case mapping; no full PRECIS tables',
  },
  { xep: 368, title: 'SRV records for XMPP over TLS (direct TLS listener)', status: 'complete' },
];

export function renderProtocolSupport(modules: readonly ModuleDefinition[]): string {
  const rows: { key: number; line: string }[] = [];
  const add = (spec: ModuleSpec, module: string) => {
    const name = spec.xep !== undefined ? `XEP-${String(spec.xep).padStart(4, '0')}` : `RFC ${spec.rfc ?? '?'}`;
    const key = spec.xep !== undefined ? 10_000 + spec.xep : (spec.rfc ?? 0);
    const detail = [spec.title, spec.note].filter(Boolean).join('; ');
    rows.push({ key, line: `| ${name} | ${spec.version ?? ''} | ${spec.status} | ${module} | ${detail} |` });
  };
  for (const spec of CORE) add(spec, 'core');
  for (const module of modules) {
    const specs = Array.isArray(module.spec) ? module.spec : [module.spec as ModuleSpec];
    for (const spec of specs)
      add(spec, module.enabledByDefault === false ? `${module.name} (off by default)` : module.name);
  }
  rows.sort((a, b) => a.key - b.key);
  return (
    [
      '| Spec | Version | Status | Module | Notes |',
      '| --- | --- | --- | --- | --- |',
      ...rows.map((row) => row.line),
    ].join('\n') + '\n'
  );
}
