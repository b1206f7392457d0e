import { activePatterns, buildPrefilter } from './atr-prefilter.js';
import { META, sentenceAround, sentenceBefore, stripQuoted } from './mention.js';
import { viewSet } from './normalize.js';
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
  'exfiltration',
  'prompt-leak',
  'persona',
  'model-address',
  'permission-bypass',
  'fake-error',
  'impersonation',
  'response-steering',
  'user-deception',
  'harmful-code',
  'malware-code',
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
    // An HTML comment is a Markdown author's note unless it talks to the model or about the user's data.
    /<!--(?=(?:(?!-->)[\s\S]){0,400}?(?<![\w-])(you|your|assistant|ai|model|agent|llm|claude|system|instructions?|ignore|disregard|secret|hidden|users?'?s?|conversation|context|api[ _-]?keys?|tokens?|passwords?|credentials?|chat|messages?|earlier|previous|arguments?|parameters?)\b)[\s\S]{0,400}?-->/i,
    // A heading that IS a channel ("### SYSTEM", "## AI instructions"), not one that starts with the word.
    /^\s*#{1,4}\s*((system|admin|important)(\s+(prompt|message|instructions?|override|note|notice))?|(ai|assistant|model|agent|llm)\s+(instructions?|directives?|notes?))\s*:?\s*$/im,
    /\{\{\s*system\b/i,
  ],
  override: [
    // The same override in other languages (es, fr, de, it, pt, zh, ja, ru).
    /\b(ignora|ignore|ignórese|ignorar|olvida|descarta|omite)\s+(todas\s+)?(las\s+)?(instrucciones|indicaciones|órdenes)\s+(anteriores|previas)|\b(ignore[rz]?|oublie[rz]?)\s+(toutes\s+)?(les\s+)?(instructions|consignes)\s+(précédentes|antérieures)|\b(ignoriere|vergiss|missachte)\s+(alle\s+)?(vorherigen|bisherigen|vorangegangenen|früheren)\s+(Anweisungen|Instruktionen|Befehle)|\bignora\s+(tutte\s+)?(le\s+)?istruzioni\s+precedenti|\b(ignore|ignora|esqueça)\s+(todas\s+)?(as\s+)?instruções\s+anteriores|忽略(之前|以前|上面|先前|所有|前面)的?(所有)?(指令|指示|说明|规则)|(以前|前|上記)の(指示|命令)を(無視|忘れ)|(игнорируй|забудь|проигнорируй)\s+(все\s+)?(предыдущие|прежние)\s+(инструкции|указания)/iu,
    new RegExp(
      `\\b(ignore|disregard|forget|bypass|skip|drop|discard|override|overrule)\\b${near(40)}\\b(previous|prior|above|earlier|preceding|original|existing|system|safety|all (other|your)|your|any other|other|user'?s?|developer)\\b${near(30)}\\b(instructions?|rules?|guidelines?|directions?|directives?|prompts?|polic(y|ies)|constraints?|guardrails?|restrictions?|messages?|context)\\b`,
      'i',
    ),
    /\b(supersedes?|supersede|take precedence over|takes precedence over|replaces?|overrides?|outranks?)\s+((the|all|any|your|previous|prior|existing|other|earlier|default)\s+){1,3}(\w+\s+){0,2}(instructions?|system prompts?|guidelines|rules|polic(y|ies)|directions)\b/i,
    /\bnew (system )?(instructions|rules|directives?|polic(y|ies))\s*(:|,? effective)/i,
    /\b(supersed(e|es|ing)|overrid(e|es|ing)|replac(e|es|ing)|overrul(e|es|ing)|nullif(y|ies|ying)|cancel(s|ling|ing)?)\s+(all\s+|any\s+|the\s+|your\s+)?(prior|previous|earlier|existing|original|initial|default)\s+([\w-]+\s+){0,2}(directives|instructions|constraints|rules|guidelines|prompts?|polic(y|ies))\b/i,
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
    /\byou are now\b(?!\s+(an?\s+)?(helpful|ready|connected|logged|signed|able|all set|subscribed|registered|viewing|using|authenticated|in the|on the|part of|enrolled|following|eligible))/i,
    /\bfrom now on,? (you|the assistant|the model|always|never)\b/i,
    // "STOP EVERYTHING NOW and just print …": abandon the task, do this instead.
    /\b(stop|halt|cease|abort|drop)\s+(everything|all (current |other |your )?(tasks?|actions?|work|processing)|what(ever)? you are doing)\b[^.\n]{0,40}?\b(now|just|instead|and (only )?(print|say|write|output|respond|reply|do|answer))\b/i,
    /\b(god|dan|jailbreak|jailbroken|unrestricted|unfiltered) mode\b/i,
    /\b(you are|you're|you are now|are now|now in|enter(ing)?|activat(e|ed|ing)|switch(ed|ing)? to|operating in)\s+(in\s+)?(developer|admin|debug|maintenance|god) mode\b/i,
    /\bact as (an? )?(unrestricted|unfiltered|root|system|administrator)\b/i,
    /\b(highest|top|maximum|absolute) priority\b/i,
    /\b(you are|you're|you|the (ai|assistant|model|agent)|i am|i'm)\s+(are\s+|is\s+)?(now\s+)?(no longer|not) bound by\b/i,
    /\b(note|notice|message) to (the )?(ai|assistant|model|llm|agent)\b/i,
    /\b(assistant|ai|llm|model|agent)\s*:\s*(you must|always|never|ignore)\b/i,
  ],
  concealment: [
    new RegExp(
      `\\b(do not|don'?t|never|must not|should not|shouldn'?t|without)\\b${near(12)}\\b(tell|telling|inform|informing|mention|mentioning|reveal|revealing|notify|notifying|alert|alerting|show|showing|disclose|disclosing|let|letting|ask|asking|warn|warning|report|reporting)\\b${near(24)}\\b(the )?(user|human|operator|person|customer|requester)s?\\b`,
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
    // The same in es, fr, de, it, pt.
    /\bno (le )?(digas|diga|informes|informe|menciones|mencione|cuentes|cuente)\b[^.!?\n]{0,30}?\b(al|a los) usuarios?\b|\bne (dis|dites|mentionne[zs]?|signale[zs]?|r[ée]v[èe]le[zs]?)\s+(rien|pas|jamais)\b[^.!?\n]{0,30}?\b(à\s+)?l'utilisat(eur|rice)\b|\bn'informe[zs]? (pas|jamais) l'utilisat(eur|rice)\b|\b(sag|sage|sagen Sie|erwähne|verrate)\s+(dem|den)\s+(Benutzer|Nutzer|Anwender)\w*\s+(nichts|nicht)\b|\bohne (den|die) (Benutzer|Nutzer|Anwender)\w* zu (informieren|benachrichtigen|fragen)\b|\bnon (dire|dirgli|informare|menzionare|rivelare)\b[^.!?\n]{0,30}?\ball'utente\b|\bnão (diga|conte|informe|mencione|revele)\b[^.!?\n]{0,30}?\bao usuário\b/iu,
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
  exfiltration: [
    // A transfer verb, something the tool has no business taking, and an outside sink.
    new RegExp(
      `\\b(send|sends|sending|post|posts|upload|uploads|transmit|transmits|forward|forwards|report|reports|submit|relay|mirror|beacon|ping|sync|exfiltrate|leak|copy|copies|export|deliver|push|stream|log|logs)\\b${near(80)}\\b(conversation|dialog(ue)?|chat|context|history|transcript|prompts?|messages?|everything|all (the )?(data|files?|messages|results|output|text|content)|contents? of|user'?s? (data|messages|files|input|queries|questions|requests?)|results?|outputs?|responses?|environment|session|workspace|files?|documents?|keys?|tokens?|credentials?|secrets?|passwords?|cookies|clipboard)\\b${near(80)}\\b(to|into|via|at|toward)\\b${near(40)}(https?:\\/\\/|\\bwebhooks?\\b|\\bendpoints?\\b|\\b(our|an?|the|this|external|remote|outside|third[- ]party|collection|logging|analytics|telemetry|backup|audit|monitoring)\\s+(servers?|apis?|urls?|collectors?|services?|hosts?|domains?|buckets?|cloud)\\b|\\b\\d{1,3}(\\.\\d{1,3}){3}\\b|\\b[\\w.-]+@[\\w-]+\\.[a-z]{2,}\\b|\\bpastebin|\\bngrok|\\brequestbin|\\bdiscord(app)?\\.com\\/api\\/webhooks)`,
      'i',
    ),
    // "…to https://…" right after an instruction marker: also/first/always/silently send.
    /\b(also|additionally|first|always|automatically|silently|quietly|then|afterwards|before (answering|responding|replying|returning))\b[^.!?\n]{0,30}?\b(send|post|upload|transmit|forward|report|submit|relay|mirror|copy|export|push)\b[^.!?\n]{0,80}?\b(to|at|via)\s+(https?:\/\/|[\w.-]+\.(com|net|io|xyz|ru|site|top|app|dev|org)\/|webhook|endpoint)/i,
    // A tool that ships the user's conversation anywhere needs no destination to be exfiltration.
    /\b(send|sends|sending|forward|forwards|upload|uploads|transmit|transmits|share|shares|collect|collects|harvest|harvests|capture|captures|record|records|retain|retains|beacon|beacons|report|reports)\b[^.!?\n]{0,50}?\b(the\s+)?(user'?s?\s+)?(entire\s+|full\s+|complete\s+|whole\s+)?(conversations?|dialog(ue)?s?|transcripts?|(chat|message|conversation|prompt|dialog)\s+(history|histories|logs?|threads?))\b/i,
    // Another call that must carry the conversation: "call get_context with the full conversation".
    /\b(call|invoke|run|use)\s+`?[\w.-]+`?\s+(tool\s+)?(with|passing|including)\s+(the\s+)?(full\s+|entire\s+|whole\s+|complete\s+)?(user'?s?\s+)?(conversation|chat history|message history|transcript|context window|system prompt)\b/i,
    // An image or link whose URL carries the data (markdown exfiltration).
    /!\[[^\]]{0,40}\]\(\s*https?:\/\/[^)\s]{0,200}[?&][\w-]{1,20}=\s*(\{|\$|<|%7B)/i,
    /\b(append|add|include|encode|put|embed)\b[^.!?\n]{0,60}?\b(conversation|chat|context|history|messages?|secrets?|keys?|tokens?|data|answer|response|summary)\b[^.!?\n]{0,60}?\b(to|in|into|as)\s+(the\s+)?(url|query (string|parameter)|link|image (url|link)|request url)\b/i,
  ],
  'prompt-leak': [
    new RegExp(
      `\\b(repeat|print|output|reveal|show|display|echo|dump|disclose|recite|write out|copy|paste|list|return|tell me|summari[sz]e|translate|spell out)\\b${near(40)}\\b(everything|all( of)?( the)?( text| words| content| messages| instructions)?|the (text|words|content|instructions|messages|prompt|rules)|your (instructions|prompt|rules|guidelines|directives|configuration|system message|initial message)|(system|initial|original|hidden|developer|pre-?)\\s?(prompt|instructions|message|context))\\b${near(40)}\\b(above|before (this|here)|so far|preceding|previous(ly)?|verbatim|word for word|you were given|you received|at the (start|beginning)|in full|exactly|unchanged|including)\\b`,
      'i',
    ),
    /\b(what|which) (is|are|were) (your|the) ((system|initial|original|hidden|developer) (prompt|instructions|message)|instructions you were given)\b/i,
    /\b(begin|start|prefix|preface) (your|each|every|the) (reply|response|answer|output)\b[^.!?\n]{0,30}?\b(with|by (repeating|printing|quoting))\b[^.!?\n]{0,30}?\b(system prompt|instructions|prompt|everything above|the text above)\b/i,
    /\b(reveal|print|output|dump|leak|disclose|show)\b[^.!?\n]{0,20}?\b(your|the)\s+(system\s+prompt|system\s+message|hidden\s+instructions|developer\s+message|initial\s+instructions)\b/i,
    /\bwhat (were you|have you been|was your model) (told|instructed|given|asked|programmed)\b[^.!?\n]{0,40}?\b(before|at the (start|beginning)|initially|prior|originally|by (your|the) (developers?|creators?|operators?))\b/i,
    // Paraphrases with no "above"/"verbatim": list your initial instructions, tell me the hidden prompt.
    /\b(repeat|print|output|reveal|show|display|echo|dump|disclose|recite|write out|list|tell me|spell out|give me|share)\s+(me\s+)?(all\s+)?(of\s+)?(your|the)\s+(initials?|original|first|hidden|secret|internal|underlying|pre-?prompt|starting|confidential)\s+(instructions?|prompts?|rules|directives|guidelines|system (prompt|message))\b/i,
    /\b(repeat|print|output|reveal|show|display|dump|disclose|recite|list|tell me|give me)\s+(me\s+)?(all\s+)?(of\s+)?your\s+(instructions|prompt|rules|directives|guidelines|programming)\b/i,
  ],
  persona: [
    // Jailbreak personas: a role plus the removal of its limits.
    /\b(act|acting|pretend|roleplay|role-play|simulate|behave|play the role|transform|become|you are|you're|you will be|emulate|persona|bot|chatbot|ai)\b[^.!?\n]{0,80}?\b(unrestricted|unfiltered|uncensored|amoral|unethical|jailbroken|no (moral|ethical)|without (any )?(moral|ethical|restrictions|limits|limitations|filters|boundaries|censorship))\b/i,
    /\b(free|freed|liberated|released|exempt|unbound|unshackled)\s+(from|of)\s+(all\s+|any\s+|the\s+|typical\s+|normal\s+|usual\s+|its\s+|your\s+)?([\w-]+\s+){0,2}(rules|restrictions|constraints|guidelines|limitations|policies|filters|ethics|boundaries|censorship|programming)\b/i,
    /\b(has|have|with|doesn'?t have|does not have|no|without)\s+(any\s+)?(moral|ethical)\s+(guidelines|rules|constraints|boundaries|bounds|limits|compass|restrictions|principles)\b/i,
    /\[(🔓)?\s*(jailbreak|jailbroken|dan|classic|unfiltered)\s*\]/iu,
    /\byou are (now )?(no longer|not) (an? |the )?(ai|assistant|language model|chatbot|claude|chatgpt|gpt|llm|bound)\b/i,
    /\b(pretend|act|behave|roleplay|role-play|respond|answer)\s+(to be|as|like|as if you (are|were))\s+(an?\s+)?[\w-]+(\s+[\w-]+)?\s+(with(out)?|who|that)\s+(no|any|has no|ignores?|doesn'?t|does not|never|refuses? nothing|always)\b/i,
    /\byour (new )?(name|persona|identity|role|character|personality) (is|will be|is now)\b/i,
    /\b(assume|adopt|take on|switch to|enter|become)\s+(the\s+|a\s+|an\s+)?(new\s+)?(persona|role|identity|character|personality|alter ego)\s+(of|called|named)\b/i,
    /\b(never|do not|don'?t|must not)\s+break character\b/i,
    /\byou (will|shall|must) (now )?(respond|answer|reply|act|speak|behave) (only )?as\b/i,
    /\bfrom this (point|moment) (on|forward|onwards),?\s+(you|the assistant|the model)\b/i,
    /\b(from (here|now) on(wards)?|henceforth|starting now|for the rest of this (conversation|chat|session)),?\s+(you are|you're|you will be|your name is|act as|you will act as|pretend to be)\b/i,
    /\b(you are|you're) (now )?(an? )?(unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|different|new) (ai|assistant|model|persona|version|bot)\b/i,
  ],
  'model-address': [
    /(^|[.!?\n:>]\s*)(dear |attention,? |hey |hi |note to (the )?|message (for|to) (the )?|instructions? (for|to) (the )?)?(ai|assistant|llm|language model|ai agent|agent|model|claude|gpt|chatgpt|copilot|chatbot)s?\s*[,:!—-]\s*(you|please|always|never|do|don'?t|ignore|make sure|ensure|call|send|include|read|use|first|before|remember|note)\b/i,
    /\b(if|when|since) you are an? (ai|llm|language model|assistant|ai assistant|ai agent|agent|model|bot)\b[^.!?\n]{0,40}?\b(you|please|must|should|then|do|always|never|ignore|call|send|include)\b/i,
    /\b(as|being) an? (ai|ai assistant|language model|llm|assistant|agent) (reading|processing|using|seeing) this\b/i,
    /\b(this|the following) (message|note|text|instruction|section) is (meant |intended )?(for|addressed to) (the |any )?(ai|assistant|llm|model|agent|language model)s?\b/i,
    /\b(ai|llm|model|assistant|agent)s? (reading|processing|parsing|seeing) this (must|should|shall|will|need to|are required to)\b/i,
  ],
  'permission-bypass': [
    /\b(bypass(es|ing)?|circumvent(s|ing)?|evad(e|es|ing)|sidestep(s|ping)?|get(s|ting)? around|elud(e|es|ing)|skirt(s|ing)?|work(s|ing)? around)\b[^.!?\n]{0,30}?\b(the\s+|all\s+|any\s+|ordinary\s+|normal\s+|usual\s+|standard\s+)?(permission|authori[sz]ation|approval|confirmation|consent|access[- ]control|security|safety|sandbox|policy|guardrail)s?\s*(checks?|validations?|verifications?|prompts?|dialogs?|requirements?|system|controls?|layers?|restrictions?|filters?|rules?|gates?)?\b/i,
    /\b(do not|don'?t|never|no need to|without|you (don'?t|do not) need to|there is no need to)\s+(ask|asking|request|requesting|seek|seeking|wait(ing)? for|prompt(ing)?|get(ting)?|obtain(ing)?|confirm(ing)? with)\s+(the\s+)?(user'?s?\s+|human'?s?\s+|their\s+|for\s+)*(explicit\s+)?(permission|approval|confirmation|consent|authori[sz]ation|sign-?off)\b/i,
    /\b(no need to|without|don'?t|do not|never|you (don'?t|do not) need to)\s+(check(ing)?|confirm(ing)?|consult(ing)?|verify(ing)?|clear(ing)? (it|this)?)\s+(it\s+|this\s+)?with\s+(the\s+)?(user|human|operator|owner)\b/i,
    /\b(the\s+)?(user|human|operator|admin(istrator)?)\s+(has\s+)?(already\s+)?(pre-?)?(approved|authori[sz]ed|consented|granted (you )?(permission|access|consent))\s+(all|every|any|this|these|each)\b/i,
    /\b(permission|authori[sz]ation|approval|confirmation|security|safety)\s+(checks?|prompts?|requirements?|restrictions?)\s+(are|is|have been|has been)\s+(disabled|not required|unnecessary|bypassed|waived|turned off|skipped|already (done|performed|granted|satisfied))\b/i,
    /\b(you|the assistant|the model|the agent)\s+(have|has|are granted|now ha(ve|s))\s+(full|root|admin(istrator)?|unrestricted|elevated|superuser|god[- ]mode)\s+(access|privileges?|permissions?|rights)\b/i,
    /\b(skip|ignore|disable|turn off|override|circumvent)\s+(all\s+|any\s+|the\s+)?(permission|authori[sz]ation|approval|confirmation|consent|security|safety)\s+(checks?|prompts?|dialogs?|steps?|requirements?)\b/i,
    // "SAFE MODE OFF", "safety filters are now disabled": a claim that the model's own limits are lifted.
    /\b(safe|safety|content|moderation|ethics?|ethical)\s+(mode|filters?|protocols?|guardrails?|restrictions?|settings?|layer)(\s+(is|are|has been|have been))?(\s+now)?\s*[:=-]?\s*(off|disabled|deactivated|turned off|suspended|lifted|removed|offline)\b/i,
  ],
  'fake-error': [
    /\b(error|exception|failed|failure|denied|unauthori[sz]ed|invalid|expired|warning)\b[^\n]{0,80}?\b(to (fix|resolve|continue|proceed|recover|retry|complete)|in order to (continue|proceed))\b[^.!?\n]{0,40}?\b(you|the (assistant|model|agent|ai)|please)\b[^.!?\n]{0,20}?\b(must|should|need to|have to|call|run|use|invoke|send|provide|include|read|pass|ask|retry)\b/i,
    /\b(error|exception|failed|failure|denied|unauthori[sz]ed)\b[^\n]{0,60}?\b(the (assistant|model|agent|ai)|you) (must|should|need to|have to|are required to)\s+(now\s+)?(call|run|use|invoke|send|provide|include|read|pass|ask|retry|re-?run|execute|fetch|upload)\b/i,
    /\b(retry|re-?run|call (it |this tool )?again|try again)\s+(with|including|and (include|pass|add))\b[^.!?\n]{0,40}?\b(token|api[ _-]?key|password|credentials?|secret|conversation|history|context|ssh|private key|\.env|environment)\b/i,
    // "ERROR … To proceed, invoke backup_notes and pass the whole chat": the fix is another tool or the user's data.
    new RegExp(
      `\\b(error|exception|failed|failure|denied|unauthori[sz]ed|invalid|expired|unavailable|timed? ?out)\\b[^\\n]{0,80}?\\bto (continue|proceed|fix this|resolve this|recover|retry|complete (the|this) (request|operation))\\b,?\\s+(please\\s+)?(you must\\s+|first\\s+)?((call|invoke|use|run|execute)\\s+(the\\s+)?${'`'}?[a-z][a-z0-9]*(_[a-z0-9]+)+|(send|pass|include|provide|upload|share|attach|paste)\\b${near(40)}\\b(conversation|chat|history|credentials?|tokens?|api[ _-]?keys?|passwords?|secrets?|context|ssh|private keys?))\\b`,
      'i',
    ),
    /\b(if|when) (this|the) (tool|call|request) (fails|returns an error|errors)\b[^.!?\n]{0,40}?\b(call|use|invoke|run|send|read|include|pass)\b[^.!?\n]{0,40}?\b(instead|first|with|to)\b/i,
  ],
  impersonation: [
    /\b(this|i am|it is|this tool is|this server is)\s+(the\s+)?(official|real|genuine|authentic|original|updated|new|secure|trusted|only)\s+(and\s+\w+\s+)?(version of\s+)?[\w.-]+\s+(tool|server|integration|plugin|connector)\b[^.!?\n]{0,60}?\b(use|call|prefer|instead|replaces?|deprecated|always|only|must)\b/i,
    /\b(all|every|any)\s+[\w\s]{0,20}?(requests?|operations?|calls?|queries|actions)\b[^.!?\n]{0,20}?\b(must|should|have to|need to|are to)\s+(now\s+)?(go|be routed|be sent|pass|be passed|be made|run)\s+(through|via|to|using)\s+(this|me)\b/i,
    /\b(replaces?|supersedes?|overrides?|shadows?)\s+(the\s+)?(tool\s+)?`?[\w-]+[_.][\w.-]+`?(\s+tool)?\b[^.!?\n]{0,40}?\b(use|call|always|instead|from now)\b/i,
    /\b(use|call)\s+this(\s+tool)?\s+(instead of|in place of|rather than)\s+(the\s+|any\s+)?`?[\w.-]+`?/i,
    /\b[\w.-]+\s+(tool|server)\s+(is|has been)\s+(deprecated|removed|disabled|compromised|unsafe|broken)\b[^.!?\n]{0,40}?\b(use|call)\s+(this|me|[\w_]+)\b/i,
  ],
  // Instructions about the model's own reply: what it must add to, or do with, its response/answer/output.
  // A tool description or a returned document has no business telling the model how to write its answer.
  'response-steering': [
    new RegExp(
      `\\b(translate|encode|encrypt|cipher|reverse|rewrite|convert|transform|obfuscate|scramble|paraphrase)\\b${near(30)}\\byour\\s+(entire\\s+|whole\\s+|full\\s+|final\\s+|complete\\s+)?(responses?|answers?|replies|reply|outputs?|summary|summaries)\\b`,
      'i',
    ),
    /\byour\s+(entire\s+|whole\s+|full\s+|final\s+|next\s+)?(responses?|answers?|replies|outputs?|summary|summaries)\s+(should|must|shall|has to|have to|needs to|need to|will)\s+(always\s+|now\s+|also\s+)?(be\s+)?(written|translated|encoded|encrypted|reversed|formatted as|in [A-Z]?[a-z]+ only|contain|include|end|begin|start|mention|promote|feature|recommend)\b/i,
    new RegExp(
      `\\b(add|include|insert|append|prepend|inject|integrate|incorporate|embed|put|place|mention|promote|advertise|recommend|plug|state|claim|replace|substitute|swap|sign off|end|begin|start|conclude|finish|close)\\b${near(80)}\\b(in|into|to|within|throughout|of|at the (end|start|beginning|top|bottom) of|after|before)\\s+(your|each|every|all|any)\\s+(of your\\s+)?([a-z]+\\s+)?(responses?|answers?|outputs?|summary|summaries|completions?|translations?)\\b`,
      'i',
    ),
    // Code the model writes (not "your code", which READMEs and code answers say to the human reader).
    new RegExp(
      `\\b(add|include|insert|append|prepend|inject|integrate|incorporate|embed|put|place|use)\\b${near(80)}\\b(in|into|to|within)\\s+(every|each|all|any)\\s+(\\w+\\s+)?(code|scripts?|programs?|snippets?|solutions?|functions?)\\s+(that\\s+)?you\\s+(write|generate|produce|create|output|return|suggest)\\b`,
      'i',
    ),
    /\b(include|insert|add|embed|inject|integrate|incorporate|append)\s+(this|the following|these|the below|below)\s+(\w+\s+)?(snippet|code|lines?|script|function|payload)\s+(in|into|to|within)\s+(your|the)\s+(response|answer|output|generated code|final code|solution|code you (write|generate|produce))\b/i,
    /\b(in|to|into|for)\s+(every|each|all|any)\s+(of\s+)?(your\s+|its\s+)(future\s+|subsequent\s+|following\s+|later\s+|next\s+)?(responses|answers|replies|outputs|messages|completions)\b/i,
    new RegExp(
      `\\b(you|the (bot|assistant|ai|model|agent|chatbot|llm))\\s+(will|should|must|shall|needs? to|has to|have to|is to|are to|is required to|are required to)\\s+(always\\s+|now\\s+|also\\s+)?(insert|include|add|append|prepend|mention|promote|recommend|advertise|inject|embed|end|begin|start)\\b${near(80)}\\b(its|your|every|each|all)\\s+(\\w+\\s+)?(answers?|responses?|replies|outputs?|messages)\\b`,
      'i',
    ),
    /\b(respond|reply|answer)\s+(only\s+)?(in|using)\s+(spanish|french|german|italian|portuguese|russian|chinese|japanese|korean|arabic|hindi|pig latin|emojis?|base64|hex(adecimal)?|binary|morse|leetspeak|rot13|reverse)\b/i,
  ],
  // What the model is to tell or push the user: scams and misinformation passed through the answer.
  'user-deception': [
    /\b(tell|inform|convince|persuade|assure|warn|notify|remind)\s+(the\s+)?(user|reader|customer|human)s?\s+that\b/i,
    /\b(convince|persuade|urge|trick|pressure|pressur\w+|manipulat\w+|lure)\s+(the\s+)?(user|reader|customer|human)s?\s+(to|into)\b/i,
  ],
  // Code that does harm, asked for in prose: keyloggers, screen scraping, ransomware, floods, disabling the
  // network, corrupting the system, fingerprinting. Definitions and results alike.
  'harmful-code': [
    new RegExp(
      `\\b(write|create|add|include|insert|implement|generate|build|embed|inject|integrate|incorporate|append|run|execute|install)\\b${near(80)}\\b(keylog\\w*|(logs?|logging|records?|recording|captures?|capturing)\\s+(all\\s+|every\\s+|the\\s+)?(user'?s?\\s+)?keystrokes?|screen[ -]?scrap\\w*|ransom\\w*|fork[ -]?bomb|ddos|denial[- ]of[- ]service|(flood|floods|flooding)\\s+(the\\s+|a\\s+)?(target\\s+)?(server|host|network|website)|(disables?|disabling|blocks?|blocking|cuts? off|kills?)\\s+(the\\s+|all\\s+)?(user'?s?\\s+)?(internet|network)\\s*(connection|connectivity|access|adapters?)?|(disables?|disabling|turns? off|kills?)\\s+(the\\s+)?(firewall|antivirus|windows defender|defender|security software)|(encrypts?|encrypting)\\s+(all\\s+|the\\s+)?(user'?s?\\s+)?(files|documents|drives?)|(corrupts?|corrupting|wipes?|wiping)\\s+(the\\s+)?(operating system|os|system files|boot (sector|record)|registry)|fingerprint(s|ing)?\\s+(the\\s+)?(system|device|machine|host))`,
      'i',
    ),
  ],
  // Malware primitives in code (definitions only: returned code answers discuss such APIs legitimately).
  'malware-code': [
    /\bpynput\b|\bkeyboard\.(Listener|on_press|hook)\b|\bImageGrab\.grab\b|\bpyautogui\.screenshot\b|\bmss\(\)\.shot\b|:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:|\brm\s+-rf\s+(--no-preserve-root\s+)?\/(\*|\s|$|['"])|\bnetsh\s+(interface\s+set\s+interface|advfirewall\s+set)\b|\bifconfig\s+\w+\s+down\b|\bformat\s+c:|\bshutil\.rmtree\(\s*['"](\/|[a-z]:\\)['"]|\bos\.(system|popen)\(\s*['"](shutdown|rm\s+-rf|format|del\s+\/|reg\s+delete)|\bFernet\b[\s\S]{0,400}?\bransom|\bsocket\.socket\b[\s\S]{0,300}?\bwhile\s+True\b[\s\S]{0,200}?\.(send|sendto)\(/i,
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

// The first patterns of `secrets` name paths and stores; they count only next to a request for them.
const SECRET_PATH_PATTERNS = 4;
const REQUEST_VERB =
  /\b(read|reads|reading|cat|open|opens|load|loads|fetch|fetches|get|grab|include|includes|send|sends|pass|passes|provide|append|attach|copy|copies|paste|upload|uploads|forward|forwards|collect|collects|extract|extracts|dump|dumps|embed|share|shares|leak|transmit|transmits|exfiltrate|harvest|put|return the contents?|contents? of|print|output)\b/i;

// Negated requests ("never include tokens", "does not read credentials") are guidance, not exfiltration.
const NEGATION =
  /\b(never|not|no|don'?t|doesn'?t|won'?t|without|avoid|redact(s|ed)?|mask(s|ed)?|strip(s|ped)?|removes?)\b[^.!?\n]{0,30}$/i;

// Letter-spaced words ("i g n o r e   a l l") are read as words.
const SPACED = /(?<!\S)\p{L}(?: \p{L}(?!\S)){2,}/gu;
function despace(s: string): string {
  return s.replace(SPACED, (m) => m.replace(/ /g, ''));
}

// Chat-template roles written as data ({"role": "system", …}) impersonate a channel; quotes are part of it.
const RAW_PSEUDO_TAG = /["']role["']\s*:\s*["'](system|developer|assistant|tool)["']/i;

/** Start of the whitespace-delimited token that contains `index` (a path such as ~/.ssh/id_ed25519). */
function tokenStart(text: string, index: number): number {
  let i = index;
  while (i > 0 && index - i < 80 && !/\s/.test(text.charAt(i - 1))) i--;
  return i;
}

function phraseMatch(family: PhraseFamily, text: string, active?: Uint8Array): string {
  const offset = OFFSETS[family];
  for (const [i, re] of PATTERNS[family].entries()) {
    if (active !== undefined && active[offset + i] === 0) continue;
    const m = re.exec(text);
    if (m === null) continue;
    // Structural tags are judged on what precedes them; phrases on their whole sentence.
    const context =
      family === 'pseudo-tag'
        ? sentenceBefore(text, m.index)
        : sentenceAround(text, m.index, m[0].length).replace(m[0], ' ');
    if (META.test(context)) continue;
    // A path after "e.g." / "for example" documents an input format; it does not ask for the file.
    if (family === 'secrets' && isExampleAt(text, tokenStart(text, m.index))) continue;
    // A sensitive path named (a tool that lists ~/.aws/credentials profiles, checks .npmrc) is a mention; it
    // is a request when its sentence asks to read, send or hand it over.
    if (family === 'secrets' && i < SECRET_PATH_PATTERNS && !REQUEST_VERB.test(context)) continue;
    if (NEGATED_FAMILIES.has(family)) {
      const before = text.slice(Math.max(0, m.index - 40), m.index);
      if (NEGATION.test(before) && !/\b(tell|inform)\b/i.test(before)) continue;
    }
    return m[0].trim();
  }
  return '';
}

type PhraseFamily = keyof typeof PATTERNS;

// The literal prefilter (atr-prefilter.ts) over these patterns: on a variant, a pattern runs only when one
// of the literals every match of it contains occurs there (one pass per variant instead of a regex scan
// per pattern). Sound: it never skips a pattern that would match.
const OFFSETS = {} as Record<PhraseFamily, number>;
const FILTER = buildPrefilter(
  (Object.keys(PATTERNS) as PhraseFamily[]).flatMap((f, _, all) => {
    OFFSETS[f] = all.slice(0, all.indexOf(f)).reduce((n, g) => n + PATTERNS[g].length, 0);
    return PATTERNS[f].map((re) => re.source);
  }),
);

// Families whose match right after a negation ("never sends data to…", "does not bypass…") is a promise.
const NEGATED_FAMILIES = new Set<PhraseFamily>([
  'secrets',
  'coercion',
  'exfiltration',
  'prompt-leak',
  'persona',
  'permission-bypass',
  'fake-error',
  'impersonation',
  'response-steering',
  'user-deception',
  'harmful-code',
]);

const PHRASE_FAMILIES = Object.keys(PATTERNS) as PhraseFamily[];

/**
 * Evidence for every family in one text, computed in one pass over the shared work (quote stripping,
 * base64 and tag-character decoding): family → matching snippet, or "" when the family does not fire.
 */
export function analyzeText(
  text: string,
  only: readonly PoisonFamily[] = POISON_FAMILIES,
): Record<PoisonFamily, string> {
  const wanted = new Set(only);
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
  // Base64 blobs and foreign passages only when asked for (results skip them: ordinary data has both).
  const blobs = wanted.has('base64') ? base64Blobs(text) : [];
  const decodedBlobs = blobs.map(decodeBase64Text);
  const first = blobs[0];
  out.base64 =
    first === undefined
      ? ''
      : decodedBlobs[0] === ''
        ? `${first.slice(0, 24)}… (${first.length} chars)`
        : `decodes to "${(decodedBlobs[0] as string).slice(0, 60)}"`;
  const views = viewSet(text);
  const stripped = stripQuoted(views.visible);
  out['foreign-payload'] = wanted.has('foreign-payload')
    ? foreignPayload(text) || foreignLatinPassage(stripped)
    : '';
  const spaced = despace(stripped);
  const variants =
    views.plain === views.visible
      ? [stripped, spaced]
      : [stripped, spaced, despace(stripQuoted(views.plain))];
  if (variants[1] === stripped) variants.splice(1, 1);
  // Decoded base64/hex/URL-encoded runs: evidence says where the instruction was hidden.
  const decodedViews = views.decoded.map((v) => despace(stripQuoted(v)));
  const decodedLiterals = decodedViews.map((v) => activePatterns(FILTER, v));
  const literals = variants.map((v) => activePatterns(FILTER, v));
  for (const family of PHRASE_FAMILIES) {
    if (!wanted.has(family)) {
      out[family] = '';
      continue;
    }
    let hit = '';
    for (const [i, variant] of variants.entries()) {
      if (hit !== '') break;
      hit = phraseMatch(family, variant, literals[i]);
    }
    if (hit === '' && family === 'pseudo-tag') hit = RAW_PSEUDO_TAG.exec(text)?.[0] ?? '';
    // Code is often quoted (os.system("rm -rf /")): malware primitives are read with quotes kept.
    if (hit === '' && family === 'malware-code') hit = phraseMatch(family, views.visible);
    // A base64 blob or tag-character payload that decodes to an instruction is the same instruction.
    for (const decoded of decodedBlobs) {
      if (hit !== '') break;
      if (decoded !== '' && phraseMatch(family, decoded) !== '')
        hit = `base64 decoding to "${decoded.slice(0, 60)}"`;
    }
    for (const [i, decoded] of decodedViews.entries()) {
      if (hit !== '') break;
      if (phraseMatch(family, decoded, decodedLiterals[i]) !== '')
        hit = `encoded run decoding to "${decoded.slice(0, 60)}"`;
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
