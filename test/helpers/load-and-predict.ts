// Run in a fresh process: loads an exported model, predicts each image one by one and all of them
// through a test loader, and prints the results as JSON.
import { loadLearner } from '../../src/index.js';

const [model, ...files] = process.argv.slice(2);
const learn = await loadLearner(model as string);
const predicted = [];
for (const file of files) {
  const p = await learn.predict(file);
  predicted.push({ label: p.label, index: p.index, probs: Array.from(p.probs) });
}
const preds = await learn.getPreds({ ds: learn.dls.testDl(files) });
process.stdout.write(JSON.stringify({ predicted, testProbs: Array.from(preds.probs), vocab: learn.dls.vocab }));
learn.model.dispose();
