import type { Worker } from 'node:worker_threads';

/**
 * Source of the worker thread that runs ffmpeg for {@link sampleFrames}. It is plain JavaScript evaluated with
 * `new Worker(source, { eval: true })`, so it works the same from the build and from the TypeScript sources in
 * tests.
 *
 * Why a thread: onnxruntime-node runs inference on the main thread, and a frame (640×360 RGB: 691 KB) is ten times
 * the pipe buffer. If the main thread read ffmpeg's output, ffmpeg would stall on a full pipe for every inference
 * call. Here the reader thread keeps draining ffmpeg into frames and hands them over (transferred, not copied) up to
 * `maxQueued` frames ahead of the consumer.
 *
 * Messages to the main thread: `{t:'pid', pid}`, `{t:'frame', info, data}` (ArrayBuffer, transferred),
 * `{t:'end', code, stderrTail}`, `{t:'error', code, message}`. From it: `'ack'` per consumed frame, `'stop'`.
 */
export const FRAME_READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const { binary, args, maxQueued } = workerData;
const SHOWINFO = /n:\\s*(\\d+)\\s+pts:\\s*-?\\d+\\s+pts_time:(-?[\\d.]+).*?\\ss:(\\d+)x(\\d+).*?iskey:(\\d)/;
const infos = [];
let chunks = [];
let bytes = 0;
let produced = 0;
let queued = 0;
let partial = '';
let stderrTail = '';
let closed = null;
let child;
try {
  child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
} catch (err) {
  parentPort.postMessage({ t: 'error', code: err.code || 'spawn', message: String(err.message) });
  process.exit(0);
}
child.on('error', (err) => {
  parentPort.postMessage({ t: 'error', code: err.code || 'spawn', message: String(err.message) });
});
if (child.pid) parentPort.postMessage({ t: 'pid', pid: child.pid });
function pump() {
  while (produced < infos.length) {
    const info = infos[produced];
    const need = info.width * info.height * 3;
    if (bytes < need) break;
    const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes);
    const out = new ArrayBuffer(need);
    new Uint8Array(out).set(all.subarray(0, need));
    const rest = all.subarray(need);
    chunks = rest.length > 0 ? [rest] : [];
    bytes = rest.length;
    produced++;
    queued++;
    parentPort.postMessage({ t: 'frame', info, data: out }, [out]);
  }
  if (queued >= maxQueued) child.stdout.pause();
  if (closed && produced >= infos.length) finish();
}
let finished = false;
function finish() {
  if (finished) return;
  finished = true;
  parentPort.postMessage({ t: 'end', code: closed.code, stderrTail });
}
child.stdout.on('data', (chunk) => {
  chunks.push(chunk);
  bytes += chunk.length;
  pump();
});
child.stderr.on('data', (chunk) => {
  const lines = (partial + chunk.toString('utf8')).split('\\n');
  partial = lines.pop() || '';
  for (const line of lines) {
    const m = line.includes('showinfo') ? SHOWINFO.exec(line) : null;
    if (m) {
      infos.push({ index: Number(m[1]), time: Number(m[2]), width: Number(m[3]), height: Number(m[4]), keyframe: m[5] === '1' });
    } else if (!line.includes('showinfo')) {
      stderrTail = (stderrTail + '\\n' + line).slice(-2048);
    }
  }
  pump();
});
child.on('close', (code) => {
  closed = { code };
  pump();
  // Frame bytes without a matching showinfo line (or the reverse) cannot be delivered: end anyway.
  finish();
});
parentPort.on('message', (m) => {
  if (m === 'ack') {
    queued--;
    if (queued < maxQueued && !closed) child.stdout.resume();
    pump();
  } else if (m === 'stop') {
    // Wait until ffmpeg is reaped (its 'close'), so no zombie outlives the thread; give up after 2 s.
    if (closed) process.exit(0);
    child.on('close', () => process.exit(0));
    setTimeout(() => process.exit(0), 2000);
    try { child.kill('SIGKILL'); } catch {}
  }
});
`;

/**
 * Stops a frame reader started from {@link FRAME_READER_SOURCE}: the reader kills ffmpeg on 'stop'; if the thread
 * is stuck, ffmpeg (`pid()`, read when the grace period ends) is killed from here before the thread is ended.
 */
export function stopFrameReader(worker: Worker, pid: () => number | undefined, exited: () => boolean): void {
  worker.postMessage('stop');
  setTimeout(() => {
    if (exited()) return;
    const ffmpeg = pid();
    if (ffmpeg !== undefined) {
      try {
        process.kill(ffmpeg, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    void worker.terminate();
  }, 2500).unref();
}
