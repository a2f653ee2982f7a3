import type { TokenView } from '../../../../electron/shared/token-types.ts';
import { bytesInWords, pinBadge, tokenFlags } from './token-words.ts';
import type { Badge } from './token-words.ts';

// One attached token as a card: who made it, where it is reached, and the state of its PINs.
// The card is the content of an option in the token list, so it holds no control of its own.

/** A row of badges, as a list a screen reader counts. */
export function Badges({ badges, label }: { badges: Badge[]; label: string }) {
  if (badges.length === 0) return null;
  return (
    <ul className="badges" aria-label={label}>
      {badges.map((badge) => (
        <li
          key={badge.text}
          className={badge.tone === 'plain' ? 'badge' : `badge badge-${badge.tone}`}
        >
          {badge.text}
        </li>
      ))}
    </ul>
  );
}

/** The PIN badges with their names, so "ok" is never read without whose PIN it is. */
function PinBadges({ token }: { token: TokenView }) {
  // An uninitialised token has no PINs yet, whatever its flags say.
  if (!token.initialized) return <p className="pin-states">No PINs yet: initialise it first.</p>;
  const user = pinBadge(token.userPin);
  const so = pinBadge(token.soPin);
  return (
    <dl className="pin-states">
      <div>
        <dt>User PIN</dt>
        <dd>
          <span className={`badge badge-${user.tone}`}>{user.text}</span>
        </dd>
      </div>
      <div>
        <dt>SO PIN</dt>
        <dd>
          <span className={`badge badge-${so.tone}`}>{so.text}</span>
        </dd>
      </div>
    </dl>
  );
}

/** A token's card, as the list shows it. */
export function TokenCard({ token }: { token: TokenView }) {
  return (
    <div className="token-card">
      <div className="token-card-head">
        <span className="token-label">{token.label || 'Unlabelled token'}</span>
        <span className="token-serial">
          {token.serial ? (
            <>
              Serial <code>{token.serial}</code>
            </>
          ) : (
            'No serial'
          )}
        </span>
      </div>
      <div className="token-maker">
        {token.manufacturer} · {token.model} · firmware {token.firmware}
      </div>
      <div className="token-module" title={token.module}>
        Module <code>{token.module}</code>
      </div>
      <PinBadges token={token} />
      <Badges badges={tokenFlags(token)} label="Token flags" />
    </div>
  );
}

/** What the card leaves out: memory and the PIN length rule. */
export function TokenFacts({ token }: { token: TokenView }) {
  return (
    <dl className="token-facts">
      <div>
        <dt>Manufacturer</dt>
        <dd>{token.manufacturer}</dd>
      </div>
      <div>
        <dt>Model</dt>
        <dd>{token.model}</dd>
      </div>
      <div>
        <dt>Firmware / hardware</dt>
        <dd>
          {token.firmware} / {token.hardware}
        </dd>
      </div>
      <div>
        <dt>PIN length</dt>
        <dd>
          {token.pinLength.max > 0
            ? `${token.pinLength.min} to ${token.pinLength.max} characters`
            : 'not told'}
        </dd>
      </div>
      <div>
        <dt>Free memory (public / private)</dt>
        <dd>
          {bytesInWords(token.freePublicMemory)} / {bytesInWords(token.freePrivateMemory)}
        </dd>
      </div>
      <div>
        <dt>Module</dt>
        <dd>
          <code>{token.module}</code>
        </dd>
      </div>
    </dl>
  );
}
