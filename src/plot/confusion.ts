// The confusion-matrix heatmap: actual classes down, predicted across, each cell's count written
// in it (and the row fraction when normalized), labelled as fastai's figure.
import type { TopLevelSpec } from 'vega-lite';

export interface ConfusionChartOptions {
  /** Colour by the fraction of each actual class instead of the count (default false). */
  normalize?: boolean;
  /** Default 'Confusion matrix'. */
  title?: string;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** A vega-lite heatmap of `matrix` (rows actual, columns predicted, both in `vocab` order). */
export function confusionChart(
  matrix: readonly (readonly number[])[],
  vocab: readonly string[],
  { normalize = false, title = 'Confusion matrix' }: ConfusionChartOptions = {},
): TopLevelSpec {
  const cells = matrix.flatMap((row, a) => {
    const total = row.reduce((s, v) => s + v, 0);
    return row.map((count, p) => {
      const fraction = total > 0 ? count / total : 0;
      return {
        actual: vocab[a],
        predicted: vocab[p],
        count,
        fraction,
        value: normalize ? fraction : count,
        text: normalize ? fraction.toFixed(2) : String(count),
      };
    });
  });
  const max = Math.max(0, ...cells.map((c) => c.value));
  const side = Math.min(640, Math.max(160, 48 * vocab.length));
  const axis = (field: 'actual' | 'predicted', titleText: string) => ({ field, type: 'ordinal', title: titleText, sort: [...vocab] }) as const;
  return {
    $schema: SCHEMA,
    title,
    width: side,
    height: side,
    background: 'white',
    data: { values: cells },
    encoding: { x: axis('predicted', 'Predicted'), y: axis('actual', 'Actual') },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'value', type: 'quantitative', title: normalize ? 'fraction' : 'count', scale: { scheme: 'blues', domain: [0, max || 1] } },
        },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          text: { field: 'text', type: 'nominal' },
          color: { condition: { test: `datum.value > ${(max || 1) / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  } as TopLevelSpec;
}
