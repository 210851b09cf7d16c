/**
 * deploy/: compose.yaml against the Compose Specification's schema, then what the schema cannot
 * see (every hub on the same store and bus, HAProxy listing every hub at its port, settings the
 * hub accepts, no secret written down), and haproxy.cfg through `haproxy -c`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { loadConfig } from '@roundtable/server';
import {
  DEPLOY,
  ROOT,
  checkHaproxyConfig,
  composeFile,
  composeVariables,
  envExample,
  environment,
  haproxyConfig,
  haproxyServers,
  haproxySkip,
  hubServices,
  resolvedCompose,
  section,
  type Compose,
} from './deploy/compose.js';

/** What an operator puts in deploy/.env: the example, with its two passwords set. */
const PASSWORDS = { POSTGRES_PASSWORD: 'pgSecret0123', REDIS_PASSWORD: 'redisSecret0123' };
const vars = { ...envExample(), ...PASSWORDS };

let compiled: ReturnType<Ajv['compile']> | undefined;

function composeValidator() {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, 'deploy/compose-spec.json'), 'utf8'));
  // The schema names draft-07 by its https address, which Ajv's own draft-07 (its default) knows by http.
  const { $schema: draft, ...body } = schema;
  assert.match(draft, /json-schema\.org\/draft-07\/schema/, 'the vendored schema is still draft-07');
  // Strict about keywords (a misread schema throws); not about the Compose schema's own typing style.
  compiled = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false }).compile(body);
  return compiled;
}

function invalid(compose: unknown): string[] | undefined {
  const validate = composeValidator();
  return validate(compose) ? undefined : validate.errors!.map((error) => `${error.instancePath} ${error.message}`);
}

test('deploy/compose.yaml is valid against the Compose Specification’s JSON schema', () => {
  assert.equal(invalid(composeFile()), undefined, 'as written');
  assert.equal(invalid(resolvedCompose(vars)), undefined, 'with deploy/.env.example interpolated');
});

test('the Compose schema check refuses what Compose would refuse', () => {
  const compose = composeFile();
  const misspelt = structuredClone(compose);
  misspelt.services.hub1.healthchek = misspelt.services.hub1.healthcheck;
  assert.ok(
    invalid(misspelt)?.some((error) => error.includes('additional properties')),
    'an unknown key',
  );
  const badCondition = structuredClone(compose);
  badCondition.services.hub2.depends_on.hub1.condition = 'healthy';
  assert.ok(invalid(badCondition), 'a depends_on condition Compose does not know');
});

test('every hub runs the same settings, on the one PostgreSQL and the one Redis of the file', () => {
  const compose = resolvedCompose(vars);
  const hubs = hubServices(compose);
  assert.ok(hubs.length >= 2, `several hubs (found ${hubs.map(([name]) => name).join(', ')})`);
  const [first, ...others] = hubs.map(([name, service]) => [name, environment(service)] as const);
  for (const [name, env] of others) assert.deepEqual(env, first![1], `${name} has the environment of ${first![0]}`);
  const env = first![1];
  for (const key of ['DATABASE_URL', 'DATABASE_SCHEMA', 'REDIS_URL', 'REDIS_PREFIX'])
    assert.ok(env[key], `the hubs set ${key}, so none falls back to a default of its own`);

  const database = new URL(env.DATABASE_URL!);
  const postgres = environment(compose.services[database.hostname] ?? {});
  assert.equal(database.protocol, 'postgres:');
  assert.match(
    compose.services[database.hostname]?.image ?? '',
    /^postgres:/,
    'DATABASE_URL names the postgres service',
  );
  assert.equal(database.port, '5432');
  assert.equal(database.username, postgres.POSTGRES_USER, 'as the user the postgres service creates');
  assert.equal(database.password, postgres.POSTGRES_PASSWORD, 'with its password');
  assert.equal(database.pathname, `/${postgres.POSTGRES_DB}`, 'in the database it creates');

  const redisUrl = new URL(env.REDIS_URL!);
  const redis = compose.services[redisUrl.hostname];
  assert.equal(redisUrl.protocol, 'redis:');
  assert.match(redis?.image ?? '', /^redis:/, 'REDIS_URL names the redis service');
  assert.equal(redisUrl.port, '6379');
  const command: string[] = redis.command;
  assert.equal(redisUrl.password, command[command.indexOf('--requirepass') + 1], 'with the password Redis requires');
  assert.equal(environment(redis).REDISCLI_AUTH, redisUrl.password, 'which its health check uses too');
});

