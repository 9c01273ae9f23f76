// The library's messages in the command line's words: its option names become flags, and the
// function that raised an error is left out (the user called none).

const REWRITES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bpass pretrained: false\b/g, 'pass --no-pretrained'],
  [/\bpass weights: '([^']*)'/g, "pass --weights '$1'"],
  [/\bpass weights:/g, 'pass --weights'],
  [/\(bs (\d+)\); lower bs\b/g, '(--bs $1); lower --bs'],
  [/\blower bs\b/g, 'lower --bs'],
  [/\bpass validPct\b/g, 'pass --valid-pct'],
  [/\b[Rr]esume with the same fit call\b(?! and)/g, 'resume with the same command'],
  [/\bresume with the same fit call and \{ resume: '([^']*)' \}/g, "resume with the same command and --resume '$1'"],
  // "resolvePretrained: …", "fromFolder: …", "loadLearner: …" at the start of a line.
  [/^(?:resolvePretrained|fromFolder|fromNameRe|loadLearner|visionLearner|testDl|fineTune|fitOneCycle|lrFind|tta|getPreds|resume|load): /gm, ''],
];

/** A library message as the CLI prints it. */
export function forCommandLine(message: string): string {
  return REWRITES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message);
}
