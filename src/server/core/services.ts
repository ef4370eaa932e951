// Typed services modules provide to each other. A module that provides one augments this
// interface (declaration merging), so ctx.require('disco') is typed without importing the module.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Services {}
