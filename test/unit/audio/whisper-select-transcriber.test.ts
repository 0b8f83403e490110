import { PocketsphinxTranscriber } from '../../../core/audio/pocketsphinx-transcriber';
import { selectTranscriber } from '../../../core/audio/select-transcriber';
import { WhisperTranscriber } from '../../../core/audio/whisper/whisper-transcriber';
import { ModelLoadError } from '../../../core/errors';
import { parseModelManifest } from '../../../core/models/model-manifest';
import { ModelRegistry } from '../../../core/models/model-registry';
import { type TinyWhisper, writeTinyWhisper } from '../../helpers/tiny-whisper';

describe('selectTranscriber', () => {
  let tiny: TinyWhisper;
  beforeAll(() => {
    tiny = writeTinyWhisper();
  });
  afterAll(() => tiny.cleanup());

  const imageEntry = {
    id: 'some-image-model',
    version: '1',
    task: 'image-classification',
    file: 'image.onnx',
    sha256: 'a'.repeat(64),
    source: 'winnow-test@0',
    licence: 'Apache-2.0',
    input: { name: 'x', shape: [-1, 2], layout: 'NC', dtype: 'float32' },
    output: { name: 'y', labels: ['a', 'b'] },
  };

  it('picks Whisper for the first speech-recognition entry of the manifest', () => {
    const manifest = parseModelManifest({
      schemaVersion: 1,
      models: [imageEntry, ...tiny.manifest.models, { ...tiny.manifest.models[0], id: 'second-whisper' }],
    });
    const asr = selectTranscriber(new ModelRegistry({ manifest, modelDir: tiny.dir }));
    expect(asr).toBeInstanceOf(WhisperTranscriber);
    expect(asr.id).toBe('whisper-onnx:tiny-whisper');
  });

  it('falls back to pocketsphinx when the manifest has no speech model', () => {
    const manifest = parseModelManifest({ schemaVersion: 1, models: [imageEntry] });
    const asr = selectTranscriber(new ModelRegistry({ manifest, modelDir: tiny.dir }));
    expect(asr).toBeInstanceOf(PocketsphinxTranscriber);
    expect(asr.id).toBe('pocketsphinx');
  });

  it('throws ModelLoadError for a Whisper entry with invalid options', () => {
    const bad = writeTinyWhisper({ options: { nMels: 64 } });
    try {
      expect(() => selectTranscriber(bad.registry)).toThrow(ModelLoadError);
    } finally {
      bad.cleanup();
    }
  });
});
