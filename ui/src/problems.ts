import type { Problem } from "./bindings/Settings";

/** One line naming where a config problem is (file and line, or variable), the key, and what is wrong. */
export function describeProblem(problem: Problem): string {
  const where =
    problem.source.kind === "file"
      ? problem.source.line !== null
        ? `${problem.source.path}:${problem.source.line}`
        : problem.source.path
      : problem.source.variable;
  const key = problem.key ? ` ${problem.key}` : "";
  return `${where}${key} — ${problem.message}`;
}
