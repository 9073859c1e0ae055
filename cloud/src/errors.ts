/**
 * Error catalogue of the cloud hub. Codes are stable: logs, metrics and the HTTP layer key
 * on them. Messages say what went wrong; hints say what to do next.
 */
import { defineErrors } from '@spoor/protocol';

export const HubErrors = defineErrors({
  SPOOR_E_CONFIG_INVALID: {
    message: 'The hub config is invalid',
    hint: 'Fix the setting at the path shown and start the hub again.',
  },
  SPOOR_E_DEVICE_CONFIG_INVALID: {
    message: 'The device would refuse this config',
    hint: 'Fix the setting at the path shown (each device setting and its default are in protocol/src/device-config.ts); only the settings you name are pushed, merged over the device\'s own.',
  },
  SPOOR_E_BAD_REQUEST: {
    message: 'The request is malformed',
    hint: 'Check the request against the API docs at /docs.',
  },
  SPOOR_E_UNAUTHORIZED: {
    message: 'Not signed in (missing or invalid session or bearer token)',
    hint: 'Sign in to the console, or send `Authorization: Bearer <token>`; create a token with `spoor-hub tokens add --role viewer`.',
  },
  SPOOR_E_FORBIDDEN: {
    message: 'This role may not do that',
    hint: 'Viewers only read; reviewers also decide; users, devices, tokens and config push need an admin. Ask an admin for another role.',
  },
  SPOOR_E_CSRF: {
    message: 'Missing or wrong CSRF token',
    hint: 'Send the `csrf` value from /api/auth/login or /api/auth/me in the `x-csrf-token` header; reload the console if it is stale.',
  },
  SPOOR_E_RATE_LIMITED: {
    message: 'Too many attempts',
    hint: 'Wait a minute and try again.',
  },
  SPOOR_E_EXPORT_NOT_READY: {
    message: 'The export is not finished',
    hint: 'Poll GET /api/exports/:id until its state is `done`, then download it.',
  },
  SPOOR_E_NOT_FOUND: {
    message: 'Not found',
    hint: 'Check the id.',
  },
  SPOOR_E_CONFLICT: {
    message: 'Already exists',
    hint: 'Pick another id, or revoke and use a new id.',
  },
  SPOOR_E_VERSION_CONFLICT: {
    message: 'Someone changed this since you loaded it',
    hint: 'Reload it, check the change, and decide again with the current version.',
  },
  SPOOR_E_DB_UNAVAILABLE: {
    message: 'The database is not reachable',
    hint: 'Check DATABASE_URL and that Postgres is running: `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`.',
  },
  SPOOR_E_MQTT_UNAVAILABLE: {
    message: 'The MQTT broker is not reachable',
    hint: 'Check --mqtt-url and the broker credentials (mqttUsername/mqttPassword), and that the broker is running.',
  },
  SPOOR_E_DATA_DIR_LOCKED: {
    message: 'The data dir is in use by another hub process',
    hint: 'Stop the other `spoor-hub run` on this data dir first, or use another --data dir.',
  },
  SPOOR_E_HUB_UNREACHABLE: {
    message: 'The running hub did not answer',
    hint: 'The hub holding the data dir is alive but its API did not respond; check its log, or stop it and retry.',
  },
  SPOOR_E_INTERNAL: {
    message: 'Internal error',
    hint: 'This is a bug; the hub log has the details. Please report it with that log.',
  },
});

export type HubErrorCode = keyof typeof HubErrors;
