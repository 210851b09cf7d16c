/**
 * The benchmark harness runs end to end at tiny sizes: every server and baseline starts, the load
 * generator process reports, and every scenario lands in the results file with its figures. No
 * timing is asserted: on a shared machine timings belong in `npm run bench`, not in tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');

test('npm run bench -- --smoke runs every scenario and writes its figures', { timeout: 490_000 }, () => {
  const run = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', 'bench/run.ts', '--smoke'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 480_000,
  });
  assert.equal(run.status, 0, `the harness failed:\n${run.stdout}\n${run.stderr}`);
  const results = JSON.parse(readFileSync(join(ROOT, 'bench/results/latest.json'), 'utf8')) as Record<string, any>;
  assert.equal(results.mode, 'smoke');
  const fanOut = Object.values(results.fanOut10 as Record<string, any>);
  assert.equal(fanOut.length, 4, 'bare ws, Socket.IO and Roundtable without and with receipts');
  for (const measured of fanOut) {
    assert.ok(measured.result.deliveries > 0 && measured.result.deliveriesPerSecond > 0, 'deliveries were counted');
    assert.ok(measured.serverCpu === undefined || measured.serverCpu >= 0, 'server CPU time was read');
  }
  assert.ok(results.latency.roundtable.result.deliveryP99 > 0, 'latency percentiles were computed');
  const ingest = Object.values(results.ingest as Record<string, any>);
  assert.ok(ingest.length >= 2, 'the naive durable baseline and Roundtable');
  for (const measured of ingest) {
    assert.equal(measured.result.messages, 100, 'every saturated ingest send was acked');
    assert.equal(measured.result.steady.offered, 100, 'the steady phase offered its rate');
    assert.ok(measured.result.steady.achieved > 0 && measured.result.steady.ackP99 > 0, 'and its acks were timed');
    assert.equal(measured.result.steady.messages, 100, 'every steady send was acked');
    assert.equal(
      measured.result.steady.firstMessages,
      20,
      'each client sent its first message before the steady phase',
    );
    assert.ok(measured.result.steady.firstAckP99 > 0, 'whose acks were timed apart');
  }
  assert.ok(results.receipts.fanout10_per_cpu_vs_plain > 0, 'fan-out with receipts was set beside fan-out without');
  assert.ok(results.receipts.ingest_vs_plain > 0, 'and ingest with receipts beside ingest without');
  assert.ok(results.idle.roundtable.result.connections === 100, 'the idle connections were all open when measured');
  assert.ok(results.idle.roundtable.rssAfter === undefined || results.idle.roundtable.rssAfter > 0, 'memory was read');
  assert.equal(results.storm.result.clients, 50);
  assert.equal(results.storm.result.lost, 0, 'after the storm every client resumed without losing a message');
  assert.equal(results.storm.result.duplicated, 0, 'and without receiving one twice');
  assert.equal(results.history.result.pages, 500, 'history pages were read at random points');
  assert.ok(results.history.result.storeP99 > 0, 'and read again from the store alone');
  assert.equal(results.mcp.result.rounds, 20, 'the MCP agent and the WebSocket agent were each woken every round');
  assert.ok(results.mcp.result.wakeMcpP50 > 0 && results.mcp.result.sendWsP50 > 0, 'and their times were taken');
  // The scale-out goals, one number each under stable keys; those of a service missing here are null.
  const keys = [
    'pg_ingest_vs_naive',
    'pg_ingest_vs_sqlite',
    'pg_steady_ack_p99_vs_naive',
    'scaleout_vs_single',
    'scaleout_cpu_efficiency',
    'sqlite_steady_ack_p99_vs_naive',
    'idle_rss_vs_ws',
    'history_ws_p99_ms',
  ];
  assert.deepEqual(Object.keys(results.ratios), keys);
  for (const key of ['sqlite_steady_ack_p99_vs_naive', 'idle_rss_vs_ws', 'history_ws_p99_ms']) {
    assert.ok(results.ratios[key] > 0, `${key} was computed`);
  }
  if (process.env.CI === 'true')
    assert.ok(results.scale, 'in CI, PostgreSQL and Redis are there, so the scale scenario ran');
  if (results.scale) {
    const rows = results.scale.rows as any[];
    assert.deepEqual(
      rows.map((row) => [row.store, row.instances, row.layout]),
      [
        ['sqlite', 1, 'spread'],
        ['postgres', 1, 'spread'],
        ['postgres', 2, 'spread'],
        ['postgres', 2, 'first'],
      ],
      'the scale scenario ran one SQLite hub, K = 1 and 2 over PostgreSQL and Redis, and a bystander instance',
    );
    for (const row of rows) {
      assert.equal(row.deliveries, 12 * 50, 'every receiver got every message, on whichever instance');
      assert.ok(row.statementsPerMessage > 0, "the hubs' statements were read from roundtable_db_statements_total");
    }
    for (const row of rows.filter((row) => row.store === 'postgres')) {
      assert.ok(row.redis.publishesPerEvent >= 1, "and Redis's commands, each event published");
    }
  }
  if (process.env.CI === 'true') {
    assert.ok(results.scaleOut, 'in CI, PostgreSQL and Redis are there, so the scale-out scenario ran');
    assert.ok(results.scaleOut.pair.servicesCpu > 0, 'and the CPU PostgreSQL and Redis spent was read');
    for (const key of keys) assert.ok(results.ratios[key] > 0, `${key} was computed`);
  }
});
