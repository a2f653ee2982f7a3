import type { KeywardenServices } from '../../electron/services/services.ts';
import type { CeremonyView } from '../../electron/shared/ceremony-run-types.ts';
import { PRESENCE } from './ceremony-script.ts';

// Ceremonies driven through the services, as the app drives them: each person due proves
// presence with their test passphrase.

/** The presence proof of a test participant. */
export const proofOf = (name: string) => ({ passphrase: Buffer.from(PRESENCE[name]!) });

/** Takes every turn up to the ceremony's action step, each person proving presence. */
export async function upToAction(
  services: KeywardenServices,
  view: CeremonyView,
): Promise<CeremonyView> {
  let current = view;
  while (current.next && current.steps.find((s) => s.id === current.next!.step)!.kind !== 'action')
    current = await services.invoke('ceremony:advance', {
      id: current.id,
      step: current.next.step,
      by: current.next.by,
      ...proofOf(current.next.by),
    });
  return current;
}
