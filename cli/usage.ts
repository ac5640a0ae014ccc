// A usage error (exit code 2, with the command's usage line). Its own module so code loaded on
// demand can throw it without importing cli/main.ts: a module imported while main's top-level
// await runs must not depend on main, or both wait for each other.
export class CliUsageError extends Error {}
