import type { TokenLayer } from '../../native/pkcs11/pkcs11.ts';
import type { ChannelHandlers } from './services.ts';

// The token channels: what is attached, what is on a token, and its PINs. Token keys in the
// inventory go through the inventory channels (keys:generate with a token, keys:sign).

type TokenChannel =
  'tokens:list' | 'tokens:objects' | 'tokens:init' | 'tokens:change-pin' | 'tokens:unblock-pin';

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
    'tokens:unblock-pin': async (request) => {
      await tokens().initPin(ref(request), request.soPin, request.newPin);
      return { changed: true } as const;
    },
  };
}
