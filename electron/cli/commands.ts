import {
  COMMON,
  ENROL_OPTIONS,
  ENTRY_OPTIONS,
  KDF_OPTIONS,
  SUBJECT_OPTIONS,
  TOKEN_COMMON,
} from './options.ts';
import type { CommandSpec } from './options.ts';

// Every command: its words, operands, options, and the usage line the help prints.

export const COMMANDS: CommandSpec[] = [
  {
    words: ['ceremony', 'split'],
    operands: ['ID'],
    operandsOptional: true,
    summary:
      'split a secret key k-of-n among custodians: one owner-only .share file each (and a printed PDF sheet each with --format pdf)',
    usage:
      'ceremony split (ID | --key ID) --vault PATH --threshold K --custodian NAME... --out-dir DIR [--format file|pdf|slip39] [--json] [unlock options]',
    options: [...COMMON, 'key', 'threshold', 'custodian', 'out-dir', 'format'],
    needsVault: true,
  },
  {
    words: ['ceremony', 'components', 'split'],
    operands: ['ID'],
    operandsOptional: true,
    summary: 'split a secret key into XOR components (PCI), one owner-only file per custodian',
    usage:
      'ceremony components split (ID | --key ID) --vault PATH --custodian NAME... --out-dir DIR [--json] [unlock options]',
    options: [...COMMON, 'key', 'custodian', 'out-dir'],
    needsVault: true,
  },
  {
    words: ['ceremony', 'components', 'combine'],
    summary: 'combine every XOR component (each from another custodian) into a new vault key',
    usage:
      'ceremony components combine --vault PATH --component FILE... [--kcv HEX] --name N --purpose P[,P] --owner NAME [entry options] [--json] [unlock options]',
    options: [...COMMON, 'component', 'kcv', ...ENTRY_OPTIONS, 'wrapped-by'],
    needsVault: true,
  },
  {
    words: ['ceremony', 'components', 'enter'],
    summary: 'enter a key from components typed by their custodians, one at a time (dual control)',
    usage:
      'ceremony components enter --vault PATH --count N --kcv HEX [--algorithm aes256|hmac-sha256] --name N --purpose P[,P] --owner NAME [entry options] [unlock options]',
    options: [...COMMON, 'count', 'kcv', 'algorithm', ...ENTRY_OPTIONS, 'wrapped-by'],
    needsVault: true,
  },
  {
    words: ['ceremony', 'templates'],
    summary:
      'list the ceremony templates (generate, split, recombine, rotate, destroy, enrol a token, PCI component entry)',
    usage: 'ceremony templates [--json]',
    options: ['json', 'debug', 'help'],
    needsVault: false,
  },
  {
    words: ['ceremony', 'run'],
    operands: ['TEMPLATE'],
    summary:
      'run a ceremony step by step at this terminal: presence, acknowledgements, the action, witness sign-off; then write its signed transcript',
    usage:
      'ceremony run TEMPLATE --vault PATH --signing-key KEY_ID --participant ROLE:NAME... [--param NAME=VALUE...] [--transcript-out FILE [--transcript-pdf FILE]] [--signing-pin-file F] [unlock options]',
    options: [
      ...COMMON,
      'participant',
      'param',
      'signing-key',
      'transcript-out',
      'transcript-pdf',
      'signing-pin-file',
    ],
    needsVault: true,
  },
  {
    words: ['ceremony', 'resume'],
    operands: ['ID'],
    summary: 'take up an interrupted ceremony at the step it had reached',
    usage:
      'ceremony resume ID --vault PATH [--transcript-out FILE [--transcript-pdf FILE]] [--signing-pin-file F] [unlock options]',
    options: [...COMMON, 'transcript-out', 'transcript-pdf', 'signing-pin-file'],
    needsVault: true,
  },
  {
    words: ['ceremony', 'abort'],
    operands: ['ID'],
    summary:
      'abort a ceremony (the administrator proves presence; the reason goes in the transcript)',
    usage: 'ceremony abort ID --vault PATH --reason TEXT [unlock options]',
    options: [...COMMON, 'reason'],
    needsVault: true,
  },
  {
    words: ['ceremony', 'list'],
    summary: "list the vault's ceremonies",
    usage: 'ceremony list --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['ceremony', 'show'],
    operands: ['ID'],
    summary: 'show a ceremony: its steps, who is waited for, its transcript',
    usage: 'ceremony show ID --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['ceremony', 'export'],
    operands: ['ID'],
    summary: "write a ceremony's transcript, signed by its ceremony key, and its printable PDF",
    usage:
      'ceremony export ID --vault PATH --out FILE [--pdf FILE] [--signing-pin-file F] [unlock options]',
    options: [...COMMON, 'out', 'pdf', 'signing-pin-file'],
    needsVault: true,
  },
  {
    words: ['ceremony', 'verify'],
    operands: ['TRANSCRIPT'],
    summary: "verify a transcript file with the ceremony key's public key alone (no vault needed)",
    usage: 'ceremony verify TRANSCRIPT --public-key PEM_FILE [--json]',
    options: ['json', 'debug', 'help', 'public-key'],
    needsVault: false,
  },
  {
    words: ['people', 'presence'],
    operands: ['NAME'],
    summary:
      'enrol how a person proves presence at ceremonies: a passphrase they type, or a signing key on their own token',
    usage: 'people presence NAME --vault PATH [--token-key KEY_ID] [unlock options]',
    options: [...COMMON, 'token-key'],
    needsVault: true,
  },
  {
    words: ['ceremony', 'combine'],
    summary: 'rebuild a secret key from share files into the vault as a new key',
    usage:
      'ceremony combine --vault PATH --share FILE... [--algorithm aes256|hmac-sha256 (SLIP-39 shares)] --name N --purpose P[,P] --owner NAME [entry options] [--wrapped-by KEK_ID] [--json] [unlock options]',
    options: [...COMMON, 'share', 'algorithm', ...ENTRY_OPTIONS, 'wrapped-by'],
    needsVault: true,
  },
  {
    words: ['init'],
    summary: 'create a vault protected by a new passphrase',
    usage:
      'init --vault PATH [--kdf-memory-mib N --kdf-iterations N --kdf-parallelism N | --kdf-target-ms N] [--passphrase-file F | --passphrase-stdin]',
    options: [...COMMON, ...KDF_OPTIONS],
    needsVault: true,
  },
  {
    words: ['status'],
    summary:
      'show the header; with an unlock option, authenticate the whole file and count records',
    usage: 'status --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['passphrase', 'change'],
    summary: 'replace the passphrase (records are not re-encrypted)',
    usage:
      'passphrase change --vault PATH [unlock options] [--new-passphrase-file F | --new-passphrase-stdin] [kdf options]',
    options: [...COMMON, ...KDF_OPTIONS, 'new-passphrase-file', 'new-passphrase-stdin'],
    needsVault: true,
  },
  {
    words: ['recovery-key', 'add'],
    summary: 'add a recovery key and print it once',
    usage: 'recovery-key add --vault PATH [unlock options] [--replace]',
    options: [...COMMON, 'replace'],
    needsVault: true,
  },
  {
    words: ['keychain', 'add'],
    summary: "add an OS keychain slot: this OS account's keychain then opens the vault",
    usage: 'keychain add --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['slots', 'list'],
    summary: "list the vault's unlock slots (no unlock needed)",
    usage: 'slots list --vault PATH [--json]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['slots', 'add'],
    summary: 'add an unlock slot: one factor, several at once (--with), or k of n (--quorum)',
    usage:
      'slots add --vault PATH --kind passphrase|recovery|tpm2|keychain|pkcs11|yubikey-hmac|fido2 [--with KIND]... [--quorum K] [--name N] [factor options] [kdf options] [--json] [unlock options]',
    options: [...COMMON, ...ENROL_OPTIONS, ...KDF_OPTIONS],
    needsVault: true,
  },
  {
    words: ['slots', 'rename'],
    summary: 'give an unlock slot a name people recognise',
    usage: 'slots rename ID --vault PATH --name N [--json] [unlock options]',
    operands: ['ID'],
    options: [...COMMON, 'name'],
    needsVault: true,
  },
  {
    words: ['slots', 'remove'],
    summary: 'remove an unlock slot (never the last one; a keychain slot takes its item along)',
    usage: 'slots remove ID --vault PATH [--json] [unlock options]  (or --slot ID)',
    operands: ['ID'],
    operandsOptional: true,
    options: [...COMMON, 'slot'],
    needsVault: true,
  },
  {
    words: ['audit', 'verify'],
    summary: "verify the audit chain (with an unlock option, also its MAC'd checkpoint)",
    usage: 'audit verify --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['audit', 'list'],
    summary: 'list audit entries',
    usage: 'audit list --vault PATH [--json] [--after SEQ] [--limit N]',
    options: [...COMMON, 'limit', 'after'],
    needsVault: true,
  },
  {
    words: ['people', 'add'],
    summary: 'register a person with one or more roles',
    usage:
      'people add --vault PATH --name NAME --role officer|custodian|witness|auditor|engineer[,...] [unlock options]',
    options: [...COMMON, 'name', 'role'],
    needsVault: true,
  },
  {
    words: ['people', 'list'],
    summary: 'list the people registry',
    usage: 'people list --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['policy', 'show'],
    summary: "show the vault's crypto-period policy (NIST SP 800-57 Table 1)",
    usage: 'policy show --vault PATH [--json] [unlock options]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['policy', 'set'],
    summary: "replace the vault's crypto-period policy with an edited table (officers only)",
    usage: 'policy set --vault PATH --file TABLE.json',
    options: [...COMMON, 'file'],
    needsVault: true,
  },
  {
    words: ['policy', 'reset'],
    summary: 'return to the shipped NIST SP 800-57 table (officers only)',
    usage: 'policy reset --vault PATH',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['keys', 'generate'],
    ownsTokenOptions: true,
    summary: 'generate a key in the vault and enter it in the inventory',
    usage:
      'keys generate --vault PATH --name N --algorithm ed25519|x25519|p256|p384|rsa3072|rsa4096|aes256|hmac-sha256 --purpose P[,P] --owner NAME [--custodian NAME]... [--environment E] [--tier 1-4] [--classification C] [--label L]... [--notes TEXT] [--wrapped-by KEK_ID] [--pre-activation] [--token SERIAL --pin-file F [--final-try] [--module PATH]...] [--json]',
    options: [
      ...COMMON,
      ...ENTRY_OPTIONS,
      'algorithm',
      'wrapped-by',
      'token',
      'pin-file',
      'final-try',
      'module',
    ],
    needsVault: true,
  },
  {
    words: ['keys', 'import'],
    summary:
      'import a key file: PEM (PKCS#8, encrypted PKCS#8, SPKI), OpenSSH (private or public) or JWK',
    usage:
      'keys import --vault PATH --file F [--key-passphrase-file F] [--secret-algorithm aes256|hmac-sha256] [--name N] --purpose P[,P] --owner NAME [entry options] [--wrapped-by KEK_ID] [--json]',
    options: [
      ...COMMON,
      ...ENTRY_OPTIONS,
      'file',
      'key-passphrase-file',
      'secret-algorithm',
      'wrapped-by',
    ],
    needsVault: true,
  },
  {
    words: ['keys', 'register'],
    summary: 'enter a key that lives on a token or elsewhere (a cloud KMS) in the inventory',
    usage:
      'keys register --vault PATH --name N (--token-serial S --cka-id HEX | --reference REF) [--algorithm A] [--public-key FILE] --purpose P[,P] --owner NAME [entry options] [--json]',
    options: [
      ...COMMON,
      ...ENTRY_OPTIONS,
      'algorithm',
      'token-serial',
      'cka-id',
      'reference',
      'public-key',
    ],
    needsVault: true,
  },
  {
    words: ['keys', 'list'],
    summary: 'list keys, optionally by state, owner or due date',
    usage:
      'keys list --vault PATH [--state S] [--owner NAME] [--due-within 30d] [--published] [--offset N] [--limit N] [--json]',
    options: [...COMMON, 'state', 'owner', 'due-within', 'published', 'offset', 'limit', 'module'],
    needsVault: true,
  },
  {
    words: ['keys', 'show'],
    operands: ['ID'],
    summary: 'show one key, its crypto-period and its history',
    usage: 'keys show ID --vault PATH [--module PATH]... [--json]',
    options: [...COMMON, 'module'],
    needsVault: true,
  },
  {
    words: ['keys', 'transition'],
    operands: ['ID'],
    summary: 'move a key to another lifecycle state, with a reason',
    usage: 'keys transition ID --vault PATH --to STATE --reason TEXT',
    options: [...COMMON, 'to', 'reason'],
    needsVault: true,
  },
  {
    words: ['keys', 'update'],
    operands: ['ID'],
    summary: "edit a key's entry (name, owner, custodians, tier, labels, notes), with a reason",
    usage:
      'keys update ID --vault PATH --reason TEXT [--name N] [--owner NAME] [--custodian NAME]... [--environment E] [--classification C] [--tier 1-4] [--label L]... [--notes TEXT]',
    options: [
      ...COMMON,
      'reason',
      'name',
      'owner',
      'custodian',
      'environment',
      'classification',
      'tier',
      'label',
      'notes',
    ],
    needsVault: true,
  },
  {
    words: ['keys', 'rotate'],
    operands: ['ID'],
    summary:
      'make a new version of a key; the old one is deactivated; data keys under a KEK are rewrapped',
    usage: 'keys rotate ID --vault PATH [--reason TEXT] [--publish-days N] [--json]',
    options: [...COMMON, 'reason', 'publish-days'],
    needsVault: true,
  },
  {
    words: ['keys', 'rewrap'],
    operands: ['ID'],
    summary: "finish rewrapping a rotated KEK's data keys (after an interruption)",
    usage: 'keys rewrap ID --vault PATH [--json]',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['keys', 'sign'],
    ownsTokenOptions: true,
    operands: ['ID'],
    summary:
      'sign a file, or several with one PIN entry (DER for ECDSA, raw for Ed25519, PKCS#1 v1.5 or --pss for RSA)',
    usage:
      'keys sign ID --vault PATH (--in FILE --out SIGNATURE | --in FILE... --out-dir DIR) [--pss] [--pin-file F] [--final-try] [--module PATH]...',
    options: [...COMMON, 'in', 'out', 'out-dir', 'pss', 'pin-file', 'final-try', 'module'],
    needsVault: true,
  },
  {
    words: ['keys', 'verify'],
    operands: ['ID'],
    summary: 'verify a signature of a file',
    usage: 'keys verify ID --vault PATH --in FILE --signature SIGNATURE [--pss]',
    options: [...COMMON, 'in', 'signature', 'pss'],
    needsVault: true,
  },
  {
    words: ['keys', 'export-public'],
    operands: ['ID'],
    summary: 'export a public key as PEM (SPKI), an OpenSSH line or JWK',
    usage: 'keys export-public ID --vault PATH --format pem|openssh|jwk [--out FILE]',
    options: [...COMMON, 'format', 'out'],
    needsVault: true,
  },
  {
    words: ['keys', 'export-private'],
    operands: ['ID'],
    summary:
      'export a private key as encrypted PKCS#8 (re-authenticates with the vault passphrase)',
    usage:
      'keys export-private ID --vault PATH --passphrase-file F --out FILE [--export-passphrase-file F]',
    options: [...COMMON, 'out', 'export-passphrase-file'],
    needsVault: true,
  },
  {
    words: ['keys', 'csr'],
    operands: ['ID'],
    summary: 'write a PKCS#10 certificate signing request for a signing key',
    usage:
      'keys csr ID --vault PATH --common-name CN [--organization O] [--organizational-unit OU] [--country CC] [--email E] [--dns NAME]... [--pss] [--out FILE]',
    options: [...COMMON, ...SUBJECT_OPTIONS, 'pss', 'out'],
    needsVault: true,
  },
  {
    words: ['keys', 'certificate'],
    operands: ['ID'],
    summary: 'write a self-signed X.509 certificate for a signing key',
    usage:
      'keys certificate ID --vault PATH --common-name CN [subject options] --days N [--ca] [--pss] [--out FILE]',
    options: [...COMMON, ...SUBJECT_OPTIONS, 'days', 'ca', 'pss', 'out'],
    needsVault: true,
  },
  {
    words: ['keys', 'destroy'],
    ownsTokenOptions: true,
    operands: ['ID'],
    summary: "schedule a deactivated key's destruction (7-30 day window), or carry it out once due",
    usage:
      'keys destroy ID --vault PATH --authorised-by NAME --witness NAME [--after-days N] [--pin-file F (a token key)] [--final-try] [--module PATH]...',
    options: [
      ...COMMON,
      'authorised-by',
      'witness',
      'after-days',
      'pin-file',
      'final-try',
      'module',
    ],
    needsVault: true,
  },
  {
    words: ['keys', 'cancel-destroy'],
    operands: ['ID'],
    summary: 'cancel a scheduled destruction (the key returns to deactivated)',
    usage: 'keys cancel-destroy ID --vault PATH',
    options: COMMON,
    needsVault: true,
  },
  {
    words: ['settings', 'show'],
    summary: "show this OS user's settings (tpm-tcti) and the file they are kept in",
    usage: 'settings show [--json]',
    options: ['json', 'debug', 'help'],
    needsVault: false,
  },
  {
    words: ['settings', 'set'],
    summary: 'set a setting, such as tpm-tcti (the TPM to use: device:/dev/tpmrm0, swtpm:…)',
    usage: 'settings set NAME VALUE',
    operands: ['NAME', 'VALUE'],
    options: ['json', 'debug', 'help'],
    needsVault: false,
  },
  {
    words: ['settings', 'unset'],
    summary: 'remove a setting, so its default applies again',
    usage: 'settings unset NAME',
    operands: ['NAME'],
    options: ['json', 'debug', 'help'],
    needsVault: false,
  },
  {
    words: ['tokens', 'list'],
    summary: 'list the PKCS#11 tokens attached, with their PIN state',
    usage: 'tokens list [--module PATH]... [--json]',
    options: ['json', 'debug', 'help', 'module'],
    needsVault: false,
  },
  {
    words: ['tokens', 'objects'],
    summary: "list a token's keys and certificates, with where each key was born",
    usage: 'tokens objects --token SERIAL [--pin-file F] [--final-try] [--module PATH]... [--json]',
    options: [...TOKEN_COMMON, 'pin-file', 'final-try'],
    needsVault: false,
  },
  {
    words: ['tokens', 'import-certificate'],
    summary: 'store an X.509 certificate on a token beside the key it is for',
    usage:
      'tokens import-certificate --token SERIAL --cka-id HEX --file CERT.pem|der [--label L] [--pin-file F] [--final-try] [--module PATH]... [--json]',
    options: [...TOKEN_COMMON, 'cka-id', 'file', 'label', 'pin-file', 'final-try'],
    needsVault: false,
  },
  {
    words: ['tokens', 'init'],
    summary: 'initialise a new token: its label, security officer PIN and user PIN',
    usage:
      'tokens init --label L [--token SERIAL] [--so-pin-file F --pin-file F] [--module PATH]...',
    options: [...TOKEN_COMMON, 'label', 'so-pin-file', 'pin-file'],
    needsVault: false,
  },
  {
    words: ['tokens', 'change-pin'],
    summary: "change a token's user PIN",
    usage:
      'tokens change-pin --token SERIAL [--pin-file F --new-pin-file F] [--final-try] [--module PATH]...',
    options: [...TOKEN_COMMON, 'pin-file', 'final-try', 'new-pin-file'],
    needsVault: false,
  },
  {
    words: ['tokens', 'unblock-pin'],
    summary: "set a token's user PIN with the security officer PIN (first use, or a locked PIN)",
    usage:
      'tokens unblock-pin --token SERIAL [--so-pin-file F --new-pin-file F] [--final-try] [--module PATH]...',
    options: [...TOKEN_COMMON, 'so-pin-file', 'final-try', 'new-pin-file'],
    needsVault: false,
  },
  {
    words: ['inventory', 'export'],
    summary: 'export the inventory as a CycloneDX 1.6 CBOM (JSON)',
    usage: 'inventory export --vault PATH --format cbom [--out FILE]',
    options: [...COMMON, 'format', 'out'],
    needsVault: true,
  },
];
