// Packages the tests and benchmarks use that ship no type declarations.
declare module 'autocannon';
declare module 'madge';
