// The client's browser build: esbuild bundles packages/client/src/browser.ts for `platform: 'browser'`
// with the platform seam swapped for its browser side (as the package's `browser` field does for
// bundlers) and fails on any Node built-in the bundle reaches, naming who imports it. Used by
// the unit test that keeps the client browser-clean and by examples/web/serve.ts.
// Run: npx tsx scripts/bundle-check.ts
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import { FERRY_VERSION } from '../src/version.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BROWSER_ENTRY = join(ROOT, 'packages/client/src/browser.ts');
/** Each Node side of the seam and the browser side that replaces it. */
const SWAPS = new Map(
  ['index', 'http', 'dial'].map((name) => [
    join(ROOT, `packages/client/src/platform/${name}.ts`),
    join(ROOT, `packages/client/src/platform/browser/${name}.ts`),
  ]),
);
const BUILTINS = new Set(builtinModules);

/** Node's platform/index.ts → platform/browser/index.ts, like the package's `browser` field. */
const swapPlatform: Plugin = {
  name: 'ferry-browser-platform',
  setup(build) {
    build.onResolve({ filter: /(^|\/)(index|http|dial)\.js$/ }, (args) => {
      const browser = SWAPS.get(resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')));
      return browser === undefined ? undefined : { path: browser };
    });
  },
};

// COMPAT: @xmpp/resolve 0.14 maps "./lib/dns" to false in its `browser` field but imports
// "./lib/dns.js", which esbuild does not match; its resolve.js handles a module without resolve().
const xmppResolveWithoutDns: Plugin = {
  name: 'ferry-xmpp-resolve-without-dns',
  setup(build) {
    build.onResolve({ filter: /^\.\/lib\/dns\.js$/ }, (args) =>
      args.importer.includes('@xmpp/resolve') ? { path: 'xmpp-resolve-dns', namespace: 'ferry-empty' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'ferry-empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/** Records every import of a Node built-in (`node:x`, or a bare name no package provides). */
function forbidBuiltins(found: string[]): Plugin {
  return {
    name: 'ferry-forbid-node-builtins',
    setup(build) {
      build.onResolve({ filter: /^[a-z_:/]+$/ }, async (args) => {
        if (args.pluginData === 'probe') return undefined;
        const name = args.path.replace(/^node:/, '');
        if (!BUILTINS.has(name) && !BUILTINS.has(name.split('/')[0]!)) return undefined;
        if (!args.path.startsWith('node:')) {
          // A package of the same name (events, buffer, process…) is fine in a browser.
          const probe = await build.resolve(args.path, {
            kind: args.kind,
            resolveDir: args.resolveDir,
            importer: args.importer,
            pluginData: 'probe',
          });
          if (probe.errors.length === 0 && !probe.external && probe.path.includes('node_modules')) return undefined;
        }
        found.push(`${args.path} (imported by ${args.importer.replace(`${ROOT}/`, '')})`);
        return { path: args.path, external: true };
      });
    },
  };
}

export interface BrowserBundle {
  /** The bundled ES module. */
  code: string;
  /** Node built-ins the bundle reached, with their importers: must be empty. */
  builtins: string[];
  metafile: Metafile;
}

/** Bundles `entry` (default: the client's browser entry) for browsers; never writes to disk. */
export async function bundleForBrowser(entry = BROWSER_ENTRY): Promise<BrowserBundle> {
  const builtins: string[] = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    // The workspace packages' TypeScript sources, as in development (no build needed).
    conditions: ['ferry-source'],
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    define: { __FERRY_VERSION__: JSON.stringify(FERRY_VERSION) },
    plugins: [swapPlatform, xmppResolveWithoutDns, forbidBuiltins(builtins)],
  });
  return { code: result.outputFiles[0]!.text, builtins: [...new Set(builtins)].sort(), metafile: result.metafile };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bundle = await bundleForBrowser();
  if (bundle.builtins.length > 0) {
    console.error(`the browser bundle reaches ${bundle.builtins.length} Node built-in imports:`);
    for (const line of bundle.builtins) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log(`browser bundle ok: ${Math.round(bundle.code.length / 1024)} KiB, no Node built-ins`);
}
