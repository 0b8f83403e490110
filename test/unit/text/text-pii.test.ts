import { ibanValid, luhnValid, plausibleCardPrefix, ssnValid } from '../../../core/detectors/text/pii-checks';
import { createPiiDetector, detectPii } from '../../../core/detectors/text/text-pii';
import { run, signalOf, spanTexts } from './text-test-helpers';

const detector = createPiiDetector();

async function spans(text: string, label: string): Promise<string[]> {
  return spanTexts(text, signalOf(await run(detector, text), 'pii', label));
}

describe('pii checks', () => {
  it('implements Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('')).toBe(false);
  });

  it('knows card network prefixes', () => {
    expect(plausibleCardPrefix('4111111111111111')).toBe(true);
    expect(plausibleCardPrefix('5500000000000004')).toBe(true);
    expect(plausibleCardPrefix('340000000000009')).toBe(true);
    expect(plausibleCardPrefix('1234567812345670')).toBe(false);
    expect(plausibleCardPrefix('0000000000000000')).toBe(false);
  });

  it('applies SSN validity rules', () => {
    expect(ssnValid('123', '45', '6789')).toBe(true);
    expect(ssnValid('000', '45', '6789')).toBe(false);
    expect(ssnValid('666', '45', '6789')).toBe(false);
    expect(ssnValid('900', '45', '6789')).toBe(false);
    expect(ssnValid('123', '00', '6789')).toBe(false);
    expect(ssnValid('123', '45', '0000')).toBe(false);
  });

  it('checks IBAN length and mod 97', () => {
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
    expect(ibanValid('GB82WEST1234569876543')).toBe(false);
    expect(ibanValid('XX82WEST12345698765432')).toBe(false);
  });
});

describe('text-pii', () => {
  it('describes itself', () => {
    expect(detector).toMatchObject({
      id: 'text-pii',
      version: '1.0.0',
      media: ['text'],
      tiers: ['fast', 'heavy'],
    });
  });

  it('finds emails with exact spans', async () => {
    const text = 'Write to jane.doe+test@example.co.uk, or to OPS@Example.org.';
    expect(await spans(text, 'email')).toEqual(['jane.doe+test@example.co.uk', 'OPS@Example.org']);
    expect(await spans('user@localhost and a@b and @handle and x@y.z1', 'email')).toEqual([]);
  });

  it('finds phone numbers in international and North American formats', async () => {
    const text = 'Call +44 20 7946 0958, (415) 555-2671, 415.555.2671, +1 415-555-2671 or 020 7946 0958.';
    expect(await spans(text, 'phone')).toEqual([
      '+44 20 7946 0958',
      '(415) 555-2671',
      '415.555.2671',
      '+1 415-555-2671',
      '020 7946 0958',
    ]);
  });

  it.each([
    'It happened in 2026.',
    'Between 1999-2005 and 2010-2015',
    'Date 2024-01-15, time 12:30:45',
    'Order #2026-004512 and ticket 12345',
    'Pi is 3.14159265358979',
    'The id 9876543210 is not formatted',
    'Room 101, floor 3, building 12',
    'Version 1.2.3.4 released',
    '(123) 456-7890 has an invalid area code',
  ])('does not report a phone number in %j', async (text) => {
    expect(await spans(text, 'phone')).toEqual([]);
  });

  it('finds card numbers with a valid Luhn check and network prefix', async () => {
    const text =
      'Cards: 4111 1111 1111 1111, 5500-0000-0000-0004, 378282246310005 and 4111111111111111 12/28.';
    const found = await spans(text, 'credit-card');
    expect(found).toEqual([
      '4111 1111 1111 1111',
      '5500-0000-0000-0004',
      '378282246310005',
      '4111111111111111',
    ]);
    const signal = signalOf(await run(detector, text), 'pii', 'credit-card');
    expect(signal?.score).toBe(0.9);
    expect(signal?.evidence[0]).toMatchObject({ kind: 'span', rule: 'pii.card.luhn' });
  });

  it.each([
    'Not a card: 4111 1111 1111 1112',
    'Order 1234 5678 9012 3456',
    'Number 1234567812345670',
    'Decimal 0.4111111111111111',
    'Token abc4111111111111111',
    'Twenty digits 41111111111111111111',
  ])('does not report a card in %j', async (text) => {
    expect(await spans(text, 'credit-card')).toEqual([]);
  });

  it('finds valid SSNs only', async () => {
    expect(await spans('SSN 123-45-6789 and 219 09 9998', 'ssn')).toEqual(['123-45-6789', '219 09 9998']);
    expect(await spans('ssn: 123456789', 'ssn')).toEqual(['123456789']);
    expect(
      await spans('000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000 123456789', 'ssn'),
    ).toEqual([]);
  });

  it('finds UK National Insurance numbers with valid prefixes', async () => {
    expect(await spans('NINO AB 12 34 56 C and CE123456D', 'nino')).toEqual(['AB 12 34 56 C', 'CE123456D']);
    expect(await spans('QQ 12 34 56 C, BG123456A, GB123456A, ab123456c', 'nino')).toEqual([]);
  });

  it('finds IBANs with a valid check, spaced or not', async () => {
    const text = 'Pay GB82 WEST 1234 5698 7654 32 or DE89370400440532013000 THANKS';
    expect(await spans(text, 'iban')).toEqual(['GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000']);
    expect(await spans('Bad GB82 WEST 1234 5698 7654 33', 'iban')).toEqual([]);
  });

  it('scores cards, SSNs, NINOs and IBANs 0.9 and contact details 0.6, one signal per label', async () => {
    const text = 'a@example.com b@example.com +44 20 7946 0958 123-45-6789';
    const signals = await run(detector, text);
    expect(signals.map((s) => [s.label, s.score, s.evidence.length])).toEqual([
      ['email', 0.6, 2],
      ['phone', 0.6, 1],
      ['ssn', 0.9, 1],
    ]);
    for (const s of signals) expect(s).toMatchObject({ detector: 'text-pii', category: 'pii' });
  });

  it('caps evidence spans per signal', async () => {
    const text = Array.from({ length: 300 }, (_, i) => `user${i}@example.com`).join(' ');
    expect(signalOf(await run(detector, text), 'pii', 'email')?.evidence).toHaveLength(50);
  });

  it('returns nothing for benign text and works on plain strings', () => {
    expect(detectPii('Hello neighbours, the bake sale is on Saturday at 10am in 2026.')).toEqual([]);
    expect(detectPii('')).toEqual([]);
  });

  // A catastrophic (backtracking) pattern would run for minutes here; the test timeout is the guard.
  it('finishes on long runs of digits, separators and at-signs', () => {
    for (const unit of ['1234 ', '1', '@', 'a', '+1 ', 'AB12 ']) {
      const text = unit.repeat(Math.ceil(2_000_000 / unit.length));
      expect(() => detectPii(text)).not.toThrow();
    }
  });
});
