/** A zod issue as a line naming its key path the way YAML users read it: `observation[0].fields[2]: ...`. */
export function describeIssue(issue: { readonly path: readonly PropertyKey[]; readonly message: string }): string {
  const path = issue.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
  return `${path || '(root)'}: ${issue.message}`;
}
