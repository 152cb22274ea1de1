/**
 * DynamoDB's transaction semantics in memory, for the in-process tests of
 * `core/aws/dynamodb-commit.ts` (where mutation testing can reach the commit): the condition
 * expressions the commit sends, evaluated as DynamoDB would, and the exception a cancelled
 * TransactWriteItems throws. The same code against moto over the wire:
 * `test/integration/aws/dynamodb-*.test.ts`.
 */

/** One item of a table, attribute name → value. */
export type Item = Record<string, unknown>;

/**
 * Evaluates one of the condition expressions the commit sends against `item` (undefined: absent).
 * The grammar modelled is the commit's: `a = b`, `a < b`, `attribute_exists(a)`,
 * `attribute_not_exists(a)`, joined by AND / OR (AND binds tighter).
 * @throws Error naming the atom when the commit sends something outside that grammar.
 */
export function holds(expression: string, item: Item | undefined, names: Record<string, string> = {}, values: Record<string, unknown> = {}): boolean {
  const operand = (token: string): unknown => (token.startsWith(':') ? values[token] : item?.[names[token] ?? token]);
  return expression.split(' OR ').some((alternative) =>
    alternative.split(' AND ').every((atom) => {
      const fn = /^(attribute_exists|attribute_not_exists)\((#\w+)\)$/.exec(atom.trim());
      if (fn) return (operand(fn[2]!) !== undefined) === (fn[1] === 'attribute_exists');
      const cmp = /^(#\w+) (=|<) (:\w+)$/.exec(atom.trim());
      if (!cmp) throw new Error(`condition grammar not modelled: ${atom}`);
      const [a, b] = [operand(cmp[1]!), operand(cmp[3]!)];
      if (a === undefined) return false;
      return cmp[2] === '=' ? a === b : (a as number) < (b as number);
    }),
  );
}

/** What a cancelled TransactWriteItems throws: one `CancellationReasons` code per item, in request order. */
export class TransactionCanceled extends Error {
  override readonly name = 'TransactionCanceledException';
  constructor(readonly CancellationReasons: { Code: string }[]) {
    super(`Transaction cancelled, please refer cancellation reasons for specific reasons [${CancellationReasons.map((r) => r.Code).join(', ')}]`);
  }
}
