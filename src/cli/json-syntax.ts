/**
 * Where a .json manifest stops being JSON. The YAML parser reads JSON (and gives the
 * positions the CLI reports) but also accepts what JSON forbids, such as trailing commas or
 * bare words, which kubectl would refuse; `JSON.parse` refuses them too but, on Node 20, does
 * not always say where.
 */
export interface JsonSyntaxError {
  /** Offset in the text where the input stops being valid JSON. */
  readonly offset: number;
  readonly message: string;
}

class Failure {
  constructor(readonly offset: number, readonly message: string) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = ' \t\n\r';
const ESCAPES = '"\\/bfnrt';

/** The first syntax error of `text` read as one JSON value (a leading byte-order mark allowed), or undefined. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = text.startsWith('\uFEFF') ? 1 : 0;

  const found = () => (i >= text.length ? 'end of input' : `'${text[i]}'`);
  const fail = (message: string): never => {
    throw new Failure(i, message);
  };
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.includes(text[i])) i++;
  };
  const consume = (expected: string, what: string) => {
    if (text[i] !== expected) fail(`expected ${what} but found ${found()}`);
    i++;
  };

  const readString = () => {
    consume('"', 'a string');
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') fail('control character in string');
      if (c !== '\\') {
        i++;
        continue;
      }
      i++;
      if (text[i] === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('invalid \\u escape in string');
        i += 5;
      } else if (i < text.length && ESCAPES.includes(text[i])) {
        i++;
      } else {
        fail('invalid escape in string');
      }
    }
  };

  const readMembers = (close: string, readMember: () => void) => {
    i++;
    skipWhitespace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      readMember();
      skipWhitespace();
      if (text[i] === ',') {
        i++;
        skipWhitespace();
        continue;
      }
      consume(close, `',' or '${close}'`);
      return;
    }
  };

  const readValue = (): void => {
    skipWhitespace();
    const c = text[i];
    if (c === '{') {
      readMembers('}', () => {
        if (text[i] !== '"') fail(`expected a property name but found ${found()}`);
        readString();
        skipWhitespace();
        consume(':', "':'");
        readValue();
      });
    } else if (c === '[') {
      readMembers(']', readValue);
    } else if (c === '"') {
      readString();
    } else {
      for (const word of ['true', 'false', 'null']) {
        if (text.startsWith(word, i)) {
          i += word.length;
          return;
        }
      }
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) fail(`unexpected ${found()}`);
      i = NUMBER.lastIndex;
    }
  };

  try {
    readValue();
    skipWhitespace();
    if (i < text.length) fail(`unexpected ${found()} after the end of the JSON value`);
    return undefined;
  } catch (err) {
    if (err instanceof Failure) return { offset: err.offset, message: err.message };
    throw err;
  }
}
