/** Id of the OCR detector; a policy's `ocr.fastTier: false` turns it off in the fast tier. */
export const IMAGE_OCR_DETECTOR_ID = 'image-ocr';
