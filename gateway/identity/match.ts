/**
 * Name and date-of-birth matching. Never certain on its own: an exact name and date of birth is PROBABLE,
 * anything looser is POSSIBLE. Certainty comes only from a shared identifier (link.ts).
 */
export type MatchConfidence = 'CERTAIN' | 'PROBABLE' | 'POSSIBLE';
export type MatchBasis = 'IDENTIFIER' | 'EXACT_NAME' | 'SIMILAR_NAME' | 'DATE_OF_BIRTH';

export interface NameMatch {
  confidence: MatchConfidence;
  matchedOn: MatchBasis[];
  score: number;
}

export function nameTokens(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z\s-]/g, ' ')
    .split(/[\s-]+/)
    .filter(Boolean);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** Spelling variants such as Jonathan/Jonathon or Smith/Smyth: same initial, a small edit distance. */
export function similarToken(a: string, b: string): boolean {
  if (a === b) return true;
  if (a[0] !== b[0]) return false;
  return editDistance(a, b) <= (Math.max(a.length, b.length) <= 5 ? 1 : 2);
}

/** How the query name compares with a recorded name: tokens in any order, each used once. */
export function compareNames(query: string[], recorded: string[]): 'exact' | 'similar' | 'none' {
  if (query.length === 0 || query.length !== recorded.length) return 'none';
  const sortedQuery = [...query].sort().join(' ');
  if (sortedQuery === [...recorded].sort().join(' ')) return 'exact';
  const unused = [...recorded];
  for (const token of query) {
    const at = unused.findIndex((candidate) => similarToken(token, candidate));
    if (at < 0) return 'none';
    unused.splice(at, 1);
  }
  return 'similar';
}

/** Scores a candidate; null when it does not match at all (a date of birth that differs rules it out). */
export function matchCandidate(query: { tokens: string[]; dateOfBirth?: string }, candidate: { names: string[][]; dateOfBirth: string }): NameMatch | null {
  if (query.dateOfBirth !== undefined && query.dateOfBirth !== candidate.dateOfBirth) return null;
  const best = candidate.names
    .map((name) => compareNames(query.tokens, name))
    .reduce<'exact' | 'similar' | 'none'>(
      (acc, r) => (acc === 'exact' || r === 'exact' ? 'exact' : acc === 'similar' || r === 'similar' ? 'similar' : 'none'),
      'none',
    );
  if (best === 'none') return null;
  const withDob = query.dateOfBirth !== undefined;
  const matchedOn: MatchBasis[] = [best === 'exact' ? 'EXACT_NAME' : 'SIMILAR_NAME', ...(withDob ? (['DATE_OF_BIRTH'] as const) : [])];
  if (best === 'exact' && withDob) return { confidence: 'PROBABLE', matchedOn, score: 0.9 };
  if (withDob) return { confidence: 'POSSIBLE', matchedOn, score: 0.7 };
  return { confidence: 'POSSIBLE', matchedOn, score: best === 'exact' ? 0.5 : 0.3 };
}
