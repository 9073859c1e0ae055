import { defineErrors } from '@spoor/protocol';

/**
 * Errors of the TF.js -> ONNX converter. Kept beside the converter for now; belongs in the
 * workspace catalogue (models/src/errors.ts) once that file is free to edit.
 */
export const ConvertErrors = defineErrors({
  SPOOR_E_MODEL_CONVERT: {
    message: 'Cannot convert the model to ONNX',
    hint: 'The message names the node and op; ops without a mapper need one in models/src/convert/ops/.',
  },
});
