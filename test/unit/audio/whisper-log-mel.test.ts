import {
  hzToMelSlaney,
  logMelSpectrogram,
  melFilterbank,
  melToHzSlaney,
  WHISPER_CHUNK_SAMPLES,
  WHISPER_N_FRAMES,
} from '../../../core/audio/whisper/log-mel';
import { prng } from '../../helpers/prng';

const SR = 16000;
// Math.x lookups are slow inside Jest's vm context; bind the ones used in hot loops once.
const { log10, max: larger } = Math;

function tone(hz: number, seconds: number, amplitude = 0.5): Float32Array {
  const pcm = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < pcm.length; i++) pcm[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / SR);
  return pcm;
}

function noise(length: number, seed: number, amplitude = 0.5): Float32Array {
  const rand = prng(seed);
  const pcm = new Float32Array(length);
  for (let i = 0; i < pcm.length; i++) pcm[i] = (rand() * 2 - 1) * amplitude;
  return pcm;
}

/** The dense librosa filterbank, written out straight from librosa.filters.mel (htk=False, norm='slaney'). */
function denseFilters(nMels: number): number[][] {
  const fftFreqs = Array.from({ length: 201 }, (_, i) => (i * 8000) / 200);
  const maxMel = hzToMelSlaney(8000);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHzSlaney((i * maxMel) / (nMels + 1)));
  return Array.from({ length: nMels }, (_, i) => {
    const [lo, mid, hi] = [melF[i] as number, melF[i + 1] as number, melF[i + 2] as number];
    return fftFreqs.map(
      (f) => Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid))) * (2 / (hi - lo)),
    );
  });
}

/**
 * Whisper's pipeline written the slow, obvious way: explicit reflect-padded signal, a full 400-term DFT per bin, a
 * dense filterbank. Frames of zeros are skipped (their power is 0 either way). The twiddles come from a 400-entry
 * list only because Math.cos is about 20× slower inside Jest's VM context than in plain Node.
 */
function naiveLogMel(pcm: Float32Array, nMels = 80): Float64Array {
  const x = new Float64Array(WHISPER_CHUNK_SAMPLES);
  x.set(pcm.subarray(0, WHISPER_CHUNK_SAMPLES));
  const padded = new Float64Array(WHISPER_CHUNK_SAMPLES + 400);
  for (let j = 0; j < padded.length; j++) {
    const i = j - 200;
    padded[j] = x[i < 0 ? -i : i >= x.length ? 2 * (x.length - 1) - i : i] as number;
  }
  const filters = denseFilters(nMels);
  const cos = Array.from({ length: 400 }, (_, j) => Math.cos((2 * Math.PI * j) / 400));
  const sin = Array.from({ length: 400 }, (_, j) => Math.sin((2 * Math.PI * j) / 400));
  const logSpec = new Float64Array(nMels * WHISPER_N_FRAMES);
  for (let f = 0; f < WHISPER_N_FRAMES; f++) {
    const frame = padded.subarray(f * 160, f * 160 + 400);
    const power = new Float64Array(201);
    const sound = frame.some((v) => v !== 0);
    if (sound) {
      for (let k = 0; k <= 200; k++) {
        let re = 0;
        let im = 0;
        for (let n = 0; n < 400; n++) {
          const w = (0.5 - 0.5 * (cos[n] as number)) * (frame[n] as number);
          re += w * (cos[(k * n) % 400] as number);
          im -= w * (sin[(k * n) % 400] as number);
        }
        power[k] = re * re + im * im;
      }
    }
    for (let m = 0; m < nMels; m++) {
      const e = sound ? (filters[m] as number[]).reduce((s, w, k) => s + w * (power[k] as number), 0) : 0;
      logSpec[m * WHISPER_N_FRAMES + f] = log10(larger(e, 1e-10));
    }
  }
  const max = logSpec.reduce((a, b) => larger(a, b), Number.NEGATIVE_INFINITY);
  return logSpec.map((v) => (larger(v, max - 8) + 4) / 4);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] as number) - (b[i] as number);
    const ax = x < 0 ? -x : x;
    if (ax > d) d = ax;
  }
  return d;
}

