/** Error catalogue of @spoor/provisioning. Codes are stable; hints say what to do next. */
import { defineErrors } from '@spoor/protocol';

export const ProvisionErrors = defineErrors({
  SPOOR_E_CA_EXISTS: {
    message: 'A CA already exists there',
    hint: 'Keep using it (every device certificate is signed by it), or choose another --dir. Never overwrite a CA that signed live devices.',
  },
  SPOOR_E_CA_MISSING: {
    message: 'No CA in the PKI dir',
    hint: 'Run `spoor-provision ca init --dir <pkiDir>` first, or point --pki at the dir that holds ca.pem and ca.key.',
  },
  SPOOR_E_OPENSSL: {
    message: 'openssl failed',
    hint: 'Check that openssl (1.1.1 or 3.x) is installed (`openssl version`) and the PKI dir is writable.',
  },
  SPOOR_E_HUB_UNREACHABLE: {
    message: 'The hub is unreachable',
    hint: 'Check --hub (the hub HTTP URL, e.g. https://hub.example.org) and that the hub answers /health.',
  },
  SPOOR_E_HUB_REFUSED: {
    message: 'The hub refused the request',
    hint: 'Check the admin token (--token, or SPOOR_HUB_TOKEN; create one with `spoor-hub tokens add --role admin`).',
  },
  SPOOR_E_BUNDLE_EXISTS: {
    message: 'The bundle dir is not empty',
    hint: 'Choose a new --out dir; a bundle holds a password and a private key, so it is never overwritten.',
  },
  SPOOR_E_ENV_MISSING: {
    message: 'A required environment variable is missing',
    hint: 'Set the variables from the bundle\'s balena.env as device (or fleet) variables in balenaCloud.',
  },
});
