import type { TokenLayer } from '../../native/pkcs11/pkcs11.ts';
import { readPemBlock } from '../core/inventory/key-file-text.ts';
import { ErrorCode, KeywardenError } from '../shared/errors.ts';
import type { ChannelHandlers } from './services.ts';

// The token channels: what is attached, what is on a token, and its PINs. Token keys in the
// inventory go through the inventory channels (keys:generate with a token, keys:sign).

type TokenChannel =
  | 'tokens:list'
  | 'tokens:objects'
  | 'tokens:init'
  | 'tokens:change-pin'
  | 'tokens:unblock-pin'
  | 'tokens:import-certificate';

/** One certificate as DER, from PEM ("CERTIFICATE") or DER bytes. Throws FORMAT_INVALID. */
function certificateDer(file: Uint8Array): Uint8Array {
  const text = Buffer.from(file).toString('latin1');
  if (!text.trimStart().startsWith('-----BEGIN')) return file;
  const block = readPemBlock(text);
  if (block.label !== 'CERTIFICATE') {
    throw new KeywardenError(
      ErrorCode.FORMAT_INVALID,
      `The PEM block is a ${block.label}, not a CERTIFICATE.`,
    );
  }
  return block.der;
}

/** The handlers of the token channels, over the services' token layer (started on first use). */
export function tokenHandlers(tokens: () => TokenLayer): Pick<ChannelHandlers, TokenChannel> {
  const ref = (request: {
    serial: string;
    module?: string | undefined;
    acceptFinalTry?: boolean | undefined;
  }) => ({
    serial: request.serial,
    module: request.module ?? '',
    ...(request.acceptFinalTry ? { acceptFinalTry: true } : {}),
  });
  return {
    'tokens:list': async () => tokens().list(),
    'tokens:objects': async (request) => tokens().objects(ref(request), request.pin ?? null),
    'tokens:init': async (request) =>
      tokens().initToken(
        { module: request.module ?? '', serial: request.serial ?? null },
        request.soPin,
        request.pin,
        request.label,
      ),
    'tokens:change-pin': async (request) => {
      await tokens().changePin(ref(request), request.pin, request.newPin);
      return { changed: true } as const;
    },
    // Electronegativity takes importCertificate for a TLS trust override; this stores an
    // X.509 certificate as an object on a PKCS#11 token, and no connection is involved.
    'tokens:import-certificate': async (request) => {
      const object = {
        keyId: request.keyId,
        certificate: certificateDer(request.certificate),
        ...(request.label !== undefined ? { label: request.label } : {}),
      };
      return tokens().importCertificate(ref(request), request.pin, object); // eng-disable CERTIFICATE_VERIFY_PROC_JS_CHECK
    },
    'tokens:unblock-pin': async (request) => {
      await tokens().initPin(ref(request), request.soPin, request.newPin);
      return { changed: true } as const;
    },
  };
}
