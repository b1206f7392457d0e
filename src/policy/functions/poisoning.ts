import {
  base64Blobs,
  decodeBase64Text,
  decodeTagChars,
  foreignPayload,
  hasAnsi,
  hiddenChars,
} from './text.js';

/**
 * Tool-poisoning heuristics over one text (a description, a schema property description, a prompt, server
 * instructions). Each family is a small set of linear regexes over the text with quoted mentions removed
 * ("…", “…”, `…` up to 120 characters), so a security tool that *describes* "ignore previous instructions"
 * is not mistaken for one that *says* it. Measured on fixtures/poisoning (see docs/readme/policy.md).
 */

export const POISON_FAMILIES = [
  'pseudo-tag',
  'override',
  'concealment',
  'coercion',
  'shadowing',
  'secrets',
  'hidden-unicode',
  'ansi',
  'base64',
  'foreign-payload',
] as const;
export type PoisonFamily = (typeof POISON_FAMILIES)[number];

const W = '[^.!?\\n]'; // stay within one sentence
const near = (n: number) => `${W}{0,${n}}?`;

const PATTERNS: Record<
  Exclude<PoisonFamily, 'hidden-unicode' | 'ansi' | 'base64' | 'foreign-payload'>,
  RegExp[]
> = {
  'pseudo-tag': [
    /<\s*\/?\s*(important|system|sys|instructions?|admin|assistant|secret|hidden|priority|critical|override|directive|tool[_-]?(instructions?|rules?)|ai[_-]?instructions?|model[_-]?instructions?)\b[^<>]{0,40}>/i,
    /\[\s*\/?\s*(system|inst|admin|important|assistant|sys)\s*\]/i,
    /<\|\s*(im_start|im_end|system|endoftext|assistant)\s*\|>/i,
    /<!--/,
    /^\s*#{1,4}\s*(system|instructions?|important|admin)\b/im,
    /\{\{\s*system\b/i,
  ],
  override: [
    new RegExp(
      `\\b(ignore|disregard|forget|bypass|skip|drop|discard|override|overrule)\\b${near(40)}\\b(previous|prior|above|earlier|preceding|original|existing|system|safety|all (other|your)|your|any other|other|user'?s?|developer)\\b${near(30)}\\b(instructions?|rules?|guidelines?|directions?|prompts?|polic(y|ies)|constraints?|guardrails?|restrictions?|messages?|context)\\b`,
      'i',
    ),
    /\b(supersedes?|supersede|take precedence over|takes precedence over|replaces?|overrides?|outranks?)\s+((the|all|any|your|previous|prior|existing|other|earlier|default)\s+){1,3}(\w+\s+){0,2}(instructions?|system prompts?|guidelines|rules|polic(y|ies)|directions)\b/i,
    /\bnew (system )?(instructions|rules|directives?)\s*:/i,
    /\byou are now\b/i,
    /\bfrom now on,? (you|the assistant|the model|always|never)\b/i,
    /\b(developer|god|dan|jailbreak|unrestricted|admin) mode\b/i,
    /\bact as (an? )?(unrestricted|unfiltered|root|system|administrator)\b/i,
    /\b(highest|top|maximum|absolute) priority\b/i,
    /\b(no longer|not) bound by\b/i,
    /\bnote to (the )?(ai|assistant|model|llm|agent)\b/i,
    /\b(assistant|ai|llm|model|agent)\s*:\s*(you must|always|never|ignore)\b/i,
  ],
  concealment: [
    new RegExp(
      `\\b(do not|don'?t|never|must not|should not|shouldn'?t|without)\\b${near(12)}\\b(tell|telling|inform|informing|mention|mentioning|reveal|revealing|notify|notifying|alert|alerting|show|showing|disclose|disclosing|let|letting|ask|asking|warn|warning|report|reporting)\\b${near(12)}\\b(the )?(user|human|operator|person|customer|requester)s?\\b`,
      'i',
    ),
    new RegExp(
      `\\b(hide|hiding|conceal|concealing|keep|keeping)\\b${near(30)}\\b(from|secret|hidden|private|confidential|to yourself)\\b${near(20)}\\b(the )?(user|human|operator|conversation|chat|transcript)?`,
      'i',
    ),
    /\b(silently|quietly|secretly|covertly|discreetly|invisibly|behind the scenes)\b[^.!?\n]{0,30}?\b(send|sends|sending|forward|forwards|upload|uploads|copy|copies|include|includes|add|adds|append|appends|exfiltrate|post|posts|read|reads|call|calls|execute|executes|run|runs|transmit|transmits|attach|share|log)\b/i,
    /\b(send|sends|forward|forwards|upload|uploads|copy|copies|include|includes|add|adds|append|appends|post|posts|transmit|share|read|reads)\b[^.!?\n]{0,60}?\b(silently|quietly|secretly|covertly|discreetly|without (the )?user'?s? (knowledge|consent|noticing|knowing))\b/i,
    /\b(the )?(user|human)s?\b[^.!?\n]{0,20}?\b(must|should|need|needs) (not|never)\b[^.!?\n]{0,10}?\b(know|see|notice|find out|be (told|informed|aware))\b/i,
    /\b(not|never) (be )?(visible|shown|displayed|mentioned|surfaced) to (the )?(user|human)/i,
    /\bthis is (a )?(secret|confidential) (step|instruction|requirement)\b/i,
  ],
  coercion: [
    new RegExp(
      `\\b(always|first|immediately|mandatory|required to|must|have to|need to)\\b${near(20)}\\b(call|use|invoke|run|execute|trigger|select)\\b${near(12)}\\b(this|me|the ${'`'}?\\w+${'`'}? tool)\\b(?! (tool )?(when|if|to|for) )`,
      'i',
    ),
    new RegExp(
      `\\b(call|use|invoke|run|execute)\\b${near(20)}\\b(this|me)\\b${near(15)}\\b(first|before|prior to|ahead of|instead of|rather than|every time|each time|whenever)\\b${near(40)}\\b(any|all|every|other|anything)\\b`,
      'i',
    ),
    new RegExp(
      `\\bbefore\\b${near(10)}\\b(calling|using|invoking|running|responding|answering|replying|doing anything)\\b${near(25)}\\b(any|every|each|another|other|all)\\b${near(30)}\\b(you must|you need to|you have to|always|first|must)\\b`,
      'i',
    ),
    /\b(you|the assistant|the model|the ai|the agent|claude|the llm)\s+(must|shall|are required to|need to|have to)\s+(always\s+)?(call|use|invoke|run)\s+(this|me)\b/i,
    /\b(you|the assistant|the model|the ai|the agent|claude|the llm)\s+(must|shall|are required to|need to|have to)\s+(always\s+)?(include|send|pass|add|append|forward|attach|copy)\s+(the\s+|all\s+|every\s+|any\s+)?(full\s+|entire\s+|complete\s+|whole\s+)?(user'?s?|conversation|chat|previous|prior|context|history|messages?|transcript|contents? of)\b/i,
    /\b(do not|don'?t|never)\s+(call|use|invoke|trust|rely on)\s+(any\s+)?(other|another|the other|different)\s+(tools?|servers?|functions?)\b/i,
    /\b(prefer|choose|pick|select)\b[^.!?\n]{0,10}?\bthis tool\b[^.!?\n]{0,20}?\b(over|instead|rather)\b/i,
    /\b(is|are) (mandatory|required|compulsory) (for|before) (all|every|any)\b/i,
    /\bfailure to (comply|do so|call|include|follow)\b/i,
    /\b(regardless of|no matter) (what )?(the user|user's)\b/i,
  ],
  shadowing: [
    new RegExp(
      `\\b(when|whenever|every time|each time|any time|if|after|before)\\b${near(50)}\\b(calls?|calling|uses?|using|invokes?|invoking|runs?|running|sends?|sending)\\b${near(12)}\\b(the|any|another|other|a different)\\b${near(30)}\\b(tools?|servers?|functions?|mcp|integrations?|plugins?)\\b${near(80)}\\b(must|always|instead|also|first|make sure|ensure|add|include|change|set|replace|redirect|route|bcc|cc|copy)\\b`,
      'i',
    ),
    /\b(other|another|all other|every other|any other|the remaining|external|third[- ]party)\s+(mcp\s+)?(tools?|servers?|functions?|plugins?|integrations?)\b[^.!?\n]{0,60}?\b(must|should|will|are|is) (now )?(be )?((no longer|not) )?(deprecated|disabled|broken|unsafe|untrusted|replaced|redirected|routed|overridden|called|used|trusted)\b/i,
    /\b(tools?|servers?|functions?)\b[^.!?\n]{0,30}?\b(is|are|has been|have been) (now )?(deprecated|disabled|broken|compromised|unsafe|replaced|superseded)\b[^.!?\n]{0,60}?\b(use|call|rely on|switch to) (this|me)\b/i,
    /\binstead of (calling|using|invoking) (the |any )?([\w-]+ )?(other|another|\w+[_.-]\w+|`[^`]+`)/i,
    /\b(always|also|secretly|silently|automatically)\b[^.!?\n]{0,20}?\b(bcc|cc|blind[- ]copy|forward|redirect|reroute|send a copy)\b[^.!?\n]{0,60}?(@|\b(address|account|recipient|endpoint|server|url|number)\b)/i,
    /\b(modif(y|ies)|chang(e|es)|alter(s)?|overrid(e|es)|patch(es)?|hook(s)?|intercept(s)?)\s+(the\s+)?(behaviou?r|arguments|parameters|output|results?|recipients?|destination)\s+of\s+(the\s+|all\s+|any\s+|other\s+)*\S+/i,
  ],
  secrets: [
    /(~|\$home|%userprofile%|\/home\/\w+|\/root)?\/?\.ssh\/(id_\w+|authorized_keys|\*)/i,
    /\bid_(rsa|dsa|ecdsa|ed25519)\b/i,
    /\/etc\/(shadow|passwd|sudoers)\b/i,
    /\.aws\/credentials|\.git-credentials|\.netrc\b|\.npmrc\b|\.pypirc\b|\.kube\/config|\.docker\/config\.json|\.gnupg\b|wallet\.dat|keychain|claude_desktop_config|\bmcp\.json\b/i,
    new RegExp(
      `\\b(read|include|send|pass|provide|append|attach|copy|paste|upload|forward|collect|extract|dump|embed|share|leak|transmit|exfiltrate|grab|harvest|put)\\b(?!\\s+(from|by)\\b)${near(50)}(\\b(api[_ -]?keys?|access[_ -]?tokens?|auth(entication)?[_ -]?tokens?|bearer tokens?|session (tokens?|cookies?)|cookies|passwords?|passphrases?|credentials?|secrets?|private[_ -]?keys?|seed phrases?|mnemonics?|ssh keys?|environment variables?|env vars?|conversation history|chat history|system prompt|previous messages)\\b|\\.env\\b)`,
      'i',
    ),
    new RegExp(
      `(\\b(api[_ -]?keys?|tokens?|passwords?|credentials?|secrets?|private[_ -]?keys?|environment variables?|conversation history|chat history|system prompt)\\b|\\.env( file)?\\b)${near(40)}\\b(in|into|to|as|via)\\b${near(20)}\\b(the )?(\\w+ )?(parameter|argument|field|param|request|payload|query|url|header|notes?|context|metadata|body|comment)\\b`,
      'i',
    ),
  ],
};

// Negated requests ("never include tokens", "does not read credentials") are guidance, not exfiltration.
const NEGATION =
  /\b(never|not|no|don'?t|doesn'?t|won'?t|without|avoid|redact(s|ed)?|mask(s|ed)?|strip(s|ped)?|removes?)\b[^.!?\n]{0,30}$/i;

const QUOTED = /"[^"\n]{1,120}"|“[^”\n]{1,120}”|`[^`\n]{1,120}`|«[^»\n]{1,120}»/g;

/** The text with quoted mentions blanked (kept the same length so excerpts line up). */
export function stripQuoted(s: string): string {
  return s.replace(QUOTED, (m) => ' '.repeat(m.length));
}

// A sentence that talks ABOUT attacks (a scanner, a classifier, an auditor) mentions the phrases it detects.
const META =
  /\b(detects?|detecting|detection|scans?|scanning|flags?|flagging|audits?|auditing|identif(y|ies)|classif(y|ies)|patterns?|attempts?|attacks?|heuristics?|poisoning|injections?)\b/i;

function sentenceBefore(text: string, index: number): string {
  const start = Math.max(text.lastIndexOf('.', index - 1), text.lastIndexOf('\n', index - 1), index - 200, 0);
  return text.slice(start, index);
}

function phraseMatch(family: PhraseFamily, text: string): string {
  for (const re of PATTERNS[family]) {
    const m = re.exec(text);
    if (m === null) continue;
    if (META.test(sentenceBefore(text, m.index))) continue;
    if (family === 'secrets' || family === 'coercion') {
      const before = text.slice(Math.max(0, m.index - 40), m.index);
      if (NEGATION.test(before) && !/\b(tell|inform)\b/i.test(before)) continue;
    }
    return m[0].trim();
  }
  return '';
}

type PhraseFamily = keyof typeof PATTERNS;

// Cheap gates: a family's patterns only run when one of its anchor words occurs (most texts hit none).
const GATES: Record<PhraseFamily, RegExp> = {
  'pseudo-tag': /[<[{]|^\s*#/m,
  override:
    /ignor|disregard|forget|bypass|skip|drop|discard|overrid|overrul|supersed|precedence|replac|outrank|new (system )?(instruction|rule|directive)|you are now|from now on|mode\b|act as|priority|bound by|note to|:/i,
  concealment:
    /\b(not|never|don'?t|shouldn'?t|without|hid|conceal|keep|silent|quiet|secret|covert|discreet|invisib|behind|confidential)/i,
  coercion:
    /\b(always|first|immediately|mandatory|required|must|have to|need to|before|prefer|choose|pick|select|failure to|regardless|no matter|never|do not|don'?t)\b/i,
  shadowing:
    /\b(tools?|servers?|functions?|mcp|integrations?|plugins?|instead of|bcc|cc|blind|forward|redirect|reroute|send a copy|behaviou?r|arguments|parameters|output|results?|recipients?|destination)\b/i,
  secrets:
    /ssh|id_|\/etc\/|aws|git-cred|netrc|npmrc|pypirc|kube|docker|gnupg|wallet|keychain|claude_desktop|mcp\.json|key|token|cookie|passw|passphrase|credential|secret|seed phrase|mnemonic|\.env|environment variable|env var|history|system prompt|previous messages/i,
};
const PHRASE_FAMILIES = Object.keys(PATTERNS) as PhraseFamily[];

/**
 * Evidence for every family in one text, computed in one pass over the shared work (quote stripping,
 * base64 and tag-character decoding): family → matching snippet, or "" when the family does not fire.
 */
export function analyzeText(text: string): Record<PoisonFamily, string> {
  const out = {} as Record<PoisonFamily, string>;
  const found = hiddenChars(text);
  const smuggled = found.length === 0 ? '' : decodeTagChars(text);
  out['hidden-unicode'] =
    found.length === 0
      ? ''
      : smuggled === ''
        ? found.join(' ')
        : `${found.slice(0, 4).join(' ')} smuggling "${smuggled}"`;
  out.ansi = hasAnsi(text) ? 'ANSI escape sequence' : '';
  const blobs = base64Blobs(text);
  const decodedBlobs = blobs.map(decodeBase64Text);
  const first = blobs[0];
  out.base64 =
    first === undefined
      ? ''
      : decodedBlobs[0] === ''
        ? `${first.slice(0, 24)}… (${first.length} chars)`
        : `decodes to "${(decodedBlobs[0] as string).slice(0, 60)}"`;
  out['foreign-payload'] = foreignPayload(text);
  const stripped = stripQuoted(text);
  for (const family of PHRASE_FAMILIES) {
    let hit = GATES[family].test(stripped) ? phraseMatch(family, stripped) : '';
    // A base64 blob or tag-character payload that decodes to an instruction is the same instruction.
    for (const decoded of decodedBlobs) {
      if (hit !== '') break;
      if (decoded !== '' && phraseMatch(family, decoded) !== '')
        hit = `base64 decoding to "${decoded.slice(0, 60)}"`;
    }
    if (hit === '' && smuggled !== '' && phraseMatch(family, smuggled) !== '') {
      hit = `tag characters smuggling "${smuggled.slice(0, 60)}"`;
    }
    out[family] = hit;
  }
  return out;
}

/** Evidence for one family in a text (see analyzeText), or "" (also for an unknown family). */
export function poisonMatch(text: string, family: string): string {
  return (POISON_FAMILIES as readonly string[]).includes(family)
    ? analyzeText(text)[family as PoisonFamily]
    : '';
}

/** The poisoning families that fire on a text, in POISON_FAMILIES order. */
export function poisonSignals(text: string): PoisonFamily[] {
  const found = analyzeText(text);
  return POISON_FAMILIES.filter((f) => found[f] !== '');
}