test('the hubs’ environment is a configuration the hub accepts, every key of it documented', () => {
  const compose = resolvedCompose(vars);
  const operations = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
  for (const [name, service] of hubServices(compose)) {
    const env = environment(service);
    const config = loadConfig(env);
    assert.equal(config.host, '0.0.0.0', `${name} listens where HAProxy, in another container, reaches it`);
    assert.equal(config.databaseUrl, env.DATABASE_URL, `${name} runs on PostgreSQL`);
    assert.equal(config.redisUrl, env.REDIS_URL, `${name} fans out through Redis`);
    for (const key of Object.keys(env))
      assert.match(operations, new RegExp(`^\\| \`${key}\``, 'm'), `${key} is a setting of docs/operations.md`);
  }
});

test('HAProxy balances over exactly the hub services, at the port they listen on, checking /health', () => {
  const compose = resolvedCompose(vars);
  const config = haproxyConfig();
  const hubs = hubServices(compose);
  const servers = haproxyServers(config);
  assert.deepEqual(
    servers.map((server) => server.name).sort(),
    hubs.map(([name]) => name).sort(),
    'one server per hub service, named after it',
  );
  for (const server of servers) {
    assert.equal(server.host, server.name, `${server.name} is reached by its service name`);
    const port = loadConfig(environment(compose.services[server.host]!)).port;
    assert.equal(server.port, port, `${server.name} at the PORT it listens on`);
    const probe = compose.services[server.host]!.healthcheck.test.join(' ');
    assert.ok(probe.includes(`http://127.0.0.1:${port}/health`), `${server.name}'s own health check probes that port`);
  }
  const backend = section(config, 'backend hubs');
  assert.ok(backend.includes('balance leastconn'), 'least connections');
  assert.ok(backend.includes('option httpchk GET /health'), 'HTTP checks on /health');
  assert.ok(backend.includes('http-check expect status 200'), 'healthy means 200: 503 while the store cannot commit');
  assert.ok(
    backend.some((line) => /^default-server .*\bcheck\b/.test(line)),
    'every server is checked (default-server … check)',
  );
  assert.ok(section(config, 'defaults').includes('mode tcp'), 'TCP mode: WebSockets and SSE pass untouched');

  const haproxy = compose.services.haproxy!;
  assert.ok(
    haproxy.volumes.includes('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro'),
    'the compose file mounts this configuration where the image reads it',
  );
  const [bind] = section(config, 'frontend roundtable').filter((line) => line.startsWith('bind '));
  const listen = Number(/:(\d+)$/.exec(bind ?? '')?.[1]);
  assert.ok(
    haproxy.ports.some((port: string) => port.endsWith(`:${listen}`)),
    `the published port leads to HAProxy's bind (${listen})`,
  );
  for (const [name] of hubs) assert.ok(haproxy.depends_on[name], `HAProxy starts after ${name}`);
});

test('services start in order: stores healthy first, then the first hub alone, then the others', () => {
  const compose: Compose = composeFile();
  for (const name of ['postgres', 'redis'])
    assert.ok(compose.services[name]!.healthcheck?.test, `${name} has a health check`);
  const hubs = hubServices(compose);
  for (const [name, service] of hubs) {
    assert.ok(service.healthcheck?.test, `${name} has a health check`);
    for (const store of ['postgres', 'redis'])
      assert.equal(service.depends_on?.[store]?.condition, 'service_healthy', `${name} waits for ${store}`);
  }
  // Two hubs starting together on an empty database would both try to create @system and @admin.
  const [[first], ...others] = hubs;
  for (const [name, service] of others)
    assert.equal(service.depends_on?.[first!]?.condition, 'service_healthy', `${name} waits for ${first}`);
  for (const [name, volume] of [
    ['postgres', '/var/lib/postgresql/data'],
    ['redis', '/data'],
  ] as const)
    assert.ok(
      compose.services[name]!.volumes.some((mount: string) => mount.endsWith(`:${volume}`) && !mount.startsWith('.')),
      `${name} keeps its data in a named volume`,
    );
});

