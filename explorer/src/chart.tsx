import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'react';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export const BAR_COLOR = 'rgb(225, 0, 152)';

/** Bars drawn by Chart.js: one per label, no animation (the analyst reads the final picture at once). */
export function BarChart({ title, labels, values }: { title: string; labels: string[]; values: number[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const chart = new Chart(canvas.current!, {
      type: 'bar',
      data: { labels, datasets: [{ label: title, data: values, backgroundColor: BAR_COLOR, borderWidth: 0, barPercentage: 0.7, categoryPercentage: 0.9 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { tooltip: { enabled: true } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    // What was drawn, for whoever checks the picture: one element per bar.
    canvas.current!.dataset.bars = String(chart.getDatasetMeta(0).data.length);
    return () => chart.destroy();
  }, [title, labels, values]);
  return (
    <div className="registry-chart">
      <canvas ref={canvas} role="img" aria-label={`${title}: ${labels.map((label, i) => `${label} ${values[i]}`).join(', ')}`} />
    </div>
  );
}
