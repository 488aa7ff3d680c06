// Option parsers shared by the commands (commander calls them once per occurrence of the flag).

/** A repeatable option: every occurrence appended, in order. */
export const collectOption = (value: string, previous: string[] = []): string[] => [...previous, value];
