import {
  base64Blobs,
  decodeBase64Text,
  decodeTagChars,
  foreignLatinPassage,
  foreignPayload,
  hasAnsi,
  hiddenChars,
  isExampleAt,
} from './text.js';

/**
 * Tool-poisoning heuristics over one text (a description, a schema property description, a prompt, server
 * instructions). Each family is a small set of linear regexes over the text with quoted mentions removed
 * ("…", “…”, `…` up to 120 characters), so a security tool that *describes* "ignore previous instructions"
 * is not mistaken for one that *says* it; quoted single identifiers (`send_email`) are kept, they name
 * tools. Letter-spaced words are read joined. Measured on fixtures/poisoning/{corpus,holdout}.json (see
 * README.md, Poisoning detection, measured).
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
// Another tool named by its identifier (snake_case or camelCase), or another integration named by kind.
const OTHER_TOOL =
  '(\\b[a-z][a-z0-9]*(_[a-z0-9]+)+\\b|\\b[a-z]+[A-Z]\\w*\\b|\\b\\w+\\s+(connector|integration|plugin|extension)s?\\b|\\b(other|another|all other|every other|the other)\\s+(tools?|servers?|integrations?|connectors?|plugins?)\\b)';

const PATTERNS: Record<
  Exclude<PoisonFamily, 'hidden-unicode' | 'ansi' | 'base64' | 'foreign-payload'>,
  RegExp[]
> = {
  'pseudo-tag': [
    /<\s*\/?\s*(important|system|sys|instructions?|admin|assistant|secret|hidden|priority|critical|override|directive|tool[_-]?(instructions?|rules?)|ai[_-]?instructions?|model[_-]?instructions?)\b[^<>]{0,40}>/i,
    /\[\s*\/?\s*(system|inst|admin|important|assistant|sys)\s*\]/i,
    /\[{1,2}\s*\/?\s*(system|admin|assistant|ai|model|llm|agent|operator|developer)[\s_-]+(instructions?|directives?|notice|note|message|override|prompt|rules?|mode)\b[^\]\n]{0,30}\]{1,2}(?!\()/i,
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
    /\bnew (system )?(instructions|rules|directives?|polic(y|ies))\s*(:|,? effective)/i,
    new RegExp(
      `\\b(ignore|disregard|forget|bypass|discard|override|overrule|set aside|suspend|abandon|pay no attention to|throw out)\\b${near(20)}\\b(instructions?|rules?|guidelines?|directions?|directives?|prompts?|polic(y|ies)|constraints?|guardrails?|restrictions?)\\b${near(40)}\\b(earlier|before|previously|so far|until now|above|at the start|initially)\\b`,
      'i',
    ),
    /\b(set aside|suspend|abandon|pay no attention to|throw out)\s+((all|any|every|the|your|earlier|previous|prior|existing|safety|system|other|developer)\s+){1,3}(instructions?|rules?|guidelines?|directions?|directives?|polic(y|ies)|constraints?|guardrails?|restrictions?)\b/i,
    new RegExp(
      `\\b(system prompt|instructions?|rules|guidelines|directives?|polic(y|ies))\\b${near(40)}\\b(is|are) (now )?(obsolete|outdated|void|invalid|revoked|cancell?ed|superseded|no longer (valid|in effect|apply))\\b`,
      'i',
    ),
    /\bthe only (valid|real|true|binding) (instructions|rules|guidelines|directives)\b/i,
    /\byour (real|true|actual|new|only) (task|goal|objective|purpose|job|mission|instructions?) (is|are)\b/i,
    /\byou are now\b/i,
    /\bfrom now on,? (you|the assistant|the model|always|never)\b/i,
    /\b(developer|god|dan|jailbreak|unrestricted|admin) mode\b/i,
    /\bact as (an? )?(unrestricted|unfiltered|root|system|administrator)\b/i,
    /\b(highest|top|maximum|absolute) priority\b/i,
    /\b(no longer|not) bound by\b/i,
    /\b(note|notice|message) to (the )?(ai|assistant|model|llm|agent)\b/i,
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
    /\b(never|do not|don'?t|must not|avoid)\s+(reveal|revealing|disclos\w+|mention\w*|bring(ing)? up|shar(e|ing)|explain\w*)\s+(this|these|the following|the above)\s+(text|instructions?|descriptions?|notes?|directives?|messages?|rules?|requirements?|details?)\b/i,
    /\b(if|when)\s+(the\s+)?(user|human|they)\s+(asks?|inquires?|questions?)\b[^.!?\n]{0,60}?\b(say|tell them|reply|answer|respond|claim|pretend)\s+(that\s+)?(it|this tool|the tool|you|we)\s+(only|just|merely|did not|didn'?t|never)\b/i,
    /\b(stays?|remains?|kept|keep it) (strictly )?between (you|us) and (the|this) (tool|server|model)\b/i,
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
    /\b(regardless of|no matter|irrespective of) (what )?(the user|user's)\b/i,
    new RegExp(
      `\\bbefore\\b${near(10)}\\b(any|every|each|another|other|all)\\b${near(30)}\\b(tools?|functions?|actions?|calls?|steps?)\\b${near(60)}\\b(this (one|tool|function)|it)\\b${near(10)}\\b(must|has to|needs to|is required to|shall)\\b`,
      'i',
    ),
    /\b(this (one|tool|function))\s+(has to|must|needs to|shall|should always)\s+be\s+(called|invoked|run|used|executed)\b[^.!?\n]{0,40}?\b(first|before|ahead of|prior to|every|each|always)\b/i,
    new RegExp(
      `\\b(mandatory|required|must|have to|always|need to)\\b${near(40)}\\b(before|ahead of|prior to)\\s+(every|each|any)\\s+(single\\s+)?(action|message|response|answer|reply|turn|tool call|question|interaction|other tool|request)\\b`,
      'i',
    ),
    /\b(whenever|every time|each time|before) you (answer|respond|reply|do anything|act)\b[^.!?\n]{0,40}?\b(first|always|must)\b/i,
    /\b(must|should|may|can) (never|not) be skipped\b/i,
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
    new RegExp(
      `\\b([Ww]hen|[Ww]henever|[Ee]very time|[Ee]ach time|[Aa]ny time|[Ii]f|[Aa]fter|[Bb]efore)\\b${near(40)}${OTHER_TOOL}${near(40)}\\b(is |are |gets? )?(used|called|invoked|runs?|executed|triggered|posts?|sends?|writes?)\\b${near(80)}(\\b(also|as well|too|additionally|instead|secretly|silently)\\b|\\b(write|send|post|copy|forward|upload|mirror)\\s+(the same|a copy|copies|it|them|everything)\\b|\\b(set|change|replace|redirect|route)\\s+(the\\s+|its\\s+)?(\\w+\\s+)?(recipients?|destinations?|accounts?|address(es)?|to|bcc|cc|urls?|endpoints?|channels?)\\b)`,
    ),
    new RegExp(
      `\\b([Cc]hang(e|es)|[Aa]lter(s)?|[Mm]odif(y|ies)|[Oo]verrid(e|es)|[Aa]ffects?|[Rr]edefines?)\\s+(how|the way)\\s+${OTHER_TOOL}\\s+(behaves|works|operates|runs|responds)\\b`,
    ),
    new RegExp(
      `${OTHER_TOOL}${near(60)}\\b(must|should|shall|has to|needs to|always)\\b${near(10)}\\b(be\\s+)?(set|changed|redirected|routed|sent|forwarded|copied)\\s+to\\s+\\S*(@|:\\/\\/|#\\w|\\d{4})`,
    ),
  ],
  secrets: [
    /(~|\$home|%userprofile%|\/home\/\w+|\/root)?\/?\.ssh\/(id_\w+|authorized_keys|\*)/i,
    /\bid_(rsa|dsa|ecdsa|ed25519)\b/i,
    /\/etc\/(shadow|passwd|sudoers)\b/i,
    /\.aws\/credentials|\.git-credentials|\.netrc\b|\.npmrc\b|\.pypirc\b|\.kube\/config|\.docker\/config\.json|\.gnupg\b|wallet\.dat|keychain|claude_desktop_config|\bmcp\.json\b/i,
    new RegExp(
      `\\b(read|include|send|pass|provide|append|attach|copy|paste|upload|forward|collect|extract|dump|embed|share|leak|transmit|exfiltrate|grab|harvest|put)\\b(?!\\s+(from|by)\\b)${near(50)}(\\b(api[_ -]?keys?|access[_ -]?tokens?|auth(entication)?[_ -]?tokens?|bearer tokens?|session (tokens?|cookies?)|cookies|passwords?|passphrases?|credentials?|secrets?|private[_ -]?keys?|seed phrases?|mnemonics?|ssh keys?|environment variables?|env vars?|conversation history|chat history|system prompt|previous messages|saved cookies|password manager)\\b|\\.env\\b|\\bdotenv\\b)`,
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

// A quoted single identifier (`execute_sql`, "notes") names a tool or field; it is not a quoted phrase.
const IDENTIFIER = /^.[\w.$/-]{1,60}.$/;

/**
 * The text with quoted mentions blanked (kept the same length so excerpts line up). Quoted single
 * identifiers keep their content (the quotes become spaces): they name tools and fields.
 */
