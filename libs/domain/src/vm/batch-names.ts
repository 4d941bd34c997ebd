/** `count` creates: one name as given, several as name-1, name-2, ... (API.md). */
export function batchNames(name: string, count: number): string[] {
  if (count === 1) return [name];
  return Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);
}