describe('Whisper log-mel spectrogram', () => {
  it('is nMels × 3000 for any length, 80 or 128 bins', () => {
    expect(logMelSpectrogram(new Float32Array(0))).toHaveLength(80 * 3000);
    expect(logMelSpectrogram(tone(440, 1))).toHaveLength(80 * 3000);
    expect(logMelSpectrogram(tone(440, 1), { nMels: 128 })).toHaveLength(128 * 3000);
    expect(logMelSpectrogram(tone(440, 31))).toHaveLength(80 * 3000);
  });

  it('gives the constant (log10(1e-10) + 4) / 4 = -1.5 for silence', () => {
    for (const pcm of [
      new Float32Array(0),
      new Float32Array(SR * 3),
      new Float32Array(WHISPER_CHUNK_SAMPLES),
    ]) {
      const mel = logMelSpectrogram(pcm);
      expect(mel.every((v) => v === -1.5)).toBe(true);
    }
  });

  it('puts a pure tone in the mel bin whose filter covers its frequency', () => {
    const nMels = 80;
    const dense = denseFilters(nMels);
    const maxMel = hzToMelSlaney(8000);
    // Tones on exact FFT bins (40 Hz apart); a Hann window spreads one to its neighbours at 1/4 of the power.
    for (const hz of [320, 1000, 2520, 6000]) {
      const bin = hz / 40;
      const response = (m: number): number => {
        const w = dense[m] as number[];
        return (w[bin] as number) + 0.25 * ((w[bin - 1] as number) + (w[bin + 1] as number));
      };
      let expected = 0;
      for (let m = 1; m < nMels; m++) if (response(m) > response(expected)) expected = m;
      const centre = melToHzSlaney(((expected + 1) * maxMel) / (nMels + 1));
      const width =
        melToHzSlaney(((expected + 2) * maxMel) / (nMels + 1)) -
        melToHzSlaney((expected * maxMel) / (nMels + 1));
      expect(Math.abs(centre - hz)).toBeLessThan(width / 2);

      const mel = logMelSpectrogram(tone(hz, 2));
      const frame = 100; // 1 s in, well inside the tone
      let best = 0;
      for (let m = 1; m < nMels; m++) {
        if ((mel[m * 3000 + frame] as number) > (mel[best * 3000 + frame] as number)) best = m;
      }
      expect(best).toBe(expected);
      // After the tone every frame is silent, so it sits at the floor: (max - 8 + 4) / 4 = top - 2.
      const top = mel.reduce((x, y) => larger(x, y), Number.NEGATIVE_INFINITY);
      expect(mel[best * 3000 + 2999]).toBeCloseTo(top - 2, 5);
    }
  });

  it('matches a direct naive computation, including both reflect-padded ends', () => {
    const start = noise(Math.round(0.3 * SR), 7);
    expect(maxAbsDiff(logMelSpectrogram(start), naiveLogMel(start))).toBeLessThan(1e-5);

    // Sound only in the last 0.1 s of a full window: the end reflection and the last frames carry it.
    const end = new Float32Array(WHISPER_CHUNK_SAMPLES);
    end.set(noise(SR / 10, 11), WHISPER_CHUNK_SAMPLES - SR / 10);
    expect(maxAbsDiff(logMelSpectrogram(end), naiveLogMel(end))).toBeLessThan(1e-5);

    const short = tone(1234, 0.2, 0.1);
    expect(maxAbsDiff(logMelSpectrogram(short, { nMels: 128 }), naiveLogMel(short, 128))).toBeLessThan(1e-5);
  });

  it('cuts audio longer than 30 s at 30 s', () => {
    const long = noise(WHISPER_CHUNK_SAMPLES + SR, 3);
    expect(
      maxAbsDiff(logMelSpectrogram(long), logMelSpectrogram(long.subarray(0, WHISPER_CHUNK_SAMPLES))),
    ).toBe(0);
  });

  it('builds slaney-normalised triangular filters over the 201 bins', () => {
    const filters = melFilterbank(80);
    expect(filters).toHaveLength(80);
    const dense = denseFilters(80);
    filters.forEach((f, m) => {
      const sparse = Array.from({ length: 201 }, (_, k) =>
        k >= f.start && k < f.start + f.weights.length ? (f.weights[k - f.start] as number) : 0,
      );
      expect(maxAbsDiff(sparse, dense[m] as number[])).toBeLessThan(1e-12);
      expect(f.weights.length).toBeGreaterThan(0);
    });
    expect(() => melFilterbank(0)).toThrow(RangeError);
  });
});
