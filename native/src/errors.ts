/** Error catalogue of @spoor/native. Codes are stable; hints say what to do next. */
import { defineErrors } from '@spoor/protocol';

export const NativeErrors = defineErrors({
  SPOOR_E_NATIVE_NOT_BUILT: {
    message: 'The native addon (@spoor/native) is not built',
    hint: 'Run `npm rebuild @spoor/native` in the install dir (it needs python3, make and a C++ compiler; `apt-get install build-essential python3`). Without it sd_notify is a no-op and GPIO triggers cannot start.',
  },
  SPOOR_E_GPIO_UNAVAILABLE: {
    message: 'The GPIO line is not available',
    hint: 'Check that the GPIO character device exists (`ls /dev/gpiochip*`; on Jetson use the 40-pin header chip, `gpiodetect` lists them), that the line number is right (`gpioinfo`), and that the daemon may open it (add the spoor user to the `gpio` group, or pass the device to the container: `devices: [/dev/gpiochip0]`).',
  },
  SPOOR_E_GPIO_BUSY: {
    message: 'The GPIO line is in use by another consumer',
    hint: 'Another process (or a kernel driver) holds the line; `gpioinfo` shows its consumer. Stop it or pick another line.',
  },
  SPOOR_E_NOTIFY_FAILED: {
    message: 'Could not notify the service manager',
    hint: 'NOTIFY_SOCKET is set but not reachable; check the unit has Type=notify (and NotifyAccess=main or all for a child).',
  },
});

export type NativeErrorCode = keyof typeof NativeErrors;
