import type { ReactNode } from 'react';
import { Button, Dialog, DialogTrigger, Heading, Modal, ModalOverlay } from 'react-aria-components';

// Every modal dialog of the app: an overlay that dims the screen, a titled dialog in it, and
// Escape, the close button or a click outside to close it. Focus moves into the dialog, stays
// there while it is open and goes back to what opened it after. The content is rendered only
// while the dialog is open, so whatever was typed into it (a PIN, a passphrase) is dropped
// when it closes.

/** How a button reads: the form's main action, a destructive one, or a plain one. */
export type Tone = 'primary' | 'danger' | 'plain';

/** The class names of a button of the given tone. */
export function buttonClass(tone: Tone): string {
  return tone === 'primary'
    ? 'button button-primary'
    : tone === 'danger'
      ? 'button button-danger'
      : 'button';
}

/** How wide a dialog is: `form` for most, `wide` for wide text (exports), `alert` for a question. */
export type DialogSize = 'form' | 'wide' | 'alert';

/**
 * A modal dialog and its title, without the button that opens it: open it with `isOpen`
 * and `onOpenChange`, or put it inside a React Aria DialogTrigger. An `alert` dialog asks
 * a question before something that cannot be undone (role alertdialog).
 */
export function DialogFrame({
  title,
  size = 'form',
  alert = false,
  isOpen,
  onOpenChange,
  children,
}: {
  title: ReactNode;
  size?: DialogSize;
  alert?: boolean;
  isOpen?: boolean;
  onOpenChange?: (isOpen: boolean) => void;
  /** The content; `close` closes the dialog (after a change went through, say). */
  children: (close: () => void) => ReactNode;
}) {
  return (
    <ModalOverlay
      className="kw-modal-overlay"
      isDismissable
      isOpen={isOpen}
      onOpenChange={onOpenChange}
    >
      <Modal className={`kw-modal kw-modal-${size}`}>
        <Dialog className="kw-dialog" role={alert ? 'alertdialog' : 'dialog'}>
          {({ close }) => (
            <>
              <Heading slot="title" level={2} className="kw-dialog-title">
                {title}
              </Heading>
              {children(close)}
            </>
          )}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

/** A button that opens a modal dialog (DialogFrame), which closes back to it. */
export function ModalDialog({
  opener,
  openerLabel,
  tone = 'plain',
  isDisabled = false,
  title,
  size,
  alert,
  children,
}: {
  /** The text of the button that opens the dialog. */
  opener: string;
  /** An accessible name for the opener when the text alone is ambiguous (rows of a table). */
  openerLabel?: string;
  tone?: Tone;
  isDisabled?: boolean;
  title: ReactNode;
  size?: DialogSize;
  alert?: boolean;
  children: (close: () => void) => ReactNode;
}) {
  return (
    <DialogTrigger>
      <Button className={buttonClass(tone)} aria-label={openerLabel} isDisabled={isDisabled}>
        {opener}
      </Button>
      <DialogFrame title={title} size={size} alert={alert}>
        {children}
      </DialogFrame>
    </DialogTrigger>
  );
}

/**
 * The row of buttons at the foot of a dialog: the one that closes it (Cancel, unless
 * `closeLabel` says otherwise), then the dialog's own. In an alert dialog the close button
 * takes the focus first (`autoFocusClose`), so that Enter does not confirm by accident.
 */
export function DialogButtons({
  close,
  closeLabel = 'Cancel',
  autoFocusClose = false,
  isCloseDisabled = false,
  children,
}: {
  close: () => void;
  closeLabel?: string;
  autoFocusClose?: boolean;
  isCloseDisabled?: boolean;
  children?: ReactNode;
}) {
  return (
    <div className="kw-dialog-buttons">
      <Button
        className="button"
        onPress={close}
        autoFocus={autoFocusClose}
        isDisabled={isCloseDisabled}
      >
        {closeLabel}
      </Button>
      {children}
    </div>
  );
}

/**
 * A dialog form's submit button. While its call runs (`pending`) it stays enabled, so that it
 * keeps the focus (a disabled one drops it out of the dialog, where Escape no longer closes
 * it); the form ignores a second submit instead and its progress bar says that it runs.
 * `disabled` is for a form that still lacks something.
 */
export function SubmitButton({
  tone = 'primary',
  disabled = false,
  pending = false,
  children,
}: {
  tone?: Tone;
  disabled?: boolean;
  pending?: boolean;
  children: ReactNode;
}) {
  return (
    <Button
      type="submit"
      className={buttonClass(tone)}
      isDisabled={disabled}
      aria-busy={pending || undefined}
    >
      {children}
    </Button>
  );
}
