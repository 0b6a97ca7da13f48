// Latency of the audit search (GET /v1/audit/decisions) on a seeded database: `npm run audit:seed -- --decisions
// 1000000` first, then `npm run bench:audit`. Starts the built service on that database (DATABASE_URL, else the
// embedded verdict_audit_bench database), and times, through HTTP with an auditor token, sequential requests of:
//   day-of-rulebook   one day of one rulebook (rulebook=ed-triage&from=<day>&to=<day+1>), first page of 100
//   patient-all-time  one patient across all time (patientRef=<patient>), first page of 100
//   day-next-page     the second page of a day of one rulebook (keyset cursor)
//   day-outcome       one day of one rulebook with an outcome filter (outcome.news2.riskBand=high)
// Each query: 20 warm-up requests, then --requests (default 200) with random days and patients; prints p50, p95, p99
// and max in milliseconds and the mean number of decisions returned. Loopback only; bounded in count.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { benchDatabaseUrl } from './audit-bench-database.mjs';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' } } });
const requests = Number(values.requests);
const log = (line) => console.error(line);
const { url, stop } = await benchDatabaseUrl(log);

const client = new pg.Client({ connectionString: url });
await client.connect();
const span = (await client.query(`SELECT min(evaluated_at) AS lo, max(evaluated_at) AS hi, count(*)::int AS n FROM decision`)).rows[0];
const patients = (await client.query(`SELECT DISTINCT patient_ref FROM decision TABLESAMPLE SYSTEM (1) WHERE patient_ref IS NOT NULL LIMIT 5000`)).rows.map((r) => r.patient_ref);
await client.end();
if (span.n === 0 || patients.length === 0) {
  console.error('no decisions: run npm run audit:seed -- --decisions 1000000 first');
  await stop();
  process.exit(1);
}
const dayMs = 86_400_000;
const firstDay = Math.ceil(span.lo.getTime() / dayMs) * dayMs;
const lastDay = Math.floor(span.hi.getTime() / dayMs) * dayMs - dayMs;
const randomDay = () => new Date(firstDay + Math.floor(Math.random() * ((lastDay - firstDay) / dayMs + 1)) * dayMs);
const randomPatient = () => patients[Math.floor(Math.random() * patients.length)];

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', VERDICT_DEMO_AUTH: 'true', LOG_LEVEL: 'warn', RATE_LIMIT_PER_SECOND: '0' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
const headers = { authorization: 'Bearer dev-auditor' };
const get = async (query) => {
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/audit/decisions?${new URLSearchParams(query)}`, { headers });
  const body = await res.json();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return { ms, body };
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const dayQuery = () => {
  const day = randomDay();
  return { rulebook: 'ed-triage', from: day.toISOString(), to: new Date(day.getTime() + dayMs).toISOString() };
};
const scenarios = {
  'day-of-rulebook': async () => get(dayQuery()),
  'patient-all-time': async () => get({ patientRef: randomPatient() }),
  'day-next-page': async () => {
    const q = dayQuery();
    const first = await get(q);
    return first.body.page.nextCursor ? get({ ...q, cursor: first.body.page.nextCursor }) : first;
  },
  'day-outcome': async () => get({ ...dayQuery(), 'outcome.news2.riskBand': 'high' }),
};
try {
  for (let i = 0; ; i++) {
    if (i > 240) throw new Error('service not ready after 120 s');
    try { if ((await fetch(`${base}/health/ready`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  const report = { decisions: span.n, from: span.lo.toISOString(), to: span.hi.toISOString(), requestsPerQuery: requests, latencyMs: {} };
  for (const [name, run] of Object.entries(scenarios)) {
    for (let i = 0; i < 20; i++) await run();
    const times = [];
    let rows = 0;
    for (let i = 0; i < requests; i++) {
      const { ms, body } = await run();
      times.push(ms);
      rows += body.data.length;
    }
    times.sort((a, b) => a - b);
    const round = (x) => Math.round(x * 10) / 10;
    report.latencyMs[name] = { p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), p99: round(percentile(times, 99)), max: round(times[times.length - 1]), meanDecisionsReturned: round(rows / requests) };
  }
  report.targetMet = report.latencyMs['day-of-rulebook'].p95 < 500 && report.latencyMs['patient-all-time'].p95 < 500;
  console.log(JSON.stringify(report, null, 2));
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  await stop();
}
