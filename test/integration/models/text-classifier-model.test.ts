import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { TEXT_CLASSIFIER_MODEL_ID } from '../../../core/detectors/text/text-classifier-options';
import { loadModelManifest } from '../../../core/models/model-manifest';
import { sha256Hex } from '../../../core/models/model-registry';
import { prepareModels } from '../../../models/prepare-models';

const MODELS = path.join(__dirname, '../../../models');

describe('the committed text classifier', () => {
  const entry = loadModelManifest(path.join(MODELS, 'manifest.json')).models.find(
    (m) => m.id === TEXT_CLASSIFIER_MODEL_ID,
  );

  it('is in the manifest as a committed model whose file hashes to the pinned SHA-256', () => {
    expect(entry?.dir).toBe('trained');
    const file = path.join(MODELS, 'trained', entry?.file ?? '');
    expect(sha256Hex(readFileSync(file))).toBe(entry?.sha256);
    expect(statSync(file).size).toBeLessThan(5 * 1024 * 1024);
  });

  it('has a model card', () => {
    const card = readFileSync(path.join(MODELS, 'cards', 'text-classifier.md'), 'utf8');
    expect(card).toContain(entry?.sha256 ?? 'missing');
  });

  it('is verified in place by npm run models', () => {
    const results = prepareModels({
      manifestFile: path.join(MODELS, 'manifest.json'),
      only: [TEXT_CLASSIFIER_MODEL_ID],
    });
    expect(results.map((r) => r.status)).toEqual(['committed']);
  });
});
