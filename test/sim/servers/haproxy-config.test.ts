/**
 * The HAProxy config generator as a pure function: the text operators are shown, defaults and
 * options, and the inputs it refuses (they would otherwise end up as lines of a config).
 */
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../../sim/servers/harness-error.js';
import { haproxyConfig } from '../../../sim/servers/haproxy-config.js';

describe('haproxyConfig', () => {
  it('writes a TCP frontend balanced over nodes health-checked on /readyz', () => {
    const text = haproxyConfig({
      listen: { host: '0.0.0.0', port: 1883 },
      backends: [
        { host: '10.0.0.11', port: 1883, metricsPort: 9464 },
        { host: '10.0.0.12', port: 1883, metricsPort: 9464 },
      ],
    });
    expect(text).toBe(
      [
        'global',
        '  maxconn 4096',
        '',
        'defaults',
        '  mode tcp',
        '  timeout connect 5000ms',
        '  timeout client 120000ms',
        '  timeout server 120000ms',
        '  timeout check 1000ms',
        '  retries 2',
        '  option redispatch',
        '',
        'frontend mqtt',
        '  bind 0.0.0.0:1883',
        '  maxconn 4096',
        '  default_backend fairway_nodes',
        '',
        'backend fairway_nodes',
        '  balance leastconn',
        '  option httpchk GET /readyz',
        '  http-check expect status 200',
        '  server node1 10.0.0.11:1883 check port 9464 inter 500 fall 2 rise 2',
        '  server node2 10.0.0.12:1883 check port 9464 inter 500 fall 2 rise 2',
        '',
      ].join('\n'),
    );
  });

  it('takes the balance, the check timing, the timeouts, the names and the harness-only lines', () => {
    const text = haproxyConfig({
      listen: { port: 2000 },
      backends: [{ name: 'a', port: 3000, metricsPort: 3001 }],
      balance: 'roundrobin',
      checkIntervalMs: 2000,
      fall: 3,
      rise: 5,
      idleTimeoutMs: 90_000,
      maxConnections: 20_000,
      adminSocket: '/tmp/x/admin.sock',
      exclusivePort: true,
    });
    expect(text).toContain('  balance roundrobin\n');
    expect(text).toContain('  server a 127.0.0.1:3000 check port 3001 inter 2000 fall 3 rise 5\n');
    expect(text).toContain('  timeout client 90000ms\n');
    expect(text).toContain('  timeout check 2000ms\n');
    expect(text).toContain('  bind 127.0.0.1:2000\n');
    expect(text.match(/maxconn 20000/g)).toHaveLength(2);
    expect(text).toContain('  noreuseport\n');
    expect(text).toContain('  stats socket /tmp/x/admin.sock mode 600 level admin\n');
  });

  it.each([
    ['no backends', { backends: [] }],
    ['a port out of range', { backends: [{ port: 70_000, metricsPort: 1 }] }],
    ['a name used twice', { backends: [{ name: 'a', port: 1, metricsPort: 2 }, { name: 'a', port: 3, metricsPort: 4 }] }],
    ['a name with a space', { backends: [{ name: 'a b', port: 1, metricsPort: 2 }] }],
    ['a host with a newline', { backends: [{ host: '1.2.3.4\n  server x', port: 1, metricsPort: 2 }] }],
    ['a ready path with a space', { backends: [{ port: 1, metricsPort: 2 }], readyPath: '/readyz HTTP/1.1' }],
    ['a zero check interval', { backends: [{ port: 1, metricsPort: 2 }], checkIntervalMs: 0 }],
  ])('refuses %s', (_what, input) => {
    expect(() => haproxyConfig({ listen: { port: 1883 }, ...input })).toThrow(HarnessError);
  });
});
