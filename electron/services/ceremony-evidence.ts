import { resolve } from 'node:path';
import type { DetailValue } from '../shared/ceremony-run-types.ts';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import { Outcome } from '../core/audit/audit-log.ts';
import {
  passphrasePresence,
  provePassphrase,
  readPresence,
  savePresence,
  tokenPresence,
} from '../core/ceremony/ceremony-presence.ts';
import { headOf } from '../core/ceremony/ceremony-state.ts';
import type { CeremonyState } from '../core/ceremony/ceremony-state.ts';
import {
  presenceChallenge,
  renderTranscript,
  signingPayload,
  TRANSCRIPT_FORMAT,
  TRANSCRIPT_VERSION,
  verifySignature,
  verifyTranscript,
} from '../core/ceremony/ceremony-transcript.ts';
import { findPerson } from '../core/inventory/people-registry.ts';
import type { UnlockedVault, VaultDeps } from '../core/vault/vault.ts';
import type { CallChannel } from './ceremony-run-handlers.ts';
import { reserveOutputs } from './output-files.ts';
import type { ChannelHandlers } from './services.ts';

// A ceremony's evidence: how each person proves presence (enrolled here, proven at each step)
// and the transcript, exported signed by the ceremony key (JSON, and a printable PDF) and
// verified with that key's public key alone.

/** What a participant offers: their passphrase, or their token's PIN. The caller zeroes both. */
export interface PresenceProof {
  passphrase?: Uint8Array | undefined;
  pin?: Uint8Array | undefined;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/**
 * Proves `name` present at `step` of the ceremony: their passphrase against its verifier, or
 * their token's signature (made with the PIN given) over the presence challenge, checked
 * against the key enrolled. Returns what the transcript records of the proof. Throws
 * BAD_REQUEST (not a participant), PRESENCE_NOT_PROVEN, PRESENCE_NOT_ENROLLED and the token
 * errors.
 */
export async function proveParticipant(
  { vault, deps, call }: { vault: UnlockedVault; deps: VaultDeps; call: CallChannel },
  state: CeremonyState,
  step: string,
  name: string,
  proof: PresenceProof,
): Promise<Record<string, DetailValue>> {
  const who = state.header.participants.find((p) => p.name === name);
  if (!who)
    throw new KeywardenError(ErrorCode.BAD_REQUEST, `${name} takes no part in this ceremony.`);
  const factor = vault.query((records) => readPresence(records, who.person));
  if (factor.method === 'passphrase') {
    if (!proof.passphrase)
      throw new KeywardenError(
        ErrorCode.PRESENCE_NOT_PROVEN,
        `${name} proves presence with their passphrase.`,
      );
    await provePassphrase(deps.argon2, factor, name, proof.passphrase);
    return { proof: 'passphrase' } as Record<string, DetailValue>;
  }
  if (!proof.pin)
    throw new KeywardenError(
      ErrorCode.PRESENCE_NOT_PROVEN,
      `${name} proves presence with their token and its PIN.`,
    );
  const challenge = presenceChallenge(state.header.ceremony, step, who.person, headOf(state));
  const { signature } = await call('keys:sign', {
    id: factor.keyId,
    data: challenge,
    pin: proof.pin,
  });
  // The signature is checked here too, against the key enrolled, before it is recorded.
  const checked = verifySignature(factor.algorithm, factor.publicKey, challenge, b64(signature));
  if (!checked)
    throw new KeywardenError(
      ErrorCode.PRESENCE_NOT_PROVEN,
      `${name}'s token signature does not verify.`,
    );
  return { proof: 'token', signature: b64(signature) } as Record<string, DetailValue>;
}

/** The transcript and presence channels. */
export function evidenceHandlers(
  vault: () => UnlockedVault,
  deps: VaultDeps,
  actor: string,
  call: CallChannel,
  read: (id: string) => CeremonyState,
): Pick<
  ChannelHandlers,
  'ceremony:export-transcript' | 'ceremony:verify-transcript' | 'people:set-presence'
> {
  return {
    'ceremony:export-transcript': async (request) => {
      const state = read(request.id);
      const { signer } = state.header;
      const document = {
        format: TRANSCRIPT_FORMAT,
        version: TRANSCRIPT_VERSION,
        header: state.header,
        entries: state.entries,
        status: state.status,
        head: headOf(state),
        signature: { algorithm: signer.algorithm, signedAt: deps.now().toISOString() },
      };
      const { outPath, pdfPath } = request;
      if (pdfPath !== undefined && resolve(pdfPath) === resolve(outPath))
        throw new KeywardenError(
          ErrorCode.BAD_REQUEST,
          'The transcript and its PDF are two files; give them two paths.',
        );
      // Both files are made before the key signs, and both removed if anything fails.
      const paths = pdfPath === undefined ? [outPath] : [outPath, pdfPath];
      const files = reserveOutputs(paths, { what: 'transcript', mode: 0o644 });
      try {
        const { signature } = await call('keys:sign', {
          id: signer.keyId,
          data: signingPayload(document),
          ...(request.pin ? { pin: request.pin } : {}),
        });
        const signed = { ...document, signature: { ...document.signature, value: b64(signature) } };
        const contents: Uint8Array[] = [Buffer.from(renderTranscript(signed))];
        if (pdfPath !== undefined) {
          // Loaded only for an export that prints: pdfkit takes a quarter of a second to load.
          const { renderTranscriptPdf } = await import('../core/ceremony/transcript-pdf.ts');
          contents.push(await renderTranscriptPdf(signed));
        }
        files.write(contents);
      } catch (error) {
        files.abandon();
        throw error;
      }
      return {
        path: outPath,
        ...(pdfPath !== undefined ? { pdfPath } : {}),
        status: state.status,
        head: document.head,
        entries: state.entries.length,
      };
    },
    'ceremony:verify-transcript': async (request) =>
      verifyTranscript(Buffer.from(request.transcript).toString('utf8'), request.publicKey),
    'people:set-presence': async (request) => {
      const factor = request.passphrase
        ? await passphrasePresence(deps.argon2, request.passphrase)
        : vault().query((records) => tokenPresence(records, request.name, request.tokenKey ?? ''));
      const event = {
        actor,
        action: 'person.set-presence',
        target: request.name,
        outcome: Outcome.SUCCESS,
        detail: { method: factor.method },
      };
      return vault().apply(event, (records) => {
        savePresence(records, request.name, factor);
        return { person: findPerson(records, request.name).name, method: factor.method };
      });
    },
  };
}