test('no secret is written down: passwords come from deploy/.env, and the example leaves them empty', () => {
  const example = envExample();
  for (const name of composeVariables())
    assert.ok(name in example, `${name}, used by compose.yaml, is in deploy/.env.example`);
  for (const name of Object.keys(PASSWORDS)) assert.equal(example[name], '', `${name} is left for the operator`);
  assert.throws(
    () => resolvedCompose(example),
    /POSTGRES_PASSWORD|REDIS_PASSWORD/,
    'without them the file does not interpolate, as docker compose refuses it',
  );
  const compose = composeFile();
  const required = (name: string) => new RegExp(`^\\$\\{${name}:\\?[^}]*\\}$`);
  for (const [name, service] of Object.entries(compose.services))
    for (const [key, value] of Object.entries(environment(service)))
      if (/PASSWORD|SECRET|TOKEN|AUTH/.test(key))
        assert.match(value, /^\$\{[A-Z_]+:\?[^}]*\}$/, `${name}'s ${key} is a required variable, never a value`);
  const postgres = compose.services.postgres!;
  assert.match(environment(postgres).POSTGRES_PASSWORD!, required('POSTGRES_PASSWORD'));
  const redis = compose.services.redis!;
  assert.match(redis.command[redis.command.indexOf('--requirepass') + 1], required('REDIS_PASSWORD'));
  for (const [name, service] of hubServices(compose)) {
    const env = environment(service);
    assert.match(env.DATABASE_URL!, /^postgres:\/\/\w+:\$\{POSTGRES_PASSWORD:\?[^}]*\}@/, `${name}'s DATABASE_URL`);
    assert.match(env.REDIS_URL!, /^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]*\}@/, `${name}'s REDIS_URL`);
  }
  assert.match(readFileSync(join(DEPLOY, 'Dockerfile.dockerignore'), 'utf8'), /^deploy\/\.env$/m, 'nor in the image');
});

test('the image runs the hub the way npm start does, on the port the hubs are configured with', () => {
  const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(root.scripts.start, 'node packages/server/dist/main.js');
  assert.match(dockerfile, /^CMD \["node", "packages\/server\/dist\/main\.js"\]$/m, 'the same entry point');
  assert.match(dockerfile, /^RUN npm ci\b.*\\\n\s+&& npm run build/m, 'built with npm ci and npm run build');
  const engine = Number(/(\d+)/.exec(root.engines.node)?.[1]);
  for (const [, major] of dockerfile.matchAll(/^FROM node:(\d+)/gm))
    assert.ok(Number(major) >= engine, `Node ${major} meets engines.node ${root.engines.node}`);
  const port = loadConfig(environment(hubServices(resolvedCompose(vars))[0]![1])).port;
  assert.match(dockerfile, new RegExp(`^EXPOSE ${port}$`, 'm'), 'the image exposes the hubs’ PORT');
});

const skip = haproxySkip();

test('haproxy -c accepts deploy/haproxy.cfg, warning only that the hub names do not resolve here', { skip }, () => {
  const checked = checkHaproxyConfig(join(DEPLOY, 'haproxy.cfg'));
  assert.equal(checked.status, 0, checked.output);
  assert.match(checked.output, /Configuration file is valid/);
  assert.doesNotMatch(checked.output, /\[ALERT\]/, checked.output);
  const warnings = checked.output.split('\n').filter((line) => line.includes('[WARNING]'));
  const servers = haproxyServers(haproxyConfig()).map((server) => server.name);
  for (const warning of warnings)
    assert.ok(
      servers.some((name) => warning.includes(`'server hubs/${name}' : could not resolve address '${name}'`)),
      `an unexpected warning: ${warning}`,
    );
});

test('haproxy -c refuses a broken configuration, so its verdict means something', { skip }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'roundtable-haproxy-check-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'haproxy.cfg');
  writeFileSync(path, haproxyConfig().replace('balance leastconn', 'balance fewestconn'));
  const checked = checkHaproxyConfig(path);
  assert.notEqual(checked.status, 0, checked.output);
  assert.match(checked.output, /\[ALERT\]/);
});
