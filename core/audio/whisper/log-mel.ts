/**
 * Whisper's log-mel spectrogram (openai/whisper `log_mel_spectrogram`, Hugging Face `WhisperFeatureExtractor`):
 * 16 kHz mono PCM padded or trimmed to 30 s, a centred STFT (n_fft 400, hop 160, periodic Hann window, reflect
 * padding as `torch.stft(center=True)`), power spectrum, Slaney mel filterbank with Slaney normalisation (librosa
 * `filters.mel(sr=16000, n_fft=400, n_mels, htk=False, norm='slaney')`), `log10(max(x, 1e-10))`, floor at
 * `max - 8`, then `(x + 4) / 4`. The last STFT frame is dropped, so 30 s give exactly 3000 frames.
 */

/** Sample rate every Whisper model expects. */
export const WHISPER_SAMPLE_RATE = 16_000;
/** STFT window length in samples (25 ms). */
export const WHISPER_N_FFT = 400;
/** STFT hop in samples (10 ms). */
export const WHISPER_HOP_LENGTH = 160;
/** Samples in one 30 s window. */
export const WHISPER_CHUNK_SAMPLES = 30 * WHISPER_SAMPLE_RATE;
/** Mel frames in one 30 s window (the encoder's fixed input length). */
export const WHISPER_N_FRAMES = WHISPER_CHUNK_SAMPLES / WHISPER_HOP_LENGTH;
/** Frequency bins of the one-sided spectrum (n_fft / 2 + 1). */
export const WHISPER_N_BINS = WHISPER_N_FFT / 2 + 1;

const HALF = WHISPER_N_FFT / 2; // 200: the centre padding, and the fold point of the DFT below
const QUARTER = WHISPER_N_FFT / 4; // 100
/** Terms per bin (n = 0..100) after folding the frame twice; also the table rows (k = 0..100). */
const FOLDED = QUARTER + 1;

// Bound once: a `Math.x` lookup per call is cheap in Node but costs 20–30× inside a vm context (Jest), where the
// hot loops below would otherwise dominate test time.
const { log10, max: larger } = Math;

/** One triangular mel filter: weights for bins `start .. start + weights.length - 1`. */
export interface MelFilter {
  readonly start: number;
  readonly weights: Float64Array;
}

/** Options for {@link logMelSpectrogram}. */
export interface LogMelOptions {
  /** Mel bins: 80 for every Whisper model up to large-v2, 128 for large-v3. Default 80. */
  readonly nMels?: number;
}

/** Hz → mel on the Slaney scale (librosa `hz_to_mel(htk=False)`): linear below 1 kHz, logarithmic above. */
export function hzToMelSlaney(hz: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logStep : hz / fSp;
}

/** Mel → Hz on the Slaney scale (librosa `mel_to_hz(htk=False)`). */
export function melToHzSlaney(mel: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : fSp * mel;
}

const filterCache = new Map<number, readonly MelFilter[]>();

/**
 * The mel filterbank of librosa `filters.mel(sr=16000, n_fft=400, n_mels=nMels, fmin=0, fmax=8000, htk=False,
 * norm='slaney')`, stored sparsely (each filter covers a handful of the 201 bins). Cached per `nMels`.
 */
export function melFilterbank(nMels: number): readonly MelFilter[] {
  const cached = filterCache.get(nMels);
  if (cached) return cached;
  if (!Number.isInteger(nMels) || nMels < 1)
    throw new RangeError(`nMels must be a positive integer, got ${nMels}`);
  const fftFreqs = Array.from(
    { length: WHISPER_N_BINS },
    (_, i) => (i * WHISPER_SAMPLE_RATE) / WHISPER_N_FFT,
  );
  const maxMel = hzToMelSlaney(WHISPER_SAMPLE_RATE / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHzSlaney((maxMel * i) / (nMels + 1)));
  const filters: MelFilter[] = [];
  for (let m = 0; m < nMels; m++) {
    const lo = melF[m] as number;
    const mid = melF[m + 1] as number;
    const hi = melF[m + 2] as number;
    const enorm = 2 / (hi - lo);
    const row = fftFreqs.map(
      (f) => Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid))) * enorm,
    );
    let start = row.findIndex((w) => w > 0);
    if (start < 0) start = 0;
    let end = row.length;
    while (end > start && (row[end - 1] as number) <= 0) end--;
    filters.push({ start, weights: Float64Array.from(row.slice(start, end)) });
  }
  filterCache.set(nMels, filters);
  return filters;
}

