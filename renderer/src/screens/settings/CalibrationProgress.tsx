import { useCallback, useState } from 'react';
import type { CalibrationProgressView } from '../../../../electron/shared/app-types.ts';
import { useEvent } from '../../api.ts';
import { Progress } from '../../components/notes.tsx';

// A new passphrase's Argon2id cost is calibrated on this machine: one timed probe, then the
// real derivation. The `vault:kdf-progress` events say how the calibration went; this shows
// them while the call runs.

/** The calibration events heard since the last reset(). */
export function useCalibration(): { heard: CalibrationProgressView | null; reset: () => void } {
  const [heard, setHeard] = useState<CalibrationProgressView | null>(null);
  useEvent('vault:kdf-progress', setHeard);
  const reset = useCallback(() => setHeard(null), []);
  return { heard, reset };
}

export function CalibrationProgress({ heard }: { heard: CalibrationProgressView | null }) {
  return (
    <Progress
      label={
        heard
          ? `Calibrated on this machine: ${heard.iterations} iterations (the probe took ${Math.round(heard.elapsedMs)} ms). Deriving the new key…`
          : 'Calibrating Argon2id on this machine…'
      }
    />
  );
}
