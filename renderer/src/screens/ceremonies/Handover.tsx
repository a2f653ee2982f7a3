import { Button } from 'react-aria-components';

// Between two people's turns the screen is handed over: it names who acts next and shows
// nothing of the last person's turn (their panel, its fields emptied, is gone by then).

/** The hand-over between two people: the screen shows nothing of the last one's turn. */
export function Handover({
  turn,
  name,
  role,
  stepTitle,
  onContinue,
}: {
  /** The turn's step and person ("split/Alice"), for tests to follow the turns by. */
  turn: string;
  name: string;
  role: string;
  stepTitle: string;
  onContinue: () => void;
}) {
  return (
    <section className="card cer-handover" aria-labelledby="handover-title" data-turn={turn}>
      <h2 id="handover-title">Hand the screen to {name}</h2>
      <p>
        {name} ({role}) acts next, at “{stepTitle}”. Only {name} should see the screen until they
        are done.
      </p>
      <Button className="button button-primary" onPress={onContinue} autoFocus>
        Continue as {name}
      </Button>
    </section>
  );
}
