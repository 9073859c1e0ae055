import { defineErrors } from '@spoor/protocol';

/** Error catalogue of the models workspace. Codes are stable; messages may change. */
export const ModelErrors = defineErrors({
  SPOOR_E_MODEL_MISSING: {
    message: 'Model file not found',
    hint: 'Install the model with `spoor-models fetch <id>` or copy the file into the model directory named in the manifest.',
  },
  SPOOR_E_MODEL_SHA: {
    message: 'Model file does not match the sha256 in the manifest',
    hint: 'The file is corrupt or a different version; fetch it again with `spoor-models fetch <id>`.',
  },
  SPOOR_E_MODEL_INVALID: {
    message: 'ONNX Runtime could not load the model file',
    hint: 'The file is not a valid ONNX model (truncated download or wrong format); fetch it again.',
  },
  SPOOR_E_MANIFEST_INVALID: {
    message: 'Model manifest is invalid',
    hint: 'Fix the manifest at the JSON path named in the message.',
  },
  SPOOR_E_PROVIDER_UNAVAILABLE: {
    message: 'No execution provider in the list could load the model',
    hint: "Add 'cpu' to the provider list, or install the CUDA/TensorRT libraries for ONNX Runtime.",
  },
  SPOOR_E_MODEL_OUTPUT: {
    message: 'Model output does not match its decoder',
    hint: 'The manifest entry (decoder, labels, dim) does not describe this model file.',
  },
});
