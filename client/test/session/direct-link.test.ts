import { describe, expect, it } from 'vitest';
import { defaultAdvertiseHost, isLoopback } from '../../src/session/direct-link';

describe(defaultAdvertiseHost.name, () => {
  it('advertises the listen address when it is a specific one', () => {
    expect(defaultAdvertiseHost('192.0.2.7', 'https://sft.example')).toBe('192.0.2.7');
  });

  it('advertises 127.0.0.1 for a wildcard listen address when the server is on loopback', () => {
    expect(defaultAdvertiseHost('0.0.0.0', 'https://localhost:8443')).toBe('127.0.0.1');
    expect(defaultAdvertiseHost('::', 'https://[::1]:8443')).toBe('127.0.0.1');
  });
});

describe(isLoopback.name, () => {
  it('knows the loopback names and addresses', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '::1'].every(isLoopback)).toBe(true);
    expect(['example.com', '10.0.0.1', '::2'].some(isLoopback)).toBe(false);
  });
});
