// metrics.json and report.html: the run's numbers, and one self-contained page (images embedded
// as data URIs) with the tables and plots side by side.
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import { formatSeconds } from './stages.js';
import type { DemoSummary, PredictionRecord } from './summary.js';
import type { FitTable } from './table-capture.js';
import type { RunRecord } from './walkthrough.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : '—');

/** One sentence for a newcomer: what was pretrained on what, transferred to what, and by how much it won. */
export function headline(summary: DemoSummary): string {
  const { data, transfer, scratch, recipe } = summary;
  const source = summary.pretraining.source;
  const arch = recipe?.arch ?? 'resnet34';
  const what = source
    ? `A ${arch} pretrained on ${source.train} Fashion-MNIST images of ${source.classes.join(', ')} and transferred to ` +
      `${data.classes.length} other classes (${data.classes.join(', ')}) with ${recipe?.target.trainPerClass ?? data.train / data.classes.length} labelled images per class`
    : `A ${arch} with the weights ${summary.pretraining.weights}, transferred to ${data.classes.length} classes with ${data.train} labelled images`;
  const result = `made ${pct(transfer.errorRate)} errors on ${data.valid} validation images`;
  if (!scratch) return `${what} ${result}.`;
  const gap = (scratch.errorRate - transfer.errorRate) * 100;
  return (
    `${what} ${result}, against ${pct(scratch.errorRate)} for the same steps from random weights: ` +
    `${Math.abs(gap).toFixed(1)} points ${gap >= 0 ? 'better' : 'worse'}.`
  );
}

