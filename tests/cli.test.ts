/**
 * The `spansift` command as users run it: a child process from the project root (or from
 * another directory, as after a global install), checked by exit code, stdout and stderr.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './support/process.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** tsx by its path, so that the command also runs from a directory without node_modules. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `spansift ARGS` from `cwd` (the project root), with no SPANSIFT_* variables but those given, and `stdin` piped in. */
function spansift(args: string[], env: Record<string, string> = {}, stdin = '', cwd = ROOT): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SPANSIFT_') && !k.startsWith('CLICKHOUSE_')));
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ['--import', TSX, join(ROOT, 'cli/main.ts'), ...args],
      { cwd, env: { ...clean, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        done({ code, stdout, stderr });
      },
    );
    child.stdin!.end(stdin);
  });
}

/** Messages name the config file as it was given on the command line (paths here are relative to the project root, the working directory). */
const shown = (p: string) => p;

describe('spansift --help', () => {
  it('exits 0 and lists the commands', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await spansift([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^\s*spansift start \[--config FILE\]/m);
      expect(r.stdout).toMatch(/^\s*spansift validate \[--config FILE\]/m);
      expect(r.stdout).toContain('SPANSIFT_CONFIG');
    }
  });
});

describe('spansift validate', () => {
  it('accepts the shipped config/spansift.yaml', async () => {
    const r = await spansift(['validate', '--config', 'config/spansift.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('config/spansift.yaml: valid');
  });

  it('--strict-ottl warns, at their place, about what OTTL itself does not have, and still exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-cli-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(
      file,
      [
        'queues:',
        '  q:',
        '    labels: [{ name: ok, type: boolean }]',
        'rules:',
        '  - name: portable',
        '    when: \'end_time - start_time > Duration("5s") and IsMatch(name, "^chat")\'',
        '    route_to: q',
        '  - name: spansift-only',
        '    when: \'duration > 5s and HasEvent("exception") and attributes["cached"]\'',
        '    route_to: q',
        '',
      ].join('\n'),
    );
    const r = await spansift(['validate', '--strict-ottl', '--config', file]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${file}: valid`);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      `warning: ${file}:9:12: rules.1.when: not OTTL (spansift extension) at 1:1: OTTL has no duration path; write end_time - start_time`,
      `warning: ${file}:9:23: rules.1.when: not OTTL (spansift extension) at 1:12: OTTL has no duration literals: write Duration("5s")`,
      `warning: ${file}:9:30: rules.1.when: not OTTL (spansift extension) at 1:19: HasEvent is spansift's; in the collector, match events in the span event context (spanevent.name == "...")`,
      `warning: ${file}:9:56: rules.1.when: not OTTL (spansift extension) at 1:45: OTTL needs a comparison here: write attributes["cached"] == true`,
      `4 OTTL warning(s) in ${file}`,
    ]);
    const plain = await spansift(['validate', '--config', file]);
    expect(plain.stderr).toBe('');
  });

  it('validates config/spansift.yaml when no file is named', async () => {
    const r = await spansift(['validate']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('config/spansift.yaml: valid');
  });

  it('lists every problem of a broken file with file:line:column and key path, and exits 1', async () => {
    const file = shown('config/testdata/unknown-keys.yaml');
    const r = await spansift(['validate', '--config', 'config/testdata/unknown-keys.yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `${file}:3:5: receivers.otlp.htttp: unknown key "htttp" (did you mean "http"?)`,
      `${file}:6:7: receivers.otlp.grpc.endpont: unknown key "endpont" (did you mean "endpoint"?)`,
      `${file}:10:7: storage.clickhouse.batch.max_row: unknown key "max_row" (did you mean "max_rows"?)`,
      `${file}:11:1: metrics: unknown key "metrics"`,
      `4 problem(s) in ${file}`,
    ]);
  });

  it('reports bad values, all at once', async () => {
    const file = shown('config/testdata/bad-values.yaml');
    const r = await spansift(['validate', '-c', 'config/testdata/bad-values.yaml']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.map((l) => /^(.*):(\d+):(\d+): ([\w.]+): /.exec(l)?.slice(1, 5))).toEqual([
      [file, '4', '17', 'receivers.otlp.http.endpoint'],
      [file, '5', '30', 'receivers.otlp.http.max_request_body_size'],
      [file, '9', '10', 'storage.clickhouse.url'],
      [file, '11', '17', 'storage.clickhouse.batch.max_rows'],
      [file, '12', '18', 'storage.clickhouse.batch.max_delay'],
      [file, '14', '16', 'limits.retry_after'],
      [file, '16', '10', 'log.level'],
      undefined,
    ]);
    expect(lines[7]).toBe(`7 problem(s) in ${file}`);
  });

  it('reads the collector\'s receivers.otlp.protocols as spansift\'s keys, with a note', async () => {
    const file = shown('config/testdata/protocols-alias.yaml');
    const r = await spansift(['validate', '--config', 'config/testdata/protocols-alias.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      `note: ${file}:5:7: receivers.otlp.protocols.http: read as receivers.otlp.http: the collector's receivers.otlp.protocols.http, spelled the spansift way without "protocols"`,
      `note: ${file}:7:7: receivers.otlp.protocols.grpc: read as receivers.otlp.grpc: the collector's receivers.otlp.protocols.grpc, spelled the spansift way without "protocols"`,
      `${file}: valid`,
    ]);
  });

  it('tells a collector user where the collector\'s processors, exporters and service live in spansift', async () => {
    const r = await spansift(['validate', '--config', 'config/testdata/collector-shape.yaml']);
    expect(r.code).toBe(1);
    const byKey = Object.fromEntries(r.stderr.trim().split('\n').slice(0, -1).map((l) => [/:\d+:\d+: ([\w.]+): /.exec(l)![1], l]));
    expect(Object.keys(byKey)).toEqual(['processors.batch', 'processors.memory_limiter', 'processors.redaction.allow_all_keys', 'exporters.otlp.sending_queue.storage', 'exporters.clickhouse', 'service']);
    expect(byKey['processors.batch']).toContain('storage.clickhouse.batch for inserts, exporters.<name>.sending_queue.batch for forwarding');
    expect(byKey['exporters.clickhouse']).toContain('spansift stores every span in ClickHouse itself (storage.clickhouse)');
    expect(byKey.service).toContain('each exporter lists what it forwards in its `signals`');
  });

  it('reports YAML syntax errors with their line', async () => {
    const file = shown('config/testdata/yaml-syntax.yaml');
    const r = await spansift(['validate', '--config', 'config/testdata/yaml-syntax.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${file}:5:1: All mapping items must start at the same column`,
      `${file}:8:13: Nested mappings are not allowed in compact mappings`,
      `2 problem(s) in ${file}`,
    ]);
  });

  it('says clearly that a missing file cannot be read, and exits 1', async () => {
    const r = await spansift(['validate', '--config', 'config/testdata/no-such-file.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(shown('config/testdata/no-such-file.yaml'));
    expect(r.stderr).toMatch(/cannot read the file: ENOENT: no such file or directory/);
    // A message, not a stack trace.
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('honours SPANSIFT_CONFIG, and --config wins over it', async () => {
    const broken = shown('config/testdata/duplicate-key.yaml');
    const viaEnv = await spansift(['validate'], { SPANSIFT_CONFIG: 'config/testdata/duplicate-key.yaml' });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toContain(`${broken}:5:1: Map keys must be unique`);

    const valid = await spansift(['validate'], { SPANSIFT_CONFIG: 'config/testdata/valid-server.yaml' });
    expect(valid.code).toBe(0);
    expect(valid.stdout.trim()).toBe('config/testdata/valid-server.yaml: valid');

    const flagWins = await spansift(['validate', '--config', 'config/spansift.yaml'], { SPANSIFT_CONFIG: 'config/testdata/duplicate-key.yaml' });
    expect(flagWins.code).toBe(0);
    expect(flagWins.stdout.trim()).toBe('config/spansift.yaml: valid');
  });
});

describe('spansift run from another directory (a global install, a container)', () => {
  const elsewhere = () => mkdtempSync(join(tmpdir(), 'spansift-cwd-'));

  it("reads its own config/spansift.yaml when no file is named, not the working directory's", async () => {
    const cwd = elsewhere();
    // A config/spansift.yaml here that would fail: the default is not read from the working directory.
    mkdirSync(join(cwd, 'config'));
    writeFileSync(join(cwd, 'config', 'spansift.yaml'), 'nonsense: [\n');
    const r = await spansift(['validate'], {}, '', cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${join(ROOT, 'config', 'spansift.yaml')}: valid`);
  });

  it('reads --config and $SPANSIFT_CONFIG from the working directory', async () => {
    const cwd = elsewhere();
    writeFileSync(join(cwd, 'mine.yaml'), 'receivers:\n  otlp:\n    htttp: {}\n');
    const viaFlag = await spansift(['validate', '--config', 'mine.yaml'], {}, '', cwd);
    expect(viaFlag.code).toBe(1);
    expect(viaFlag.stderr).toContain('mine.yaml:3:5: receivers.otlp.htttp: unknown key "htttp"');
    const viaEnv = await spansift(['validate'], { SPANSIFT_CONFIG: 'mine.yaml' }, '', cwd);
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toContain('mine.yaml:3:5: receivers.otlp.htttp: unknown key "htttp"');
    // A relative path names a file of the working directory, even where the package has one by that name.
    const packaged = await spansift(['validate', '--config', 'config/spansift.yaml'], {}, '', elsewhere());
    expect(packaged.code).toBe(1);
    expect(packaged.stderr).toMatch(/^config\/spansift\.yaml:0:0: cannot read the file: ENOENT/);
  });
});

describe('usage errors', () => {
  it('exits 2 on an unknown command', async () => {
    const r = await spansift(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });

  it('exits 2 on an unknown option', async () => {
    const r = await spansift(['validate', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
  });
});

describe('spansift start', () => {
  it('does not start with a broken config: exit 1, the problems on stderr, no data written, nothing listening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-cli-'));
    const dataDir = join(dir, 'data');
    const port = await freePort();
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      [
        `data_dir: ${dataDir}`,
        'receivers:',
        '  otlp:',
        '    http:',
        `      endpoint: 127.0.0.1:${port}`,
        '    grpc:',
        '      enabled: false',
        'ui:',
        '  endpoint: 127.0.0.1:0',
        'log:',
        '  levle: info',
        '',
      ].join('\n'),
    );
    const start = spansift(['start', '--config', file]);
    // While the command runs, nothing may answer on its OTLP port.
    let answered = false;
    let running = true;
    void start.then(() => (running = false));
    while (running) {
      answered ||= await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST' }).then(
        () => true,
        () => false,
      );
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await start;
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${file}:11:3: log.levle: unknown key "levle" (did you mean "level"?)`,
      `spansift: not started: 1 problem(s) in ${file}`,
    ]);
    expect(r.stdout).not.toContain('spansift started');
    expect(answered).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('reads SPANSIFT_CONFIG when no --config is given', async () => {
    const r = await spansift(['start'], { SPANSIFT_CONFIG: 'config/testdata/bad-values.yaml' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`spansift: not started: 7 problem(s) in ${shown('config/testdata/bad-values.yaml')}`);
  });
});

describe('spansift rules test and backfill: problems in one line, exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spansift-cli-'));

  it('names an input file that cannot be read or is not an OTLP export', async () => {
    const missing = join(dir, 'nope.json');
    let r = await spansift(['rules', 'test', '--input', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`spansift: cannot read --input ${missing}: ENOENT: no such file or directory, open '${missing}'`);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"resourceSpans": [');
    r = await spansift(['rules', 'test', '--input', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`spansift: ${bad} is not an OTLP trace export in JSON`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says when there is no admin token, and when spansift is not running', async () => {
    const port = await freePort();
    const noToken = join(dir, 'no-token.yaml');
    writeFileSync(noToken, `data_dir: ${JSON.stringify(join(dir, 'data'))}\nui:\n  endpoint: 127.0.0.1:${port}\n`);
    let r = await spansift(['backfill', '--config', noToken, '--rule', 'x', '--since', '1h']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^spansift: no admin token: ui\.admin_token is not set and .*admin-token cannot be read .*set ui\.admin_token$/);

    const down = join(dir, 'down.yaml');
    writeFileSync(down, `data_dir: ${JSON.stringify(join(dir, 'data'))}\nui:\n  endpoint: 127.0.0.1:${port}\n  admin_token: t\n`);
    r = await spansift(['backfill', '--config', down, '--rule', 'x', '--since', '1h']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`spansift: cannot reach spansift at http://127.0.0.1:${port} (ui.endpoint): connect ECONNREFUSED 127.0.0.1:${port}; backfill asks the running spansift, is it started with this config?`);
  });
});

describe('spansift users', () => {
  it('hash prints a hash of the password on stdin that signs in, and that validate accepts', async () => {
    const r = await spansift(['users', 'hash'], {}, 'correct horse\n');
    expect(r.code).toBe(0);
    const hash = r.stdout.trim();
    expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('correct horse');
    const { verifyPassword } = await import('../ui-lite/auth/passwords.js');
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horse\n', hash)).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'spansift-cli-'));
    const file = join(dir, 'users.yaml');
    writeFileSync(file, `users:\n  ann:\n    role: admin\n    password_hash: '${hash}'\n`);
    expect((await spansift(['validate', '--config', file])).code).toBe(0);
  });

  it('hash refuses an empty stdin', async () => {
    const r = await spansift(['users', 'hash'], {}, '');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no password on stdin');
  });

  it('token prints a token and the digest to configure, never the same twice', async () => {
    const [a, b] = await Promise.all([spansift(['users', 'token']), spansift(['users', 'token'])]);
    const parse = (s: string) => Object.fromEntries(s.trim().split('\n').map((l) => l.split(/:\s+/, 2) as [string, string]));
    const ta = parse(a.stdout);
    expect(ta.token).toMatch(/^sst_[A-Za-z0-9_-]{32}$/);
    expect(ta.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const { tokenDigest } = await import('../ui-lite/auth/passwords.js');
    expect(tokenDigest(ta.token)).toBe(ta.digest);
    expect(parse(b.stdout).token).not.toBe(ta.token);
  });

  it('validate refuses a plain password or token in users, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spansift-cli-'));
    const file = join(dir, 'plain.yaml');
    writeFileSync(file, 'queues:\n  q:\n    labels: [{name: ok, type: boolean}]\nusers:\n  ann:\n    role: labeler\n    queues: [q, nope]\n    password_hash: hunter2\n  bot:\n    role: labeler\n    api_tokens: [my-token]\n  eve:\n    role: root\n  admin:\n    role: admin\n    api_tokens: []\n');
    const r = await spansift(['validate', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:7:17: users.ann.queues.1: unknown queue "nope" (queues: q)`);
    expect(r.stderr).toContain('users.ann.password_hash: expected a hash from `spansift users hash`');
    expect(r.stderr).toContain('users.bot.api_tokens.0: expected a digest from `spansift users token`');
    expect(r.stderr).toContain('users.eve.role:');
    expect(r.stderr).toContain('users.eve: a user needs a password_hash or at least one api_tokens digest');
    expect(r.stderr).toContain('users.admin: invalid name: the name admin belongs to the admin token (ui.admin_token); choose another name');
  });
});
