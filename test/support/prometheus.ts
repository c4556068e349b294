// Reads the Prometheus text exposition format (version 0.0.4) line by line: # HELP, # TYPE and
// samples with escaped label values, grouped into families (a histogram's _bucket, _sum and _count
// samples under its name). Written here because the parser on npm drops the labels of labelled
// histograms, which are the ones worth checking.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq === -1 || text[eq + 1] !== '"') throw new Error(`bad labels in: ${line}`);
    const name = text.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        value += next === 'n' ? '\n' : next;
      } else value += text[j];
    }
    if (j >= text.length) throw new Error(`unterminated label value in: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
  }
  return labels;
}

/** Go's ParseFloat, which Prometheus uses: NaN and Inf in any case. */
function parseValue(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  const n = Number(text);
  if (Number.isNaN(n) || text === '') throw new Error(`bad value: ${text}`);
  return n;
}

function parseSample(line: string): Sample {
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  if (brace !== -1 && brace < space) {
    const close = line.lastIndexOf('}');
    return {
      name: line.slice(0, brace),
      labels: parseLabels(line.slice(brace + 1, close), line),
      value: Number(
        line
          .slice(close + 1)
          .trim()
          .split(' ')[0],
      ),
    };
  }
  return { name: line.slice(0, space), labels: {}, value: parseValue(line.slice(space + 1).split(' ')[0]!) };
}

export function parseMetrics(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) {
      f = { name, help: '', type: 'untyped', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const rest = line.slice(7);
      const space = rest.indexOf(' ');
      const f = family(rest.slice(0, space));
      if (line.startsWith('# HELP ')) f.help = rest.slice(space + 1);
      else f.type = rest.slice(space + 1) as MetricFamily['type'];
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = parseSample(line);
    const base = sample.name.replace(/_(bucket|sum|count)$/, '');
    const owner = families.get(base)?.type === 'histogram' ? base : sample.name;
    family(owner).samples.push(sample);
  }
  return families;
}

/** The sum of a family's samples (a histogram's `_count` ones) whose labels include `labels`. */
export function sampleSum(family: MetricFamily | undefined, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of family?.samples ?? []) {
    if (family!.type === 'histogram' && !s.name.endsWith('_count')) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}
