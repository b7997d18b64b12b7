import { describe, expect, it } from 'vitest';
import { isRoutingNumber } from './routing';

describe('isRoutingNumber', () => {
  it('accepts routing numbers whose 3-7-1 checksum holds', () => {
    expect(isRoutingNumber('021000021')).toBe(true); // JPMorgan Chase, New York
    expect(isRoutingNumber('011000015')).toBe(true); // Federal Reserve Bank of Boston
  });
  it('refuses a wrong check digit, a wrong length and non-digits', () => {
    expect(isRoutingNumber('021000022')).toBe(false);
    expect(isRoutingNumber('02100002')).toBe(false);
    expect(isRoutingNumber('0210000211')).toBe(false);
    expect(isRoutingNumber('02100002a')).toBe(false);
  });
});