function table(t: FitTable): string {
  const head = t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  return `<table class="epochs"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

async function dataUri(file: string): Promise<string> {
  return `data:image/png;base64,${(await readFile(file)).toString('base64')}`;
}

/** A small PNG of an image file, for the predictions table. */
async function thumbnail(file: string): Promise<string> {
  const png = await sharp(file).resize(72, 72, { fit: 'inside', kernel: 'nearest' }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

function figure(uri: string, title: string, caption: string): string {
  return `<figure><img src="${uri}" alt="${escapeHtml(title)}"><figcaption><b>${escapeHtml(title)}</b> ${escapeHtml(caption)}</figcaption></figure>`;
}

function fits(run: RunRecord, lrFindFigure: string): string {
  const [first, ...rest] = run.fits;
  const block = (call: string, body: string) => `<div class="fit"><code>learn.${escapeHtml(call)}</code>${body}</div>`;
  const parts: string[] = [];
  if (first) parts.push(block(first.call, table(first.table)));
  parts.push(
    `<div class="fit"><code>learn.unfreeze(); const { valley } = await learn.lrFind()</code>` +
      `<p>valley = <b>${run.valley.toExponential(2)}</b> (${formatSeconds(run.lrFindSeconds)})</p>${lrFindFigure}</div>`,
  );
  for (const f of rest) parts.push(block(f.call, table(f.table)));
  return parts.join('');
}

function predictionRows(predictions: readonly PredictionRecord[], thumbs: readonly string[]): string {
  return predictions
    .map((p, i) => {
      const ok = p.actual === p.predicted;
      return (
        `<tr class="${ok ? 'right' : 'wrong'}"><td><img class="thumb" src="${thumbs[i]}" alt="${escapeHtml(p.file)}"></td>` +
        `<td>${escapeHtml(p.file)}</td><td>${escapeHtml(p.actual)}</td><td>${escapeHtml(p.predicted)}</td><td>${(p.probability * 100).toFixed(1)} %</td></tr>`
      );
    })
    .join('');
}

export const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1d2433; margin: 0; background: #f5f6f8; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 36px 0 10px; border-bottom: 1px solid #e3e6ea; padding-bottom: 4px; }
.sub { color: #5b6474; margin: 0 0 20px; } .lead { font-size: 17px; margin: 8px 0; }
.cards { display: flex; gap: 16px; flex-wrap: wrap; }
.card { flex: 1 1 200px; border: 1px solid #e3e6ea; border-radius: 8px; padding: 12px 16px; }
.card .value { font-size: 28px; font-weight: 600; } .card.best { border-color: #2e7d32; background: #f1f8f1; }
.card .label { color: #5b6474; font-size: 13px; }
code { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: #f1f3f6; padding: 2px 6px; border-radius: 4px; }
.fit { margin: 14px 0; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
table.epochs td, table.epochs th { font-family: ui-monospace, "DejaVu Sans Mono", monospace; text-align: right; padding: 2px 12px; }
th { border-bottom: 1px solid #c9ced6; font-weight: 600; } td, th { padding: 3px 10px; text-align: left; }
tr.wrong td { color: #b3261e; }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 18px; }
figure { margin: 0; } figure img { max-width: 100%; border: 1px solid #eef0f3; border-radius: 4px; }
figcaption { font-size: 13px; color: #5b6474; }
img.thumb { width: 56px; height: 56px; image-rendering: pixelated; border: 1px solid #eef0f3; }
#image-check { display: none; background: #fdecea; color: #b3261e; padding: 8px 12px; border-radius: 6px; }
footer { margin-top: 36px; font-size: 12px; color: #8a93a3; }
`;

/** Marks the page with how many of its images decoded, and shows a warning when any did not. */
const IMAGE_CHECK = `
window.addEventListener('load', () => {
  const images = [...document.images];
  const ok = images.filter((img) => img.complete && img.naturalWidth > 0).length;
  document.body.dataset.imagesDecoded = ok + '/' + images.length;
  if (ok < images.length) {
    const banner = document.getElementById('image-check');
    banner.textContent = (images.length - ok) + ' of ' + images.length + ' images in this report could not be shown.';
    banner.style.display = 'block';
  }
});
`;

/** The report as one HTML document; the plots are read from `runDir` and embedded. */
export async function renderReport(summary: DemoSummary, runDir: string, dataDir: string): Promise<string> {
  const plot = new Map<string, string>();
  for (const p of summary.plots) plot.set(p.file, figure(await dataUri(join(runDir, p.file)), p.title, p.caption));
  const take = (file: string) => {
    const html = plot.get(file) ?? '';
    plot.delete(file);
    return html;
  };
  const { transfer, scratch, pretraining, data, machine } = summary;
  const best = scratch && transfer.errorRate <= scratch.errorRate;
  const cards = [
    `<div class="card ${best ? 'best' : ''}"><div class="label">transfer learning — error rate</div><div class="value">${pct(transfer.errorRate)}</div></div>`,
    scratch
      ? `<div class="card"><div class="label">same steps from random weights — error rate</div><div class="value">${pct(scratch.errorRate)}</div></div>`
      : '',
    `<div class="card"><div class="label">whole run</div><div class="value">${formatSeconds(summary.totalSeconds)}</div></div>`,
  ].join('');
  const source = pretraining.source;
  const sourceHtml = source
    ? `<p>${escapeHtml(source.arch)} trained from random weights on ${escapeHtml(source.classes.join(', '))} (${source.train} images at ${source.size} px; error rate ${pct(source.errorRate)} on ${source.valid}), ` +
      `its body saved with torchvision's names${source.cached ? ` — reused from the cache of an earlier${source.borrowedFrom ? ` ${escapeHtml(source.borrowedFrom)}` : ''} run` : ` in ${formatSeconds(source.seconds)}`}.</p>${table(source.table)}`
    : `<p>Body weights: <code>${escapeHtml(pretraining.weights)}</code>.</p>`;
  const thumbs = await Promise.all((summary.predictions ?? []).map((p) => thumbnail(isAbsolute(p.file) ? p.file : join(dataDir, p.file))));
  const interp = summary.interpretation;

  const sections = [
    `<h1>Transfer learning with fasttune</h1>`,
    `<p class="lead">${escapeHtml(headline(summary))}</p>`,
    `<p class="sub">${escapeHtml(data.description)} · ${data.classes.length} classes · ${data.train} training / ${data.valid} validation images at ${data.imageSize} px · ${escapeHtml(summary.createdAt)}</p>`,
    `<div id="image-check"></div>`,
    `<div class="cards">${cards}</div>`,
    `<h2>The data</h2>`,
    take('batch.png'),
    `<h2>Pretraining</h2>`,
    sourceHtml,
    `<h2>Transfer learning: <code>visionLearner(dls, ${escapeHtml(summary.recipe?.arch ?? 'resnet34')}, { weights })</code></h2>`,
    fits(transfer, take('lr_find.png')),
    `<div class="plots">${take('loss.png')}${take('schedule.png')}</div>`,
    scratch ? `<h2>The control: the same steps from random weights</h2>${fits(scratch, '')}` : '',
    scratch ? take('compare.png') : '',
    interp
      ? `<h2>What the transferred model gets wrong</h2><div class="plots">${take('confusion.png')}${take('top_losses.png')}</div>` +
        `<p>Most confused (actual → predicted, count): ${
          interp.mostConfused
            .slice(0, 6)
            .map(([a, p, n]) => `${escapeHtml(a)} → ${escapeHtml(p)} (${n})`)
            .join(', ') || 'none'
        }</p>`
      : '',
    summary.predictions?.length
      ? `<h2>Predictions of the exported model</h2><p><code>(await loadLearner('${escapeHtml(summary.exported?.file ?? 'model.safetensors')}')).predict(file)</code></p>` +
        `<table><thead><tr><th></th><th>file</th><th>actual</th><th>predicted</th><th>probability</th></tr></thead><tbody>${predictionRows(summary.predictions, thumbs)}</tbody></table>`
      : '',
    plot.size > 0 ? `<h2>More plots</h2><div class="plots">${[...plot.values()].join('')}</div>` : '',
    `<h2>Time</h2><table><tbody>${summary.timings.map((t) => `<tr><td>${escapeHtml(t.name)}</td><td>${formatSeconds(t.seconds)}</td></tr>`).join('')}` +
      `<tr><th>total</th><th>${formatSeconds(summary.totalSeconds)}</th></tr>` +
      `<tr><td>CPU time (user + system)</td><td>${formatSeconds(summary.cpuSeconds)}</td></tr></tbody></table>`,
    `<footer>fasttune ${escapeHtml(summary.fasttuneVersion)} · LibTorch ${escapeHtml(machine.libtorch)} · Node ${escapeHtml(machine.node)} · ` +
      `${machine.cpus} cores, ${machine.threads} threads · load ${machine.loadBefore.map((l) => l.toFixed(2)).join(' ')} at the start, ${machine.loadAfter.map((l) => l.toFixed(2)).join(' ')} at the end</footer>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fasttune demo — ${escapeHtml(data.description)}</title><style>${STYLE}</style></head>
<body><main>
${sections.filter(Boolean).join('\n')}
</main><script>${IMAGE_CHECK}</script></body></html>
`;
}

/** Writes `metrics.json` and `report.html` into `runDir`; resolves to the report's path. */
export async function writeReport(summary: DemoSummary, runDir: string, dataDir: string): Promise<string> {
  await writeFile(join(runDir, 'metrics.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const file = join(runDir, 'report.html');
  await writeFile(file, await renderReport(summary, runDir, dataDir));
  return file;
}
