// Which py/gc.c profile a device's MicroPython version follows (compare's --gc-version hint,
// capture's image profile).
import { describe, expect, it } from 'vitest';
import { profileFor } from '../../src/capture/device.js';

describe('profileFor', () => {
  it('maps the BBC micro:bit core (1.9.2) to the v1.9.2 profile, not v1.9.4', () => {
    expect(profileFor('1.9.2')).toBe('v1.9.2');
    expect(profileFor('1.9.4')).toBe('v1.9.4');
    expect(profileFor('1.19.1')).toBe('v1.9.4');
    expect(profileFor('1.20.0')).toBe('v1.27');
    expect(profileFor('1.27.0')).toBe('v1.27');
    expect(profileFor('1.28.0')).toBe('v1.28');
    expect(profileFor(undefined)).toBeUndefined();
  });
});
