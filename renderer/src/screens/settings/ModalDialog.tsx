import { Button, Dialog, DialogTrigger, Heading, Modal, ModalOverlay } from 'react-aria-components';
import './forms.css';

// A button that opens a modal dialog: a title, the content (a form, usually), and Escape,
// the Cancel button or a click outside to close it. Focus moves into the dialog, stays there
// while it is open and goes back to the button after. What the content held (typed secrets
// among it) is dropped when the dialog closes.

export function ModalDialog({
  opener,
  openerLabel,
  openerClass = 'button',
  title,
  children,
}: {
  /** The text of the button that opens the dialog. */
  opener: string;
  /** An accessible name for the opener when the text alone is ambiguous (rows of a table). */
  openerLabel?: string;
  openerClass?: string;
  title: string;
  /** The content; `close` closes the dialog (after a change went through, say). */
  children: (close: () => void) => React.ReactNode;
}) {
  return (
    <DialogTrigger>
      <Button className={openerClass} aria-label={openerLabel}>
        {opener}
      </Button>
      <ModalOverlay className="kw-modal-overlay" isDismissable>
        <Modal className="kw-modal">
          <Dialog className="kw-dialog">
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
    </DialogTrigger>
  );
}

/**
 * The row of buttons at the foot of a dialog's form: Cancel, then the form's own. A submit
 * button stays enabled while its call runs (disabling it would drop the keyboard focus out of
 * the dialog, and Escape with it); the forms ignore a second submit instead.
 */
export function DialogButtons({
  close,
  children,
}: {
  close: () => void;
  children: React.ReactNode;
}) {
  return (
    <div className="kw-dialog-buttons">
      <Button className="button" onPress={close}>
        Cancel
      </Button>
      {children}
    </div>
  );
}
