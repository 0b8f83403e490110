import { normalizeText } from './normalize';
import type { NormalizedText } from './normalized-text';

/**
 * Bidi overrides (U+202E RIGHT-TO-LEFT OVERRIDE, U+202D LEFT-TO-RIGHT OVERRIDE) make a viewer lay characters out in
 * the forced direction whatever they are, so `I will \u202Ellik\u202C you` is stored with "llik" and shown as
 * "I will kill you". Text checks that read the stored (logical) order never see the word a reader sees. This file
 * rebuilds the order a reader reads: a second view of the text for the detectors, next to the logical one.
 *
 * The model, per run between an opener and its closer (PDF, PDI, a paragraph separator or the end of the text):
 * - inside RLO … PDF the run's characters and nested runs come in reverse order (Latin letters read backwards),
 *   except that a stretch of right-to-left script (Hebrew, Arabic, …) keeps its logical order, which is how a reader
 *   of that script reads it;
 * - inside LRO … PDF the order is kept, except that stretches of right-to-left script are reversed;
 * - embeddings and isolates (LRE, RLE, LRI, RLI, FSI) keep the order of what they hold: they force no direction.
 *   (The full Unicode Bidirectional Algorithm also lays the runs of an RTL embedding out right to left when their
 *   directions differ; that refinement is not modelled.)
 * Nesting is followed to the algorithm's depth limit of 125; a combining mark stays with its base. Runs in linear
 * time and memory.
 */

const LRE = 0x202a;
const RLE = 0x202b;
const PDF = 0x202c;
const LRO = 0x202d;
const RLO = 0x202e;
const LRI = 0x2066;
const RLI = 0x2067;
const FSI = 0x2068;
const PDI = 0x2069;

/** The Unicode Bidirectional Algorithm's maximum explicit depth. */
const MAX_DEPTH = 125;

const HAS_OVERRIDE = /[\u202d\u202e]/;

const PLAIN = 0;
const FORCED_LTR = 1;
const FORCED_RTL = 2;

/** The text in reading order, and for each of its UTF-16 units the index in the original it came from. */
export interface ReadingOrder {
  readonly text: string;
  readonly origins: Int32Array;
}

/** True when the text holds a bidi override, so that its reading order can differ from its stored order. */
export function hasBidiOverride(text: string): boolean {
  return HAS_OVERRIDE.test(text);
}

/**
 * The text in the order a reader reads it (see the file comment), without the bidi controls; `undefined` when the
 * text holds no override, so the stored order is the reading order.
 */
export function readingOrder(text: string): ReadingOrder | undefined {
  if (!HAS_OVERRIDE.test(text)) return undefined;
  const clusters = new Clusters(text.length);
  const nodes = new Nodes();
  // Open runs, innermost last; the root (node 0) is always open.
  const open: number[] = [0];
  let overflow = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const cp = text.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    if (cp === LRE || cp === RLE || cp === LRO || cp === RLO || cp === LRI || cp === RLI || cp === FSI) {
      if (open.length - 1 >= MAX_DEPTH) {
        overflow++;
      } else {
        const type = cp === RLO ? FORCED_RTL : cp === LRO ? FORCED_LTR : PLAIN;
        const isolate = cp === LRI || cp === RLI || cp === FSI;
        open.push(nodes.add(type, isolate, open.at(-1) as number, clusters.length));
      }
      i += width;
      continue;
    }
    if (cp === PDF || cp === PDI) {
      if (overflow > 0) {
        overflow--;
      } else if (cp === PDF) {
        // Closes the innermost embedding or override, unless an isolate is innermost.
        const top = open.at(-1) as number;
        if (top !== 0 && !nodes.isolate[top]) nodes.close(open.pop() as number, clusters.length);
      } else if (open.some((node) => node !== 0 && nodes.isolate[node] === 1)) {
        // Closes everything up to and including the innermost isolate.
        while (open.length > 1) {
          const node = open.pop() as number;
          nodes.close(node, clusters.length);
          if (nodes.isolate[node]) break;
        }
      }
      i += width;
      continue;
    }
    if (isParagraphSeparator(cp)) {
      while (open.length > 1) nodes.close(open.pop() as number, clusters.length);
      overflow = 0;
    }
    let end = i + width;
    while (end < n) {
      const next = text.codePointAt(end) as number;
      if (!isMark(next)) break;
      end += next > 0xffff ? 2 : 1;
    }
    clusters.push(i, end, isRtlScript(cp));
    i = end;
  }
  while (open.length > 1) nodes.close(open.pop() as number, clusters.length);
  nodes.close(0, clusters.length);

  const out = new Uint16Array(n);
  const origins = new Int32Array(n);
  let length = 0;
  const emitCluster = (c: number) => {
    for (let k = clusters.start[c] as number; k < (clusters.end[c] as number); k++) {
      out[length] = text.charCodeAt(k);
      origins[length] = k;
      length++;
    }
  };
  const emitNode = (node: number) => {
    const type = nodes.type[node] as number;
    // The node's items in logical order: cluster ranges between its children, and the children.
    const items: number[] = [];
    let at = nodes.first[node] as number;
    for (let child = nodes.firstChild[node] as number; child !== -1; child = nodes.next[child] as number) {
      items.push(at, nodes.first[child] as number, ~child);
      at = nodes.end[child] as number;
    }
    items.push(at, nodes.end[node] as number, 0);
    if (type === FORCED_RTL) {
      for (let p = items.length - 3; p >= 0; p -= 3) {
        const child = items[p + 2] as number;
        if (child < 0) emitNode(~child);
        emitRangeBackward(items[p] as number, items[p + 1] as number);
      }
    } else {
      for (let p = 0; p < items.length; p += 3) {
        emitRangeForward(items[p] as number, items[p + 1] as number, type === FORCED_LTR);
        const child = items[p + 2] as number;
        if (child < 0) emitNode(~child);
      }
    }
  };
  /** Clusters [from, to) backwards, stretches of RTL script forwards (an RTL reader reads those as stored). */
  const emitRangeBackward = (from: number, to: number) => {
    let j = to - 1;
    while (j >= from) {
      if (clusters.rtl[j]) {
        let r = j;
        while (r > from && clusters.rtl[r - 1]) r--;
        for (let k = r; k <= j; k++) emitCluster(k);
        j = r - 1;
      } else {
        emitCluster(j);
        j--;
      }
    }
  };
  /** Clusters [from, to) forwards; under LRO, stretches of RTL script backwards (shown left to right). */
  const emitRangeForward = (from: number, to: number, flipRtl: boolean) => {
    let j = from;
    while (j < to) {
      if (flipRtl && clusters.rtl[j]) {
        let q = j;
        while (q < to && clusters.rtl[q]) q++;
        for (let k = q - 1; k >= j; k--) emitCluster(k);
        j = q;
      } else {
        emitCluster(j);
        j++;
      }
    }
  };
  emitNode(0);
  return { text: unitsToString(out, length), origins: origins.slice(0, length) };
}

