import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exactHashes, exactHashesOfFile } from '../../../core/hash/exact-hashes';
import { describeWith, readTsv, sharedDir, vectorsDir } from '../../helpers/shared-vectors';

describe('exact hashes', () => {
  it('gives the standard MD5 and SHA-256 test answers', () => {
    expect(exactHashes(Buffer.from('abc'))).toEqual({
      md5: '900150983cd24fb0d6963f7d28e17f72',
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });
});

const VECTORS = vectorsDir('', 'exact-hash known answers');

describeWith(VECTORS)('exact hashes of the vector files (CHECKSUMS.tsv)', () => {
  it('match every listed MD5 and SHA-256, in memory and streamed', async () => {
    const rows = readTsv(join(sharedDir(), 'vectors', 'CHECKSUMS.tsv'));
    expect(rows.length).toBeGreaterThan(100);
    const bad: string[] = [];
    for (const row of rows) {
      const path = join(sharedDir(), 'vectors', row.path as string);
      const bytes = readFileSync(path);
      const mem = exactHashes(bytes);
      if (bytes.length !== Number(row.bytes) || mem.md5 !== row.md5 || mem.sha256 !== row.sha256)
        bad.push(row.path as string);
    }
    const video = rows.find((r) => (r.path as string).endsWith('.mp4')) as Record<string, string>;
    expect(await exactHashesOfFile(join(sharedDir(), 'vectors', video.path as string))).toEqual({
      md5: video.md5,
      sha256: video.sha256,
    });
    console.log(`exact hashes: ${rows.length - bad.length}/${rows.length} files match CHECKSUMS.tsv`);
    expect(bad).toEqual([]);
  });

  it('matches the MD5 and SHA-256 upstream asserts for the bridge photo', () => {
    const h = exactHashes(
      readFileSync(join(sharedDir(), 'vectors', 'pdq', 'upstream', 'dih', 'bridge-1-original.jpg')),
    );
    expect(h).toEqual({
      md5: 'd35c785545392755e7e4164457657269',
      sha256: 'b5b0799616df52d475a3968dc7e54f1d0724c912244ffa6175bc786375dd7298',
    });
  });
});
