/** Bars for the server-drawn SVG charts (views/chart.njk): positions worked out here, so the template only draws. */

export interface Bars {
  width: number;
  height: number;
  max: number;
  items: { x: number; y: number; w: number; h: number; label: string; short: string; value: number; showLabel: boolean }[];
}

export function bars(data: readonly { label: string; short?: string; value: number }[], height = 160): Bars {
  const slot = Math.max(12, Math.min(60, Math.floor(900 / Math.max(1, data.length))));
  const max = Math.max(0, ...data.map((d) => d.value));
  const every = Math.ceil(data.length / 15);
  return {
    width: Math.max(slot * data.length, 200),
    height,
    max,
    items: data.map((d, index) => {
      const h = max === 0 ? 0 : Math.max(d.value > 0 ? 1 : 0, Math.round((d.value / max) * height));
      return { x: index * slot + 2, y: height - h, w: slot - 4, h, label: d.label, short: d.short ?? d.label, value: d.value, showLabel: index % every === 0 };
    }),
  };
}

export interface Rows {
  width: number;
  height: number;
  items: { y: number; w: number; label: string; value: number }[];
}

/** Horizontal bars for named categories (agencies, purposes, clauses): the names stay legible however many. */
export function rows(data: readonly { label: string; value: number }[]): Rows {
  const max = Math.max(0, ...data.map((d) => d.value));
  return {
    width: 900,
    height: data.length * 28 + 4,
    items: data.map((d, index) => ({
      y: index * 28 + 2,
      w: max === 0 ? 0 : Math.max(d.value > 0 ? 1 : 0, Math.round((d.value / max) * 560)),
      label: d.label,
      value: d.value,
    })),
  };
}
