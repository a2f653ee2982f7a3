import type { ScreenProps } from '../screens.tsx';
import { PageHeader } from '../../components/notes.tsx';

// Placeholder until this screen is built (issue 8).
export function CeremoniesScreen(_props: ScreenProps & { id?: string }) {
  return <PageHeader title="Ceremonies" />;
}