interface DftTables {
  readonly window: Float64Array;
  /** `cos(2πkn/400)` at `[2(k·FOLDED + n)]` and `sin(2πkn/400)` right after it, k and n = 0..100. */
  readonly cosSin: Float64Array;
}

let tables: DftTables | undefined;

function dftTables(): DftTables {
  if (tables) return tables;
  const window = new Float64Array(WHISPER_N_FFT);
  for (let n = 0; n < WHISPER_N_FFT; n++) window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / WHISPER_N_FFT);
  const cosSin = new Float64Array(2 * FOLDED * FOLDED);
  for (let k = 0; k < FOLDED; k++) {
    for (let n = 0; n < FOLDED; n++) {
      // Reduce k·n modulo 400 first so large angles do not lose precision.
      const angle = (2 * Math.PI * ((k * n) % WHISPER_N_FFT)) / WHISPER_N_FFT;
      cosSin[2 * (k * FOLDED + n)] = Math.cos(angle);
      cosSin[2 * (k * FOLDED + n) + 1] = Math.sin(angle);
    }
  }
  tables = { window, cosSin };
  return tables;
}

/**
 * Power spectrum `|X[k]|²` (k = 0..200) of one windowed 400-sample frame.
 *
 * 400 is not a power of two, so this is a direct DFT from a precomputed table, shrunk with the symmetries of a
 * real input: the frame is folded at `n ↔ 400 − n` (cos even, sin odd) and at `n ↔ 200 − n` (cos and sin pick up
 * `(−1)^k`), leaving 101 terms per bin, and bins `k` and `200 − k` come from one pass over table row `k`. About
 * 10 k multiply-adds per frame instead of 160 k. Table and folded frame are interleaved (cos, sin / re, im)
 * because one stream of loads is markedly faster in V8 than two.
 */
function powerSpectrum(frame: Float64Array, t: DftTables, out: Float64Array, folded: Float64Array): void {
  // folded: pairs (re term, im term) for n = 0..100; the first block serves even k, the second odd k.
  const odd = 2 * FOLDED;
  for (let n = 0; n <= QUARTER; n++) {
    const m = HALF - n;
    // First fold (n ↔ 400 − n); n = 0 and n = 200 have no partner.
    const an = n === 0 ? (frame[0] as number) : (frame[n] as number) + (frame[WHISPER_N_FFT - n] as number);
    const bn = n === 0 ? 0 : (frame[n] as number) - (frame[WHISPER_N_FFT - n] as number);
    if (n === QUARTER) {
      folded[2 * n] = an;
      folded[2 * n + 1] = bn;
      folded[odd + 2 * n] = an;
      folded[odd + 2 * n + 1] = bn;
    } else {
      // Second fold (n ↔ 200 − n).
      const am =
        m === HALF ? (frame[HALF] as number) : (frame[m] as number) + (frame[WHISPER_N_FFT - m] as number);
      const bm = m === HALF ? 0 : (frame[m] as number) - (frame[WHISPER_N_FFT - m] as number);
      folded[2 * n] = an + am;
      folded[2 * n + 1] = bn - bm;
      folded[odd + 2 * n] = an - am;
      folded[odd + 2 * n + 1] = bn + bm;
    }
  }
  // Third symmetry, k ↔ 200 − k: cos and sin pick up (−1)^n, and both bins share the parity of k, so one pass
  // over row k with separate even-n and odd-n sums yields both bins.
  const cs = t.cosSin;
  for (let k = 0; k <= QUARTER; k++) {
    const start = (k & 1) === 0 ? 0 : odd;
    const last = start + 2 * QUARTER; // n = 100, even, handled after the loop
    let row = 2 * k * FOLDED;
    let reEven = 0;
    let imEven = 0;
    let reOdd = 0;
    let imOdd = 0;
    let i = start;
    for (; i < last; i += 4, row += 4) {
      reEven += (folded[i] as number) * (cs[row] as number);
      imEven += (folded[i + 1] as number) * (cs[row + 1] as number);
      reOdd += (folded[i + 2] as number) * (cs[row + 2] as number);
      imOdd += (folded[i + 3] as number) * (cs[row + 3] as number);
    }
    reEven += (folded[i] as number) * (cs[row] as number);
    imEven += (folded[i + 1] as number) * (cs[row + 1] as number);
    const re = reEven + reOdd;
    const im = imEven + imOdd;
    out[k] = re * re + im * im;
    const reMirror = reEven - reOdd;
    const imMirror = imEven - imOdd;
    out[WHISPER_N_FFT / 2 - k] = reMirror * reMirror + imMirror * imMirror;
  }
}

