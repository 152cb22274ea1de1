// Types of scripts/node-runtime.mjs for the TypeScript that imports it (test/infra/runtime-line.test.ts).

/** The Node.js release brought when the machine's Node is of another line, and its registry integrity. */
export declare const NODE: { readonly version: string; readonly package: string; readonly integrity: string };

/** The major version package.json's `engines.node` ("<major>.x") names; throws naming the field otherwise. */
export declare function shippedLine(packageJson?: { engines?: { node?: string } }): number;
