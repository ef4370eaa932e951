import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../../../../src/server/modules/metrics/collectors.js';
import { ServerCounters } from '../../../../../src/server/core/counters.js';
import { parsePrometheusText, valueOf } from '../../../../helpers/prometheus-text.js';

const sources = { counters: new ServerCounters(), sessions: () => 3, uploadStorageBytes: () => undefined };

describe('metrics collectors', () => {
  it("a cluster node labels every series with its id, so the nodes' scrapes stay apart", async () => {
    const { registry } = createMetrics({ ...sources, node: 'node-a' });
    const families = parsePrometheusText(await registry.metrics());
    const samples = [...families.values()].flatMap((family) => family.samples);
    assert.ok(samples.length > 10);
    for (const sample of samples) assert.equal(sample.labels.node, 'node-a', sample.name);
    assert.equal(valueOf(families, 'ferry_sessions', { node: 'node-a' }), 3);
    registry.clear();
  });

  it('a single server adds no node label', async () => {
    const { registry } = createMetrics(sources);
    const samples = [...parsePrometheusText(await registry.metrics()).values()].flatMap((family) => family.samples);
    assert.ok(samples.length > 10);
    assert.ok(samples.every((sample) => !('node' in sample.labels)));
    registry.clear();
  });
});
