import { memo, useState } from 'react';
import {
  Button,
  Dialog,
  DialogTrigger,
  FieldError,
  Form,
  Heading,
  Input,
  Label,
  Popover,
  Text,
  TextField,
} from 'react-aria-components';
import { ChoiceField } from '../../components/ChoiceField.tsx';
import { sameQuery } from './inventory-rows.ts';
import type { InventoryQuery } from './inventory-rows.ts';
import { DEFAULT_VIEW } from './saved-views.ts';
import type { SavedView } from './saved-views.ts';

// Choosing, saving and deleting views. The view shown as chosen is the one whose filters,
// search and sort are those in use; after any change it reads "Unsaved view".

export const SavedViews = memo(function SavedViews(props: {
  query: InventoryQuery;
  views: readonly SavedView[];
  onApply: (query: InventoryQuery) => void;
  onSave: (name: string) => void;
  onDelete: (name: string) => void;
}) {
  const { query, views, onApply, onSave, onDelete } = props;
  const all = [DEFAULT_VIEW, ...views];
  const current = all.find((view) => sameQuery(view.query, query)) ?? null;
  const [name, setName] = useState('');
  const taken = views.some((view) => view.name === name.trim());
  return (
    <div className="inv-views">
      <ChoiceField
        label="View"
        value={current?.name ?? null}
        placeholder="Unsaved view"
        options={all.map((view) => ({ id: view.name, label: view.name }))}
        onChange={(id) => {
          const view = all.find((candidate) => candidate.name === id);
          if (view) onApply(view.query);
        }}
      />
      <DialogTrigger>
        <Button className="button">Save view…</Button>
        <Popover className="kw-popover inv-save-popover" placement="bottom start">
          <Dialog className="inv-save-dialog" aria-labelledby="save-view-title">
            {({ close }) => (
              <Form
                className="form"
                onSubmit={(event) => {
                  event.preventDefault();
                  const clean = name.trim();
                  if (!clean || clean === DEFAULT_VIEW.name) return;
                  onSave(clean);
                  setName('');
                  close();
                }}
              >
                <Heading slot="title" level={2} id="save-view-title" className="inv-dialog-title">
                  Save the current filters, search and sort
                </Heading>
                <TextField
                  className="field"
                  value={name}
                  onChange={setName}
                  isRequired
                  maxLength={60}
                  autoFocus
                  validate={(value) =>
                    value.trim() === DEFAULT_VIEW.name
                      ? `"${DEFAULT_VIEW.name}" is built in.`
                      : null
                  }
                >
                  <Label>View name</Label>
                  <Input />
                  <FieldError className="field-error" />
                  {taken && (
                    <Text slot="description" className="hint">
                      Saving replaces the view of this name.
                    </Text>
                  )}
                </TextField>
                <Button type="submit" className="button button-primary">
                  Save view
                </Button>
              </Form>
            )}
          </Dialog>
        </Popover>
      </DialogTrigger>
      <Button
        className="button"
        isDisabled={current === null || current === DEFAULT_VIEW}
        onPress={() => current && onDelete(current.name)}
      >
        Delete view
      </Button>
    </div>
  );
});
