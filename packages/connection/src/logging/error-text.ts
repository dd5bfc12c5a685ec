/** A short, stable code for an error: its `code`, a reply's first word, or its name. */
export function errorCode(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (error.name === 'ReplyError') return error.message.split(' ', 1)[0] ?? 'ReplyError';
  return error.name;
}

/** The string `code` of an error, when it has one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The first line of `text`. */
export function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
