import { useEffect, useState } from 'react';
import { useEvent } from '../api.ts';

// What a YubiKey or FIDO2 key asked for a factor is doing: the service says when one waits for
// a touch (`token:activity`), and the work in progress shows that in words, since the key's
// blinking light is easy to miss and the key gives up after a few seconds.

/**
 * While `busy`, a line asking for the key to be touched once a key waits for it; nothing
 * otherwise. Each new run (busy again) starts with no prompt.
 */
export function TouchPrompt({ busy }: { busy: boolean }) {
  const [waiting, setWaiting] = useState(false);
  useEffect(() => {
    if (!busy) setWaiting(false);
  }, [busy]);
  useEvent('token:activity', ({ activity }) => {
    if (busy) setWaiting(activity === 'touch-needed');
  });
  if (!busy || !waiting) return null;
  return (
    <p className="note note-touch" role="status">
      <strong>Touch your key now.</strong> It is waiting for you, and gives up after a few seconds.
    </p>
  );
}
