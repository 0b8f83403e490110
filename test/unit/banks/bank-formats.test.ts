import { detectBankFormat, formatBankFile, parseBankFile } from '../../../core/banks/bank-format';
import { splitCsvLine } from '../../../core/banks/csv-fields';
import type { BankEntry } from '../../../core/banks/hash-bank';

const PDQ_A = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const PDQ_B = '0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const entries: BankEntry[] = [
  { hash: PDQ_A, kind: 'pdq', label: 'csam', source: 'ncmec, "case 7"', addedAt: '2026-01-01T00:00:00.000Z' },
  { hash: PDQ_B, kind: 'pdq', addedAt: '2026-01-01T00:00:00.000Z' },
  { hash: MD5, kind: 'md5', label: 'terror', addedAt: '2026-01-01T00:00:00.000Z' },
  { hash: SHA, kind: 'sha256', source: 'partner', addedAt: '2026-01-01T00:00:00.000Z' },
];
const strip = (es: readonly BankEntry[]) => es.map(({ addedAt: _, ...rest }) => rest);

describe('bank file formats', () => {
  it('CSV round-trips hashes, kinds, labels and sources (quoted fields included)', () => {
    const parsed = parseBankFile(formatBankFile(entries, 'csv'), 'csv');
    expect(parsed.problems).toEqual([]);
    expect(parsed.entries).toEqual(strip(entries));
  });

  it('HMA lines round-trip kinds', () => {
    const text = formatBankFile(entries, 'hma');
    expect(text.split('\n')[2]).toBe(`video_md5 ${MD5}`);
    const parsed = parseBankFile(text, 'hma');
    expect(parsed.entries.map((e) => [e.kind, e.hash])).toEqual(entries.map((e) => [e.kind, e.hash]));
  });

  it('hex lines round-trip hashes of one kind', () => {
    const pdq = entries.filter((e) => e.kind === 'pdq');
    const parsed = parseBankFile(formatBankFile(pdq, 'hex'), 'hex', { label: 'x' });
    expect(parsed.entries).toEqual(pdq.map((e) => ({ hash: e.hash, kind: 'pdq', label: 'x' })));
  });

  it('reads "hash,quality,filename" lines, comments, CRLF and upper case', () => {
    const text = `# from the PDQ hasher\r\n${PDQ_A.toUpperCase()},100,a.jpg\r\n\r\n${MD5}\r\n`;
    const parsed = parseBankFile(text, 'hex');
    expect(parsed.entries).toEqual([
      { hash: PDQ_A, kind: 'pdq' },
      { hash: MD5, kind: 'md5' },
    ]);
  });

  it('--kind sha256 reads 64-digit hashes as SHA-256', () => {
    expect(parseBankFile(`${SHA}\n`, 'hex', { kind: 'sha256' }).entries).toEqual([
      { hash: SHA, kind: 'sha256' },
    ]);
  });

  it('reports bad lines with their numbers', () => {
    const parsed = parseBankFile(`${PDQ_A}\nnothex\n${PDQ_A.slice(1)}\n`, 'hex');
    expect(parsed.entries).toHaveLength(1);
    expect(parsed.problems.map((p) => p.line)).toEqual([2, 3]);
  });

  it('CSV: headerless rows are hash,label,source; a header may reorder and rename columns', () => {
    expect(parseBankFile(`${PDQ_A},nudity,feed\n`, 'csv').entries).toEqual([
      { hash: PDQ_A, kind: 'pdq', label: 'nudity', source: 'feed' },
    ]);
    const text = `Source,Category,notes,MD5\nteam,spam,whatever,${MD5}\n`;
    expect(parseBankFile(text, 'csv').entries).toEqual([
      { hash: MD5, kind: 'md5', label: 'spam', source: 'team' },
    ]);
    const sha = `sha256,label\n${SHA},x\n`;
    expect(parseBankFile(sha, 'csv').entries).toEqual([{ hash: SHA, kind: 'sha256', label: 'x' }]);
    expect(parseBankFile(`${PDQ_A},l,s,tlsh\n`, 'csv').problems).toHaveLength(1);
  });

  it('HMA: signal_type,signal_value CSV with a header, other signal types skipped, bad values reported', () => {
    const text = `signal_type,signal_value,category\npdq,${PDQ_A},csam\nvpdq,whatever,x\nurl,http://x,y\nwat,1,2\n`;
    const parsed = parseBankFile(text, 'hma');
    expect(parsed.entries).toEqual([{ hash: PDQ_A, kind: 'pdq', label: 'csam' }]);
    // url is a signal type banks do not hold; "whatever" is not a vPDQ list.
    expect(parsed.skipped).toBe(1);
    expect(parsed.problems.map((p) => p.line)).toEqual([3, 5]);
  });

  it('detects formats', () => {
    expect(detectBankFormat('list.csv', `${PDQ_A},x\n`)).toBe('csv');
    expect(detectBankFormat('list.csv', `signal_type,signal_value\n`)).toBe('hma');
    expect(detectBankFormat('list.txt', `# c\npdq ${PDQ_A}\n`)).toBe('hma');
    expect(detectBankFormat('list.txt', `${PDQ_A}\n`)).toBe('hex');
  });

  it('splits quoted CSV fields', () => {
    expect(splitCsvLine('a,"b,c","d ""e""",')).toEqual(['a', 'b,c', 'd "e"', '']);
  });
});
