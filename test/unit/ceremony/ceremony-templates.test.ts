import { describe, expect, it } from 'vitest';
import splitKey from '../../../resources/ceremonies/split-key.json' with { type: 'json' };
import {
  CEREMONY_ACTIONS,
  findTemplate,
  listTemplates,
  parseTemplate,
} from '../../../electron/core/ceremony/ceremony-templates.ts';
import { canonicalJson } from '../../../electron/core/ceremony/canonical-json.ts';
import { ErrorCode, KeywardenError } from '../../../electron/shared/errors.ts';

// The ceremony scripts in resources/ceremonies/: every one the issue names is shipped and
// well formed, and a malformed template is refused with a code that says what is wrong.

function refusal(change: (template: Record<string, unknown>) => void): string {
  const copy = JSON.parse(JSON.stringify(splitKey)) as Record<string, unknown>;
  change(copy);
  try {
    parseTemplate(copy, 'test');
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    expect((error as KeywardenError).code).toBe(ErrorCode.CEREMONY_TEMPLATE_INVALID);
    return (error as KeywardenError).message;
  }
}

describe('ceremony templates', () => {
  it('ships a template for every action, each starting with attendance and ending with witness sign-off', () => {
    const templates = listTemplates();
    expect(templates.map((t) => t.id).sort()).toEqual([
      'component-entry',
      'destroy-key',
      'enrol-token',
      'generate-key',
      'recombine-key',
      'rotate-key',
      'split-key',
    ]);
    const actions = templates.flatMap((t) => t.steps.flatMap((s) => (s.action ? [s.action] : [])));
    expect(new Set(actions)).toEqual(new Set(CEREMONY_ACTIONS));
    for (const template of templates) {
      expect(template.steps[0]!.kind).toBe('presence');
      expect(template.steps.at(-1)!.kind).toBe('sign-off');
      expect(template.roles.witness.min).toBeGreaterThanOrEqual(1);
      expect(template.digest).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('names an unknown template and the ones there are', () => {
    expect(() => findTemplate('summon-key')).toThrow(/there are generate-key, split-key/);
  });

  it('digests the canonical form, so a changed script has another digest', () => {
    const again = parseTemplate(JSON.parse(canonicalJson(splitKey)), 'copy');
    expect(again.digest).toBe(findTemplate('split-key').digest);
    const edited = JSON.parse(JSON.stringify(splitKey)) as { steps: Array<{ text: string }> };
    edited.steps[1]!.text = 'Nobody checks anything.';
    expect(parseTemplate(edited, 'edited').digest).not.toBe(again.digest);
  });

  it('refuses a malformed template, saying what is wrong', () => {
    expect(refusal((t) => (t.extra = 1))).toMatch(/Template test/);
    expect(refusal((t) => (t.steps as unknown[]).reverse())).toMatch(
      /first step must be a presence step/,
    );
    expect(refusal((t) => ((t.steps as Array<{ id: string }>)[2]!.id = 'attendance'))).toMatch(
      /share an id/,
    );
    expect(refusal((t) => delete (t.steps as Array<{ action?: string }>)[2]!.action)).toMatch(
      /names its action/,
    );
    expect(refusal((t) => ((t.quorum as { custodians: string }).custodians = 'nothing'))).toMatch(
      /no whole-number parameter "nothing"/,
    );
    expect(
      refusal((t) => ((t.roles as Record<string, { max: number }>).administrator!.max = 2)),
    ).toMatch(/exactly one administrator/);
    expect(refusal((t) => ((t.roles as Record<string, { min: number }>).witness!.min = 9))).toMatch(
      /more than it allows/,
    );
    expect(
      refusal((t) => ((t.steps as Array<{ action?: string }>)[2]!.action = 'launch-missiles')),
    ).toMatch(/steps\.2\.action/);
    expect(refusal((t) => ((t.quorum as { custodians: string }).custodians = 'format'))).toMatch(
      /no whole-number parameter "format"/,
    );
    expect(
      refusal((t) => ((t.parameters as Array<{ default?: string }>)[2]!.default = 'paper')),
    ).toMatch(/format's default is not one it allows/);
    expect(
      refusal((t) => ((t.roles as Record<string, { min: number }>).custodian!.min = 0)),
    ).toMatch(/step hand-over may have no one to act on it/);
  });
});
