/** @jest-environment ./test/helpers/onnx-environment.js */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTextDetectors } from '../../../core/detectors/text';
import {
  createTextClassifierDetector,
  TEXT_CLASSIFIER_DETECTOR_ID,
} from '../../../core/detectors/text/text-classifier';
import {
  TEXT_CLASSIFIER_LABELS,
  TEXT_CLASSIFIER_MODEL_ID,
} from '../../../core/detectors/text/text-classifier-options';
import { parseModelManifest } from '../../../core/models/model-manifest';
import { ModelRegistry } from '../../../core/models/model-registry';
import { normalizeText } from '../../../core/text/normalize';
import { run, testContext, textInput } from '../text/text-test-helpers';

const registry = new ModelRegistry({ env: {} });
// Every score, as evaluations ask for; `quiet` is the default detector the engines run.
const detector = createTextClassifierDetector({ registry, allScores: true });
const quiet = createTextClassifierDetector({ registry });

beforeAll(async () => {
  await detector.init?.();
  await quiet.init?.();
});

describe('text-classifier detector', () => {
  it('is registered after text-rules, in both tiers, with the manifest model', () => {
    const ids = createTextDetectors({ registry }).map((d) => d.id);
    expect(ids.indexOf(TEXT_CLASSIFIER_DETECTOR_ID)).toBe(ids.indexOf('text-rules') + 1);
    expect(detector).toMatchObject({ id: 'text-classifier', media: ['text'], tiers: ['fast', 'heavy'] });
    const entry = registry.entry(TEXT_CLASSIFIER_MODEL_ID);
    expect(detector.model).toEqual({ id: entry.id, version: entry.version });
    expect(entry.dir).toBe('trained');
    expect(entry.output.labels).toEqual([...TEXT_CLASSIFIER_LABELS]);
  });

  it('loads the committed model through the registry and emits one scored signal per category', async () => {
    const signals = await run(
      detector,
      'The garden club meets on Tuesday to plant tomatoes and share seeds.',
    );
    expect(signals.map((s) => s.category)).toEqual([...TEXT_CLASSIFIER_LABELS]);
    for (const s of signals) {
      expect(s.detector).toBe('text-classifier');
      expect(s.score).toBeGreaterThanOrEqual(0);
      expect(s.score).toBeLessThanOrEqual(1);
      expect(s.evidence).toEqual([{ kind: 'span', start: 0, end: 67, rule: `text-classifier/${s.label}` }]);
    }
  });

  it.each([
    'Thanks for the lovely dinner last night, the soup was delicious.',
    'Our quarterly report shows revenue grew four percent in the northern region.',
    'Can you send me the slides from the meeting before noon?',
    'The museum opens a new exhibition on ancient pottery next month.',
  ])('keeps everyday text below the review threshold: %s', async (text) => {
    for (const s of await run(detector, text)) expect(s.score).toBeLessThan(0.4);
  });

  it('by default emits only the categories whose score reaches the review threshold', async () => {
    expect(await run(quiet, 'The garden club meets on Tuesday to plant tomatoes and share seeds.')).toEqual(
      [],
    );
    const text = readFileSync(join(__dirname, '../../../examples/text/self-harm-ideation.txt'), 'utf8');
    const all = await run(detector, text);
    const flagged = await run(quiet, text);
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged).toEqual(all.filter((s) => s.score >= 0.5));
  });

  it('is deterministic and gives no signal for text without letters or digits', async () => {
    const text = 'A quiet walk along the river at dawn.';
    expect(await run(detector, text)).toEqual(await run(detector, text));
    expect(await run(detector, '')).toEqual([]);
    expect(await run(detector, ' ... !!! ')).toEqual([]);
  });

  it('scores long texts in windows and points at the worst one', async () => {
    const text = 'We planted beans and watered the garden. '.repeat(1000);
    const signals = await run(detector, text);
    expect(signals).toHaveLength(TEXT_CLASSIFIER_LABELS.length);
    for (const s of signals) {
      const span = s.evidence[0];
      expect(span?.kind).toBe('span');
      if (span?.kind === 'span') expect(span.end).toBeLessThanOrEqual(text.length);
    }
  });

  it('stops when the context is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('budget spent'));
    await expect(async () =>
      detector.detect(textInput('hello there'), { ...testContext(), signal: controller.signal }),
    ).rejects.toThrow('budget spent');
  });

  // The speed itself is measured in bench/text-detectors.ts (about 0.35 ms a text); this bound only catches a
  // pathological slowdown (say, a model run per n-gram) and holds on a loaded 2-core machine.
  it('runs in well under 50 ms per text on one thread, featurization included', async () => {
    const texts = Array.from(
      { length: 200 },
      (_, i) => `Message ${i}: the delivery of the new chairs arrives on Friday afternoon, please confirm.`,
    );
    for (const t of texts.slice(0, 20)) await run(detector, t);
    const t0 = performance.now();
    for (const t of texts)
      await detector.detect(
        { kind: 'text', text: t, normalized: normalizeText(t), invalidEncoding: false },
        testContext(),
      );
    expect((performance.now() - t0) / texts.length).toBeLessThan(50);
  });

  it('is left out when the manifest has no text-classifier entry', () => {
    const own = parseModelManifest({ schemaVersion: 1, models: [] });
    const ids = createTextDetectors({ registry: new ModelRegistry({ manifest: own, env: {} }) }).map(
      (d) => d.id,
    );
    expect(ids).not.toContain('text-classifier');
  });
});