/**
 * Whisper's log-mel spectrogram of up to 30 s of 16 kHz mono PCM: a `Float32Array` of `nMels × 3000` values,
 * row-major (`[mel][frame]`), ready to be the `[1, nMels, 3000]` encoder input. Shorter audio is zero-padded to
 * 30 s first (as Whisper does, so the floor at `max − 8` sees the padding too); longer audio is cut at 30 s.
 *
 * Only frames that overlap the audio are transformed: every later frame sees zeros only, so its log-mel value is
 * the same constant.
 */
export function logMelSpectrogram(pcm: Float32Array, options: LogMelOptions = {}): Float32Array {
  const nMels = options.nMels ?? 80;
  const filters = melFilterbank(nMels);
  const t = dftTables();
  const len = Math.min(pcm.length, WHISPER_CHUNK_SAMPLES);
  // The padded 30 s signal, reflected at both ends like torch.stft(center=True, pad_mode='reflect').
  const sample = (j: number): number => {
    const i = j < 0 ? -j : j >= WHISPER_CHUNK_SAMPLES ? 2 * (WHISPER_CHUNK_SAMPLES - 1) - j : j;
    return i < len ? (pcm[i] as number) : 0;
  };
  // Frame f covers padded samples f·160 − 200 … f·160 + 199. If the audio reaches into the end reflection, every
  // frame may hold audio; otherwise frames starting at or after the audio's end are silent.
  const reachesEnd = len > WHISPER_CHUNK_SAMPLES - HALF - 1;
  const audioFrames = reachesEnd
    ? WHISPER_N_FRAMES
    : Math.min(WHISPER_N_FRAMES, len === 0 ? 0 : Math.floor((len - 1 + HALF) / WHISPER_HOP_LENGTH) + 1);

  const logSpec = new Float64Array(nMels * WHISPER_N_FRAMES);
  const frame = new Float64Array(WHISPER_N_FFT);
  const power = new Float64Array(WHISPER_N_BINS);
  const folded = new Float64Array(4 * FOLDED);
  let max = Number.NEGATIVE_INFINITY;
  for (let f = 0; f < audioFrames; f++) {
    const first = f * WHISPER_HOP_LENGTH - HALF;
    if (first >= 0 && first + WHISPER_N_FFT <= len) {
      for (let n = 0; n < WHISPER_N_FFT; n++) frame[n] = (pcm[first + n] as number) * (t.window[n] as number);
    } else {
      for (let n = 0; n < WHISPER_N_FFT; n++) frame[n] = sample(first + n) * (t.window[n] as number);
    }
    powerSpectrum(frame, t, power, folded);
    for (let m = 0; m < nMels; m++) {
      const { start, weights } = filters[m] as MelFilter;
      let e = 0;
      for (let i = 0; i < weights.length; i++) e += (weights[i] as number) * (power[start + i] as number);
      const v = log10(larger(e, 1e-10));
      logSpec[m * WHISPER_N_FRAMES + f] = v;
      if (v > max) max = v;
    }
  }
  const silent = -10; // log10(1e-10): a frame of zeros
  if (audioFrames < WHISPER_N_FRAMES) max = Math.max(max, silent);
  const floor = max - 8;
  const out = new Float32Array(nMels * WHISPER_N_FRAMES);
  for (let m = 0; m < nMels; m++) {
    const row = m * WHISPER_N_FRAMES;
    for (let f = 0; f < WHISPER_N_FRAMES; f++) {
      const v = f < audioFrames ? (logSpec[row + f] as number) : silent;
      out[row + f] = (larger(v, floor) + 4) / 4;
    }
  }
  return out;
}
