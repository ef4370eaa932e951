// The client's browser build stays browser-clean: esbuild bundles packages/client/src/browser.ts for
// `platform: 'browser'` (the platform seam swapped as the package's `browser` field does) and no
// Node built-in may be reached. scripts/bundle-check.ts names the importer of any that is.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bundleForBrowser } from '../../../scripts/bundle-check.js';
import type * as NodePlatform from '@ferry/client/internal/platform/index';
import type * as BrowserPlatform from '@ferry/client/internal/platform/browser/index';

// Compile-time: the browser side of the seam has every name of Node's, each usable where Node's is.
type Conforms<Browser extends typeof NodePlatform> = Browser;
export type BrowserConforms = Conforms<typeof BrowserPlatform>;

describe('the browser bundle of the client', () => {
  it('reaches no Node built-in and carries the browser side of the platform seam', async () => {
    const bundle = await bundleForBrowser();
    assert.deepEqual(bundle.builtins, []);
    const inputs = Object.keys(bundle.metafile.inputs);
    assert.ok(inputs.includes('packages/client/src/platform/browser/index.ts'), 'the browser platform is bundled');
    assert.ok(!inputs.includes('packages/client/src/platform/index.ts'), "Node's platform is not");
    assert.ok(!inputs.some((input) => input.endsWith('packages/client/src/dial.ts')), 'no TCP/TLS dialling');
  });
});