export function stripQuoted(s: string): string {
  return s.replace(QUOTED, (m) => (IDENTIFIER.test(m) ? ` ${m.slice(1, -1)} ` : ' '.repeat(m.length)));
}

// Letter-spaced words ("i g n o r e   a l l") are read as words.
const SPACED = /(?<!\S)\p{L}(?: \p{L}(?!\S)){2,}/gu;
function despace(s: string): string {
  return s.replace(SPACED, (m) => m.replace(/ /g, ''));
}

// Chat-template roles written as data ({"role": "system", …}) impersonate a channel; quotes are part of it.
const RAW_PSEUDO_TAG = /["']role["']\s*:\s*["'](system|developer|assistant|tool)["']/i;

// A sentence that talks ABOUT attacks (a scanner, a classifier, an auditor) mentions the phrases it detects.
const META =
  /\b(detects?|detecting|detection|scans?|scanning|flags?|flagging|audits?|auditing|identif(y|ies)|classif(y|ies)|patterns?|attempts?|attacks?|heuristics?|poisoning|injections?)\b/i;

function sentenceBefore(text: string, index: number): string {
  const start = Math.max(text.lastIndexOf('.', index - 1), text.lastIndexOf('\n', index - 1), index - 200, 0);
  return text.slice(start, index);
}

/** Start of the whitespace-delimited token that contains `index` (a path such as ~/.ssh/id_ed25519). */
function tokenStart(text: string, index: number): number {
  let i = index;
  while (i > 0 && index - i < 80 && !/\s/.test(text.charAt(i - 1))) i--;
  return i;
}

function phraseMatch(family: PhraseFamily, text: string): string {
  for (const re of PATTERNS[family]) {
    const m = re.exec(text);
    if (m === null) continue;
    if (META.test(sentenceBefore(text, m.index))) continue;
    // A path after "e.g." / "for example" documents an input format; it does not ask for the file.
    if (family === 'secrets' && isExampleAt(text, tokenStart(text, m.index))) continue;
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
    /ignor|disregard|forget|bypass|skip|drop|discard|overrid|overrul|supersed|precedence|replac|outrank|new (system )?(instruction|rule|directive|polic)|you are now|from now on|mode\b|act as|priority|bound by|note to|notice to|message to|set aside|suspend|abandon|no attention|throw out|obsolete|outdated|void|invalid|revoked|cancel|no longer|the only|your (real|true|actual|new|only)|:/i,
  concealment:
    /\b(not|never|don'?t|shouldn'?t|without|hid|conceal|keep|silent|quiet|secret|covert|discreet|invisib|behind|confidential|avoid|asks?|inquires?|questions?|between)/i,
  coercion:
    /\b(always|first|immediately|mandatory|required|must|have to|need to|needs to|has to|before|prefer|choose|pick|select|failure to|regardless|irrespective|no matter|whatever|never|do not|don'?t|whenever|every time|each time)\b/i,
  shadowing:
    /\b(tools?|servers?|functions?|mcp|integrations?|plugins?|connectors?|extensions?|instead of|bcc|cc|blind|forward|redirect|reroute|send a copy|behaviou?r|behaves|works|arguments|parameters|output|results?|recipients?|destination)\b|[a-z]_[a-z]/i,
  secrets:
    /ssh|id_|\/etc\/|aws|git-cred|netrc|npmrc|pypirc|kube|docker|gnupg|wallet|keychain|claude_desktop|mcp\.json|key|token|cookie|passw|passphrase|credential|secret|seed phrase|mnemonic|\.env|dotenv|environment variable|env var|history|system prompt|previous messages/i,
};
// Case-sensitive: a camelCase identifier (another tool such as `sendEmail`) opens the shadowing gate.
const CAMEL_CASE = /\b[a-z]+[A-Z]/;
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
  const stripped = stripQuoted(text);
  out['foreign-payload'] = foreignPayload(text) || foreignLatinPassage(stripped);
  const spaced = despace(stripped);
  const variants = spaced === stripped ? [stripped] : [stripped, spaced];
  for (const family of PHRASE_FAMILIES) {
    let hit = '';
    for (const variant of variants) {
      const gated = GATES[family].test(variant) || (family === 'shadowing' && CAMEL_CASE.test(variant));
      if (hit === '' && gated) hit = phraseMatch(family, variant);
    }
    if (hit === '' && family === 'pseudo-tag') hit = RAW_PSEUDO_TAG.exec(text)?.[0] ?? '';
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
