import type { ReactNode } from 'react';
import {
  Button,
  Checkbox,
  Dialog,
  DialogTrigger,
  Heading,
  Modal,
  ModalOverlay,
} from 'react-aria-components';

// One action of the key detail screen: a button that opens a modal dialog (focus moves into
// it, Escape closes it, focus returns to the button). The dialog's form lives inside it, so
// whatever was typed (a PIN among it) is dropped when it closes.

export type Tone = 'primary' | 'danger' | 'plain';

const buttonClass = (tone: Tone) =>
  tone === 'primary'
    ? 'button button-primary'
    : tone === 'danger'
      ? 'button button-danger'
      : 'button';

export function ActionDialog({
  label,
  title,
  tone = 'plain',
  children,
}: {
  label: string;
  title: string;
  tone?: Tone;
  children: (close: () => void) => ReactNode;
}) {
  return (
    <DialogTrigger>
      <Button className={buttonClass(tone)}>{label}</Button>
      <ModalOverlay className="key-modal-overlay" isDismissable>
        <Modal className="key-modal">
          <Dialog className="key-dialog">
            {({ close }) => (
              <>
                <Heading slot="title" className="key-dialog-title">
                  {title}
                </Heading>
                {children(close)}
              </>
            )}
          </Dialog>
        </Modal>
      </ModalOverlay>
    </DialogTrigger>
  );
}

/** The buttons at the foot of a dialog's form: close, and the action itself. */
export function DialogButtons({
  close,
  submit,
  tone = 'primary',
  disabled = false,
  pending = false,
}: {
  close: () => void;
  submit: string;
  tone?: Tone;
  /** Not yet complete: the form lacks something. */
  disabled?: boolean;
  /**
   * Running: the form's handler ignores a second submit. The button stays enabled so that it
   * keeps the focus (a disabled one drops it out of the dialog, where Escape no longer closes
   * it); the dialog's progress bar says that it runs.
   */
  pending?: boolean;
}) {
  return (
    <div className="key-dialog-buttons">
      <Button className="button" onPress={close}>
        Close
      </Button>
      <Button
        type="submit"
        className={buttonClass(tone)}
        isDisabled={disabled}
        aria-busy={pending || undefined}
      >
        {submit}
      </Button>
    </div>
  );
}

/** A confirmation a person ticks before a destructive action. */
export function Confirm({
  checked,
  onChange,
  children,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  children: ReactNode;
}) {
  return (
    <Checkbox className="key-checkbox" isSelected={checked} onChange={onChange}>
      <span className="key-checkbox-box" aria-hidden="true">
        {checked ? '✓' : ''}
      </span>
      <span>{children}</span>
    </Checkbox>
  );
}
