import { describe, expect, it } from 'vitest';
import { isDrydockError } from '../../src/errors.js';
import { formatPublishedPort, parsePortSpec, parsePortSpecs, type PortSpec } from '../../src/network/port-spec.js';

const spec = (hostIp: string, hostPortStart: number, hostPortEnd: number, containerPort: number, proto: PortSpec['proto'] = 'tcp'): PortSpec => ({
  hostIp,
  hostPortStart,
  hostPortEnd,
  containerPort,
  proto,
});

// Expected values were checked against the Docker 28.2.2 CLI (`docker create -p … ` + `docker inspect`).
describe('parsePortSpec: the forms docker run -p accepts', () => {
  it.each<[string, PortSpec[]]>([
    ['8080:80', [spec('', 8080, 8080, 80)]],
    ['127.0.0.1:8080:80/udp', [spec('127.0.0.1', 8080, 8080, 80, 'udp')]],
    ['80', [spec('', 0, 0, 80)]],
    [':80', [spec('', 0, 0, 80)]],
    ['0:80', [spec('', 0, 0, 80)]],
    ['8000-8002:80-82', [spec('', 8000, 8000, 80), spec('', 8001, 8001, 81), spec('', 8002, 8002, 82)]],
    ['8000-8002:80-82/udp', [spec('', 8000, 8000, 80, 'udp'), spec('', 8001, 8001, 81, 'udp'), spec('', 8002, 8002, 82, 'udp')]],
    ['80-82', [spec('', 0, 0, 80), spec('', 0, 0, 81), spec('', 0, 0, 82)]],
    ['8000-8010:80', [spec('', 8000, 8010, 80)]],
    ['8080-8080:80', [spec('', 8080, 8080, 80)]],
    ['8080:80-80', [spec('', 8080, 8080, 80)]],
    ['8080:80/', [spec('', 8080, 8080, 80)]],
    ['8080:80/TCP', [spec('', 8080, 8080, 80)]],
    ['8080:80/sctp', [spec('', 8080, 8080, 80, 'sctp')]],
    ['8080:80/udp/x', [spec('', 8080, 8080, 80, 'udp')]],
    ['080:80', [spec('', 80, 80, 80)]],
    ['0.0.0.0:80:80', [spec('0.0.0.0', 80, 80, 80)]],
    ['::1:80:80', [spec('::1', 80, 80, 80)]],
    ['[::1]:80:80', [spec('::1', 80, 80, 80)]],
    ['1-2-3:80', [spec('', 1, 2, 80)]], // go-connections ignores a third range part
    ['published=8080,target=80', [spec('', 8080, 8080, 80)]],
    ['target=80,protocol=udp', [spec('', 0, 0, 80, 'udp')]],
    ['mode=host,target=80', [spec('', 0, 0, 80)]],
  ])('%s', (value, expected) => {
    expect(parsePortSpec(value)).toEqual(expected);
  });
});

describe("parsePortSpec: Docker's messages for bad specs", () => {
  it.each<[string, string]>([
    ['99999:80', 'invalid hostPort: 99999'],
    ['65536:80', 'invalid hostPort: 65536'],
    ['abc:80', 'invalid hostPort: abc'],
    ['-1:80', 'invalid hostPort: -1'],
    ['+80:80', 'invalid hostPort: +80'],
    ['8080-8079:80', 'invalid hostPort: 8080-8079'],
    ['8080:abc', 'invalid containerPort: abc'],
    ['foo', 'invalid containerPort: foo'],
    ['80-79', 'invalid containerPort: 80-79'],
    [' 80', 'invalid containerPort:  80'],
    ['8080:0', 'invalid containerPort: 0'], // the CLI defers this one to the daemon
    ['8080:80/foo', 'invalid proto: foo'],
    ['1.2.3:80:80', 'invalid IP address: 1.2.3'],
    ['01.2.3.4:80:80', 'invalid IP address: 01.2.3.4'],
    ['a:b:c:d', 'invalid IP address: a:b'],
    ['1.2.3.4]:80:80', 'invalid IP address: 1.2.3.4]'],
    ['[::1:80:80', "invalid IP address [::1: address [::1:: missing ']' in address"],
    ['8080:', 'no port specified: 8080:<empty>'],
    ['/tcp', 'no port specified: /tcp<empty>'],
    ['8000-8001:80-82', 'invalid ranges specified for container and host Ports: 80-82 and 8000-8001'],
    ['8080:80-82', 'invalid ranges specified for container and host Ports: 80-82 and 8080'],
    ['published=8080,target', "invalid publish opts format (should be name=value but got 'target')"],
  ])('%s', (value, message) => {
    let err: unknown;
    try {
      parsePortSpec(value);
    } catch (e) {
      err = e;
    }
    expect(isDrydockError(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});

describe('parsePortSpecs and formatPublishedPort', () => {
  it('flattens several -p values in order', () => {
    expect(parsePortSpecs(['80', '127.0.0.1:53:53/udp']).map((s) => `${s.containerPort}/${s.proto}`)).toEqual(['80/tcp', '53/udp']);
  });

  it('prints like docker port', () => {
    expect(formatPublishedPort({ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' })).toBe('80/tcp -> 0.0.0.0:8080');
    expect(formatPublishedPort({ hostIp: '::1', hostPort: 5353, containerPort: 53, proto: 'udp' })).toBe('53/udp -> [::1]:5353');
  });
});
