// Throughput and latency of POST /v1/decisions with audit on: starts the built service (DATABASE_URL, else the
// embedded PostgreSQL), posts one Synthea bundle with autocannon (default 20 s, 50 connections), prints decisions
// per second and p50/p99 latency, and stops the service. Loopback only. Usage: npm run bench [-- --duration 20 --connections 50]
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: {
  duration: { type: 'string', default: '20' },
  connections: { type: 'string', default: '50' },
  bundle: { type: 'string', default: 'test/fixtures/fhir/synthea-covid-pediatric/Bibi254_Schowalter414_475d72ca-91c7-7211-97e3-f000af33fc04.json' },
  'as-of': { type: 'string', default: '2020-03-15T00:00:00.000Z' },
} });

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', VERDICT_DEMO_AUTH: 'true', LOG_LEVEL: 'warn', RATE_LIMIT_PER_SECOND: '0' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if (i > 120) throw new Error('service not ready after 60 s');
    try { if ((await fetch(`${base}/health/ready`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  const body = JSON.stringify({ rulebook: 'ed-triage', fhir: JSON.parse(readFileSync(values.bundle, 'utf8')), asOf: values['as-of'] });
  const result = await autocannon({
    url: `${base}/v1/decisions`, method: 'POST', body,
    headers: { 'content-type': 'application/json', authorization: 'Bearer dev-workflow-engine' },
    connections: Number(values.connections), duration: Number(values.duration),
  });
  const ok = result['2xx'];
  const report = {
    bundleBytes: body.length,
    connections: Number(values.connections),
    durationSeconds: Number(values.duration),
    decisions: ok,
    non2xx: result.non2xx,
    errors: result.errors,
    decisionsPerSecond: Math.round((ok / result.duration) * 10) / 10,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
}
