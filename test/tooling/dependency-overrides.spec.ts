import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * package.json `overrides` pin three transitive dependencies to the previous major, whose `engines` include Node.js 20
 * (the current majors declare `node >=22`). An override is only safe while the parent package calls nothing the older
 * major lacks: these tests make the calls each parent makes (read in its source), through the copy the parent resolves.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  overrides: Record<string, Record<string, string>>;
};

/**
 * The folder of `dependency` as Node.js resolves it from inside the installed package `parent`: its own
 * `node_modules` first (where npm puts an overridden copy that differs from the hoisted one), then the project's.
 */
function packageDirSeenBy(parent: string, dependency: string): string {
  const candidates = [join(root, 'node_modules', parent, 'node_modules', dependency), join(root, 'node_modules', dependency)];
  const found = candidates.find((dir) => existsSync(join(dir, 'package.json')));
  if (!found) throw new Error(`${dependency} is not installed where ${parent} looks for it`);
  return found;
}

/** The version of `dependency` that `parent` gets. */
function versionSeenBy(parent: string, dependency: string): string {
  return (JSON.parse(readFileSync(join(packageDirSeenBy(parent, dependency), 'package.json'), 'utf8')) as { version: string }).version;
}

/** `require(dependency)` as the CommonJS package `parent` does it. */
function requireAs(parent: string, dependency: string): unknown {
  return createRequire(import.meta.url)(packageDirSeenBy(parent, dependency));
}

describe('dependency overrides (Node.js 20 support)', () => {
  it('pins exactly the three dependencies the README names, and npm installed those versions', () => {
    expect(packageJson.overrides).toEqual({
      '@fastify/static': { 'content-disposition': '2.0.1' },
      'light-my-request': { cookie: '1.1.1' },
      '@nestjs/common': { 'file-type': '21.3.4' },
    });
    for (const [parent, pins] of Object.entries(packageJson.overrides)) {
      for (const [dependency, version] of Object.entries(pins)) expect(versionSeenBy(parent, dependency)).toBe(version);
    }
  });

  it('content-disposition 2 has the create() @fastify/static calls for reply.download (RFC 6266 header)', () => {
    // @fastify/static index.js: const { create } = require('content-disposition'); create(basename(filename))
    const { create } = requireAs('@fastify/static', 'content-disposition') as { create: (name: string) => string };
    expect(create('decisions.csv')).toBe('attachment; filename=decisions.csv');
    expect(create('résumé €.pdf')).toBe(`attachment; filename="r?sum? ?.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.pdf`);
  });

  it('cookie 1 has the stringifySetCookie({name, value}) light-my-request calls for inject({cookies})', () => {
    // light-my-request lib/cookies.js: stringifySetCookie({ name: item.name, value: item.value })
    const { stringifySetCookie } = requireAs('light-my-request', 'cookie') as {
      stringifySetCookie: (cookie: { name: string; value: string }) => string;
    };
    expect(stringifySetCookie({ name: 'session', value: 'abc' })).toBe('session=abc');
    expect(stringifySetCookie({ name: 'note', value: 'a b;c' })).toBe('note=a%20b%3Bc');
  });

  it('file-type 21 has the fileTypeFromBuffer() @nestjs/common FileTypeValidator imports', async () => {
    // @nestjs/common pipes/file/file-type.validator.js: const { fileTypeFromBuffer } = await import('file-type')
    const { fileTypeFromBuffer } = (await import(join(packageDirSeenBy('@nestjs/common', 'file-type'), 'index.js'))) as {
      fileTypeFromBuffer: (buffer: Uint8Array) => Promise<{ ext: string; mime: string } | undefined>;
    };
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect(await fileTypeFromBuffer(png)).toEqual({ ext: 'png', mime: 'image/png' });
    expect(await fileTypeFromBuffer(new TextEncoder().encode('plain text'))).toBeUndefined();
  });
});
