/** Id of the OCR detector; a policy's `ocr.fastTier: false` turns it off in the fast tier. */
export const IMAGE_OCR_DETECTOR_ID = 'image-ocr';

/** Id of the detector that matches images and videos against hash banks (`docs/hash-banks.md`). */
export const HASH_MATCH_DETECTOR_ID = 'hash-match';
