/**
 * Error catalogue of the device daemon. Codes are stable: logs, the quarantine table and
 * the HTTP layer key on them. Messages say what went wrong; hints say what to do next.
 */
import { defineErrors } from '@spoor/protocol';

/** Image formats the device accepts, as sharp names them. */
export const ACCEPTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'tiff', 'heif'] as const;

export const DeviceErrors = defineErrors({
  SPOOR_E_EMPTY_FILE: {
    message: 'The file is empty (0 bytes)',
    hint: 'The camera or copy job probably failed mid-write; copy the photo again from the SD card.',
  },
  SPOOR_E_UNSUPPORTED_FORMAT: {
    message: 'Unsupported file format',
    hint: `Accepted image formats are ${ACCEPTED_IMAGE_FORMATS.join(', ')} (heif: AVIF only). Videos, GIF, SVG, PDF and BMP are not processed; export stills as JPEG.`,
  },
  SPOOR_E_IMAGE_DECODE: {
    message: 'The file is not a readable image',
    hint: 'It may be corrupt or not an image at all; open it on a computer, and copy it again from the card if it is damaged.',
  },
  SPOOR_E_IMAGE_TRUNCATED: {
    message: 'The image is truncated (the file ends before the image data does)',
    hint: 'The copy was interrupted or the card is failing; copy the photo again from the SD card.',
  },
  SPOOR_E_IMAGE_TOO_LARGE: {
    message: 'The image declares more pixels than allowed',
    hint: 'This guards against decompression bombs. If the image is genuine, raise `maxInputPixels` in the device config.',
  },
  SPOOR_E_IO: {
    message: 'File read or write failed',
    hint: 'Check that the data dir is mounted, writable and not full (`df -h`), and that the card is readable.',
  },
  SPOOR_E_CONFIG_INVALID: {
    message: 'The config is invalid',
    hint: 'Fix the setting at the path shown and restart the daemon.',
  },
  SPOOR_E_BAD_REQUEST: {
    message: 'The request is malformed',
    hint: 'Check the request against the API docs at /docs.',
  },
  SPOOR_E_NOT_READY: {
    message: 'Not ready yet',
    hint: 'The models are still loading or the inference worker is restarting; retry in a few seconds.',
  },
  SPOOR_E_INFERENCE: {
    message: 'Inference failed',
    hint: 'The capture is kept and will be retried; if it repeats, run `spoor-models verify` and check the daemon log.',
  },
  SPOOR_E_MODEL_INVALID: {
    message: 'A model could not be loaded',
    hint: 'Run `spoor-models verify` and re-fetch the model named in the message.',
  },
  SPOOR_E_ENROLL_NO_FEATURES: {
    message: 'No usable features in the enrolment photos',
    hint: 'Use sharper, closer photos of the animal, and check that an embedder is configured for the species.',
  },
  SPOOR_E_INTERNAL: {
    message: 'Internal error',
    hint: 'This is a bug; the daemon log has the details. Please report it with that log.',
  },
  SPOOR_E_NOT_FOUND: {
    message: 'Not found',
    hint: 'Check the id; it may have been deleted or never synced to this device.',
  },
});

export type DeviceErrorCode = keyof typeof DeviceErrors;