/**
 * {@link normalizeText} of the reading order, with offsets into the original text (which, inside reversed runs,
 * decrease); `undefined` when the text holds no bidi override.
 */
export function normalizeReadingOrder(text: string): NormalizedText | undefined {
  const order = readingOrder(text);
  if (order === undefined) return undefined;
  const normalized = normalizeText(order.text);
  const offsets = new Int32Array(normalized.offsets.length);
  const last = normalized.text.length;
  for (let k = 0; k < last; k++) offsets[k] = order.origins[normalized.offsets[k] as number] as number;
  offsets[last] = text.length;
  return { text: normalized.text, offsets };
}

/** Visible clusters (a code point and the combining marks after it), as ranges of the original. */
class Clusters {
  start: Int32Array;
  end: Int32Array;
  rtl: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.start = new Int32Array(Math.max(16, capacity));
    this.end = new Int32Array(Math.max(16, capacity));
    this.rtl = new Uint8Array(Math.max(16, capacity));
  }

  push(start: number, end: number, rtl: boolean): void {
    this.start[this.length] = start;
    this.end[this.length] = end;
    this.rtl[this.length] = rtl ? 1 : 0;
    this.length++;
  }
}

/** Runs between an opener and its closer: a tree in creation (logical) order, children as linked lists. */
class Nodes {
  type: Uint8Array = new Uint8Array(16);
  isolate: Uint8Array = new Uint8Array(16);
  first: Int32Array = new Int32Array(16);
  end: Int32Array = new Int32Array(16);
  firstChild: Int32Array = new Int32Array(16).fill(-1);
  lastChild: Int32Array = new Int32Array(16).fill(-1);
  next: Int32Array = new Int32Array(16).fill(-1);
  length = 1; // node 0 is the root: PLAIN, from cluster 0

  add(type: number, isolate: boolean, parent: number, first: number): number {
    if (this.length === this.type.length) this.grow();
    const node = this.length++;
    this.type[node] = type;
    this.isolate[node] = isolate ? 1 : 0;
    this.first[node] = first;
    this.end[node] = first;
    if (this.lastChild[parent] === -1) this.firstChild[parent] = node;
    else this.next[this.lastChild[parent] as number] = node;
    this.lastChild[parent] = node;
    return node;
  }

  close(node: number, end: number): void {
    this.end[node] = end;
  }

  private grow(): void {
    const size = this.type.length * 2;
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(size);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array, fill: number) => {
      const b = new Int32Array(size).fill(fill);
      b.set(a);
      return b;
    };
    this.type = u8(this.type);
    this.isolate = u8(this.isolate);
    this.first = i32(this.first, 0);
    this.end = i32(this.end, 0);
    this.firstChild = i32(this.firstChild, -1);
    this.lastChild = i32(this.lastChild, -1);
    this.next = i32(this.next, -1);
  }
}

function isParagraphSeparator(cp: number): boolean {
  return cp === 0x0a || cp === 0x0d || (cp >= 0x1c && cp <= 0x1e) || cp === 0x85 || cp === 0x2029;
}

/** Letters of right-to-left scripts (bidi classes R and AL), not their digits. */
function isRtlScript(cp: number): boolean {
  if (cp < 0x0590) return false;
  if (cp <= 0x08ff) return !((cp >= 0x0660 && cp <= 0x0669) || (cp >= 0x06f0 && cp <= 0x06f9));
  if (cp >= 0xfb1d && cp <= 0xfdff) return true;
  if (cp >= 0xfe70 && cp <= 0xfefe) return true;
  return (cp >= 0x10800 && cp <= 0x10fff) || (cp >= 0x1e800 && cp <= 0x1efff);
}

const MARK_RE = /^\p{M}$/u;
const markTable = new Int8Array(0x10000).fill(-1);
function isMark(cp: number): boolean {
  if (cp < 0x300) return false;
  if (cp > 0xffff) return MARK_RE.test(String.fromCodePoint(cp));
  let m = markTable[cp] as number;
  if (m === -1) {
    m = MARK_RE.test(String.fromCharCode(cp)) ? 1 : 0;
    markTable[cp] = m;
  }
  return m === 1;
}

function unitsToString(units: Uint16Array, length: number): string {
  const CHUNK = 8192;
  const parts: string[] = [];
  for (let p = 0; p < length; p += CHUNK) {
    parts.push(String.fromCharCode(...units.subarray(p, Math.min(length, p + CHUNK))));
  }
  return parts.join('');
}
