// The order `list()`, `entries()` and `owners()` promise: Unicode code point order, which is
// what SQLite's BINARY collation and PostgreSQL's "C" collation give for UTF-8 text. JavaScript's
// default sort compares UTF-16 code units and disagrees for characters beyond U+FFFF.

export function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done === true || y.done === true) return (x.done === true ? 0 : 1) - (y.done === true ? 0 : 1);
    const difference = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
}
